//! The Markdown report, for tickets: a headline verdict, findings by severity with their
//! evidence, the third parties, and the passes side by side. Rendered from the JSON report
//! alone, so any stored report renders again. Long lists are cut (with counts of what was
//! left out) so a heavy site stays under [`MAX_BYTES`]. Every string from the site is
//! escaped: it cannot open links, images, HTML, code spans or table cells.

use std::fmt::Write as _;

use super::Report;
use crate::audit::Severity;

/// Size budget of the whole document.
pub const MAX_BYTES: usize = 64 * 1024 - 1024;
const MAX_FINDINGS: usize = 60;
const MAX_ROWS: usize = 40;

/// Escapes a site-supplied string for Markdown text and table cells.
pub fn escape(s: &str) -> String {
    let clean = super::text::sanitize(s);
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '!' | '|'
            | '~' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn verdict(r: &Report) -> String {
    let c = &r.findings_summary;
    let v = &r.scan.validity;
    if !v.ok {
        return "⚠ The scan did not see a working page; results are incomplete.".into();
    }
    match (c.high, c.medium) {
        (0, 0) if c.low == 0 => "✅ No mismatch between what the site does and what it declares.".into(),
        (0, 0) => format!("🟡 {} low-severity finding(s); nothing high or medium.", c.low),
        (h, m) => {
            format!("🔴 {h} high and {m} medium finding(s) between what the site does and what it declares.")
        }
    }
}

/// Renders the report as Markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# crumbs report: {}\n", escape(&r.scan.requested_url));
    let _ = writeln!(out, "**{}**\n", verdict(r));
    let _ = writeln!(
        out,
        "Scanned {} ({} s) · first party `{}` · {} {}\n",
        escape(&r.scan.started_at),
        r.scan.duration_ms as f64 / 1000.0,
        escape(r.scan.first_party.as_deref().unwrap_or("?")).replace('`', "'"),
        escape(
            r.scan
                .browser
                .as_ref()
                .map(|b| b.product.as_str())
                .unwrap_or("from a HAR file")
        ),
        r.scan.signatures.version.as_str()
    );
    let c = &r.findings_summary;
    let _ = writeln!(
        out,
        "## Findings\n\n{} high · {} medium · {} low · {} info\n",
        c.high, c.medium, c.low, c.info
    );
    for sev in [Severity::High, Severity::Medium, Severity::Low, Severity::Info] {
        let list: Vec<_> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {} ({})\n", sev.as_str(), list.len());
        for f in list.iter().take(MAX_FINDINGS) {
            let _ = write!(out, "- **{}** {}", f.rule, escape(&f.message));
            let e = &f.evidence;
            let mut ev = Vec::new();
            if let Some(o) = &e.observed
                && let Some(u) = &o.url
            {
                ev.push(format!("seen: {}", escape(u)));
            }
            if let Some(d) = &e.declared {
                ev.push(format!(
                    "declared in {} {}",
                    escape(&d.source),
                    escape(&d.location)
                ));
            }
            if let Some(s) = &e.signature
                && let Some(src) = s.evidence.first()
            {
                ev.push(format!(
                    "signature {} ({})",
                    escape(&s.vendor),
                    escape(&src.source)
                ));
            }
            if !ev.is_empty() {
                let _ = write!(out, " — {}", ev.join("; "));
            }
            out.push('\n');
        }
        if list.len() > MAX_FINDINGS {
            let _ = writeln!(
                out,
                "- … and {} more {} finding(s) in the JSON report",
                list.len() - MAX_FINDINGS,
                sev.as_str()
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Passes\n");
    let _ = writeln!(
        out,
        "| pass | consent | requests | third parties | cookies | storage | beacons | pixels |\n|---|---|---:|---:|---:|---:|---:|---:|"
    );
    for p in &r.passes {
        let s = &p.summary;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&p.name),
            consent_cell(p),
            s.requests,
            s.third_party_domains,
            s.cookies,
            s.storage_items,
            s.beacons,
            s.pixels
        );
    }
    out.push('\n');
    if let Some(p) = r.passes.first().filter(|p| p.pages.len() > 1) {
        let _ = writeln!(out, "Pages visited in each pass ({}):\n", p.pages.len());
        for v in &p.pages {
            let status = escape(&v.outcome());
            let _ = writeln!(out, "- {} ({status})", escape(&v.url));
        }
        out.push('\n');
    }
    if r.passes.len() > 1 {
        comparison(&mut out, r);
    }
    if let Some(p) = r.passes.first() {
        let _ = writeln!(out, "## Third parties ({})\n", p.third_parties.len());
        let _ = writeln!(
            out,
            "| domain | vendor | owner | category | requests | cookies | first seen |\n|---|---|---|---|---:|---:|---:|"
        );
        for t in p.third_parties.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} ms |",
                escape(&t.domain),
                escape(t.vendor_name.as_deref().unwrap_or("(unattributed)")),
                escape(t.owner.as_deref().unwrap_or("")),
                escape(t.category.as_deref().unwrap_or("")),
                t.requests,
                t.cookies,
                t.first_seen_ms
            );
        }
        if p.third_parties.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more third parties in the JSON report",
                p.third_parties.len() - MAX_ROWS
            );
        }
        out.push('\n');
    }
    if out.len() > MAX_BYTES {
        let mut cut = MAX_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n\n… (cut to fit 64 KB; the JSON report has everything)\n");
    }
    out
}

/// The consent action of a pass, and whether it was verified.
fn consent_cell(p: &crate::report::Pass) -> String {
    let Some(c) = &p.consent else {
        return "–".into();
    };
    match c.action {
        Some(crate::consent::Action::Reject) | Some(crate::consent::Action::Accept) if c.verified => {
            format!(
                "{} (verified: {})",
                escape(&c.how),
                escape(c.evidence.first().map(String::as_str).unwrap_or(""))
            )
        }
        Some(crate::consent::Action::Reject) | Some(crate::consent::Action::Accept) => format!(
            "**not verified**: {}",
            escape(c.reason.as_deref().unwrap_or("unknown reason"))
        ),
        _ => "no interaction".into(),
    }
}

/// Before consent / after reject / after accept: which third parties and cookies each pass saw.
fn comparison(out: &mut String, r: &Report) {
    let heads: Vec<String> = r
        .passes
        .iter()
        .map(|p| match p.name.as_str() {
            "initial" => "before consent".to_string(),
            "reject" => "after reject".to_string(),
            "accept" => "after accept".to_string(),
            other => escape(other),
        })
        .collect();
    let header = format!(
        "| {{}} | {} |\n|---|{}",
        heads.join(" | "),
        "---|".repeat(heads.len())
    );
    let rows = super::comparison(r);
    let mark = |b: bool| if b { "yes" } else { "–" };
    let _ = writeln!(out, "## Before consent / after reject / after accept\n");
    for (label, what, list) in [
        ("third party", "third parties", &rows.third_parties),
        ("cookie", "cookies", &rows.cookies),
    ] {
        let _ = writeln!(out, "{}", header.replacen("{}", label, 1));
        for (k, seen) in list.iter().take(MAX_ROWS) {
            let cells: Vec<&str> = seen.iter().map(|b| mark(*b)).collect();
            let _ = writeln!(out, "| {} | {} |", escape(k), cells.join(" | "));
        }
        if list.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more {what} in the JSON report",
                list.len() - MAX_ROWS
            );
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_are_inert() {
        let e =
            escape("<script>alert(1)</script> | `x` [a](http://e) ![i](x) **b** \u{1b}[31m\n# h \u{202e}");
        assert!(!e.contains("<script"));
        assert!(e.contains("&lt;script"));
        assert!(e.contains(r"\|"));
        assert!(!e.contains(" | "));
        assert!(e.contains(r"\`x\`"));
        assert!(e.contains(r"\[a\]\(http://e\)"));
        assert!(e.contains(r"\!\[i\]"));
        assert!(e.contains(r"\*\*b\*\*"));
        assert!(!e.contains('\u{1b}'));
        assert!(!e.contains('\u{202e}'));
        assert!(!e.contains('\n'));
    }
}
