//! HAR 1.2 export of a capture: the evidence file behind `--har`.
//!
//! This module owns the mapping from the raw [`Capture`] (every request hop, with full
//! headers) to an HTTP Archive 1.2 document that Chrome DevTools' "Import HAR" loads:
//! one page per page visited (`page_1`, then the pages of a crawl, `page_2`, …; each entry's
//! `pageref` is the visit under way when it started), one entry per hop sorted by start
//! time, Chrome's custom fields
//! (`_resourceType`, `_initiator`) and crumbs' own (`_crumbs_id`, the request id in the
//! report; `_failure`; `_blockedCookies`). Cookie values are redacted here, unless
//! `show_values` is set, in the `Cookie`/`Set-Cookie` headers, in the `cookies` arrays
//! and in the blocked cookie lines — names and attributes stay.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::model::{Capture, RawRequest, visit_at};
use crate::observe::cookies::{line_name, parse_cookie_date, redact_line};
use crate::observe::round1;
use crate::report::{Report, Request};

/// What replaces a cookie value when values are not shown.
const REDACTED: &str = "[redacted]";
/// Written when a time cannot be represented (never for a real capture).
const EPOCH: &str = "1970-01-01T00:00:00.000Z";

/// The capture as a HAR 1.2 document.
pub fn to_har(cap: &Capture, report: &Report, show_values: bool) -> Value {
    // The same order as the report's request list, so `_crumbs_id`s read r1, r2, …
    let mut order: Vec<usize> = (0..cap.requests.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&cap.requests[a], &cap.requests[b]);
        x.start_ms
            .total_cmp(&y.start_ms)
            .then_with(|| x.url.cmp(&y.url))
            .then_with(|| a.cmp(&b))
    });
    let known: &[Request] = report
        .passes
        .first()
        .map(|p| p.requests.as_slice())
        .unwrap_or(&[]);
    let mut used = vec![false; known.len()];
    // The start of each visit; a capture that does not know its pages is one visit.
    let starts: Vec<f64> = if cap.pages.is_empty() {
        vec![0.0]
    } else {
        cap.pages.iter().map(|v| v.start_ms).collect()
    };
    let page_id = |i: usize| format!("page_{}", i + 1);
    let entries: Vec<Value> = order
        .iter()
        .map(|&i| {
            let r = &cap.requests[i];
            let id = match_request(r, known, &mut used);
            let pageref = page_id(visit_at(starts.iter().copied(), r.start_ms));
            entry(cap, r, id, &pageref, show_values)
        })
        .collect();

    let mut log = Map::new();
    log.insert("version".into(), json!("1.2"));
    log.insert(
        "creator".into(),
        json!({"name": "crumbs", "version": env!("CARGO_PKG_VERSION")}),
    );
    if let Some(b) = &report.scan.browser {
        let (name, version) = b.product.split_once('/').unwrap_or((&b.product, ""));
        log.insert("browser".into(), json!({"name": name, "version": version}));
    }
    let first_title = cap.final_url.as_deref().unwrap_or(&cap.requested_url);
    let on_load = cap
        .load_ms
        .filter(|m| m.is_finite() && *m >= 0.0)
        .map_or(json!(-1), |m| json!(ms(m)));
    let pages: Vec<Value> = starts
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let visit = cap.pages.get(i);
            let title = match visit {
                Some(v) if i > 0 => v.final_url.as_deref().unwrap_or(&v.url),
                _ => first_title,
            };
            json!({
                "startedDateTime": iso_or_epoch(cap.nav_start_wall + start / 1000.0),
                "id": page_id(i),
                "title": title,
                // Only the first page's load time is recorded.
                "pageTimings": {
                    "onContentLoad": -1,
                    "onLoad": if i == 0 { on_load.clone() } else { json!(-1) },
                },
            })
        })
        .collect();
    log.insert("pages".into(), Value::Array(pages));
    log.insert("entries".into(), Value::Array(entries));
    json!({ "log": log })
}

/// The report id of the hop: the first unused report request with the same URL, start
/// time (rounded as the report rounds it) and method.
fn match_request<'a>(r: &RawRequest, known: &'a [Request], used: &mut [bool]) -> Option<&'a str> {
    let t = round1(r.start_ms);
    let i = known.iter().enumerate().position(|(i, k)| {
        !used[i] && k.url == r.url && k.method == r.method && (k.time_ms - t).abs() < 1e-6
    })?;
    used[i] = true;
    Some(known[i].id.as_str())
}

/// One `log.entries[]` item.
fn entry(cap: &Capture, r: &RawRequest, crumbs_id: Option<&str>, pageref: &str, show: bool) -> Value {
    let time = match r.end_ms {
        Some(end) if (end - r.start_ms).is_finite() => ms((end - r.start_ms).max(0.0)),
        _ => 0.0,
    };
    let started = if r.wall_time > 0.0 {
        r.wall_time
    } else {
        cap.nav_start_wall + r.start_ms / 1000.0
    };
    let http_version = http_version(r.protocol.as_deref());

    let request_headers: Vec<Value> = r
        .request_headers
        .iter()
        .map(|(k, v)| {
            let v = if !show && k.eq_ignore_ascii_case("cookie") {
                redact_cookie_header(v)
            } else {
                v.clone()
            };
            json!({"name": k, "value": v})
        })
        .collect();
    let query: Vec<Value> = url::Url::parse(&r.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    let request_cookies: Vec<Value> = r
        .request_headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| cookie_pairs(v))
        .map(|(n, v)| json!({"name": n, "value": if show { v } else { REDACTED }}))
        .collect();
    let request = json!({
        "method": r.method,
        "url": r.url,
        "httpVersion": http_version,
        "cookies": request_cookies,
        "headers": request_headers,
        "queryString": query,
        "headersSize": -1,
        "bodySize": r.post_data_len.unwrap_or(0),
    });

    let response_headers: Vec<Value> = r
        .response_headers
        .iter()
        .map(|(k, v)| {
            let v = if k.eq_ignore_ascii_case("set-cookie") {
                v.split('\n')
                    .map(|l| redact_line(l, show))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                v.clone()
            };
            json!({"name": k, "value": v})
        })
        .collect();
    let response_at = started + time / 1000.0;
    let response_cookies: Vec<Value> = r
        .set_cookie_lines
        .iter()
        .map(|l| set_cookie_json(l, response_at, show))
        .collect();
    let mime = r
        .mime_type
        .as_deref()
        .filter(|m| !m.is_empty())
        .or_else(|| r.response_header("content-type"))
        .unwrap_or("x-unknown");
    let body_size: i64 = r
        .response_header("content-length")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0 && r.status.is_some())
        .unwrap_or(-1);
    let mut response = json!({
        "status": r.status.unwrap_or(0),
        "statusText": r.status_text.as_deref().unwrap_or(""),
        "httpVersion": http_version,
        "cookies": response_cookies,
        "headers": response_headers,
        "content": {
            "size": r.encoded_data_length.unwrap_or(0),
            "mimeType": mime,
        },
        "redirectURL": r.redirect_to.as_deref().unwrap_or(""),
        "headersSize": -1,
        "bodySize": body_size,
    });
    if let (Some(n), Some(obj)) = (r.encoded_data_length, response.as_object_mut()) {
        obj.insert("_transferSize".into(), json!(n));
    }

    let mut e = Map::new();
    e.insert("pageref".into(), json!(pageref));
    e.insert("startedDateTime".into(), json!(iso_or_epoch(started)));
    e.insert("time".into(), json!(time));
    e.insert("request".into(), request);
    e.insert("response".into(), response);
    e.insert("cache".into(), json!({}));
    e.insert(
        "timings".into(),
        json!({
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "send": 0,
            "wait": time,
            "receive": 0,
            "ssl": -1,
        }),
    );
    if let Some(ip) = r.remote_ip.as_deref().filter(|ip| !ip.is_empty()) {
        e.insert(
            "serverIPAddress".into(),
            json!(ip.trim_start_matches('[').trim_end_matches(']')),
        );
    }
    e.insert("_resourceType".into(), json!(resource_type(&r.resource_type)));
    let mut initiator = Map::new();
    let kind = if r.initiator.kind.is_empty() {
        "other"
    } else {
        r.initiator.kind.as_str()
    };
    initiator.insert("type".into(), json!(kind));
    if let Some(u) = &r.initiator.url {
        initiator.insert("url".into(), json!(u));
    }
    if let Some(l) = r.initiator.line {
        initiator.insert("lineNumber".into(), json!(l));
    }
    e.insert("_initiator".into(), Value::Object(initiator));
    if let Some(id) = crumbs_id {
        e.insert("_crumbs_id".into(), json!(id));
    }
    if let Some(f) = &r.failure {
        e.insert("_failure".into(), json!(f));
    }
    if !r.blocked_cookies.is_empty() {
        let blocked: Vec<Value> = r
            .blocked_cookies
            .iter()
            .map(|b| {
                json!({
                    "name": line_name(&b.line),
                    "line": redact_line(&b.line, show),
                    "reasons": b.reasons,
                })
            })
            .collect();
        e.insert("_blockedCookies".into(), Value::Array(blocked));
    }
    Value::Object(e)
}

/// HAR's `httpVersion` from Chromium's protocol name.
fn http_version(protocol: Option<&str>) -> String {
    match protocol.map(str::trim) {
        Some(p) if p.eq_ignore_ascii_case("h2") => "HTTP/2".into(),
        Some(p) if p.eq_ignore_ascii_case("h3") => "HTTP/3".into(),
        Some(p) if p.eq_ignore_ascii_case("http/1.1") => "HTTP/1.1".into(),
        Some(p) if p.eq_ignore_ascii_case("http/1.0") => "HTTP/1.0".into(),
        Some(p) if !p.is_empty() => p.to_string(),
        _ => "HTTP/1.1".into(),
    }
}

/// Chrome's lower-case `_resourceType` for a CDP resource type.
fn resource_type(t: &str) -> String {
    match t {
        "" => "other".into(),
        "SignedExchange" => "signed-exchange".into(),
        "CSPViolationReport" => "csp-violation-report".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// The `name=value` pairs of a `Cookie` request header (a bare value has an empty name).
fn cookie_pairs(header: &str) -> Vec<(&str, &str)> {
    header
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => ("", p),
        })
        .collect()
}

/// A `Cookie` header with every value replaced: `a=[redacted]; b=[redacted]`.
fn redact_cookie_header(header: &str) -> String {
    cookie_pairs(header)
        .iter()
        .map(|(n, _)| format!("{n}={REDACTED}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A HAR cookie object from a `Set-Cookie` line received at `at` (Unix seconds).
fn set_cookie_json(line: &str, at: f64, show: bool) -> Value {
    let mut parts = line.split(';');
    let pair = parts.next().unwrap_or("");
    let (name, value) = match pair.split_once('=') {
        Some((n, v)) => (n.trim(), v.trim()),
        None => ("", pair.trim()),
    };
    let (mut path, mut domain, mut same_site) = (None, None, None);
    let (mut max_age, mut expires) = (None::<i64>, None::<i64>);
    let (mut http_only, mut secure) = (false, false);
    for attr in parts {
        let (k, v) = match attr.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (attr.trim(), ""),
        };
        match k.to_ascii_lowercase().as_str() {
            "path" => path = Some(v),
            "domain" => domain = Some(v),
            "samesite" => same_site = Some(v),
            "max-age" => max_age = v.parse().ok().or(max_age),
            "expires" => expires = parse_cookie_date(v).or(expires),
            "httponly" => http_only = true,
            "secure" => secure = true,
            _ => {}
        }
    }
    // Max-Age wins over Expires (RFC 6265 §5.3).
    let expiry = match max_age {
        Some(n) => Some(at.round() + n as f64),
        None => expires.map(|t| t as f64),
    };
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    c.insert("value".into(), json!(if show { value } else { REDACTED }));
    if let Some(p) = path {
        c.insert("path".into(), json!(p));
    }
    if let Some(d) = domain {
        c.insert("domain".into(), json!(d));
    }
    if let Some(t) = expiry.and_then(iso) {
        c.insert("expires".into(), json!(t));
    }
    c.insert("httpOnly".into(), json!(http_only));
    c.insert("secure".into(), json!(secure));
    if let Some(s) = same_site {
        c.insert("sameSite".into(), json!(s));
    }
    Value::Object(c)
}

/// Milliseconds rounded to the microsecond, so the document carries no float noise.
fn ms(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Unix seconds as ISO 8601 UTC with milliseconds: `2023-11-14T22:13:20.123Z`.
fn iso(secs: f64) -> Option<String> {
    if !secs.is_finite() {
        return None;
    }
    let millis = (secs * 1000.0).round();
    // Years 0..=9999 only, so the format stays fixed-width.
    if !(-62_167_219_200_000.0..253_402_300_800_000.0).contains(&millis) {
        return None;
    }
    let t = OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000).ok()?;
    t.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .ok()
}

fn iso_or_epoch(secs: f64) -> String {
    iso(secs).unwrap_or_else(|| EPOCH.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::model::{BlockedSetCookie, Initiator, PageVisit};
    use crate::observe::{ObserveOptions, build_pass};
    use crate::report::*;

    const T0: f64 = 1_700_000_000.0; // 2023-11-14T22:13:20Z

    fn h(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    fn capture() -> Capture {
        let start = RawRequest {
            cdp_id: "1".into(),
            url: "https://shop.example/start?x=1&y=a%20b".into(),
            method: "GET".into(),
            resource_type: "Document".into(),
            initiator: Initiator {
                kind: "other".into(),
                url: None,
                line: None,
            },
            target: "page".into(),
            wall_time: T0,
            start_ms: 0.0,
            end_ms: Some(50.0),
            request_headers: vec![h("Accept", "text/html")],
            status: Some(302),
            status_text: Some("Found".into()),
            protocol: Some("h2".into()),
            remote_ip: Some("[2001:db8::1]".into()),
            response_headers: vec![h("location", "https://www.shop.example/")],
            finished: true,
            redirect_to: Some("https://www.shop.example/".into()),
            encoded_data_length: Some(120),
            ..RawRequest::default()
        };
        let set = [
            "uid=abc123; Max-Age=60; Secure",
            "sess=xyz; Path=/; Domain=.shop.example; Expires=Wed, 15 Nov 2023 22:13:20 GMT; HttpOnly; SameSite=Lax",
            "bad=zzz; Domain=other.example",
        ];
        let doc = RawRequest {
            cdp_id: "1".into(),
            url: "https://www.shop.example/".into(),
            method: "GET".into(),
            resource_type: "Document".into(),
            initiator: Initiator {
                kind: "redirect".into(),
                url: None,
                line: None,
            },
            target: "page".into(),
            wall_time: T0 + 0.05,
            start_ms: 50.0,
            end_ms: Some(170.0),
            status: Some(200),
            status_text: Some("OK".into()),
            protocol: Some("http/1.1".into()),
            mime_type: Some("text/html".into()),
            response_headers: vec![
                h("Content-Type", "text/html; charset=utf-8"),
                h("Content-Length", "5120"),
                h("Set-Cookie", set[0]),
                h("Set-Cookie", set[1]),
                h("Set-Cookie", set[2]),
            ],
            set_cookie_lines: set.iter().map(|s| s.to_string()).collect(),
            blocked_cookies: vec![BlockedSetCookie {
                line: set[2].into(),
                reasons: vec!["InvalidDomain".into()],
            }],
            encoded_data_length: Some(5400),
            finished: true,
            redirect_chain: vec!["https://shop.example/start?x=1&y=a%20b".into()],
            ..RawRequest::default()
        };
        let script = RawRequest {
            cdp_id: "2".into(),
            url: "https://cdn.tracker.example/t.js?id=7".into(),
            method: "GET".into(),
            resource_type: "Script".into(),
            initiator: Initiator {
                kind: "parser".into(),
                url: Some("https://www.shop.example/".into()),
                line: Some(12),
            },
            target: "page".into(),
            wall_time: T0 + 0.2,
            start_ms: 200.0,
            end_ms: Some(260.5),
            request_headers: vec![h("Cookie", "a=1; b=2")],
            cookies_sent: vec!["a".into(), "b".into()],
            status: Some(200),
            status_text: Some(String::new()),
            protocol: Some("h2".into()),
            mime_type: Some("application/javascript".into()),
            finished: true,
            ..RawRequest::default()
        };
        let failed = RawRequest {
            cdp_id: "3".into(),
            url: "https://api.tracker.example/collect".into(),
            method: "POST".into(),
            resource_type: "Fetch".into(),
            initiator: Initiator {
                kind: "script".into(),
                url: Some("https://cdn.tracker.example/t.js?id=7".into()),
                line: Some(3),
            },
            target: "page".into(),
            wall_time: T0 + 0.3,
            start_ms: 300.0,
            end_ms: None,
            post_data_len: Some(42),
            failure: Some("net::ERR_BLOCKED_BY_CLIENT".into()),
            ..RawRequest::default()
        };
        Capture {
            requested_url: "https://shop.example/start?x=1&y=a%20b".into(),
            final_url: Some("https://www.shop.example/".into()),
            nav_start_wall: T0,
            collected_wall: T0 + 1.0,
            document_status: Some(200),
            load_fired: true,
            load_ms: Some(412.25),
            // Deliberately out of order: the export sorts by start time.
            requests: vec![script, failed, doc, start],
            ..Capture::default()
        }
    }

    fn report(cap: &Capture) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "crumbs".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            scan: Scan {
                options: ScanOptions {
                    har: Some("out.har".into()),
                    ..sample_scan("", "", "").options
                },
                ..sample_scan(
                    &cap.requested_url,
                    cap.final_url.as_deref().unwrap_or_default(),
                    "shop.example",
                )
            },
            declared: None,
            findings: vec![],
            findings_summary: crate::audit::FindingCounts::default(),
            gpc: None,
            passes: vec![build_pass("initial", cap, ObserveOptions::default())],
        }
    }

    fn entries(doc: &Value) -> &Vec<Value> {
        doc["log"]["entries"].as_array().unwrap()
    }

    #[test]
    fn entries_in_order_with_statuses_and_ids() {
        let cap = capture();
        let doc = to_har(&cap, &report(&cap), false);
        let log = &doc["log"];
        assert_eq!(log["version"], "1.2");
        assert_eq!(log["creator"]["name"], "crumbs");
        assert_eq!(log["creator"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            log["browser"],
            json!({"name": "Chrome", "version": "156.0.8078.79"})
        );
        let page = &log["pages"][0];
        assert_eq!(page["id"], "page_1");
        assert_eq!(page["startedDateTime"], "2023-11-14T22:13:20.000Z");
        assert_eq!(page["title"], "https://www.shop.example/");
        assert_eq!(
            page["pageTimings"],
            json!({"onContentLoad": -1, "onLoad": 412.25})
        );

        let e = entries(&doc);
        assert_eq!(e.len(), 4);
        let urls: Vec<&str> = e.iter().map(|x| x["request"]["url"].as_str().unwrap()).collect();
        assert_eq!(
            urls,
            [
                "https://shop.example/start?x=1&y=a%20b",
                "https://www.shop.example/",
                "https://cdn.tracker.example/t.js?id=7",
                "https://api.tracker.example/collect",
            ]
        );
        let ids: Vec<&Value> = e.iter().map(|x| &x["_crumbs_id"]).collect();
        assert_eq!(ids, [&json!("r1"), &json!("r2"), &json!("r3"), &json!("r4")]);
        for x in e {
            assert_eq!(x["pageref"], "page_1");
        }

        // The redirect hop.
        assert_eq!(e[0]["response"]["status"], 302);
        assert_eq!(e[0]["response"]["statusText"], "Found");
        assert_eq!(e[0]["response"]["redirectURL"], "https://www.shop.example/");
        assert_eq!(e[0]["request"]["httpVersion"], "HTTP/2");
        assert_eq!(e[0]["response"]["httpVersion"], "HTTP/2");
        assert_eq!(e[0]["serverIPAddress"], "2001:db8::1");
        assert_eq!(e[0]["_resourceType"], "document");
        assert_eq!(e[0]["_initiator"], json!({"type": "other"}));
        assert_eq!(e[0]["startedDateTime"], "2023-11-14T22:13:20.000Z");
        assert_eq!(e[0]["time"], 50.0);
        assert_eq!(e[0]["response"]["bodySize"], -1);
        assert_eq!(
            e[0]["request"]["queryString"],
            json!([{"name": "x", "value": "1"}, {"name": "y", "value": "a b"}])
        );

        // The final document.
        assert_eq!(e[1]["response"]["status"], 200);
        assert_eq!(e[1]["response"]["redirectURL"], "");
        assert_eq!(e[1]["request"]["httpVersion"], "HTTP/1.1");
        assert_eq!(e[1]["startedDateTime"], "2023-11-14T22:13:20.050Z");
        assert_eq!(e[1]["time"], 120.0);
        assert_eq!(e[1]["response"]["bodySize"], 5120);
        assert_eq!(
            e[1]["response"]["content"],
            json!({"size": 5400, "mimeType": "text/html"})
        );
        assert_eq!(e[1]["request"]["queryString"], json!([]));
        assert!(e[1].get("serverIPAddress").is_none());

        // The script, with its initiator.
        assert_eq!(
            e[2]["_initiator"],
            json!({"type": "parser", "url": "https://www.shop.example/", "lineNumber": 12})
        );
        assert_eq!(e[2]["_resourceType"], "script");
        assert_eq!(e[2]["time"], 60.5);
        assert_eq!(
            e[2]["request"]["queryString"],
            json!([{"name": "id", "value": "7"}])
        );

        // The failed request.
        assert_eq!(e[3]["response"]["status"], 0);
        assert_eq!(e[3]["response"]["statusText"], "");
        assert_eq!(
            e[3]["response"]["content"],
            json!({"size": 0, "mimeType": "x-unknown"})
        );
        assert_eq!(e[3]["_failure"], "net::ERR_BLOCKED_BY_CLIENT");
        assert_eq!(e[3]["_resourceType"], "fetch");
        assert_eq!(e[3]["time"], 0.0);
        assert_eq!(e[3]["request"]["method"], "POST");
        assert_eq!(e[3]["request"]["bodySize"], 42);
        assert_eq!(e[2]["request"]["bodySize"], 0);
        assert!(e[2].get("_failure").is_none());
        assert!(e[2].get("_blockedCookies").is_none());
    }

    #[test]
    fn values_are_redacted_by_default() {
        let cap = capture();
        let doc = to_har(&cap, &report(&cap), false);
        let e = entries(&doc);
        let set: Vec<&str> = e[1]["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["name"] == "Set-Cookie")
            .map(|h| h["value"].as_str().unwrap())
            .collect();
        assert_eq!(
            set,
            [
                "uid=[redacted]; Max-Age=60; Secure",
                "sess=[redacted]; Path=/; Domain=.shop.example; Expires=Wed, 15 Nov 2023 22:13:20 GMT; HttpOnly; SameSite=Lax",
                "bad=[redacted]; Domain=other.example",
            ]
        );
        assert_eq!(
            e[1]["response"]["cookies"],
            json!([
                // Received at T0 + 0.05 + 0.12 s; Max-Age counts from the (rounded) second.
                {"name": "uid", "value": "[redacted]", "expires": "2023-11-14T22:14:20.000Z",
                 "httpOnly": false, "secure": true},
                {"name": "sess", "value": "[redacted]", "path": "/", "domain": ".shop.example",
                 "expires": "2023-11-15T22:13:20.000Z", "httpOnly": true, "secure": false,
                 "sameSite": "Lax"},
                {"name": "bad", "value": "[redacted]", "domain": "other.example",
                 "httpOnly": false, "secure": false},
            ])
        );
        assert_eq!(
            e[1]["_blockedCookies"],
            json!([{"name": "bad", "line": "bad=[redacted]; Domain=other.example",
                    "reasons": ["InvalidDomain"]}])
        );
        assert_eq!(
            e[2]["request"]["headers"],
            json!([{"name": "Cookie", "value": "a=[redacted]; b=[redacted]"}])
        );
        assert_eq!(
            e[2]["request"]["cookies"],
            json!([{"name": "a", "value": "[redacted]"}, {"name": "b", "value": "[redacted]"}])
        );
        let text = serde_json::to_string(&doc).unwrap();
        for secret in ["abc123", "xyz", "zzz", "a=1", "b=2"] {
            assert!(!text.contains(secret), "{secret} leaked");
        }
    }

    #[test]
    fn values_are_kept_with_show_values() {
        let cap = capture();
        let doc = to_har(&cap, &report(&cap), true);
        let e = entries(&doc);
        assert_eq!(
            e[2]["request"]["headers"],
            json!([{"name": "Cookie", "value": "a=1; b=2"}])
        );
        assert_eq!(
            e[2]["request"]["cookies"],
            json!([{"name": "a", "value": "1"}, {"name": "b", "value": "2"}])
        );
        assert_eq!(e[1]["response"]["cookies"][0]["value"], "abc123");
        assert_eq!(e[1]["response"]["cookies"][1]["value"], "xyz");
        assert_eq!(
            e[1]["response"]["headers"][2],
            json!({"name": "Set-Cookie", "value": "uid=abc123; Max-Age=60; Secure"})
        );
        assert_eq!(
            e[1]["_blockedCookies"][0]["line"],
            "bad=zzz; Domain=other.example"
        );
    }

    #[test]
    fn timings_add_up() {
        let cap = capture();
        let doc = to_har(&cap, &report(&cap), false);
        for e in entries(&doc) {
            let t = &e["timings"];
            let sum: f64 = ["send", "wait", "receive"]
                .iter()
                .map(|k| t[k].as_f64().unwrap())
                .sum();
            assert_eq!(sum, e["time"].as_f64().unwrap());
            assert!(e["time"].as_f64().unwrap() >= 0.0);
            for k in ["blocked", "dns", "connect", "ssl"] {
                assert_eq!(t[k], -1);
            }
        }
    }

    #[test]
    fn started_date_times_are_iso_with_millis() {
        assert_eq!(iso(0.0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(T0 + 0.1234).unwrap(), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso(T0 + 0.9996).unwrap(), "2023-11-14T22:13:21.000Z");
        assert_eq!(iso(f64::NAN), None);
        assert_eq!(iso(1e15), None);
        assert_eq!(iso_or_epoch(f64::INFINITY), EPOCH);
        let cap = capture();
        let doc = to_har(&cap, &report(&cap), false);
        for e in entries(&doc) {
            let s = e["startedDateTime"].as_str().unwrap();
            let b = s.as_bytes();
            assert_eq!(s.len(), 24, "{s}");
            assert!(s.starts_with("2023-11-14T22:13:20."), "{s}");
            assert_eq!(
                (b[4], b[7], b[10], b[13], b[16], b[19], b[23]),
                (b'-', b'-', b'T', b':', b':', b'.', b'Z')
            );
        }
    }

    #[test]
    fn unknown_requests_have_no_crumbs_id() {
        let cap = capture();
        let mut rep = report(&cap);
        rep.passes.clear();
        let doc = to_har(&cap, &rep, false);
        assert!(entries(&doc).iter().all(|e| e.get("_crumbs_id").is_none()));
        assert_eq!(entries(&doc).len(), 4);
    }

    #[test]
    fn small_helpers() {
        assert_eq!(http_version(Some("h2")), "HTTP/2");
        assert_eq!(http_version(Some("http/1.1")), "HTTP/1.1");
        assert_eq!(http_version(Some("h3")), "HTTP/3");
        assert_eq!(http_version(Some("spdy/3")), "spdy/3");
        assert_eq!(http_version(None), "HTTP/1.1");
        assert_eq!(resource_type("XHR"), "xhr");
        assert_eq!(resource_type("CSPViolationReport"), "csp-violation-report");
        assert_eq!(resource_type(""), "other");
        assert_eq!(
            redact_cookie_header("a=1;b=2; =x; c"),
            "a=[redacted]; b=[redacted]; =[redacted]; =[redacted]"
        );
    }

    #[test]
    fn round_trips_and_has_every_required_field() {
        let cap = capture();
        let doc = to_har(&cap, &report(&cap), false);
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);

        fn has(v: &Value, keys: &[&str], what: &str) {
            for k in keys {
                assert!(v.get(*k).is_some(), "{what} lacks {k}: {v}");
            }
        }
        let log = &back["log"];
        has(log, &["version", "creator", "entries"], "log");
        has(&log["creator"], &["name", "version"], "creator");
        has(&log["browser"], &["name", "version"], "browser");
        for p in log["pages"].as_array().unwrap() {
            has(p, &["startedDateTime", "id", "title", "pageTimings"], "page");
        }
        for e in log["entries"].as_array().unwrap() {
            has(
                e,
                &[
                    "startedDateTime",
                    "time",
                    "request",
                    "response",
                    "cache",
                    "timings",
                ],
                "entry",
            );
            has(
                &e["request"],
                &[
                    "method",
                    "url",
                    "httpVersion",
                    "cookies",
                    "headers",
                    "queryString",
                    "headersSize",
                    "bodySize",
                ],
                "request",
            );
            has(
                &e["response"],
                &[
                    "status",
                    "statusText",
                    "httpVersion",
                    "cookies",
                    "headers",
                    "content",
                    "redirectURL",
                    "headersSize",
                    "bodySize",
                ],
                "response",
            );
            has(&e["response"]["content"], &["size", "mimeType"], "content");
            assert!(e["cache"].is_object());
            has(&e["timings"], &["send", "wait", "receive"], "timings");
            for list in [
                &e["request"]["headers"],
                &e["request"]["queryString"],
                &e["request"]["cookies"],
                &e["response"]["headers"],
                &e["response"]["cookies"],
            ] {
                for item in list.as_array().unwrap() {
                    has(item, &["name", "value"], "name/value pair");
                }
            }
            assert!(e["time"].is_number() && e["response"]["status"].is_number());
        }
    }
    #[test]
    fn a_crawl_is_one_har_page_per_visit_and_entries_point_at_theirs() {
        let mut cap = capture();
        cap.pages = vec![
            PageVisit {
                url: "https://shop.example/start?x=1&y=a%20b".into(),
                final_url: Some("https://www.shop.example/".into()),
                status: Some(200),
                start_ms: 0.0,
                ..PageVisit::default()
            },
            // The second page begins after the script (200 ms) and before the fetch (300 ms).
            PageVisit {
                url: "https://www.shop.example/privacy".into(),
                final_url: Some("https://www.shop.example/privacy/".into()),
                status: Some(200),
                start_ms: 250.0,
                ..PageVisit::default()
            },
        ];
        let doc = to_har(&cap, &report(&cap), false);
        let pages = doc["log"]["pages"].as_array().unwrap();
        let got: Vec<(&str, &str, &str)> = pages
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap(),
                    p["title"].as_str().unwrap(),
                    p["startedDateTime"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("page_1", "https://www.shop.example/", "2023-11-14T22:13:20.000Z"),
                (
                    "page_2",
                    "https://www.shop.example/privacy/",
                    "2023-11-14T22:13:20.250Z"
                ),
            ]
        );
        assert_eq!(pages[0]["pageTimings"]["onLoad"], 412.25);
        assert_eq!(pages[1]["pageTimings"]["onLoad"], -1);
        let refs: Vec<&str> = entries(&doc)
            .iter()
            .map(|e| e["pageref"].as_str().unwrap())
            .collect();
        assert_eq!(refs, ["page_1", "page_1", "page_1", "page_2"]);
    }
}
