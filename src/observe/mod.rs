//! Observations: from a raw [`Capture`] to the report's [`Pass`].
//!
//! Pure functions only. This stage attributes every cookie to the write that set it
//! (a `Set-Cookie` header or a `document.cookie` write) and computes the lifetime the
//! site *asked for* next to the one the browser stored (Chromium caps at 400 days),
//! attributes storage writes to scripts, picks out beacons and tracking pixels,
//! classifies every host as first or third party, redacts values unless asked not to,
//! and puts everything in a deterministic order. When a pass visited several pages
//! (`--pages`), every timed observation gets the page that was being visited at its time.

pub mod cookies;

use std::collections::{BTreeMap, HashMap};

use crate::capture::model::{Capture, RawRequest};
use crate::classify::{Party, PartyClassifier, host_of, registrable_domain};
use crate::report::*;

/// How observations are shaped.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObserveOptions {
    /// Keep cookie and storage values instead of redacting them.
    pub show_values: bool,
}

/// Largest body, in bytes, of an image that counts as a "tiny" image.
pub const TINY_IMAGE_BYTES: usize = 128;

/// Builds one pass of the report from a capture.
pub fn build_pass(name: &str, cap: &Capture, opts: ObserveOptions) -> Pass {
    let site_host = cap
        .final_url
        .as_deref()
        .or(Some(cap.requested_url.as_str()))
        .and_then(host_of)
        .unwrap_or_default();
    let parties = PartyClassifier::for_host(&site_host);

    // Requests in a deterministic order, then numbered.
    let mut order: Vec<usize> = (0..cap.requests.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&cap.requests[a], &cap.requests[b]);
        x.start_ms
            .total_cmp(&y.start_ms)
            .then_with(|| x.url.cmp(&y.url))
            .then_with(|| a.cmp(&b))
    });
    let mut ids: HashMap<usize, String> = HashMap::new();
    for (n, &i) in order.iter().enumerate() {
        ids.insert(i, format!("r{}", n + 1));
    }

    let requests: Vec<Request> = order
        .iter()
        .map(|&i| request(&cap.requests[i], &ids[&i], &parties, opts))
        .collect();

    let cookies = cookies::attribute(cap, &ids, &parties, opts);
    let mut blocked = Vec::new();
    for &i in &order {
        let r = &cap.requests[i];
        let host = host_of(&r.url).unwrap_or_default();
        for b in &r.blocked_cookies {
            blocked.push(BlockedCookie {
                name: cookies::line_name(&b.line),
                line: cookies::redact_line(&b.line, opts.show_values),
                reasons: b.reasons.clone(),
                set_by: r.url.clone(),
                request: ids[&i].clone(),
                party: parties.party(&host),
            });
        }
    }

    let mut storage: Vec<StorageItem> = cap
        .storage
        .iter()
        .map(|s| {
            let host = host_of(&s.origin).unwrap_or_default();
            let writer = cap.storage_writes.iter().rev().find(|w| {
                w.text == s.key
                    && w.area.as_deref() == Some(s.area.as_str())
                    && same_origin(&w.frame_url, &s.origin)
            });
            StorageItem {
                origin: s.origin.clone(),
                partition: s.partition.clone(),
                area: s.area.clone(),
                key: s.key.clone(),
                value: opts.show_values.then(|| s.value.clone()),
                value_length: s.value.chars().count(),
                party: parties.party(&host),
                written_by: writer.and_then(|w| w.script.clone()),
                written_at_ms: writer.map(|w| round1(w.time_ms)),
                consent_ms: None,
                page: None,
                vendor: None,
            }
        })
        .collect();
    storage.sort_by(|a, b| {
        (&a.origin, &a.partition, &a.area, &a.key).cmp(&(&b.origin, &b.partition, &b.area, &b.key))
    });

    let mut indexeddb: Vec<IndexedDb> = cap
        .indexeddb
        .iter()
        .map(|d| IndexedDb {
            origin: d.origin.clone(),
            partition: d.partition.clone(),
            name: d.name.clone(),
            party: parties.party(&host_of(&d.origin).unwrap_or_default()),
        })
        .collect();
    indexeddb.sort_by(|a, b| (&a.origin, &a.partition, &a.name).cmp(&(&b.origin, &b.partition, &b.name)));
    indexeddb.dedup();

    let beacons: Vec<Beacon> = order
        .iter()
        .zip(&requests)
        .filter_map(|(&i, r)| beacon(&cap.requests[i], r))
        .collect();

    let hosts = hosts(&requests, &cookies);

    let mut frames: Vec<Frame> = cap
        .frames
        .iter()
        .map(|f| Frame {
            id: f.id.clone(),
            parent: f.parent_id.clone(),
            url: f.url.clone(),
            out_of_process: f.out_of_process,
        })
        .collect();
    frames.sort_by(|a, b| (a.parent.is_some(), &a.url, &a.id).cmp(&(b.parent.is_some(), &b.url, &b.id)));

    let third_domains: std::collections::BTreeSet<&str> = hosts
        .iter()
        .filter(|h| h.party == Party::Third)
        .map(|h| h.registrable_domain.as_str())
        .collect();
    let summary = PassSummary {
        requests: requests.len(),
        third_party_requests: requests.iter().filter(|r| r.party == Party::Third).count(),
        hosts: hosts.len(),
        third_party_hosts: hosts.iter().filter(|h| h.party == Party::Third).count(),
        third_party_domains: third_domains.len(),
        cookies: cookies.len(),
        third_party_cookies: cookies.iter().filter(|c| c.party == Party::Third).count(),
        blocked_cookies: blocked.len(),
        storage_items: storage.len(),
        indexeddb_databases: indexeddb.len(),
        beacons: beacons.iter().filter(|b| b.kind == "beacon").count(),
        pixels: beacons.iter().filter(|b| b.kind == "pixel").count(),
        ..PassSummary::default()
    };

    let mut pass = Pass {
        name: name.to_string(),
        load_ms: cap.load_ms.map(round1),
        summary,
        hosts,
        third_parties: Vec::new(),
        requests,
        cookies,
        blocked_cookies: blocked,
        storage,
        indexeddb,
        beacons,
        frames,
        consent: cap.consent.clone(),
        pages: page_visits(cap),
    };
    if let Some(t) = cap.consent.as_ref().and_then(|c| c.action_ms) {
        stamp_consent_times(&mut pass, t);
    }
    stamp_pages(&mut pass);
    pass
}

/// The pages of a capture; a capture that does not list them (an imported HAR) was one
/// visit of its requested URL.
fn page_visits(cap: &Capture) -> Vec<PageVisit> {
    if cap.pages.is_empty() {
        return vec![PageVisit {
            url: cap.requested_url.clone(),
            final_url: cap.final_url.clone(),
            status: cap.document_status,
            error: cap.navigation_error.clone(),
            start_ms: 0.0,
            timed_out: cap.timeout_hit,
        }];
    }
    cap.pages
        .iter()
        .map(|v| PageVisit {
            url: v.url.clone(),
            final_url: v.final_url.clone(),
            status: v.status,
            error: v.error.clone(),
            start_ms: round1(v.start_ms),
            timed_out: v.timed_out,
        })
        .collect()
}

/// The URL of the visit of `pages` that was current at `time_ms`
/// ([`crate::capture::model::visit_at`]).
fn page_at(pages: &[PageVisit], time_ms: f64) -> Option<String> {
    let i = crate::capture::model::visit_at(pages.iter().map(|v| v.start_ms), time_ms);
    pages.get(i).map(|v| v.url.clone())
}

/// Gives every timed observation the page it was seen on.
fn stamp_pages(pass: &mut Pass) {
    let pages = &pass.pages;
    for r in &mut pass.requests {
        r.page = page_at(pages, r.time_ms);
    }
    for b in &mut pass.beacons {
        b.page = page_at(pages, b.time_ms);
    }
    for c in &mut pass.cookies {
        c.page = c.set_at_ms.and_then(|t| page_at(pages, t));
    }
    for s in &mut pass.storage {
        s.page = s.written_at_ms.and_then(|t| page_at(pages, t));
    }
}

/// Gives every timed observation its time relative to the consent action at `action_ms`.
fn stamp_consent_times(pass: &mut Pass, action_ms: f64) {
    let rel = |t: f64| round1(t - action_ms);
    for r in &mut pass.requests {
        r.consent_ms = Some(rel(r.time_ms));
    }
    for b in &mut pass.beacons {
        b.consent_ms = Some(rel(b.time_ms));
    }
    for c in &mut pass.cookies {
        c.consent_ms = c.set_at_ms.map(rel);
    }
    for s in &mut pass.storage {
        s.consent_ms = s.written_at_ms.map(rel);
    }
}

/// Rounds milliseconds to one decimal, so reports do not carry float noise.
pub fn round1(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

fn same_origin(frame_url: &str, origin: &str) -> bool {
    url::Url::parse(frame_url)
        .map(|u| u.origin().ascii_serialization() == origin)
        .unwrap_or(false)
}

fn request(r: &RawRequest, id: &str, parties: &PartyClassifier, opts: ObserveOptions) -> Request {
    let host = host_of(&r.url).unwrap_or_default();
    Request {
        id: id.to_string(),
        url: r.url.clone(),
        party: parties.party(&host),
        host,
        method: r.method.clone(),
        resource_type: if r.resource_type.is_empty() {
            "Other".into()
        } else {
            r.resource_type.clone()
        },
        initiator: InitiatorInfo {
            kind: r.initiator.kind.clone(),
            url: r.initiator.url.clone(),
            line: r.initiator.line,
        },
        frame: r.frame_id.clone(),
        target: r.target.clone(),
        status: r.status,
        redirect_chain: r.redirect_chain.clone(),
        redirect_to: r.redirect_to.clone(),
        content_type: r
            .response_header("content-type")
            .map(str::to_string)
            .or_else(|| r.mime_type.clone()),
        set_cookies: r
            .set_cookie_lines
            .iter()
            .map(|l| cookies::redact_line(l, opts.show_values))
            .collect(),
        cookies_sent: r.cookies_sent.clone(),
        transfer_bytes: r.encoded_data_length,
        time_ms: round1(r.start_ms),
        duration_ms: r.end_ms.map(|e| round1(e - r.start_ms)),
        finished: r.finished,
        failure: r.failure.clone(),
        consent_ms: None,
        page: None,
        vendor: None,
        lists: Vec::new(),
    }
}

/// Judges whether a request is a beacon or a tracking pixel, and why.
fn beacon(raw: &RawRequest, r: &Request) -> Option<Beacon> {
    let make = |kind: &str, reasons: Vec<String>| Beacon {
        request: r.id.clone(),
        kind: kind.to_string(),
        url: r.url.clone(),
        host: r.host.clone(),
        party: r.party,
        time_ms: r.time_ms,
        consent_ms: None,
        page: r.page.clone(),
        reasons,
        vendor: None,
    };
    if r.resource_type == "Ping" {
        let why = if raw.request_header("ping-to").is_some() {
            "hyperlink auditing ping (<a ping>)"
        } else {
            "sent with navigator.sendBeacon (resource type Ping)"
        };
        return Some(make("beacon", vec![why.to_string()]));
    }
    if r.resource_type != "Image" || r.party != Party::Third || r.redirect_to.is_some() {
        return None;
    }
    let params: Vec<String> = url::Url::parse(&r.url)
        .map(|u| u.query_pairs().map(|(k, _)| k.into_owned()).collect())
        .unwrap_or_default();
    if params.is_empty() {
        return None;
    }
    let mut size_reasons = Vec::new();
    if let Some(img) = raw.image {
        if let (Some(w), Some(h)) = (img.width, img.height)
            && w <= 2
            && h <= 2
        {
            size_reasons.push(format!("{w}×{h} image"));
        }
        if img.body_len == 0 {
            size_reasons.push("empty body".to_string());
        } else if size_reasons.is_empty() && img.body_len <= TINY_IMAGE_BYTES {
            size_reasons.push(format!("tiny image body ({} bytes)", img.body_len));
        }
    } else if r.status == Some(204) || (r.finished && raw.response_header("content-length") == Some("0")) {
        size_reasons.push("empty body".to_string());
    }
    if size_reasons.is_empty() {
        return None;
    }
    size_reasons.push(format!("sent to third party {}", registrable_domain(&r.host)));
    size_reasons.push(format!("query parameters: {}", params.join(", ")));
    if let Some(first) = raw.redirect_chain.first() {
        let n = raw.redirect_chain.len();
        let from = host_of(first).unwrap_or_default();
        size_reasons.push(format!(
            "reached through {n} redirect{} from {from}",
            if n == 1 { "" } else { "s" }
        ));
    }
    Some(make("pixel", size_reasons))
}

fn hosts(requests: &[Request], cookies: &[Cookie]) -> Vec<HostInfo> {
    let mut map: BTreeMap<(Party, String), HostInfo> = BTreeMap::new();
    for r in requests {
        if r.host.is_empty() {
            continue;
        }
        let e = map.entry((r.party, r.host.clone())).or_insert_with(|| HostInfo {
            host: r.host.clone(),
            registrable_domain: registrable_domain(&r.host),
            party: r.party,
            requests: 0,
            cookies_set: 0,
            first_seen_ms: r.time_ms,
            vendor: None,
            cname_cloaking: None,
        });
        e.requests += 1;
        e.first_seen_ms = e.first_seen_ms.min(r.time_ms);
    }
    for c in cookies {
        if c.source != CookieSource::Http {
            continue;
        }
        if let Some(h) = c.set_by.as_deref().and_then(host_of)
            && let Some(e) = map.values_mut().find(|e| e.host == h)
        {
            e.cookies_set += 1;
        }
    }
    map.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::model::{JarCookie, JsWrite, PageVisit as Visit, RawStorageItem};

    fn req(url: &str, start_ms: f64) -> RawRequest {
        RawRequest {
            url: url.into(),
            method: "GET".into(),
            resource_type: "Script".into(),
            start_ms,
            ..RawRequest::default()
        }
    }

    fn visit(url: &str, start_ms: f64) -> Visit {
        Visit {
            url: url.into(),
            start_ms,
            ..Visit::default()
        }
    }

    #[test]
    fn every_timed_item_gets_the_page_it_was_seen_on() {
        let mut ping = req("https://b.example/p", 2500.0);
        ping.resource_type = "Ping".into();
        let cap = Capture {
            requested_url: "https://a.example/".into(),
            final_url: Some("https://a.example/".into()),
            document_status: Some(200),
            requests: vec![
                req("https://a.example/", 0.0),
                req("https://a.example/app.js", 50.0),
                req("https://a.example/two", 1000.0),
                req("https://t.example/t.js", 1200.0),
                ping,
            ],
            cookies: vec![
                JarCookie {
                    name: "seen".into(),
                    domain: "a.example".into(),
                    path: "/".into(),
                    ..JarCookie::default()
                },
                JarCookie {
                    name: "never_written".into(),
                    domain: "a.example".into(),
                    path: "/".into(),
                    ..JarCookie::default()
                },
            ],
            js_cookie_writes: vec![JsWrite {
                text: "seen=1".into(),
                frame_url: "https://a.example/two".into(),
                time_ms: 1100.0,
                ..JsWrite::default()
            }],
            storage_writes: vec![JsWrite {
                text: "k".into(),
                area: Some("local".into()),
                frame_url: "https://a.example/".into(),
                time_ms: 60.0,
                ..JsWrite::default()
            }],
            storage: vec![RawStorageItem {
                origin: "https://a.example".into(),
                area: "local".into(),
                key: "k".into(),
                value: "v".into(),
                ..RawStorageItem::default()
            }],
            pages: vec![
                visit("https://a.example/", 0.0),
                visit("https://a.example/two", 1000.0),
                visit("https://a.example/three", 2400.04),
            ],
            ..Capture::default()
        };
        let pass = build_pass("initial", &cap, ObserveOptions::default());
        let pages: Vec<&str> = pass.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            pages,
            [
                "https://a.example/",
                "https://a.example/two",
                "https://a.example/three"
            ]
        );
        assert_eq!(pass.pages[2].start_ms, 2400.0);
        let page_of = |url: &str| {
            pass.requests
                .iter()
                .find(|r| r.url == url)
                .and_then(|r| r.page.clone())
        };
        assert_eq!(
            page_of("https://a.example/").as_deref(),
            Some("https://a.example/")
        );
        assert_eq!(
            page_of("https://a.example/app.js").as_deref(),
            Some("https://a.example/")
        );
        assert_eq!(
            page_of("https://a.example/two").as_deref(),
            Some("https://a.example/two")
        );
        assert_eq!(
            page_of("https://t.example/t.js").as_deref(),
            Some("https://a.example/two")
        );
        assert_eq!(
            page_of("https://b.example/p").as_deref(),
            Some("https://a.example/three")
        );
        assert_eq!(pass.beacons.len(), 1);
        assert_eq!(pass.beacons[0].page.as_deref(), Some("https://a.example/three"));
        let cookie = |name: &str| {
            pass.cookies
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.page.clone())
        };
        assert_eq!(cookie("seen"), Some(Some("https://a.example/two".into())));
        assert_eq!(cookie("never_written"), Some(None));
        assert_eq!(pass.storage[0].page.as_deref(), Some("https://a.example/"));
    }

    #[test]
    fn a_capture_without_pages_is_one_visit_of_its_url() {
        let cap = Capture {
            requested_url: "https://a.example/".into(),
            final_url: Some("https://www.a.example/".into()),
            document_status: Some(200),
            timeout_hit: true,
            requests: vec![req("https://www.a.example/", 0.0)],
            ..Capture::default()
        };
        let pass = build_pass("har", &cap, ObserveOptions::default());
        assert_eq!(
            pass.pages,
            vec![PageVisit {
                url: "https://a.example/".into(),
                final_url: Some("https://www.a.example/".into()),
                status: Some(200),
                error: None,
                start_ms: 0.0,
                timed_out: true,
            }]
        );
        assert_eq!(pass.requests[0].page.as_deref(), Some("https://a.example/"));
    }
}
