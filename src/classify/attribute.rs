//! Attribution: naming the vendor behind every request, cookie, storage item and beacon
//! of a pass, with the evidence, from the signature index and the filter lists.
//!
//! Order of evidence, strongest first — requests: a known beacon endpoint, then the
//! host's domain; cookies: the name pattern (a vendor that owns the cookie's domain wins
//! a tie), then the cookie's domain, then the response or script that set it; storage:
//! the key pattern, then the origin, then the writing script. Nothing matched means no
//! attribution: the item is reported as unattributed, never guessed.

use std::collections::{BTreeMap, BTreeSet};

use crate::classify::{Party, host_of, registrable_domain};
use crate::report::{Attribution, Evidence, Pass, ThirdParty};
use crate::signatures::lists::{FilterLists, list_request_type};
use crate::signatures::{HostMatch, NameMatch, SignatureIndex, Vendor};

fn base(v: &Vendor) -> Attribution {
    Attribution {
        vendor: v.id.clone(),
        name: v.name.clone(),
        owner: v.owner.clone(),
        category: v.category.as_str().to_string(),
        purpose: None,
        typical_lifetime_secs: None,
        evidence: Vec::new(),
    }
}

fn ev(kind: &str, matched: impl Into<String>, source: impl ToString) -> Evidence {
    Evidence {
        kind: kind.to_string(),
        matched: matched.into(),
        source: source.to_string(),
    }
}

fn from_host(m: HostMatch<'_>, kind: &str) -> Attribution {
    let mut a = base(m.vendor);
    a.evidence.push(ev(kind, m.entry, m.origin));
    a
}

fn from_name(m: NameMatch<'_>, kind: &str) -> Attribution {
    let mut a = base(m.vendor);
    a.purpose = Some(m.signature.purpose.as_str().to_string());
    a.typical_lifetime_secs = m.signature.lifetime;
    a.evidence
        .push(ev(kind, m.signature.pattern.source(), &m.signature.origin));
    a
}

/// Attribution of a URL by its host (and beacon endpoint, if one matches).
pub fn attribute_url(index: &SignatureIndex, url: &str) -> Option<Attribution> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    if let Some(b) = index.match_beacon(&host, parsed.path()) {
        let mut a = base(b.vendor);
        let pattern = match &b.beacon.host {
            Some(h) => format!("{h}{}", b.beacon.path_prefix),
            None => b.beacon.path_prefix.clone(),
        };
        a.evidence.push(ev("beacon", pattern, &b.beacon.origin));
        if let Some(h) = index.match_host(&host).filter(|h| h.vendor.id == b.vendor.id) {
            a.evidence.push(ev("domain", h.entry, h.origin));
        }
        return Some(a);
    }
    index.match_host(&host).map(|m| from_host(m, "domain"))
}

/// Fills in vendors, list hits and the third-party summary of `pass`.
pub fn attribute_pass(
    pass: &mut Pass,
    index: &SignatureIndex,
    lists: Option<&FilterLists>,
    site_host: &str,
    cnames: &[(String, String)],
) {
    let page_host = site_host.to_string();
    let mut frame_docs = BTreeSet::new();
    for f in &pass.frames {
        if f.parent.is_some() {
            frame_docs.insert(f.id.clone());
        }
    }
    for r in &mut pass.requests {
        r.vendor = attribute_url(index, &r.url);
        if let Some(l) = lists {
            let child =
                r.resource_type == "Document" && r.frame.as_ref().is_some_and(|f| frame_docs.contains(f));
            let t = list_request_type(&r.resource_type, child);
            r.lists = l
                .check(&r.url, &r.host, &page_host, t, r.party == Party::Third, &r.method)
                .into_iter()
                .collect();
        }
    }
    // Beacons are labelled from their request's attribution, looked up by URL below.
    let by_url: BTreeMap<String, Attribution> = pass
        .requests
        .iter()
        .filter_map(|r| r.vendor.clone().map(|v| (r.url.clone(), v)))
        .collect();

    for c in &mut pass.cookies {
        let domain = c.domain.trim_start_matches('.').to_ascii_lowercase();
        c.vendor = index
            .match_cookie(&c.name, &domain)
            .map(|m| from_name(m, "cookie-name"))
            .or_else(|| index.match_host(&domain).map(|m| from_host(m, "cookie-domain")))
            .or_else(|| setter(index, c.set_by.as_deref(), "set-by"));
    }
    for s in &mut pass.storage {
        let host = host_of(&s.origin).unwrap_or_default();
        s.vendor = index
            .match_storage(&s.key, &host)
            .map(|m| from_name(m, "storage-key"))
            .or_else(|| index.match_host(&host).map(|m| from_host(m, "storage-origin")))
            .or_else(|| setter(index, s.written_by.as_deref(), "written-by"));
    }
    // Known beacon endpoints the behavioural rules did not catch become beacons too.
    let known: BTreeSet<String> = pass.beacons.iter().map(|b| b.request.clone()).collect();
    for r in &pass.requests {
        let Some(a) = &r.vendor else { continue };
        if known.contains(&r.id) || a.evidence.first().is_none_or(|e| e.kind != "beacon") {
            continue;
        }
        let e = &a.evidence[0];
        pass.beacons.push(crate::report::Beacon {
            request: r.id.clone(),
            kind: if r.resource_type == "Image" {
                "pixel".into()
            } else {
                "beacon".into()
            },
            url: r.url.clone(),
            host: r.host.clone(),
            party: r.party,
            time_ms: r.time_ms,
            consent_ms: r.consent_ms,
            page: r.page.clone(),
            reasons: vec![format!("known {} endpoint {} ({})", a.name, e.matched, e.source)],
            vendor: None,
        });
    }
    pass.beacons.sort_by(|a, b| {
        a.time_ms
            .total_cmp(&b.time_ms)
            .then_with(|| a.request.cmp(&b.request))
    });
    for b in &mut pass.beacons {
        b.vendor = by_url.get(&b.url).cloned();
    }

    let site_owner = site_owner(index, site_host);
    for h in &mut pass.hosts {
        h.vendor = index.match_host(&h.host).map(|m| from_host(m, "domain"));
        if h.party == Party::First
            && let Some((_, target)) = cnames.iter().find(|(alias, _)| alias == &h.host)
            && let Some(m) = index.match_host(target)
        {
            let mut a = base(m.vendor);
            a.evidence
                .push(ev("cname", format!("{} → {target}", h.host), m.origin));
            h.cname_cloaking = Some(a);
        }
    }

    // Third parties by registrable domain.
    let mut tp: BTreeMap<String, ThirdParty> = BTreeMap::new();
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for r in pass.requests.iter().filter(|r| r.party == Party::Third) {
        let d = registrable_domain(&r.host);
        let e = tp.entry(d.clone()).or_insert_with(|| ThirdParty {
            domain: d.clone(),
            vendor: None,
            vendor_name: None,
            owner: None,
            category: None,
            vendors: Vec::new(),
            same_owner_as_site: false,
            hosts: 0,
            requests: 0,
            cookies: 0,
            list_matches: 0,
            first_seen_ms: r.time_ms,
        });
        e.requests += 1;
        e.first_seen_ms = e.first_seen_ms.min(r.time_ms);
        if !r.lists.is_empty() {
            e.list_matches += 1;
        }
        if let Some(v) = &r.vendor {
            *counts.entry(d).or_default().entry(v.vendor.clone()).or_default() += 1;
        }
    }
    for h in pass.hosts.iter().filter(|h| h.party == Party::Third) {
        if let Some(e) = tp.get_mut(&h.registrable_domain) {
            e.hosts += 1;
        }
    }
    for c in pass.cookies.iter().filter(|c| c.party == Party::Third) {
        if let Some(e) = tp.get_mut(&registrable_domain(&c.domain)) {
            e.cookies += 1;
        }
    }
    for (d, e) in tp.iter_mut() {
        if let Some(c) = counts.get(d) {
            let mut ranked: Vec<(&String, &usize)> = c.iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            e.vendors = ranked.iter().map(|(id, _)| (*id).clone()).collect();
            if let Some(v) = ranked.first().and_then(|(id, _)| index.vendor(id)) {
                e.vendor = Some(v.id.clone());
                e.vendor_name = Some(v.name.clone());
                e.owner = Some(v.owner.clone());
                e.category = Some(v.category.as_str().to_string());
                e.same_owner_as_site = site_owner.as_deref() == Some(v.owner.as_str());
            }
        }
    }
    let mut list: Vec<ThirdParty> = tp.into_values().collect();
    list.sort_by(|a, b| {
        a.first_seen_ms
            .total_cmp(&b.first_seen_ms)
            .then_with(|| a.domain.cmp(&b.domain))
    });
    pass.third_parties = list;

    let s = &mut pass.summary;
    s.attributed_requests = pass.requests.iter().filter(|r| r.vendor.is_some()).count();
    s.attributed_cookies = pass.cookies.iter().filter(|c| c.vendor.is_some()).count();
    s.attributed_storage_items = pass.storage.iter().filter(|c| c.vendor.is_some()).count();
    let vendors: BTreeSet<&str> = pass
        .requests
        .iter()
        .filter_map(|r| r.vendor.as_ref())
        .chain(pass.cookies.iter().filter_map(|c| c.vendor.as_ref()))
        .chain(pass.storage.iter().filter_map(|c| c.vendor.as_ref()))
        .map(|a| a.vendor.as_str())
        .collect();
    s.vendors = vendors.len();
    s.beacons = pass.beacons.iter().filter(|b| b.kind == "beacon").count();
    s.pixels = pass.beacons.iter().filter(|b| b.kind == "pixel").count();
}

/// The owner of the scanned site, when its domain is in the signatures.
pub fn site_owner(index: &SignatureIndex, site_host: &str) -> Option<String> {
    index
        .match_host(site_host)
        .or_else(|| index.match_host(&registrable_domain(site_host)))
        .map(|m| m.vendor.owner.clone())
}

fn setter(index: &SignatureIndex, url: Option<&str>, kind: &str) -> Option<Attribution> {
    let url = url?;
    let host = host_of(url)?;
    let m = index.match_host(&host)?;
    let mut a = base(m.vendor);
    a.evidence.push(ev(kind, url, m.origin));
    Some(a)
}
