//! The audit: what the site does (the passes, with their attributions) against what it
//! declares (the [`DeclaredPolicy`]), as findings with a stable id, a severity, the rule
//! and the evidence. One module per rule family: [`declaration`] (DCL: undeclared, wrong
//! category, unclassified, declared-not-seen), [`expiry`] (EXP: lifetimes) and
//! [`disclosure`] (POL: what the privacy policy names). [`rules`] documents every rule.

pub mod consent;
pub mod declaration;
pub mod disclosure;
pub mod expiry;
pub mod rules;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::policy::{DeclaredItem, DeclaredPolicy};
use crate::report::{Attribution, Pass};
use crate::signatures::pattern::NamePattern;

/// How serious a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// The observed side of a finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObservedRef {
    /// `cookie`, `storage`, `request`, `vendor`, `technology`.
    pub kind: String,
    pub name: String,
    /// Cookie domain, storage origin or host.
    pub domain: Option<String>,
    pub url: Option<String>,
    /// The report id of the request involved (the response that set the cookie, the beacon).
    pub request: Option<String>,
    pub time_ms: Option<f64>,
}

/// The declared side of a finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeclaredRef {
    /// The source kind (`cookiebot-ccjs`, `policy-text`, …) and where it was read.
    pub source: String,
    pub location: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub expiry: Option<String>,
    /// The sentence or row, when there is one.
    pub quote: Option<String>,
}

/// The evidence of a finding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingEvidence {
    pub observed: Option<ObservedRef>,
    pub declared: Option<DeclaredRef>,
    /// The tracker signature that classified the observed item.
    pub signature: Option<Attribution>,
    /// Rule-specific figures (lifetimes, ratios, …).
    pub details: BTreeMap<String, String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable across runs for the same subject: `DCL-001:cookie:_ga@shop.example`.
    pub id: String,
    /// The rule id (`crumbs explain RULE`).
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    /// The pass it was seen in.
    pub pass: String,
    /// One sentence for people.
    pub message: String,
    pub evidence: FindingEvidence,
}

/// Findings counted by severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingCounts {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl FindingCounts {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = FindingCounts::default();
        for f in findings {
            match f.severity {
                Severity::High => c.high += 1,
                Severity::Medium => c.medium += 1,
                Severity::Low => c.low += 1,
                Severity::Info => c.info += 1,
            }
        }
        c
    }

    /// How many findings are at least as severe as `level`.
    pub fn at_least(&self, level: Severity) -> usize {
        [
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
        ]
        .into_iter()
        .filter(|(s, _)| *s >= level)
        .map(|(_, n)| n)
        .sum()
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &FindingCounts) {
        self.high += other.high;
        self.medium += other.medium;
        self.low += other.low;
        self.info += other.info;
    }
}

pub(crate) fn finding(
    rule: &str,
    subject: &str,
    severity: Severity,
    pass: &str,
    message: String,
    evidence: FindingEvidence,
) -> Finding {
    let title = rules::rule(rule).map(|r| r.title).unwrap_or(rule);
    Finding {
        id: format!("{rule}:{subject}"),
        rule: rule.to_string(),
        title: title.to_string(),
        severity,
        pass: pass.to_string(),
        message,
        evidence,
    }
}

pub(crate) fn declared_ref(policy: &DeclaredPolicy, item: &DeclaredItem) -> DeclaredRef {
    let src = policy.sources.get(item.source);
    DeclaredRef {
        source: src.map(|s| s.kind.clone()).unwrap_or_default(),
        location: match (src, &item.location) {
            (Some(s), Some(l)) => format!("{} ({l})", s.location),
            (Some(s), None) => s.location.clone(),
            (None, l) => l.clone().unwrap_or_default(),
        },
        name: Some(item.name.clone()),
        category: Some(item.category.as_str().to_string()),
        expiry: item.expiry_text.clone(),
        quote: None,
    }
}

/// Declared items compiled for matching, with their index in the policy.
pub struct CompiledItems<'a> {
    pub items: Vec<(&'a DeclaredItem, NamePattern)>,
}

impl<'a> CompiledItems<'a> {
    pub fn new(policy: &'a DeclaredPolicy) -> Self {
        let items = policy
            .items
            .iter()
            .filter_map(|i| NamePattern::parse(&i.name).ok().map(|p| (i, p)))
            .collect();
        CompiledItems { items }
    }

    /// Declared cookie and storage entries matching an observed name, exact names first.
    /// A cookie declared as storage (or the reverse) still counts as declared: consent
    /// managers often list one name under both types.
    pub fn matching(&self, name: &str) -> Vec<&'a DeclaredItem> {
        let mut hits: Vec<(&'a DeclaredItem, bool)> = self
            .items
            .iter()
            .filter(|(i, p)| i.kind != crate::policy::ItemKind::Pixel && p.matches(name))
            .map(|(i, p)| (*i, matches!(p, NamePattern::Exact(_))))
            .collect();
        hits.sort_by_key(|(_, exact)| !*exact);
        hits.into_iter().map(|(i, _)| i).collect()
    }
}

/// Whether anything declarative was read (failed policy pages alone declare nothing).
pub fn declares_anything(p: &DeclaredPolicy) -> bool {
    !p.items.is_empty()
        || !p.vendors.is_empty()
        || !p.technologies.is_empty()
        || p.sources
            .iter()
            .any(|s| s.kind == "policy-text" || s.kind == "policy-file")
}

/// Audits the passes against the declared policy. `policy` is `None` when nothing
/// declarative could be read.
pub fn audit(passes: &[Pass], policy: Option<&DeclaredPolicy>, site: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let Some(policy) = policy.filter(|p| declares_anything(p)) else {
        out.push(finding(
            "POL-006",
            &format!("site:{site}"),
            Severity::Info,
            passes.first().map(|p| p.name.as_str()).unwrap_or("initial"),
            "No consent-manager declaration, privacy policy or policy file could be read, so nothing the site does could be checked against what it declares.".into(),
            FindingEvidence::default(),
        ));
        // Lifetimes beyond 13 months need no declaration.
        let none = DeclaredPolicy::default();
        for pass in passes {
            out.extend(expiry::check(pass, &none, &CompiledItems::new(&none)));
        }
        out.extend(consent::check(passes, None, None));
        return finish(out);
    };
    // The declared names are compiled once for every rule and pass.
    let compiled = CompiledItems::new(policy);
    for pass in passes {
        out.extend(declaration::check(pass, policy, &compiled));
        out.extend(expiry::check(pass, policy, &compiled));
        out.extend(disclosure::check(pass, policy));
    }
    out.extend(declaration::declared_not_seen(passes, policy, &compiled));
    out.extend(consent::check(passes, Some(policy), Some(&compiled)));
    finish(out)
}

/// One finding per id (the first pass that shows it), most severe first.
fn finish(mut out: Vec<Finding>) -> Vec<Finding> {
    // One finding per id: the first pass that shows it.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|f| seen.insert(f.id.clone()));
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_at_least_a_severity_and_add_up() {
        let mut c = FindingCounts {
            high: 1,
            medium: 2,
            low: 4,
            info: 8,
        };
        assert_eq!(
            [Severity::High, Severity::Medium, Severity::Low, Severity::Info].map(|s| c.at_least(s)),
            [1, 3, 7, 15]
        );
        c.add(&c.clone());
        assert_eq!((c.high, c.medium, c.low, c.info), (2, 4, 8, 16));
    }
}
