//! CNS rules: what the site did before any choice, after a verified rejection and
//! against the consent it stored (see [`super::rules`] for each rule's documentation).
//!
//! An item's purpose is the declared category when the site declares it, else the
//! signature's purpose for the name, else the purpose its vendor's category implies;
//! items of no known purpose are never claimed. Findings come only from verified passes
//! (CNS-090 says which passes were not).

use std::collections::BTreeSet;

use super::{CompiledItems, Finding, FindingEvidence, ObservedRef, Severity, declared_ref, finding};
use crate::consent::{Action, ConsentInfo, ConsentState, gcm};
use crate::policy::{DeclaredCategory, DeclaredPolicy};
use crate::report::{Attribution, Pass};

/// The purpose of an observed cookie or storage item and where it comes from.
struct Purpose {
    category: &'static str,
    from: String,
    declared: Option<super::DeclaredRef>,
}

fn vendor_purpose(category: &str) -> Option<&'static str> {
    match category {
        "advertising" | "social" | "fingerprinting" | "marketing-automation" | "session-replay" => {
            Some("marketing")
        }
        "analytics" | "ab-testing" => Some("statistics"),
        _ => None,
    }
}

fn purpose(
    name: &str,
    vendor: Option<&Attribution>,
    policy: Option<&DeclaredPolicy>,
    compiled: Option<&CompiledItems>,
) -> Option<Purpose> {
    if let (Some(p), Some(c)) = (policy, compiled)
        && let Some(item) = c.matching(name).first()
    {
        let cat = match item.category {
            DeclaredCategory::Necessary => "necessary",
            DeclaredCategory::Preferences => "preferences",
            DeclaredCategory::Statistics => "statistics",
            DeclaredCategory::Marketing => "marketing",
            DeclaredCategory::Unclassified => "unclassified",
            DeclaredCategory::Unknown => return None,
        };
        return Some(Purpose {
            category: cat,
            from: "declared".into(),
            declared: Some(declared_ref(p, item)),
        });
    }
    let v = vendor?;
    let cat = match v.purpose.as_deref() {
        Some("necessary") => "necessary",
        Some("preferences") => "preferences",
        Some("statistics") => "statistics",
        Some("marketing") => "marketing",
        Some("unclassified") => "unclassified",
        _ => vendor_purpose(&v.category)?,
    };
    Some(Purpose {
        category: cat,
        from: format!("signature {}", v.vendor),
        declared: None,
    })
}

fn severity_of(category: &str) -> Severity {
    match category {
        "statistics" | "marketing" => Severity::High,
        _ => Severity::Medium,
    }
}

/// Tracker traffic: a request to a vendor whose category is about tracking.
fn tracker_severity(v: &Attribution) -> Option<Severity> {
    match vendor_purpose(&v.category)? {
        "marketing" => Some(Severity::High),
        _ => Some(Severity::Medium),
    }
}

fn evidence(
    kind: &str,
    name: &str,
    domain: &str,
    time_ms: Option<f64>,
    p: Option<&Purpose>,
    vendor: Option<&Attribution>,
) -> FindingEvidence {
    let mut ev = FindingEvidence {
        observed: Some(ObservedRef {
            kind: kind.into(),
            name: name.into(),
            domain: Some(domain.into()),
            time_ms,
            ..ObservedRef::default()
        }),
        declared: p.and_then(|p| p.declared.clone()),
        signature: vendor.cloned(),
        ..FindingEvidence::default()
    };
    if let Some(p) = p {
        ev.details.insert("purpose".into(), p.category.into());
        ev.details.insert("purpose_from".into(), p.from.clone());
    }
    ev
}

/// The evidence of a finding about one request: its URL, host, time and report id.
fn request_evidence(r: &crate::report::Request, vendor: Option<&Attribution>) -> FindingEvidence {
    let mut ev = evidence("request", &r.url, &r.host, Some(r.time_ms), None, vendor);
    if let Some(o) = ev.observed.as_mut() {
        o.url = Some(r.url.clone());
        o.request = Some(r.id.clone());
    }
    ev
}

fn consent_of(pass: &Pass) -> Option<&ConsentInfo> {
    pass.consent.as_ref()
}

/// An observed cookie or storage item: (kind, name, domain or origin, time, purpose, vendor).
type Item<'p> = (
    &'static str,
    String,
    String,
    Option<f64>,
    Purpose,
    Option<&'p Attribution>,
);

/// Items of `pass` with a non-necessary purpose, seen in `window` (ms after navigation start).
fn storage_items<'p>(
    pass: &'p Pass,
    policy: Option<&DeclaredPolicy>,
    compiled: Option<&CompiledItems>,
    window: impl Fn(Option<f64>) -> bool,
) -> Vec<Item<'p>> {
    let mut out = Vec::new();
    for c in &pass.cookies {
        if !window(c.set_at_ms) {
            continue;
        }
        if let Some(p) = purpose(&c.name, c.vendor.as_ref(), policy, compiled)
            && p.category != "necessary"
        {
            let domain = c.domain.trim_start_matches('.').to_string();
            out.push((
                "cookie",
                c.name.clone(),
                domain,
                c.set_at_ms,
                p,
                c.vendor.as_ref(),
            ));
        }
    }
    for s in &pass.storage {
        if !window(s.written_at_ms) {
            continue;
        }
        if let Some(p) = purpose(&s.key, s.vendor.as_ref(), policy, compiled)
            && p.category != "necessary"
        {
            out.push((
                "storage",
                s.key.clone(),
                s.origin.clone(),
                s.written_at_ms,
                p,
                s.vendor.as_ref(),
            ));
        }
    }
    out
}

/// Tracker requests of `pass` started in `window`, one per vendor (the first).
fn tracker_requests(
    pass: &Pass,
    window: impl Fn(f64) -> bool,
) -> Vec<(&crate::report::Request, &Attribution, Severity)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in &pass.requests {
        if r.party != crate::classify::Party::Third || !window(r.time_ms) {
            continue;
        }
        if let Some(v) = &r.vendor
            && let Some(sev) = tracker_severity(v)
            && seen.insert(v.vendor.clone())
        {
            out.push((r, v, sev));
        }
    }
    out
}

fn signal_grants(state: &ConsentState) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A grant by the consent manager's region setting is CNS-091's subject, not a signal
    // set before a choice where consent is asked for.
    for s in state.stored.iter().filter(|s| !s.out_of_region) {
        let granted = s.granted();
        // Whatever the consent manager says about the choice: optional purposes granted.
        if !granted.is_empty() {
            out.push((
                s.source.clone(),
                format!("{} grants {}", s.cmp, granted.join(", ")),
            ));
        }
    }
    if let Some(t) = &state.tcf
        && let Some(d) = &t.decoded
        && d.any_consent()
        && !state.stored.iter().any(|s| s.tcf.as_ref() == Some(d))
    {
        out.push(("__tcfapi".into(), d.summary()));
    }
    out
}

/// The CNS findings of all passes.
pub fn check(
    passes: &[Pass],
    policy: Option<&DeclaredPolicy>,
    compiled: Option<&CompiledItems>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let initial = passes
        .iter()
        .find(|p| consent_of(p).and_then(|c| c.action) == Some(Action::None));
    for pass in passes {
        let Some(info) = consent_of(pass) else { continue };
        let Some(action) = info.action else { continue };
        let name = pass.name.as_str();
        if action != Action::None && !info.verified {
            let mut ev = FindingEvidence::default();
            ev.details.insert("how".into(), info.how.clone());
            ev.details.insert("steps".into(), info.steps.join("; "));
            out.push(finding(
                "CNS-090",
                name,
                Severity::Info,
                name,
                format!(
                    "The \"{}\" action could not be verified ({}); no consent finding is claimed from this pass.",
                    action.pass_name(),
                    info.reason.as_deref().unwrap_or("unknown reason")
                ),
                ev,
            ));
        }
        // The consent manager says consent is not required where the scan ran. (An
        // implied-consent record is not enough: inside the region it is CNS-002's subject.)
        let region = info.final_state().and_then(|st| {
            if st.tcf.as_ref().is_some_and(|t| t.gdpr_applies == Some(false)) {
                Some("the TCF API says gdprApplies = false".to_string())
            } else {
                st.stored.iter().find(|s| s.out_of_region).map(|s| {
                    format!(
                        "{}'s consent record {} says the visitor is outside its consent region",
                        s.cmp, s.source
                    )
                })
            }
        });
        if let Some(why) = region {
            let mut ev = FindingEvidence::default();
            ev.details.insert("signal".into(), why.clone());
            out.push(finding(
                "CNS-091",
                "region",
                Severity::Info,
                name,
                format!(
                    "The consent manager treats the scan's region as not needing consent ({why}); \
                     scan from the region whose rules you audit."
                ),
                ev,
            ));
        }
        // Before any choice: the initial pass, or the part of another pass before its action
        // when no initial pass ran.
        let before: Option<f64> = match action {
            Action::None => Some(f64::INFINITY),
            _ if initial.is_none() && info.verified => info.action_ms,
            _ => None,
        };
        if let Some(limit) = before {
            let win = |t: Option<f64>| t.is_none_or(|t| t < limit);
            for (kind, item, domain, at, p, vendor) in storage_items(pass, policy, compiled, win) {
                let sev = severity_of(p.category);
                let msg = format!(
                    "The {} {item} ({} purpose) is stored before any consent choice.",
                    if kind == "cookie" {
                        "cookie"
                    } else {
                        "storage item"
                    },
                    p.category
                );
                let ev = evidence(kind, &item, &domain, at, Some(&p), vendor);
                out.push(finding(
                    "CNS-001",
                    &format!("{kind}:{item}@{domain}"),
                    sev,
                    name,
                    msg,
                    ev,
                ));
            }
            for (r, v, sev) in tracker_requests(pass, |t| t < limit) {
                let ev = request_evidence(r, Some(v));
                out.push(finding(
                    "CNS-001",
                    &format!("vendor:{}", v.vendor),
                    sev,
                    name,
                    format!(
                        "{} ({}) is contacted before any consent choice ({}).",
                        v.name, v.category, r.host
                    ),
                    ev,
                ));
            }
            if action == Action::None
                && let Some(st) = info.final_state()
            {
                for (source, what) in signal_grants(st) {
                    let mut ev = FindingEvidence::default();
                    ev.details.insert("signal".into(), what.clone());
                    out.push(finding(
                        "CNS-002",
                        &format!("signal:{source}"),
                        Severity::High,
                        name,
                        format!("A positive consent signal is stored before any choice: {what} ({source})."),
                        ev,
                    ));
                }
            }
        }
        // After a verified rejection.
        if action == Action::Reject
            && info.verified
            && let Some(t) = info.action_ms
        {
            let after = |x: Option<f64>| x.is_some_and(|x| x > t);
            for (kind, item, domain, at, p, vendor) in storage_items(pass, policy, compiled, after) {
                let mut ev = evidence(kind, &item, &domain, at, Some(&p), vendor);
                ev.details.insert("consent_action_ms".into(), format!("{t}"));
                out.push(finding(
                    "CNS-003",
                    &format!("{kind}:{item}@{domain}"),
                    Severity::High,
                    name,
                    format!(
                        "The {} {item} ({} purpose) is set {} ms after the visitor rejected consent.",
                        if kind == "cookie" {
                            "cookie"
                        } else {
                            "storage item"
                        },
                        p.category,
                        (at.unwrap_or(t) - t).round()
                    ),
                    ev,
                ));
            }
            for (r, v, sev) in tracker_requests(pass, |x| x > t) {
                let mut ev = request_evidence(r, Some(v));
                ev.details.insert("consent_action_ms".into(), format!("{t}"));
                out.push(finding(
                    "CNS-005",
                    &format!("vendor:{}", v.vendor),
                    sev,
                    name,
                    format!(
                        "{} ({}) is contacted after the visitor rejected consent ({}).",
                        v.name, v.category, r.host
                    ),
                    ev,
                ));
            }
            if let Some(st) = info.final_state() {
                for (source, what) in signal_grants(st) {
                    let mut ev = FindingEvidence::default();
                    ev.details.insert("signal".into(), what.clone());
                    out.push(finding(
                        "CNS-004",
                        &format!("signal:{source}"),
                        Severity::High,
                        name,
                        format!("After the visitor rejected consent, a positive consent signal is stored: {what} ({source})."),
                        ev,
                    ));
                }
            }
            // Pre-consent cookies left in place.
            if let Some(init) = initial {
                let win = |_: Option<f64>| true;
                let before: BTreeSet<(String, String)> = storage_items(init, policy, compiled, win)
                    .into_iter()
                    .filter(|i| i.0 == "cookie")
                    .map(|i| (i.1, i.2))
                    .collect();
                for c in &pass.cookies {
                    let key = (c.name.clone(), c.domain.trim_start_matches('.').to_string());
                    if before.contains(&key) && !c.set_at_ms.is_some_and(|x| x > t) {
                        let p = purpose(&c.name, c.vendor.as_ref(), policy, compiled);
                        let ev = evidence(
                            "cookie",
                            &c.name,
                            &key.1,
                            c.set_at_ms,
                            p.as_ref(),
                            c.vendor.as_ref(),
                        );
                        out.push(finding(
                            "CNS-010",
                            &format!("cookie:{}@{}", key.0, key.1),
                            Severity::Low,
                            name,
                            format!(
                                "The cookie {} set before any choice is still stored after the visitor rejected consent.",
                                c.name
                            ),
                            ev,
                        ));
                    }
                }
            }
            // No reject on the first layer.
            if info.banner.is_some() && info.first_layer.reject.is_none() && info.first_layer.accept.is_some()
            {
                let mut ev = FindingEvidence::default();
                ev.details
                    .insert("banner".into(), info.banner.clone().unwrap_or_default());
                ev.details.insert(
                    "accept".into(),
                    info.first_layer.accept.clone().unwrap_or_default(),
                );
                ev.details.insert("steps".into(), info.steps.join("; "));
                out.push(finding(
                    "CNS-007",
                    "first-layer",
                    Severity::Medium,
                    name,
                    "The consent banner offers \"accept\" on its first layer but no way to reject there."
                        .into(),
                    ev,
                ));
            }
        }
        // Pre-selected choices.
        let on: Vec<&str> = info
            .toggles
            .iter()
            .filter(|t| t.on)
            .map(|t| t.name.as_str())
            .collect();
        if !on.is_empty() {
            let mut ev = FindingEvidence::default();
            ev.details.insert("toggles_on".into(), on.join(", "));
            out.push(finding(
                "CNS-008",
                "toggles",
                Severity::Medium,
                name,
                format!(
                    "Optional consent choices are pre-selected before any choice: {}.",
                    on.join(", ")
                ),
                ev,
            ));
        }
        // Google Consent Mode granted without a grant: before any choice, or after a verified rejection.
        let window: Option<(f64, f64, &str)> = match (action, info.action_ms) {
            (Action::None, _) => Some((f64::NEG_INFINITY, f64::INFINITY, "before any consent choice")),
            (Action::Reject, Some(t)) if info.verified => {
                Some((t, f64::INFINITY, "after the visitor rejected consent"))
            }
            (_, Some(t)) if initial.is_none() => Some((f64::NEG_INFINITY, t, "before any consent choice")),
            _ => None,
        };
        if let Some((lo, hi, when)) = window {
            for r in pass.requests.iter().filter(|r| r.time_ms > lo && r.time_ms < hi) {
                let Some(g) = gcm::from_url(&r.url).filter(|g| g.granted_any_storage()) else {
                    continue;
                };
                let mut ev = request_evidence(r, r.vendor.as_ref());
                ev.details.insert("consent_mode".into(), g.describe());
                out.push(finding(
                    "CNS-006",
                    &format!("{name}:{}", r.host),
                    Severity::High,
                    name,
                    format!(
                        "Google Consent Mode says storage is granted ({}) {when}.",
                        g.describe()
                    ),
                    ev,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{ConsentState, StoredConsent, TcfState};

    fn pass_with(action: Action, state: ConsentState) -> Pass {
        let mut p = crate::observe::build_pass(
            action.pass_name(),
            &crate::capture::Capture::default(),
            crate::observe::ObserveOptions::default(),
        );
        p.consent = Some(ConsentInfo {
            action: Some(action),
            verified: true,
            how: "no interaction".into(),
            state: Some(state),
            ..ConsentInfo::default()
        });
        p
    }

    #[test]
    fn out_of_region_consent_is_one_info_finding() {
        let no_gdpr = ConsentState {
            tcf: Some(TcfState {
                gdpr_applies: Some(false),
                ..TcfState::default()
            }),
            ..ConsentState::default()
        };
        let f = check(&[pass_with(Action::None, no_gdpr)], None, None);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].id.as_str(), f[0].severity),
            ("CNS-091:region", Severity::Info)
        );
        assert!(f[0].message.contains("gdprApplies = false"), "{}", f[0].message);
        // Implied consent inside the region is not this rule's (it is CNS-002's).
        let implied = ConsentState {
            stored: vec![StoredConsent {
                cmp: "onetrust".into(),
                source: "OptanonConsent".into(),
                decided: false,
                implied: true,
                out_of_region: false,
                categories: Default::default(),
                tcf: None,
            }],
            ..ConsentState::default()
        };
        assert!(check(&[pass_with(Action::None, implied)], None, None).is_empty());
        // Cookiebot outside its region (stamp -1): everything granted by the region
        // setting. The region finding, not CNS-002.
        let cookiebot = ConsentState {
            stored: crate::consent::signals::read_cookies([("CookieConsent", "-1")]),
            ..ConsentState::default()
        };
        assert!(cookiebot.stored[0].out_of_region);
        let f = check(&[pass_with(Action::None, cookiebot.clone())], None, None);
        assert_eq!(
            f.iter().map(|f| (f.id.as_str(), f.severity)).collect::<Vec<_>>(),
            [("CNS-091:region", Severity::Info)]
        );
        assert!(
            f[0].message.contains(
                "cookiebot's consent record CookieConsent says the visitor is outside its consent region"
            ),
            "{}",
            f[0].message
        );
        // The same record with a real stamp and implied consent is CNS-002.
        let implied_in_region = ConsentState {
            stored: crate::consent::signals::read_cookies([(
                "CookieConsent",
                "{stamp:'abc',necessary:true,preferences:true,statistics:true,marketing:true,method:'implied',ver:1}",
            )]),
            ..ConsentState::default()
        };
        let f = check(&[pass_with(Action::None, implied_in_region)], None, None);
        assert_eq!(
            f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["CNS-002:signal:CookieConsent"]
        );
        assert!(check(&[pass_with(Action::None, ConsentState::default())], None, None).is_empty());
    }
}
