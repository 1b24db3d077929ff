//! EXP rules: the lifetime a cookie *asked for* (raw Set-Cookie / document.cookie, not the
//! browser's 400-day-capped jar) against its declaration and the 13-month guidance.

use super::{CompiledItems, FindingEvidence, ObservedRef, Severity, declared_ref, finding};
use crate::audit::Finding;
use crate::audit::declaration::signature_category;
use crate::policy::{DeclaredCategory, DeclaredPolicy, ItemKind};
use crate::report::{CookieSource, Pass};

/// 13 months, as 395 days.
pub const THIRTEEN_MONTHS_SECS: i64 = 395 * 86_400;
const DAY: i64 = 86_400;

fn days(secs: i64) -> String {
    format!("{:.1} days", secs as f64 / DAY as f64)
}

/// EXP-001, EXP-002, EXP-003, EXP-005 for one pass.
pub fn check(pass: &Pass, policy: &DeclaredPolicy, compiled: &CompiledItems<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &pass.cookies {
        if c.source == CookieSource::Request {
            continue; // lifetime unknown
        }
        let subject = format!("cookie:{}@{}", c.name, c.domain.trim_start_matches('.'));
        let observed = ObservedRef {
            kind: "cookie".into(),
            name: c.name.clone(),
            domain: Some(c.domain.clone()),
            url: c.set_by.clone(),
            request: c.set_by_request.clone(),
            time_ms: c.set_at_ms,
        };
        let requested = c.lifetime_requested_secs.or(c.lifetime_stored_secs);
        let persistent = requested.is_some();
        let declared = compiled
            .matching(&c.name)
            .into_iter()
            .find(|d| d.kind != ItemKind::Storage);

        if let Some(d) = declared {
            let evidence = |details: Vec<(&str, String)>| FindingEvidence {
                observed: Some(observed.clone()),
                declared: Some(declared_ref(policy, d)),
                signature: c.vendor.clone(),
                details: details.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            };
            match (d.session, d.expiry_secs, requested) {
                (Some(true), _, Some(req)) if req > 0 => out.push(finding(
                    "EXP-002",
                    &subject,
                    Severity::Medium,
                    &pass.name,
                    format!(
                        "`{}` is declared as a session cookie but asks to live {}.",
                        c.name,
                        days(req)
                    ),
                    evidence(vec![("requested_secs", req.to_string())]),
                )),
                (Some(false), Some(decl), None) if decl > 0 => out.push(finding(
                    "EXP-003",
                    &subject,
                    Severity::Low,
                    &pass.name,
                    format!(
                        "`{}` is declared to last {} but is a session cookie.",
                        c.name,
                        days(decl as i64)
                    ),
                    evidence(vec![("declared_secs", decl.to_string())]),
                )),
                (_, Some(decl), Some(req)) if decl > 0 => {
                    let decl = decl as i64;
                    if req - decl >= DAY && (req as f64) > 1.5 * decl as f64 {
                        let ratio = req as f64 / decl as f64;
                        let severity = if ratio >= 4.0 {
                            Severity::High
                        } else {
                            Severity::Medium
                        };
                        let mut details = vec![
                            ("requested_secs", req.to_string()),
                            ("declared_secs", decl.to_string()),
                            ("ratio", format!("{ratio:.2}")),
                        ];
                        if let Some(s) = c.lifetime_stored_secs {
                            details.push(("stored_secs", s.to_string()));
                        }
                        out.push(finding(
                            "EXP-001",
                            &subject,
                            severity,
                            &pass.name,
                            format!(
                                "`{}` asks to live {} but is declared for {} ({ratio:.1}×).",
                                c.name,
                                days(req),
                                d.expiry_text.clone().unwrap_or_else(|| days(decl))
                            ),
                            evidence(details),
                        ));
                    }
                }
                _ => {}
            }
        }

        if persistent
            && let Some(req) = requested
            && req > THIRTEEN_MONTHS_SECS
        {
            let cat = c
                .vendor
                .as_ref()
                .and_then(signature_category)
                .or_else(|| declared.map(|d| d.category));
            let severity = if matches!(
                cat,
                Some(DeclaredCategory::Statistics | DeclaredCategory::Marketing)
            ) {
                Severity::Low
            } else {
                Severity::Info
            };
            let mut details: std::collections::BTreeMap<String, String> =
                [("requested_secs".to_string(), req.to_string())].into();
            if let Some(s) = c.lifetime_stored_secs {
                details.insert("stored_secs".into(), s.to_string());
            }
            out.push(finding(
                "EXP-005",
                &subject,
                severity,
                &pass.name,
                format!("`{}` asks to live {}, beyond 13 months.", c.name, days(req)),
                FindingEvidence {
                    observed: Some(observed),
                    declared: declared.map(|d| declared_ref(policy, d)),
                    signature: c.vendor.clone(),
                    details,
                },
            ));
        }
    }
    out
}
