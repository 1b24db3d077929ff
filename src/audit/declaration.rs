//! DCL rules: observed cookies, storage keys and third parties against the declared lists.

use std::collections::BTreeSet;

use super::{CompiledItems, FindingEvidence, ObservedRef, Severity, declared_ref, finding};
use crate::audit::Finding;
use crate::classify::{Party, registrable_domain};
use crate::policy::{DeclaredCategory, DeclaredPolicy};
use crate::report::{Attribution, Pass};

/// The purpose a tracker signature gives an item, as a declared category.
pub(crate) fn signature_category(a: &Attribution) -> Option<DeclaredCategory> {
    match a.purpose.as_deref()? {
        "necessary" => Some(DeclaredCategory::Necessary),
        "preferences" => Some(DeclaredCategory::Preferences),
        "statistics" => Some(DeclaredCategory::Statistics),
        "marketing" => Some(DeclaredCategory::Marketing),
        _ => None,
    }
}

fn tracking(cat: Option<DeclaredCategory>) -> bool {
    matches!(
        cat,
        Some(DeclaredCategory::Statistics | DeclaredCategory::Marketing)
    )
}

/// Vendor categories whose undisclosed presence weighs most.
pub(crate) fn vendor_weight(category: &str) -> Severity {
    match category {
        "advertising" | "social" | "session-replay" | "fingerprinting" => Severity::High,
        "analytics" | "tag-manager" | "marketing-automation" | "ab-testing" | "customer-engagement" => {
            Severity::Medium
        }
        _ => Severity::Low,
    }
}

/// DCL-001, DCL-002, DCL-003, DCL-010, DCL-012 for one pass.
pub fn check(pass: &Pass, policy: &DeclaredPolicy, compiled: &CompiledItems<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let declares_items = !policy.items.is_empty();

    for c in &pass.cookies {
        let subject = format!("cookie:{}@{}", c.name, c.domain.trim_start_matches('.'));
        let observed = ObservedRef {
            kind: "cookie".into(),
            name: c.name.clone(),
            domain: Some(c.domain.clone()),
            url: c.set_by.clone(),
            request: c.set_by_request.clone(),
            time_ms: c.set_at_ms,
        };
        let sig_cat = c.vendor.as_ref().and_then(signature_category);
        let hits = compiled.matching(&c.name);
        if declares_items && hits.is_empty() {
            let severity = match sig_cat {
                Some(DeclaredCategory::Statistics | DeclaredCategory::Marketing) => Severity::High,
                Some(DeclaredCategory::Necessary) => Severity::Low,
                _ => Severity::Medium,
            };
            let who = c
                .vendor
                .as_ref()
                .map(|v| format!(" ({}, {})", v.name, v.purpose.clone().unwrap_or_default()))
                .unwrap_or_default();
            out.push(finding(
                "DCL-001",
                &subject,
                severity,
                &pass.name,
                format!(
                    "Cookie `{}` on {}{who} is set but not declared.",
                    c.name, c.domain
                ),
                FindingEvidence {
                    observed: Some(observed.clone()),
                    signature: c.vendor.clone(),
                    ..Default::default()
                },
            ));
        }
        if let Some(d) = hits.first() {
            check_category(
                &mut out,
                pass,
                policy,
                d,
                &subject,
                observed.clone(),
                c.vendor.as_ref(),
                sig_cat,
            );
        }
    }

    for s in &pass.storage {
        let host = crate::classify::host_of(&s.origin).unwrap_or_default();
        let subject = format!("storage:{}:{}@{}", s.area, s.key, host);
        let observed = ObservedRef {
            kind: "storage".into(),
            name: s.key.clone(),
            domain: Some(s.origin.clone()),
            url: s.written_by.clone(),
            request: None,
            time_ms: s.written_at_ms,
        };
        let sig_cat = s.vendor.as_ref().and_then(signature_category);
        let hits = compiled.matching(&s.key);
        if declares_items && hits.is_empty() {
            let severity = if tracking(sig_cat) {
                Severity::Medium
            } else {
                Severity::Low
            };
            out.push(finding(
                "DCL-002",
                &subject,
                severity,
                &pass.name,
                format!(
                    "{} storage key `{}` of {} is written but not declared.",
                    s.area, s.key, s.origin
                ),
                FindingEvidence {
                    observed: Some(observed.clone()),
                    signature: s.vendor.clone(),
                    ..Default::default()
                },
            ));
        }
        if let Some(d) = hits.first() {
            check_category(
                &mut out,
                pass,
                policy,
                d,
                &subject,
                observed,
                s.vendor.as_ref(),
                sig_cat,
            );
        }
    }

    // DCL-003: third parties nobody declares.
    let declares_vendors = !policy.vendors.is_empty() || policy.items.iter().any(|i| i.provider.is_some());
    if declares_vendors {
        let named = declared_names(policy);
        let mut done = BTreeSet::new();
        for t in &pass.third_parties {
            let key = t.vendor.clone().unwrap_or_else(|| t.domain.clone());
            if !done.insert(key.clone()) {
                continue;
            }
            let attribution = pass.requests.iter().find_map(|r| {
                (r.party == Party::Third && registrable_domain(&r.host) == t.domain)
                    .then(|| r.vendor.clone())
                    .flatten()
            });
            if is_declared(
                &named,
                t.vendor.as_deref(),
                t.vendor_name.as_deref(),
                t.owner.as_deref(),
                &t.domain,
                attribution.as_ref(),
            ) {
                continue;
            }
            let severity = match t.category.as_deref() {
                Some(c) => super::declaration::vendor_weight(c),
                None => Severity::Low,
            };
            let name = t.vendor_name.clone().unwrap_or_else(|| t.domain.clone());
            let url = pass
                .requests
                .iter()
                .find(|r| registrable_domain(&r.host) == t.domain)
                .map(|r| r.url.clone());
            out.push(finding(
                "DCL-003",
                &format!("third-party:{key}"),
                severity,
                &pass.name,
                format!(
                    "{name} ({}) receives requests from the page but no declaration names it.",
                    t.domain
                ),
                FindingEvidence {
                    observed: Some(ObservedRef {
                        kind: "vendor".into(),
                        name,
                        domain: Some(t.domain.clone()),
                        url,
                        request: None,
                        time_ms: Some(t.first_seen_ms),
                    }),
                    signature: attribution,
                    ..Default::default()
                },
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn check_category(
    out: &mut Vec<Finding>,
    pass: &Pass,
    policy: &DeclaredPolicy,
    d: &crate::policy::DeclaredItem,
    subject: &str,
    observed: ObservedRef,
    vendor: Option<&Attribution>,
    sig_cat: Option<DeclaredCategory>,
) {
    if d.category == DeclaredCategory::Unclassified {
        out.push(finding(
            "DCL-012",
            subject,
            Severity::Medium,
            &pass.name,
            format!(
                "`{}` is in use but declared as unclassified (`{}`).",
                observed.name, d.name
            ),
            FindingEvidence {
                observed: Some(observed.clone()),
                declared: Some(declared_ref(policy, d)),
                signature: vendor.cloned(),
                ..Default::default()
            },
        ));
    }
    if let (Some(declared), Some(sig)) = (
        d.category.strictness(),
        sig_cat.and_then(DeclaredCategory::strictness),
    ) && declared < sig
    {
        let severity = if sig >= 2 && declared <= 1 {
            Severity::High
        } else {
            Severity::Medium
        };
        let sig_name = sig_cat.map(|c| c.as_str()).unwrap_or_default();
        out.push(finding(
            "DCL-010",
            subject,
            severity,
            &pass.name,
            format!(
                "`{}` is declared {} but its signature ({}) says {sig_name}.",
                observed.name,
                d.category.as_str(),
                vendor.map(|v| v.name.as_str()).unwrap_or("?")
            ),
            FindingEvidence {
                observed: Some(observed),
                declared: Some(declared_ref(policy, d)),
                signature: vendor.cloned(),
                ..Default::default()
            },
        ));
    }
}

/// Lower-cased names, providers and domains the policy mentions.
pub(crate) fn declared_names(policy: &DeclaredPolicy) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    // The consent manager that publishes the declaration is known to the visitor.
    if let Some(cmp) = &policy.consent_manager {
        s.insert(format!("id:{cmp}"));
    }
    for v in &policy.vendors {
        s.insert(v.name.to_lowercase());
        if let Some(id) = &v.vendor {
            s.insert(format!("id:{id}"));
        }
    }
    for i in &policy.items {
        if let Some(p) = &i.provider {
            for part in p.split(['\n', ',', ';']).map(str::trim).filter(|x| !x.is_empty()) {
                s.insert(part.to_lowercase());
            }
        }
    }
    s
}

fn is_declared(
    named: &BTreeSet<String>,
    vendor: Option<&str>,
    vendor_name: Option<&str>,
    owner: Option<&str>,
    domain: &str,
    attribution: Option<&Attribution>,
) -> bool {
    if let Some(id) = vendor
        && named.contains(&format!("id:{id}"))
    {
        return true;
    }
    let mut candidates: Vec<String> = vec![domain.to_lowercase()];
    candidates.extend(vendor_name.map(str::to_lowercase));
    if let Some(o) = owner {
        let o = o.to_lowercase();
        // "Google LLC" is named by "Google".
        candidates.push(o.split([' ', ',']).next().unwrap_or(&o).to_string());
        candidates.push(o);
    }
    if let Some(a) = attribution {
        candidates.push(a.name.to_lowercase());
    }
    named.iter().any(|n| {
        candidates.iter().any(|c| {
            !c.is_empty()
                && (n == c
                    || n.contains(c.as_str())
                    || (c.contains(n.as_str()) && n.len() >= 4)
                    || n.ends_with(&format!(".{c}"))
                    || registrable_domain(n) == *c)
        })
    })
}

/// DCL-020: declared entries that matched nothing observed in any pass.
pub fn declared_not_seen(
    passes: &[Pass],
    policy: &DeclaredPolicy,
    compiled: &CompiledItems<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (item, pattern) in &compiled.items {
        if item.kind == crate::policy::ItemKind::Pixel {
            continue;
        }
        let seen = passes.iter().any(|p| {
            p.cookies.iter().any(|c| pattern.matches(&c.name))
                || p.storage.iter().any(|s| pattern.matches(&s.key))
        });
        if !seen {
            out.push(finding(
                "DCL-020",
                &format!("declared:{}", item.name),
                Severity::Info,
                passes.first().map(|p| p.name.as_str()).unwrap_or("initial"),
                format!(
                    "`{}` is declared ({}) but was not observed.",
                    item.name,
                    item.category.as_str()
                ),
                FindingEvidence {
                    declared: Some(declared_ref(policy, item)),
                    ..Default::default()
                },
            ));
        }
    }
    out
}
