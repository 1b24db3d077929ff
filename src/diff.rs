//! Comparing two sets of reports (last night's and tonight's): third parties, cookies and
//! findings that appeared or went away, per site. Pure functions over reports; reading
//! files and directories is at the edge (`load_reports`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::audit::Severity;
use crate::error::Error;
use crate::report::Report;

/// A finding, as the diff lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct FindingRef {
    pub severity: Severity,
    pub id: String,
    pub rule: String,
    pub message: String,
}

/// What changed for one site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SiteDiff {
    /// The requested URL.
    pub site: String,
    /// Third-party domains, with the vendor when known (`domain (vendor)`).
    pub new_third_parties: Vec<String>,
    pub removed_third_parties: Vec<String>,
    /// Cookies as `name@domain`.
    pub new_cookies: Vec<String>,
    pub removed_cookies: Vec<String>,
    pub new_findings: Vec<FindingRef>,
    pub resolved_findings: Vec<FindingRef>,
}

impl SiteDiff {
    fn is_empty(&self) -> bool {
        self.new_third_parties.is_empty()
            && self.removed_third_parties.is_empty()
            && self.new_cookies.is_empty()
            && self.removed_cookies.is_empty()
            && self.new_findings.is_empty()
            && self.resolved_findings.is_empty()
    }
}

/// The difference between two runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Diff {
    /// Sites with a change, by URL.
    pub sites: Vec<SiteDiff>,
    /// Sites only in the new run, and only in the old one.
    pub new_sites: Vec<String>,
    pub removed_sites: Vec<String>,
}

fn third_parties(r: &Report) -> BTreeSet<String> {
    r.passes
        .iter()
        .flat_map(|p| &p.third_parties)
        .map(|t| match &t.vendor {
            Some(v) => format!("{} ({v})", t.domain),
            None => t.domain.clone(),
        })
        .collect()
}

fn cookies(r: &Report) -> BTreeSet<String> {
    r.passes
        .iter()
        .flat_map(|p| &p.cookies)
        .map(|c| format!("{}@{}", c.name, c.domain.trim_start_matches('.')))
        .collect()
}

fn findings(r: &Report) -> BTreeMap<String, FindingRef> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.id.clone(),
                FindingRef {
                    severity: f.severity,
                    id: f.id.clone(),
                    rule: f.rule.clone(),
                    message: f.message.clone(),
                },
            )
        })
        .collect()
}

/// Compares the reports of two runs, site by site (sites are matched by requested URL).
pub fn diff(old: &[Report], new: &[Report]) -> Diff {
    let old_by: BTreeMap<&str, &Report> = old.iter().map(|r| (r.scan.requested_url.as_str(), r)).collect();
    let new_by: BTreeMap<&str, &Report> = new.iter().map(|r| (r.scan.requested_url.as_str(), r)).collect();
    let mut d = Diff::default();
    for (url, n) in &new_by {
        let Some(o) = old_by.get(url) else {
            d.new_sites.push((*url).to_string());
            continue;
        };
        let (ot, nt) = (third_parties(o), third_parties(n));
        let (oc, nc) = (cookies(o), cookies(n));
        let (of, nf) = (findings(o), findings(n));
        let mut s = SiteDiff {
            site: (*url).to_string(),
            new_third_parties: nt.difference(&ot).cloned().collect(),
            removed_third_parties: ot.difference(&nt).cloned().collect(),
            new_cookies: nc.difference(&oc).cloned().collect(),
            removed_cookies: oc.difference(&nc).cloned().collect(),
            new_findings: nf
                .iter()
                .filter(|(k, _)| !of.contains_key(*k))
                .map(|(_, v)| v.clone())
                .collect(),
            resolved_findings: of
                .iter()
                .filter(|(k, _)| !nf.contains_key(*k))
                .map(|(_, v)| v.clone())
                .collect(),
        };
        s.new_findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        s.resolved_findings
            .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        if !s.is_empty() {
            d.sites.push(s);
        }
    }
    d.removed_sites = old_by
        .keys()
        .filter(|u| !new_by.contains_key(*u))
        .map(|u| (*u).to_string())
        .collect();
    d
}

/// Whether the new run has a new finding at least as severe as `level`.
pub fn has_new_finding_at(d: &Diff, level: Severity) -> bool {
    d.sites
        .iter()
        .flat_map(|s| &s.new_findings)
        .any(|f| f.severity >= level)
}

/// The diff for people.
pub fn render_text(d: &Diff) -> String {
    use crate::report::text::sanitize;
    let mut out = String::new();
    if d.sites.is_empty() && d.new_sites.is_empty() && d.removed_sites.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    for u in &d.new_sites {
        out.push_str(&format!("+ site {}\n", sanitize(u)));
    }
    for u in &d.removed_sites {
        out.push_str(&format!("- site {}\n", sanitize(u)));
    }
    for s in &d.sites {
        out.push_str(&format!("\n{}\n", sanitize(&s.site)));
        for (sign, what, list) in [
            ("+", "third party", &s.new_third_parties),
            ("-", "third party", &s.removed_third_parties),
            ("+", "cookie", &s.new_cookies),
            ("-", "cookie", &s.removed_cookies),
        ] {
            for x in list {
                out.push_str(&format!("  {sign} {what} {}\n", sanitize(x)));
            }
        }
        for f in &s.new_findings {
            out.push_str(&format!(
                "  + finding {} {}: {}\n",
                f.severity.as_str(),
                f.rule,
                sanitize(&f.message)
            ));
        }
        for f in &s.resolved_findings {
            out.push_str(&format!(
                "  - finding {} {}: {}\n",
                f.severity.as_str(),
                f.rule,
                sanitize(&f.message)
            ));
        }
    }
    out
}

/// Reads reports from a file (one report or an array) or a directory (every `*.json` in it
/// that is a report; other JSON files such as a summary are skipped).
pub fn load_reports(path: &Path) -> Result<Vec<Report>, Error> {
    let read = |p: &Path| -> Result<Vec<Report>, Error> {
        let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Parse {
            path: p.display().to_string(),
            reason: format!("line {}, column {}: not JSON: {e}", e.line(), e.column()),
        })?;
        let list = match value {
            serde_json::Value::Array(a) => a,
            other => vec![other],
        };
        list.into_iter()
            .map(|v| {
                serde_json::from_value::<Report>(v).map_err(|e| Error::Parse {
                    path: p.display().to_string(),
                    reason: format!(
                        "not a crumbs report (schema {}): {e}",
                        crate::report::SCHEMA_VERSION
                    ),
                })
            })
            .collect()
    };
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            if let Ok(r) = read(&f) {
                out.extend(r);
            }
        }
        Ok(out)
    } else {
        read(path)
    }
}
