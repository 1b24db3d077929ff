//! POL rules: what the privacy policy (or the owner's policy file) names — vendors and
//! technologies — and what it says the site does not do, against what was observed.

use std::collections::BTreeSet;

use super::{DeclaredRef, FindingEvidence, ObservedRef, Severity, finding};
use crate::audit::Finding;
use crate::classify::Party;
use crate::policy::{DeclaredPolicy, ItemKind};
use crate::report::{Attribution, Pass};

fn prose_source(policy: &DeclaredPolicy) -> Option<usize> {
    policy
        .sources
        .iter()
        .position(|s| s.kind == "policy-text" || s.kind == "policy-file")
}

/// Technologies the declaration names, in any source (a declared pixel row counts for
/// web beacons, a declared storage row for local storage).
fn declared_technologies(policy: &DeclaredPolicy) -> BTreeSet<String> {
    let mut t: BTreeSet<String> = policy.technologies.iter().map(|t| t.technology.clone()).collect();
    for i in &policy.items {
        match i.kind {
            ItemKind::Cookie => t.insert("cookies".into()),
            ItemKind::Storage => t.insert("local-storage".into()),
            ItemKind::Pixel => t.insert("web-beacons".into()),
        };
    }
    if t.contains("pixels") {
        t.insert("web-beacons".into());
    }
    if t.contains("session-storage") || t.contains("indexeddb") {
        t.insert("local-storage".into());
    }
    t
}

/// POL-001, POL-005, POL-010 for one pass.
pub fn check(pass: &Pass, policy: &DeclaredPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(src) = prose_source(policy) else {
        return out;
    };
    let location = policy.sources[src].location.clone();

    // POL-001: vendors not named in the policy.
    let named_ids: BTreeSet<&str> = policy
        .vendors
        .iter()
        .filter_map(|v| v.vendor.as_deref())
        .collect();
    let named_names: BTreeSet<String> = policy.vendors.iter().map(|v| v.name.to_lowercase()).collect();
    let mut done = BTreeSet::new();
    for t in pass.third_parties.iter().filter(|t| !t.same_owner_as_site) {
        let (Some(id), Some(name)) = (&t.vendor, &t.vendor_name) else {
            continue;
        };
        if !done.insert(id.clone()) {
            continue;
        }
        let owner = t.owner.clone().unwrap_or_default();
        let owner_word = owner.split([' ', ',']).next().unwrap_or("").to_lowercase();
        let named = named_ids.contains(id.as_str())
            || policy.consent_manager.as_deref() == Some(id.as_str())
            || named_names.contains(&name.to_lowercase())
            || (!owner_word.is_empty() && named_names.contains(&owner_word))
            || named_names.contains(&owner.to_lowercase());
        if named {
            continue;
        }
        let severity = match t.category.as_deref() {
            Some("advertising" | "social" | "session-replay" | "fingerprinting" | "analytics") => {
                Severity::Medium
            }
            _ => Severity::Low,
        };
        out.push(finding(
            "POL-001",
            &format!("vendor:{id}"),
            severity,
            &pass.name,
            format!("{name} ({owner}) receives data from the page but the privacy policy does not name it."),
            FindingEvidence {
                observed: Some(ObservedRef {
                    kind: "vendor".into(),
                    name: name.clone(),
                    domain: Some(t.domain.clone()),
                    time_ms: Some(t.first_seen_ms),
                    ..Default::default()
                }),
                declared: Some(DeclaredRef {
                    source: policy.sources[src].kind.clone(),
                    location: location.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ));
    }

    // POL-005: technologies not named.
    let declared = declared_technologies(policy);
    let vendors: Vec<&Attribution> = pass.requests.iter().filter_map(|r| r.vendor.as_ref()).collect();
    let mut observed: Vec<(&str, String)> = Vec::new();
    if let Some(c) = pass.cookies.first() {
        observed.push(("cookies", format!("cookie `{}`", c.name)));
    }
    if let Some(s) = pass.storage.first() {
        observed.push((
            "local-storage",
            format!("{} storage key `{}` of {}", s.area, s.key, s.origin),
        ));
    }
    if let Some(b) = pass.beacons.first() {
        observed.push(("web-beacons", format!("{} to {}", b.kind, b.host)));
    }
    if let Some(v) = vendors.iter().find(|v| v.category == "session-replay") {
        observed.push(("session-replay", format!("{} scripts", v.name)));
    }
    if let Some(v) = vendors.iter().find(|v| v.category == "fingerprinting") {
        observed.push(("fingerprinting", format!("{} scripts", v.name)));
    }
    for (tech, what) in observed {
        if declared.contains(tech) {
            continue;
        }
        out.push(finding(
            "POL-005",
            &format!("technology:{tech}"),
            Severity::Low,
            &pass.name,
            format!("The page uses {tech} ({what}) but no declaration names it."),
            FindingEvidence {
                observed: Some(ObservedRef {
                    kind: "technology".into(),
                    name: tech.into(),
                    url: Some(what),
                    ..Default::default()
                }),
                declared: Some(DeclaredRef {
                    source: policy.sources[src].kind.clone(),
                    location: location.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ));
    }

    // POL-010: "we do not …" contradicted.
    for n in &policy.negatives {
        let hit: Option<(String, ObservedRef, Option<Attribution>)> = match n.denies.as_str() {
            "cookies" => pass
                .cookies
                .first()
                .map(|c| (format!("cookie `{}`", c.name), cookie_ref(c), c.vendor.clone())),
            "third-party-cookies" => pass.cookies.iter().find(|c| c.party == Party::Third).map(|c| {
                (
                    format!("third-party cookie `{}` on {}", c.name, c.domain),
                    cookie_ref(c),
                    c.vendor.clone(),
                )
            }),
            "marketing" | "advertising" => pass
                .cookies
                .iter()
                .find(|c| {
                    c.vendor
                        .as_ref()
                        .is_some_and(|v| v.purpose.as_deref() == Some("marketing"))
                })
                .map(|c| {
                    (
                        format!("marketing cookie `{}`", c.name),
                        cookie_ref(c),
                        c.vendor.clone(),
                    )
                }),
            "statistics" | "analytics" => pass
                .cookies
                .iter()
                .find(|c| {
                    c.vendor
                        .as_ref()
                        .is_some_and(|v| v.purpose.as_deref() == Some("statistics"))
                })
                .map(|c| {
                    (
                        format!("analytics cookie `{}`", c.name),
                        cookie_ref(c),
                        c.vendor.clone(),
                    )
                }),
            "web-beacons" | "pixels" => pass.beacons.first().map(|b| {
                (
                    format!("{} to {}", b.kind, b.host),
                    ObservedRef {
                        kind: "request".into(),
                        name: b.url.clone(),
                        domain: Some(b.host.clone()),
                        url: Some(b.url.clone()),
                        request: Some(b.request.clone()),
                        time_ms: Some(b.time_ms),
                    },
                    b.vendor.clone(),
                )
            }),
            "fingerprinting" | "session-replay" => {
                let cat = n.denies.as_str();
                pass.requests
                    .iter()
                    .find(|r| r.vendor.as_ref().is_some_and(|v| v.category == cat))
                    .map(|r| {
                        (
                            format!(
                                "{} ({})",
                                r.vendor.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
                                r.host
                            ),
                            ObservedRef {
                                kind: "request".into(),
                                name: r.url.clone(),
                                domain: Some(r.host.clone()),
                                url: Some(r.url.clone()),
                                request: Some(r.id.clone()),
                                time_ms: Some(r.time_ms),
                            },
                            r.vendor.clone(),
                        )
                    })
            }
            "local-storage" => pass.storage.first().map(|s| {
                (
                    format!("storage key `{}`", s.key),
                    ObservedRef {
                        kind: "storage".into(),
                        name: s.key.clone(),
                        domain: Some(s.origin.clone()),
                        ..Default::default()
                    },
                    s.vendor.clone(),
                )
            }),
            _ => None,
        };
        if let Some((what, observed, signature)) = hit {
            let src = policy.sources.get(n.source);
            out.push(finding(
                "POL-010",
                &format!("denies:{}", n.denies),
                Severity::High,
                &pass.name,
                format!("The policy says \"{}\" but the page uses {what}.", n.quote),
                FindingEvidence {
                    observed: Some(observed),
                    declared: Some(DeclaredRef {
                        source: src.map(|s| s.kind.clone()).unwrap_or_default(),
                        location: src.map(|s| s.location.clone()).unwrap_or_default(),
                        quote: Some(n.quote.clone()),
                        ..Default::default()
                    }),
                    signature,
                    ..Default::default()
                },
            ));
        }
    }
    out
}

fn cookie_ref(c: &crate::report::Cookie) -> ObservedRef {
    ObservedRef {
        kind: "cookie".into(),
        name: c.name.clone(),
        domain: Some(c.domain.clone()),
        url: c.set_by.clone(),
        request: c.set_by_request.clone(),
        time_ms: c.set_at_ms,
    }
}
