//! The human summary printed by `--format text` and by `crumbs demo`.
//!
//! This module owns the terminal layout of a [`Report`]: a headline, the validity of
//! the scan, then per pass a summary line and one table per kind of observation. Lines
//! stay within [`WIDTH`] columns: table columns are sized from their contents, then the
//! widest shrinkable ones give way and long cells end in `…`. Every string that came
//! from the site goes through [`sanitize`] first, so a cookie name or URL cannot move
//! the cursor, colour the terminal or reorder the text with bidi controls.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Cookie, CookieSource, Pass, Report};
use crate::classify::{Party, registrable_domain};

/// Maximum width of a line, in columns (characters).
pub const WIDTH: usize = 100;
/// Indent of table rows.
const INDENT: &str = "  ";
/// Space between table columns.
const GAP: &str = "  ";
/// Chromium's cap on a cookie's lifetime, in seconds.
const COOKIE_CAP_SECS: i64 = 400 * 86_400;

/// Renders a human summary of a report.
pub fn render(r: &Report) -> String {
    let mut out = Out::default();
    headline(&mut out, r);
    out.blank();
    for (i, pass) in r.passes.iter().enumerate() {
        if i > 0 {
            out.blank();
        }
        if i == 0 {
            render_pass(&mut out, pass);
        } else {
            pass_line(&mut out, pass);
        }
        consent_line(&mut out, pass);
    }
    if r.passes.len() > 1 {
        out.blank();
        comparison(&mut out, r);
    }
    if let Some(g) = &r.gpc {
        out.blank();
        gpc_lines(&mut out, g);
    }
    out.blank();
    declared_and_findings(&mut out, r);
    out.text
}

/// How many findings the summary lists before saying how many more there are.
const MAX_FINDINGS_LISTED: usize = 40;

fn declared_and_findings(out: &mut Out, r: &Report) {
    out.line("Declared");
    match &r.declared {
        None => out.line("  (nothing declarative was found)"),
        Some(d) => {
            if let Some(cmp) = &d.consent_manager {
                out.line(&format!("  consent manager: {}", sanitize(cmp)));
            }
            for s in &d.sources {
                let mut line = format!(
                    "  {}: {} items, {} vendors, {} statements — {}",
                    sanitize(&s.kind),
                    s.items,
                    s.vendors,
                    s.statements,
                    truncate(&sanitize(&s.location), 60)
                );
                if !s.problems.is_empty() {
                    line.push_str(&format!(" ({} problem(s))", s.problems.len()));
                }
                out.line(&line);
                for p in s.problems.iter().take(3) {
                    for l in wrap(&format!("! {}", sanitize(p)), " ", "    ", "      ") {
                        out.line(&l);
                    }
                }
            }
        }
    }
    out.blank();
    let c = &r.findings_summary;
    out.line(&format!(
        "Findings: {} high, {} medium, {} low, {} info",
        c.high, c.medium, c.low, c.info
    ));
    if r.findings.is_empty() {
        out.line("  (none)");
    }
    for f in r.findings.iter().take(MAX_FINDINGS_LISTED) {
        let head = format!(
            "  {:<6} {}  {}",
            f.severity.as_str(),
            f.rule,
            sanitize(&f.message)
        );
        for l in wrap(&head, " ", "", "                 ") {
            out.line(&l);
        }
    }
    if r.findings.len() > MAX_FINDINGS_LISTED {
        out.line(&format!(
            "  … and {} more (see the JSON report)",
            r.findings.len() - MAX_FINDINGS_LISTED
        ));
    }
}

/// Renders a declared policy alone (`crumbs policy --format text`).
pub fn render_policy(d: &crate::policy::DeclaredPolicy) -> String {
    let mut out = Out::default();
    out.line(&format!(
        "Consent manager: {}",
        d.consent_manager
            .as_deref()
            .map(sanitize)
            .unwrap_or("(none found)".into())
    ));
    for p in &d.policy_pages {
        out.line(&format!("Policy page: {}", sanitize(p)));
    }
    out.blank();
    out.line("Sources");
    for s in &d.sources {
        out.line(&format!(
            "  {}: {} items, {} vendors, {} statements — {}",
            sanitize(&s.kind),
            s.items,
            s.vendors,
            s.statements,
            sanitize(&s.location)
        ));
        for p in &s.problems {
            out.line(&format!("    ! {}", sanitize(p)));
        }
    }
    out.blank();
    let counts = d.category_counts();
    out.line(&format!(
        "Declared items ({})",
        counts
            .iter()
            .map(|(c, n)| format!("{} {n}", c.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Table::new(&[
        Col::left("NAME", 12),
        Col::left("KIND", 7),
        Col::left("CATEGORY", 12),
        Col::left("EXPIRY", 12),
        Col::left("PROVIDER", 16),
    ])
    .rows(d.items.iter().map(|i| {
        let name = if i.count > 1 {
            format!("{} [x{}]", i.name, i.count)
        } else {
            i.name.clone()
        };
        Row::new(vec![
            name,
            format!("{:?}", i.kind).to_lowercase(),
            i.category.as_str().to_string(),
            i.expiry_text.clone().unwrap_or_else(|| "-".into()),
            i.provider
                .clone()
                .unwrap_or_else(|| "-".into())
                .replace('\n', ", "),
        ])
    }))
    .print(&mut out);
    out.blank();
    out.line("Vendors named");
    if d.vendors.is_empty() {
        out.line("  (none)");
    }
    for v in &d.vendors {
        out.line(&format!(
            "  {}{}",
            sanitize(&v.name),
            v.vendor.as_ref().map(|id| format!(" ({id})")).unwrap_or_default()
        ));
    }
    out.blank();
    out.line("Technologies, retention and statements");
    for t in &d.technologies {
        out.line(&format!("  uses {}", sanitize(&t.technology)));
    }
    for r in &d.retention {
        out.line(&format!(
            "  keeps {} for {}",
            sanitize(&r.subject),
            human_duration(r.duration_secs as i64)
        ));
    }
    for n in &d.negatives {
        out.line(&format!(
            "  says it does not use {}: \"{}\"",
            sanitize(&n.denies),
            truncate(&sanitize(&n.quote), 70)
        ));
    }
    out.text
}

/// The string made inert for a terminal: control characters (C0, DEL, C1 — ESC among
/// them), line and paragraph separators and Unicode bidi controls become visible
/// escapes such as `\u{1b}`; newlines, carriage returns and tabs become `\n`, `\r`, `\t`.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() // C0, DEL and C1
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `s` cut to at most `width` characters, ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> Cow<'_, str> {
    if s.chars().count() <= width {
        return Cow::Borrowed(s);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    Cow::Owned(out)
}

/// A lifetime in seconds, compactly: `45 s`, `30 min`, `12 h`, `30 d`, `400 d`, `2 y`,
/// `1 y 36 d`. Rounded to the nearest unit; days up to Chromium's 400-day cap, years
/// (of 365 days) and days beyond it; `expired` below zero.
pub fn human_duration(secs: i64) -> String {
    if secs < 0 {
        return "expired".into();
    }
    if secs < 60 {
        return format!("{secs} s");
    }
    let round = |unit: i64| secs.saturating_add(unit / 2) / unit;
    let mins = round(60);
    if mins < 60 {
        return format!("{mins} min");
    }
    let hours = round(3_600);
    if hours < 24 {
        return format!("{hours} h");
    }
    let days = round(86_400);
    if days <= 400 {
        return format!("{days} d");
    }
    match (days / 365, days % 365) {
        (y, 0) => format!("{y} y"),
        (y, d) => format!("{y} y {d} d"),
    }
}

/// Output lines; every line is sanitized again on the way in, as a last guard.
#[derive(Default)]
struct Out {
    text: String,
}

impl Out {
    fn line(&mut self, s: &str) {
        self.text.push_str(sanitize(s.trim_end()).as_ref());
        self.text.push('\n');
    }
    fn blank(&mut self) {
        self.text.push('\n');
    }
}

fn headline(out: &mut Out, r: &Report) {
    let s = &r.scan;
    let prefix = format!("{} {} — ", sanitize(&r.tool.name), sanitize(&r.tool.version));
    let room = WIDTH.saturating_sub(prefix.chars().count());
    let requested = sanitize(&s.requested_url);
    let line = match s.final_url.as_deref().filter(|f| *f != s.requested_url) {
        Some(f) => {
            let half = room.saturating_sub(5) / 2;
            format!(
                "{prefix}{}  →  {}",
                truncate(&requested, half),
                truncate(&sanitize(f), half)
            )
        }
        None => format!("{prefix}{}", truncate(&requested, room)),
    };
    out.line(&line);

    let mut scanned = format!(
        "Scanned {} in {:.1} s",
        sanitize(&s.started_at),
        s.duration_ms as f64 / 1000.0
    );
    match &s.browser {
        Some(b) => {
            let _ = write!(scanned, " with {}", truncate(&sanitize(&b.product), 40));
        }
        None if s.source == "har" => scanned.push_str(" from a HAR file"),
        None => {}
    }
    if let Some(fp) = &s.first_party {
        let _ = write!(scanned, " · first party: {}", truncate(&sanitize(fp), 60));
    }
    for l in wrap(&scanned, " · ", "", "  ") {
        out.line(&l);
    }

    let v = &s.validity;
    let status = match v.document_status {
        Some(code) => format!("HTTP {code}"),
        None => "no response".into(),
    };
    let load_ms = r.passes.first().and_then(|p| p.load_ms);
    let load = match (v.load_event, load_ms) {
        (true, Some(ms)) => format!("load event at {ms:.0} ms"),
        (true, None) => "load event fired".into(),
        (false, _) => "no load event".into(),
    };
    out.line(&format!("Page: {status}, {load}"));

    let mut problems: Vec<String> = Vec::new();
    if let Some(e) = &v.navigation_error {
        problems.push(format!("navigation failed: {}", sanitize(e)));
    }
    match v.document_status {
        Some(code) if code >= 400 => problems.push(format!("the server answered HTTP {code}")),
        None if v.navigation_error.is_none() => {
            problems.push("no main document arrived".into());
        }
        _ => {}
    }
    if v.timeout_hit {
        problems.push(format!(
            "the page did not settle within {} s (--timeout): observations may be incomplete",
            r.scan.options.timeout_secs
        ));
    }
    for p in &v.problems {
        problems.push(sanitize(p).into_owned());
    }
    for d in &v.dialogs {
        problems.push(format!(
            "{} dialog from {}: \"{}\"",
            truncate(&sanitize(&d.kind), 12),
            truncate(&sanitize(&d.url), 40),
            truncate(&sanitize(&d.message), 60)
        ));
    }
    for p in &v.popups {
        problems.push(format!("pop-up opened: {}", truncate(&sanitize(p), 80)));
    }
    for p in problems {
        for l in wrap(&p, " ", "! ", "  ") {
            out.line(&l);
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary of a pass (the first pass gets its full tables instead).
fn pass_line(out: &mut Out, p: &Pass) {
    let s = &p.summary;
    let head = format!(
        "Pass \"{}\": {} ({} third-party) · {} ({} third-party) · {} · {}",
        truncate(&sanitize(&p.name), 20),
        plural(s.requests, "request", "requests"),
        s.third_party_requests,
        plural(s.cookies, "cookie", "cookies"),
        s.third_party_cookies,
        plural(s.storage_items, "storage item", "storage items"),
        plural(s.beacons + s.pixels, "beacon or pixel", "beacons and pixels"),
    );
    for l in wrap(&head, " · ", "", "  ") {
        out.line(&l);
    }
}

/// What the pass did about consent, in one or two lines.
fn consent_line(out: &mut Out, p: &Pass) {
    let Some(c) = &p.consent else { return };
    let cmp = c
        .cmp
        .as_deref()
        .map(|c| format!(" · consent manager: {}", sanitize(c)))
        .unwrap_or_default();
    let line = match c.action {
        Some(crate::consent::Action::None) | None => format!("Consent: no interaction{cmp}"),
        Some(a) => {
            let verdict = if c.verified {
                "verified".to_string()
            } else {
                format!(
                    "NOT verified: {}",
                    sanitize(c.reason.as_deref().unwrap_or("unknown reason"))
                )
            };
            let at = c.action_ms.map(|t| format!(" at {}", ms(t))).unwrap_or_default();
            format!(
                "Consent: {} via {}{at} · {verdict}{cmp}",
                a.pass_name(),
                sanitize(&c.how)
            )
        }
    };
    for l in wrap(&line, " · ", "  ", "    ") {
        out.line(&l);
    }
    if c.verified
        && let Some(e) = c.evidence.first()
    {
        out.line(&format!("    {}", truncate(&sanitize(e), WIDTH - 4)));
    }
}

/// Third parties and cookies side by side: before consent, after reject, after accept.
fn comparison(out: &mut Out, r: &Report) {
    let cols: Vec<&Pass> = r.passes.iter().collect();
    let title = |p: &Pass| -> &'static str {
        match p.name.as_str() {
            "initial" => "BEFORE CONSENT",
            "reject" => "AFTER REJECT",
            "accept" => "AFTER ACCEPT",
            "gpc" => "WITH GPC",
            _ => "OTHER PASS",
        }
    };
    let mark = |p: &Pass, present: bool| -> String {
        let unverified = p
            .consent
            .as_ref()
            .is_some_and(|c| c.action != Some(crate::consent::Action::None) && !c.verified);
        match (present, unverified) {
            (true, false) => "yes".into(),
            (true, true) => "yes (unverified)".into(),
            (false, _) => "-".into(),
        }
    };
    let rows = super::comparison(r);
    for (i, (what, first, list)) in [
        ("third parties", "THIRD PARTY", &rows.third_parties),
        ("cookies", "COOKIE", &rows.cookies),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            out.blank();
        }
        out.line(&format!("Before consent / after reject / after accept: {what}"));
        let mut header: Vec<Col> = vec![Col::left(first, 16)];
        header.extend(cols.iter().map(|p| Col::right(title(p), 3)));
        Table::new(&header)
            .rows(list.iter().map(|(k, seen)| {
                let mut row = vec![sanitize(k).into_owned()];
                row.extend(cols.iter().zip(seen).map(|(p, b)| mark(p, *b)));
                Row::new(row)
            }))
            .print(out);
    }
}

fn gpc_lines(out: &mut Out, g: &crate::consent::GpcEffect) {
    if !g.changed {
        out.line("Global Privacy Control: the site behaved the same with and without it.");
        return;
    }
    out.line("Global Privacy Control changed the site's behaviour:");
    for (what, list) in [
        ("third parties no longer contacted", &g.third_parties_dropped),
        ("third parties contacted only with GPC", &g.third_parties_added),
        ("cookies no longer set", &g.cookies_dropped),
        ("cookies set only with GPC", &g.cookies_added),
        ("storage no longer written", &g.storage_dropped),
        ("storage written only with GPC", &g.storage_added),
    ] {
        if !list.is_empty() {
            let items: Vec<String> = list.iter().map(|s| sanitize(s).into_owned()).collect();
            for l in wrap(&format!("{what}: {}", items.join(", ")), ", ", "  ", "    ") {
                out.line(&l);
            }
        }
    }
}

fn render_pass(out: &mut Out, p: &Pass) {
    let s = &p.summary;
    let parts = [
        format!(
            "{} ({} third-party) to {}",
            plural(s.requests, "request", "requests"),
            s.third_party_requests,
            plural(s.hosts, "host", "hosts")
        ),
        format!(
            "{} ({} third-party, {} blocked)",
            plural(s.cookies, "cookie", "cookies"),
            s.third_party_cookies,
            s.blocked_cookies
        ),
        plural(s.storage_items, "storage item", "storage items"),
        format!("{} IndexedDB", s.indexeddb_databases),
        plural(s.beacons, "beacon", "beacons"),
        plural(s.pixels, "pixel", "pixels"),
    ];
    let head = format!(
        "Pass \"{}\": {}",
        truncate(&sanitize(&p.name), 20),
        parts.join(" · ")
    );
    for l in wrap(&head, " · ", "", "  ") {
        out.line(&l);
    }
    if p.pages.len() > 1 {
        out.line(&format!("  Pages visited ({}):", p.pages.len()));
        for v in &p.pages {
            let status = sanitize(&v.outcome()).into_owned();
            out.line(&format!(
                "    {} ({status}, at {})",
                truncate(&sanitize(&v.url), WIDTH - 40),
                ms(v.start_ms)
            ));
        }
    }

    out.blank();
    out.line("Third parties");
    third_parties(out, p);

    out.blank();
    out.line("Cookies (lifetime: requested → stored)");
    cookies(out, p);

    out.blank();
    out.line("Blocked Set-Cookie headers");
    Table::new(&[
        Col::left("NAME", 8),
        Col::left("REASONS", 16),
        Col::left("SET BY", 16),
    ])
    .rows(p.blocked_cookies.iter().map(|b| {
        Row::new(vec![
            nonempty(&b.name, "(no name)"),
            b.reasons.join(", "),
            b.set_by.clone(),
        ])
    }))
    .print(out);

    out.blank();
    out.line("Storage");
    Table::new(&[
        Col::left("AREA", 7),
        Col::left("ORIGIN", 16),
        Col::left("PARTY", 5),
        Col::left("KEY", 10),
        Col::right("LENGTH", 6),
        Col::left("WRITTEN BY", 12),
    ])
    .rows(p.storage.iter().map(|s| Row {
        cells: vec![
            s.area.clone(),
            s.origin.clone(),
            party(s.party).into(),
            nonempty(&s.key, "(empty)"),
            s.value_length.to_string(),
            s.written_by.clone().unwrap_or_else(|| "-".into()),
        ],
        note: partitioned(s.partition.as_deref()),
    }))
    .print(out);

    out.blank();
    out.line("IndexedDB");
    Table::new(&[
        Col::left("ORIGIN", 16),
        Col::left("PARTY", 5),
        Col::left("DATABASE", 12),
    ])
    .rows(p.indexeddb.iter().map(|d| Row {
        cells: vec![
            d.origin.clone(),
            party(d.party).into(),
            nonempty(&d.name, "(no name)"),
        ],
        note: partitioned(d.partition.as_deref()),
    }))
    .print(out);

    out.blank();
    out.line("Beacons and pixels");
    Table::new(&[
        Col::left("KIND", 6),
        Col::left("HOST", 12),
        Col::right("TIME", 4),
        Col::wrap("WHY", 24),
    ])
    .rows(p.beacons.iter().map(|b| {
        Row::new(vec![
            b.kind.clone(),
            b.host.clone(),
            ms(b.time_ms),
            b.reasons.join("; "),
        ])
    }))
    .print(out);
}

fn party(p: Party) -> &'static str {
    match p {
        Party::First => "first",
        Party::Third => "third",
    }
}

fn ms(v: f64) -> String {
    format!("{v:.0} ms")
}

fn nonempty(s: &str, placeholder: &str) -> String {
    if s.is_empty() {
        placeholder.into()
    } else {
        s.into()
    }
}

/// The note under a partitioned storage row: the top-level site it is kept under.
fn partitioned(partition: Option<&str>) -> Option<String> {
    partition.map(|top| format!("partitioned under {top}"))
}

/// Third-party hosts of the pass, grouped by registrable domain.
fn third_parties(out: &mut Out, p: &Pass) {
    if !p.third_parties.is_empty() {
        return attributed_third_parties(out, p);
    }
    struct Domain {
        hosts: usize,
        requests: usize,
        cookies: usize,
        first_seen: f64,
    }
    let mut map: BTreeMap<&str, Domain> = BTreeMap::new();
    for h in p.hosts.iter().filter(|h| h.party == Party::Third) {
        let d = map.entry(h.registrable_domain.as_str()).or_insert(Domain {
            hosts: 0,
            requests: 0,
            cookies: 0,
            first_seen: h.first_seen_ms,
        });
        d.hosts += 1;
        d.requests += h.requests;
        d.first_seen = d.first_seen.min(h.first_seen_ms);
    }
    for c in p.cookies.iter().filter(|c| c.party == Party::Third) {
        if let Some(d) = map.get_mut(registrable_domain(&c.domain).as_str()) {
            d.cookies += 1;
        }
    }
    let mut domains: Vec<(&str, Domain)> = map.into_iter().collect();
    domains.sort_by(|a, b| a.1.first_seen.total_cmp(&b.1.first_seen).then(a.0.cmp(b.0)));
    Table::new(&[
        Col::left("DOMAIN", 16),
        Col::right("HOSTS", 5),
        Col::right("REQUESTS", 8),
        Col::right("COOKIES", 7),
        Col::right("FIRST SEEN", 10),
    ])
    .rows(domains.iter().map(|(name, d)| {
        Row::new(vec![
            (*name).to_string(),
            d.hosts.to_string(),
            d.requests.to_string(),
            d.cookies.to_string(),
            ms(d.first_seen),
        ])
    }))
    .print(out);
}

/// The third-party table with vendors, from the attribution step.
fn attributed_third_parties(out: &mut Out, p: &Pass) {
    Table::new(&[
        Col::left("DOMAIN", 14),
        Col::left("VENDOR", 14),
        Col::left("CATEGORY", 10),
        Col::right("REQUESTS", 8),
        Col::right("COOKIES", 7),
        Col::right("FIRST SEEN", 10),
    ])
    .rows(p.third_parties.iter().map(|t| {
        let vendor = t.vendor_name.clone().unwrap_or_else(|| "(unattributed)".into());
        let mut notes = Vec::new();
        if t.vendors.len() > 1 {
            notes.push(format!("also: {}", t.vendors[1..].join(", ")));
        }
        if let Some(o) = &t.owner
            && t.same_owner_as_site
        {
            notes.push(format!("same owner as the site: {o}"));
        }
        if t.list_matches > 0 {
            notes.push(format!("{} request(s) on a filter list", t.list_matches));
        }
        Row {
            cells: vec![
                t.domain.clone(),
                vendor,
                t.category.clone().unwrap_or_else(|| "-".into()),
                t.requests.to_string(),
                t.cookies.to_string(),
                ms(t.first_seen_ms),
            ],
            note: (!notes.is_empty()).then(|| notes.join(" · ")),
        }
    }))
    .print(out);
}

/// The lifetime cell of a cookie: `session`, `400 d → 400 d`, `2 y → 400 d (capped)`.
fn lifetime(c: &Cookie) -> String {
    let Some(stored) = c.lifetime_stored_secs.filter(|_| !c.session) else {
        return "session".into();
    };
    match c.lifetime_requested_secs {
        Some(req) => {
            let capped = req > COOKIE_CAP_SECS && stored <= COOKIE_CAP_SECS + 3_600;
            format!(
                "{} → {}{}",
                human_duration(req),
                human_duration(stored),
                if capped { " (capped)" } else { "" }
            )
        }
        None => format!("? → {}", human_duration(stored)),
    }
}

fn flags(c: &Cookie) -> String {
    let mut f: Vec<&str> = Vec::new();
    if c.http_only {
        f.push("HttpOnly");
    }
    if c.secure {
        f.push("Secure");
    }
    if let Some(s) = c.same_site.as_deref() {
        f.push(s);
    }
    if c.partition_key.is_some() {
        f.push("Partitioned");
    }
    if f.is_empty() { "-".into() } else { f.join(" ") }
}

fn cookies(out: &mut Out, p: &Pass) {
    Table::new(&[
        Col::left("NAME", 10),
        Col::left("DOMAIN", 14),
        Col::left("PARTY", 5),
        Col::left("SOURCE", 7),
        Col::left("LIFETIME", 22),
        Col::left("FLAGS", 19),
    ])
    .rows(p.cookies.iter().map(|c| {
        let source = match c.source {
            CookieSource::Http => "http",
            CookieSource::Js => "js",
            CookieSource::Unknown => "unknown",
            CookieSource::Request => "request",
        };
        let setter = c.set_by.as_ref().map(|by| match c.set_at_ms {
            Some(t) => format!("set at {} by {by}", ms(t)),
            None => format!("set by {by}"),
        });
        let vendor = c.vendor.as_ref().map(|v| match &v.purpose {
            Some(purpose) => format!("{} ({purpose})", v.name),
            None => v.name.clone(),
        });
        let note = match (vendor, setter) {
            (Some(v), Some(s)) => Some(format!("{v} · {s}")),
            (Some(v), None) => Some(v),
            (None, s) => s,
        };
        Row {
            cells: vec![
                nonempty(&c.name, "(no name)"),
                c.domain.clone(),
                party(c.party).into(),
                source.into(),
                lifetime(c),
                flags(c),
            ],
            note,
        }
    }))
    .print(out);
}

/// Greedy wrap of `text` at `sep` into lines of at most [`WIDTH`] characters; the first
/// line starts with `first`, the others with `rest`. A piece longer than a line is cut.
fn wrap(text: &str, sep: &str, first: &str, rest: &str) -> Vec<String> {
    wrap_to(text, sep, WIDTH, first, rest)
}

fn wrap_to(text: &str, sep: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for piece in text.split(sep) {
        let len = line.chars().count();
        let joined = if empty { 0 } else { sep.chars().count() } + piece.chars().count();
        if !empty && len + joined > width {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push_str(sep);
        }
        let room = width.saturating_sub(line.chars().count());
        line.push_str(&truncate(piece, room));
        empty = false;
    }
    lines.push(line);
    lines
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
    /// Left-aligned, and wrapped onto more lines instead of cut (last column only).
    Wrap,
}

#[derive(Clone, Copy)]
struct Col {
    title: &'static str,
    align: Align,
    /// Narrowest the column may shrink to when the table is too wide.
    min: usize,
}

impl Col {
    fn left(title: &'static str, min: usize) -> Self {
        Col {
            title,
            align: Align::Left,
            min,
        }
    }
    fn right(title: &'static str, min: usize) -> Self {
        Col {
            title,
            align: Align::Right,
            min,
        }
    }
    fn wrap(title: &'static str, min: usize) -> Self {
        Col {
            title,
            align: Align::Wrap,
            min,
        }
    }
}

struct Row {
    cells: Vec<String>,
    /// A line under the row (e.g. who set a cookie), indented further.
    note: Option<String>,
}

impl Row {
    fn new(cells: Vec<String>) -> Self {
        Row { cells, note: None }
    }
}

struct Table {
    cols: Vec<Col>,
    rows: Vec<Row>,
}

impl Table {
    fn new(cols: &[Col]) -> Self {
        Table {
            cols: cols.to_vec(),
            rows: Vec::new(),
        }
    }

    fn rows(mut self, rows: impl Iterator<Item = Row>) -> Self {
        self.rows = rows
            .map(|r| Row {
                cells: r.cells.iter().map(|c| sanitize(c).into_owned()).collect(),
                note: r.note.map(|n| sanitize(&n).into_owned()),
            })
            .collect();
        self
    }

    /// Column widths: from the contents, then the widest shrinkable column gives way
    /// one character at a time until the table fits in [`WIDTH`].
    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.cols.iter().map(|c| c.title.chars().count()).collect();
        for r in &self.rows {
            for (i, cell) in r.cells.iter().enumerate().take(w.len()) {
                w[i] = w[i].max(cell.chars().count());
            }
        }
        let floor: Vec<usize> = self
            .cols
            .iter()
            .map(|c| c.min.max(c.title.chars().count()))
            .collect();
        let total = |w: &[usize]| INDENT.len() + w.iter().sum::<usize>() + GAP.len() * (w.len() - 1);
        while total(&w) > WIDTH {
            let widest = (0..w.len())
                .filter(|&i| w[i] > floor[i])
                .max_by_key(|&i| (w[i], i));
            match widest {
                Some(i) => w[i] -= 1,
                None => break,
            }
        }
        w
    }

    fn print(&self, out: &mut Out) {
        if self.rows.is_empty() {
            out.line(&format!("{INDENT}(none)"));
            return;
        }
        let w = self.widths();
        let titles: Vec<String> = self.cols.iter().map(|c| c.title.to_string()).collect();
        out.line(&self.format_row(&titles, &w));
        for r in &self.rows {
            let last = self.cols.len() - 1;
            if self.cols[last].align == Align::Wrap {
                let lead: usize = w[..last].iter().map(|x| x + GAP.len()).sum::<usize>();
                let pieces = wrap_to(r.cells.get(last).map_or("", String::as_str), " ", w[last], "", "");
                let mut cells = r.cells.clone();
                if let Some(c) = cells.get_mut(last) {
                    *c = pieces.first().cloned().unwrap_or_default();
                }
                out.line(&self.format_row(&cells, &w));
                for p in pieces.iter().skip(1) {
                    out.line(&format!("{INDENT}{}{p}", " ".repeat(lead)));
                }
            } else {
                out.line(&self.format_row(&r.cells, &w));
            }
            if let Some(n) = &r.note {
                let pad = format!("{INDENT}    ");
                let room = WIDTH - pad.chars().count();
                out.line(&format!("{pad}{}", truncate(n, room)));
            }
        }
    }

    fn format_row(&self, cells: &[String], w: &[usize]) -> String {
        let mut line = String::from(INDENT);
        for (i, col) in self.cols.iter().enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            let cell = truncate(cells.get(i).map_or("", String::as_str), w[i]);
            let pad = w[i].saturating_sub(cell.chars().count());
            match col.align {
                Align::Right => {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(&cell);
                }
                Align::Left | Align::Wrap => {
                    line.push_str(&cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        line.trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::*;

    fn cookie(name: &str, domain: &str, party: Party) -> Cookie {
        Cookie {
            name: name.into(),
            value: None,
            value_length: 8,
            domain: domain.into(),
            path: "/".into(),
            party,
            expires: None,
            session: true,
            lifetime_requested_secs: None,
            lifetime_stored_secs: None,
            http_only: false,
            secure: false,
            same_site: None,
            partition_key: None,
            source: CookieSource::Http,
            set_by: None,
            set_by_request: None,
            set_at_ms: None,
            consent_ms: None,
            page: None,
            vendor: None,
        }
    }

    fn host(h: &str, party: Party, requests: usize, first: f64) -> HostInfo {
        HostInfo {
            host: h.into(),
            registrable_domain: registrable_domain(h),
            party,
            requests,
            cookies_set: 0,
            first_seen_ms: first,
            vendor: None,
            cname_cloaking: None,
        }
    }

    fn report() -> Report {
        let mut session = cookie("bb_session", "www.brightbasket.example", Party::First);
        session.http_only = true;
        session.secure = true;
        session.same_site = Some("Lax".into());
        session.set_by = Some("https://www.brightbasket.example/".into());
        session.set_at_ms = Some(80.0);

        let mut al = cookie("al_uid", ".adloop.example", Party::Third);
        al.session = false;
        al.expires = Some("2027-12-28T14:39:36Z".into());
        al.lifetime_requested_secs = Some(2 * 365 * 86_400);
        al.lifetime_stored_secs = Some(400 * 86_400 - 2);
        al.secure = true;
        al.same_site = Some("None".into());
        al.set_by = Some("https://px.adloop.example/sync?uid=1".into());
        al.set_at_ms = Some(130.4);

        let mut js = cookie("_tp", ".brightbasket.example", Party::First);
        js.session = false;
        js.source = CookieSource::Js;
        js.lifetime_requested_secs = Some(30 * 60);
        js.lifetime_stored_secs = Some(30 * 60 - 1);
        js.set_by = Some("https://cdn.tagpulse.example/tag.js".into());

        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "crumbs".into(),
                version: "0.1.0".into(),
            },
            scan: sample_scan(
                "https://brightbasket.example/",
                "https://www.brightbasket.example/",
                "brightbasket.example",
            ),
            declared: None,
            findings: vec![],
            findings_summary: crate::audit::FindingCounts::default(),
            gpc: None,
            passes: vec![Pass {
                name: "initial".into(),
                load_ms: Some(412.3),
                summary: PassSummary {
                    requests: 23,
                    third_party_requests: 15,
                    hosts: 9,
                    third_party_hosts: 6,
                    third_party_domains: 3,
                    cookies: 11,
                    third_party_cookies: 6,
                    blocked_cookies: 2,
                    storage_items: 6,
                    indexeddb_databases: 1,
                    beacons: 2,
                    pixels: 3,
                    ..PassSummary::default()
                },
                hosts: vec![
                    host("www.brightbasket.example", Party::First, 8, 0.0),
                    host("px.adloop.example", Party::Third, 2, 120.0),
                    host("cdn.tagpulse.example", Party::Third, 3, 95.5),
                    host("collect.tagpulse.example", Party::Third, 4, 210.0),
                ],
                third_parties: vec![],
                requests: vec![],
                cookies: vec![al, js, session],
                blocked_cookies: vec![],
                storage: vec![
                    StorageItem {
                        origin: "https://www.brightbasket.example".into(),
                        partition: None,
                        area: "local".into(),
                        key: "bb_cart".into(),
                        value: None,
                        value_length: 42,
                        party: Party::First,
                        written_by: Some("https://www.brightbasket.example/app.js".into()),
                        written_at_ms: Some(300.0),
                        consent_ms: None,
                        page: None,
                        vendor: None,
                    },
                    StorageItem {
                        origin: "https://widget.example".into(),
                        partition: Some("https://brightbasket.example".into()),
                        area: "session".into(),
                        key: "w_id".into(),
                        value: None,
                        value_length: 7,
                        party: Party::Third,
                        written_by: None,
                        written_at_ms: None,
                        consent_ms: None,
                        page: None,
                        vendor: None,
                    },
                ],
                indexeddb: vec![],
                beacons: vec![Beacon {
                    request: "r9".into(),
                    kind: "pixel".into(),
                    url: "https://px.adloop.example/p.gif?uid=1&ev=view".into(),
                    host: "px.adloop.example".into(),
                    party: Party::Third,
                    time_ms: 130.0,
                    consent_ms: None,
                    page: None,
                    reasons: vec![
                        "1×1 image".into(),
                        "sent to third party adloop.example".into(),
                        "query parameters: uid, ev, ts, cb, page, referrer, screen, lang".into(),
                    ],
                    vendor: None,
                }],
                frames: vec![],
                consent: None,
                pages: vec![],
            }],
        }
    }

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    /// The lines after `heading`, up to the next blank line.
    fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
        let all = lines(text);
        let start = all.iter().position(|l| *l == heading).expect(heading) + 1;
        all[start..]
            .iter()
            .take_while(|l| !l.is_empty())
            .copied()
            .collect()
    }

    #[test]
    fn headline_and_summary() {
        let text = render(&report());
        let l = lines(&text);
        assert_eq!(
            l[0],
            "crumbs 0.1.0 — https://brightbasket.example/  →  https://www.brightbasket.example/"
        );
        assert_eq!(
            l[1],
            "Scanned 2026-11-23T14:39:36Z in 3.2 s with Chrome/156.0.8078.79 · first party: brightbasket.example"
        );
        assert_eq!(l[2], "Page: HTTP 200, load event at 412 ms");
        assert_eq!(l[3], "");
        assert_eq!(
            l[4],
            "Pass \"initial\": 23 requests (15 third-party) to 9 hosts · 11 cookies (6 third-party, 2 blocked)"
        );
        assert_eq!(l[5], "  6 storage items · 1 IndexedDB · 2 beacons · 3 pixels");
        assert!(text.ends_with('\n'));
        for line in &l {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
    }

    #[test]
    fn same_final_url_is_not_repeated() {
        let mut r = report();
        r.scan.final_url = Some(r.scan.requested_url.clone());
        let text = render(&r);
        assert_eq!(lines(&text)[0], "crumbs 0.1.0 — https://brightbasket.example/");
    }

    #[test]
    fn third_party_table() {
        let text = render(&report());
        assert_eq!(
            section(&text, "Third parties"),
            [
                "  DOMAIN            HOSTS  REQUESTS  COOKIES  FIRST SEEN",
                "  tagpulse.example      2         7        0       96 ms",
                "  adloop.example        1         2        1      120 ms",
            ]
        );
    }

    #[test]
    fn cookie_table() {
        let text = render(&report());
        assert_eq!(
            section(&text, "Cookies (lifetime: requested → stored)"),
            [
                "  NAME        DOMAIN                    PARTY  SOURCE  LIFETIME              FLAGS",
                "  al_uid      .adloop.example           third  http    2 y → 400 d (capped)  Secure None",
                "      set at 130 ms by https://px.adloop.example/sync?uid=1",
                "  _tp         .brightbasket.example     first  js      30 min → 30 min       -",
                "      set by https://cdn.tagpulse.example/tag.js",
                "  bb_session  www.brightbasket.example  first  http    session               HttpOnly Secure Lax",
                "      set at 80 ms by https://www.brightbasket.example/",
            ]
        );
    }

    #[test]
    fn storage_and_empty_sections() {
        let text = render(&report());
        assert_eq!(
            section(&text, "Storage"),
            [
                "  AREA     ORIGIN                            PARTY  KEY      LENGTH  WRITTEN BY",
                "  local    https://www.brightbasket.example  first  bb_cart      42  https://www.brightbasket.examp…",
                "  session  https://widget.example            third  w_id          7  -",
                "      partitioned under https://brightbasket.example",
            ]
        );
        assert_eq!(section(&text, "Blocked Set-Cookie headers"), ["  (none)"]);
        assert_eq!(section(&text, "IndexedDB"), ["  (none)"]);
    }

    #[test]
    fn beacon_reasons_wrap() {
        let text = render(&report());
        assert_eq!(
            section(&text, "Beacons and pixels"),
            [
                "  KIND   HOST                 TIME  WHY",
                "  pixel  px.adloop.example  130 ms  1×1 image; sent to third party adloop.example; query parameters:",
                "                                    uid, ev, ts, cb, page, referrer, screen, lang",
            ]
        );
    }

    #[test]
    fn validity_problems() {
        let mut r = report();
        let v = &mut r.scan.validity;
        v.ok = false;
        v.document_status = Some(503);
        v.load_event = false;
        v.timeout_hit = true;
        v.problems = vec!["the renderer crashed".into()];
        v.dialogs = vec![DialogInfo {
            kind: "alert".into(),
            message: "Hello\nworld".into(),
            url: "https://www.brightbasket.example/".into(),
        }];
        v.popups = vec!["https://ads.example/pop".into()];
        let text = render(&r);
        let l = lines(&text);
        assert_eq!(l[2], "Page: HTTP 503, no load event");
        assert_eq!(
            &l[3..8],
            [
                "! the server answered HTTP 503",
                "! the page did not settle within 30 s (--timeout): observations may be incomplete",
                "! the renderer crashed",
                "! alert dialog from https://www.brightbasket.example/: \"Hello\\nworld\"",
                "! pop-up opened: https://ads.example/pop",
            ]
        );

        let mut r = report();
        r.scan.validity.document_status = None;
        r.scan.validity.navigation_error = Some("net::ERR_NAME_NOT_RESOLVED".into());
        let text = render(&r);
        assert_eq!(
            &lines(&text)[2..4],
            [
                "Page: no response, load event at 412 ms",
                "! navigation failed: net::ERR_NAME_NOT_RESOLVED"
            ]
        );

        // A timeout is said once, with the limit.
        let mut r = report();
        r.scan.validity.timeout_hit = true;
        let text = render(&r);
        assert_eq!(
            &lines(&text)[2..5],
            [
                "Page: HTTP 200, load event at 412 ms",
                "! the page did not settle within 30 s (--timeout): observations may be incomplete",
                "",
            ]
        );

        // A line too long for the terminal wraps at word boundaries.
        let mut r = report();
        r.scan.validity.problems = vec![format!("{}end", "word ".repeat(30))];
        r.scan.first_party = Some("a-very-long-registrable-domain-name.example".into());
        let text = render(&r);
        let l = lines(&text);
        assert_eq!(
            l[1],
            "Scanned 2026-11-23T14:39:36Z in 3.2 s with Chrome/156.0.8078.79"
        );
        assert_eq!(l[2], "  first party: a-very-long-registrable-domain-name.example");
        assert!(l[4].starts_with("! word word"));
        assert!(l[5].starts_with("  word"));
        assert!(l[5].ends_with("word end"));
        for line in &l {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
    }

    #[test]
    fn durations() {
        let table: &[(i64, &str)] = &[
            (-5, "expired"),
            (0, "0 s"),
            (45, "45 s"),
            (59, "59 s"),
            (60, "1 min"),
            (89, "1 min"),
            (90, "2 min"),
            (30 * 60, "30 min"),
            (3_570, "1 h"),
            (3_600, "1 h"),
            (12 * 3_600, "12 h"),
            (86_399, "1 d"),
            (30 * 86_400, "30 d"),
            (365 * 86_400, "365 d"),
            (400 * 86_400 - 3, "400 d"),
            (400 * 86_400, "400 d"),
            (401 * 86_400, "1 y 36 d"),
            (2 * 365 * 86_400, "2 y"),
            (731 * 86_400, "2 y 1 d"),
            (10 * 365 * 86_400 + 3 * 86_400, "10 y 3 d"),
            (i64::MAX, "292471208677 y 195 d"),
        ];
        for (secs, want) in table {
            assert_eq!(human_duration(*secs), *want, "{secs} s");
        }
    }

    #[test]
    fn truncation_is_char_aware() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
        assert_eq!(truncate("日本語のテキスト", 4), "日本語…");
        assert_eq!(truncate("🍪🍪🍪", 2), "🍪…");
        assert_eq!(truncate("🍪🍪", 2), "🍪🍪");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("", 0), "");
        // A table cell with multi-byte text keeps the columns aligned.
        let mut r = report();
        r.passes[0].cookies[0].name = "ñandú_çookie_ünïcödé_long_name_🍪".into();
        let text = render(&r);
        for l in lines(&text) {
            assert!(l.chars().count() <= WIDTH, "too wide: {l}");
        }
    }

    #[test]
    fn sanitize_escapes_controls_and_bidi() {
        assert!(matches!(sanitize("plain ü 日本"), Cow::Borrowed(_)));
        assert_eq!(sanitize("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize("x\ny\r\tz"), "x\\ny\\r\\tz");
        assert_eq!(sanitize("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
        assert_eq!(
            sanitize("a\u{202e}b\u{2066}c\u{200f}d\u{61c}"),
            "a\\u{202e}b\\u{2066}c\\u{200f}d\\u{61c}"
        );
        assert_eq!(sanitize("\u{2028}"), "\\u{2028}");
    }

    #[test]
    fn hostile_report_is_inert() {
        let mut r = report();
        let evil_url = "https://evil.example/\n\u{202e}gpj.exe\x1b]0;pwned\x07";
        r.scan.requested_url = evil_url.into();
        r.scan.validity.dialogs = vec![DialogInfo {
            kind: "alert\x1b[2J".into(),
            message: "line1\nline2\u{2066}\u{9b}".into(),
            url: evil_url.into(),
        }];
        r.scan.validity.popups = vec![evil_url.into()];
        let p = &mut r.passes[0];
        p.cookies[0].name = "\x1b[31mred\x1b[0m".into();
        p.cookies[0].set_by = Some(evil_url.into());
        p.cookies[1].domain = "\u{202d}.evil\n.example".into();
        p.storage[0].key = "k\ney\x1b".into();
        p.storage[0].written_by = Some(evil_url.into());
        p.beacons[0].reasons.push("param \x1b[1mx\n".into());
        p.hosts.push(host("evil\u{202e}.example", Party::Third, 1, 1.0));
        p.name = "in\nitial".into();
        let text = render(&r);
        assert!(!text.contains('\x1b'), "ESC in output");
        assert!(!text.contains('\x07') && !text.contains('\u{9b}') && !text.contains('\r'));
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
            '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
        ] {
            assert!(!text.contains(c), "bidi control {:?} in output", c);
        }
        assert!(text.chars().all(|c| c == '\n' || !c.is_control()));
        // No raw newline inside a table row: every row of the cookie table starts with
        // the indent, and the hostile name shows as an escape.
        let rows = section(&text, "Cookies (lifetime: requested → stored)");
        assert_eq!(rows.len(), 1 + 2 * 3);
        assert!(rows.iter().all(|l| l.starts_with("  ")));
        assert!(rows[1].starts_with("  \\u{1b}[31mred"), "{}", rows[1]);
        assert!(text.contains("\\u{202e}"));
        assert!(lines(&text)[0].contains("https://evil.example/\\n\\u{202e}gpj.exe"));
        let storage = section(&text, "Storage");
        assert_eq!(storage.len(), 4);
        assert!(storage[1].contains("k\\ney\\u{1b}"));
        for l in lines(&text) {
            assert!(l.chars().count() <= WIDTH, "too wide: {l}");
        }
    }

    #[test]
    fn the_pages_of_a_crawl_are_listed() {
        let mut r = report();
        let visit =
            |url: &str, status: Option<u16>, start_ms: f64, timed_out: bool| super::super::PageVisit {
                url: url.into(),
                final_url: None,
                status,
                error: None,
                start_ms,
                timed_out,
            };
        r.passes[0].pages = vec![
            visit("https://www.brightbasket.example/", Some(200), 0.0, false),
            visit(
                "https://www.brightbasket.example/slow\u{1b}[2J",
                None,
                2400.0,
                true,
            ),
        ];
        let text = render(&r);
        assert!(
            text.contains(
                "  Pages visited (2):\n    https://www.brightbasket.example/ (200, at 0 ms)\n    https://www.brightbasket.example/slow\\u{1b}[2J (did not settle, at 2400 ms)\n"
            ),
            "{text}"
        );
        // One page: nothing extra.
        r.passes[0].pages.truncate(1);
        assert!(!render(&r).contains("Pages visited"));
    }

    #[test]
    fn every_pass_is_rendered() {
        let mut r = report();
        let mut reject = r.passes[0].clone();
        reject.name = "reject".into();
        reject.cookies.clear();
        r.passes.push(reject);
        r.passes[1].consent = Some(crate::consent::ConsentInfo {
            action: Some(crate::consent::Action::Reject),
            verified: true,
            how: "ui: first layer".into(),
            evidence: vec!["the consent manager reports rejected".into()],
            cmp: Some("cookiebot".into()),
            action_ms: Some(1500.0),
            ..Default::default()
        });
        let text = render(&r);
        assert!(text.contains("\nPass \"initial\": "));
        assert!(text.contains("\nPass \"reject\": "));
        // Full tables for the first pass; the others in the side-by-side comparison.
        assert_eq!(text.matches("\nCookies (lifetime").count(), 1);
        assert!(
            text.contains("  Consent: reject via ui: first layer at 1500 ms · verified · consent manager: cookiebot\n    the consent manager reports rejected\n"),
            "{text}"
        );
        let table = text
            .split("Before consent / after reject / after accept: cookies\n")
            .nth(1)
            .unwrap();
        let header = table.lines().next().unwrap();
        assert!(
            header.contains("COOKIE")
                && header.contains("BEFORE CONSENT")
                && header.ends_with("AFTER REJECT"),
            "{header}"
        );
        assert_eq!(
            table.lines().nth(1).unwrap(),
            "  al_uid (adloop.example)                           yes             -"
        );
    }

    #[test]
    fn attributed_third_parties_declarations_and_findings() {
        let mut r = report();
        r.passes[0].third_parties = vec![ThirdParty {
            domain: "adloop.example".into(),
            vendor: Some("demo-adloop".into()),
            vendor_name: Some("AdLoop".into()),
            owner: Some("AdLoop Ltd.".into()),
            category: Some("advertising".into()),
            vendors: vec!["demo-adloop".into(), "demo-datamesh".into()],
            same_owner_as_site: true,
            hosts: 1,
            requests: 2,
            cookies: 1,
            list_matches: 1,
            first_seen_ms: 120.0,
        }];
        r.declared = Some(crate::policy::DeclaredPolicy {
            consent_manager: Some("cookiebot".into()),
            sources: vec![crate::policy::PolicySource {
                kind: "cookiebot-dialog".into(),
                location: "https://www.brightbasket.example/".into(),
                items: 12,
                vendors: 2,
                statements: 0,
                problems: vec!["row 3: expected 8 fields, found 5".into()],
            }],
            ..Default::default()
        });
        r.findings = vec![crate::audit::Finding {
            id: "DCL-001:cookie:_fbp@shop.example".into(),
            rule: "DCL-001".into(),
            title: "Undeclared cookie".into(),
            severity: crate::audit::Severity::High,
            pass: "initial".into(),
            message: "Cookie `_fbp` on shop.example is set but not declared.".into(),
            evidence: Default::default(),
        }];
        r.findings_summary = crate::audit::FindingCounts::of(&r.findings);
        let text = render(&r);
        assert_eq!(
            section(&text, "Third parties"),
            [
                "  DOMAIN          VENDOR  CATEGORY     REQUESTS  COOKIES  FIRST SEEN",
                "  adloop.example  AdLoop  advertising         2        1      120 ms",
                "      also: demo-datamesh · same owner as the site: AdLoop Ltd. · 1 request(s) on a filter list",
            ]
        );
        assert!(text.contains("\nDeclared\n  consent manager: cookiebot\n  cookiebot-dialog: 12 items, 2 vendors, 0 statements — https://www.brightbasket.example/ (1 problem(s))\n    ! row 3: expected 8 fields, found 5\n"), "{text}");
        assert!(text.contains("\nFindings: 1 high, 0 medium, 0 low, 0 info\n  high   DCL-001  Cookie `_fbp` on shop.example is set but not declared.\n"), "{text}");
    }
}
