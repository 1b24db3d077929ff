//! `crumbs signatures explain | stats | import`: the database, inspected from the terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{SignatureIndex, Vendor};
use crate::app::{Analysis, EXIT_ERROR, EXIT_OK};
use crate::cli::{ImportFormat, SignaturesCommand};
use crate::error::Error;
use crate::report::text::sanitize;

/// Runs a `signatures` subcommand; returns the exit code.
pub fn run(cmd: &SignaturesCommand) -> Result<i32, Error> {
    match cmd {
        SignaturesCommand::Explain { query, analysis } => {
            let a = Analysis::load(analysis)?;
            let (text, found) = explain(&a, query);
            print!("{text}");
            Ok(if found { EXIT_OK } else { EXIT_ERROR - 1 })
        }
        SignaturesCommand::Stats { analysis } => {
            let a = Analysis::load(analysis)?;
            print!("{}", stats(&a));
            Ok(EXIT_OK)
        }
        SignaturesCommand::Import { format, file } => {
            let name = match format {
                ImportFormat::Ocd => "ocd",
                ImportFormat::Tds => "tds",
                ImportFormat::Disconnect => "disconnect",
                ImportFormat::Ghostery => "ghostery",
            };
            let out = super::import::import_command(name, file)?;
            print!("{out}");
            Ok(EXIT_OK)
        }
    }
}

fn vendor_line(v: &Vendor) -> String {
    format!(
        "{} — {} ({}, owned by {})",
        v.id,
        sanitize(&v.name),
        v.category,
        sanitize(&v.owner)
    )
}

/// What matches `query` (a URL, a host or a name) and why; and whether anything did.
pub fn explain(a: &Analysis, query: &str) -> (String, bool) {
    let ix: &SignatureIndex = &a.signatures;
    let mut out = String::new();
    let mut found = false;
    let q = query.trim();
    let url = url::Url::parse(q)
        .ok()
        .filter(|u| u.host_str().is_some() && q.contains("://"));
    let host = match &url {
        Some(u) => u.host_str().map(|h| h.to_ascii_lowercase()),
        None if q.contains('.')
            && q.rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
            && super::load::normalise_domain(q).is_ok() =>
        {
            Some(q.to_ascii_lowercase())
        }
        None => None,
    };
    if let Some(h) = &host {
        let _ = writeln!(
            out,
            "host {}: registrable domain {}",
            sanitize(h),
            crate::classify::registrable_domain(h)
        );
        let all = ix.match_host_all(h);
        if all.is_empty() {
            let _ = writeln!(out, "  no vendor's domains cover this host");
        }
        for (i, m) in all.iter().enumerate() {
            found = true;
            let tag = if i == 0 { "match" } else { "also " };
            let _ = writeln!(
                out,
                "  {tag} domain {:<28} {}  [{}]",
                m.entry,
                vendor_line(m.vendor),
                m.origin
            );
        }
    }
    if let Some(u) = &url {
        let h = host.clone().unwrap_or_default();
        if let Some(b) = ix.match_beacon(&h, u.path()) {
            found = true;
            let pattern = match &b.beacon.host {
                Some(bh) => format!("{bh}{}", b.beacon.path_prefix),
                None => b.beacon.path_prefix.clone(),
            };
            let _ = writeln!(
                out,
                "  beacon endpoint {pattern} of {}  [{}]",
                b.vendor.id, b.beacon.origin
            );
        }
        if let Some(l) = &a.lists {
            for t in ["script", "image", "xmlhttprequest", "ping", "subdocument"] {
                if let Some(hit) = l.check(u.as_str(), &h, "", t, true, "GET") {
                    found = true;
                    let line = hit.line.map(|n| format!(":{n}")).unwrap_or_default();
                    let exc = hit
                        .exception
                        .map(|e| format!(" (but exception {e})"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "  list {}{line}: {} as a third-party {t}{exc}",
                        hit.list, hit.rule
                    );
                    break;
                }
            }
        }
    }
    if url.is_none() {
        for (what, all) in [
            ("cookie", ix.match_cookie_all(q)),
            ("storage key", ix.match_storage_all(q)),
        ] {
            if all.is_empty() {
                let _ = writeln!(out, "{what} {}: no name pattern matches", sanitize(q));
                continue;
            }
            let _ = writeln!(out, "{what} {}:", sanitize(q));
            for m in all {
                found = true;
                let s = m.signature;
                let scope = match s.scope {
                    super::Scope::Any => "",
                    super::Scope::Vendor => " (only on the vendor's domains)",
                };
                let life = s
                    .lifetime
                    .map(|l| format!(", typically {}", crate::report::text::human_duration(l as i64)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} pattern {:<24} {}: {}{life}{scope}  [{}]",
                    s.pattern.kind(),
                    s.pattern.source(),
                    m.vendor.id,
                    s.purpose,
                    s.origin
                );
            }
        }
    }
    if !found {
        let _ = writeln!(out, "nothing matches: crumbs would report this as unattributed");
    }
    (out, found)
}

/// Counts of the loaded database.
pub fn stats(a: &Analysis) -> String {
    let ix = &a.signatures;
    let mut out = String::new();
    let vendors = ix.vendors();
    let (cookies, storage) = ix.pattern_counts();
    let _ = writeln!(out, "signature database {}", ix.version());
    let _ = writeln!(out, "vendors          {}", vendors.len());
    let _ = writeln!(
        out,
        "domains          {}",
        vendors.iter().map(|v| v.domains.len()).sum::<usize>()
    );
    let _ = writeln!(out, "cookie patterns  {cookies}");
    let _ = writeln!(out, "storage patterns {storage}");
    let _ = writeln!(
        out,
        "beacon patterns  {}",
        vendors.iter().map(|v| v.beacons.len()).sum::<usize>()
    );
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for v in vendors {
        for s in v.cookies.iter().chain(&v.storage) {
            *kinds.entry(s.pattern.kind()).or_default() += 1;
        }
    }
    let _ = writeln!(
        out,
        "pattern kinds    {}",
        kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "\nvendors by category");
    let mut cats: BTreeMap<&str, usize> = BTreeMap::new();
    for v in vendors {
        *cats.entry(v.category.as_str()).or_default() += 1;
    }
    let mut cats: Vec<_> = cats.into_iter().collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (c, n) in cats {
        let _ = writeln!(out, "  {c:<22} {n:>5}");
    }
    let _ = writeln!(out, "\nsources");
    let mut files: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for v in vendors {
        let e = files.entry(v.origin.file.to_string()).or_default();
        e.0 += 1;
        e.1 += v.cookies.len() + v.storage.len();
    }
    for (f, (v, p)) in files {
        let _ = writeln!(out, "  {f:<48} {v:>5} vendors {p:>6} patterns");
    }
    if let Some(l) = &a.lists {
        let _ = writeln!(
            out,
            "\nfilter lists     {} ({} rules)",
            l.names().join(", "),
            l.rule_count()
        );
    }
    out
}
