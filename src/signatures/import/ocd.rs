//! Open Cookie Database CSV (Apache-2.0, <https://github.com/jkwakman/Open-Cookie-Database>)
//! → one vendor per platform, with cookie and storage-key patterns.
//!
//! Columns used (found by header name): `ID`, `Platform`, `Category`,
//! `Cookie / Data Key name`, `Domain`, `Retention period`, `Data Controller`,
//! `User Privacy & GDPR Rights Portals`, `Wildcard match`. Every row must have as many
//! fields as the header (`open-cookie-database.csv:17: expected 10 fields, found 7`).
//!
//! **Vendors.** Platforms are grouped by name, ignoring case, spaces and punctuation (so
//! `Hubspot` and `HubSpot` are one); the most frequent spelling is the name and the others
//! become aliases. Id `ocd-<slug>`. When the name, compared the same way, equals the name
//! or an alias of a hand-written vendor (`builtin`), the vendor gets `same_as = "<that id>"`.
//! `owner` is the most frequent Data Controller (else the platform name); `reference` the
//! most frequent privacy-portal URL if it is http(s), else the OCD repository. `category`
//! is the majority of the rows' OCD categories mapped as below (ties: in table order):
//!
//! | OCD category | vendor category | pattern purpose |
//! | --- | --- | --- |
//! | Marketing | `advertising` | `marketing` |
//! | Analytics | `analytics` | `statistics` |
//! | Security | `security` | `necessary` |
//! | Functional, Necessary | `other` | `necessary` |
//! | Personalization | `other` | `preferences` |
//! | anything else | `other` | `unclassified` |
//!
//! **Domains.** The free-text `Domain` column (`facebook.com (3rd party)`,
//! `.bing.com (3rd party) or .microsoft.com (3rd party)`) loses its parentheses and is split
//! on spaces, commas and `or`/`and`; a word is kept when it is a host name under a known
//! public suffix, and counted as invalid otherwise (`ads-[account].adhese.com`, `id5-sync`,
//! `forms.office.comm`). A `same_as` entry keeps only the hints its hand-written vendor
//! already covers (the hand-written domains are the reviewed ones); the others are counted
//! as unconfirmed.
//!
//! **Patterns.** Invisible characters and surrounding spaces are removed; `[…]`, `<…>`,
//! `{…}`, `%…%` and runs of `NNN`/`XXX`/`xxx` become `#` (`pm_sess_NNN` → `pm_sess_#`); a
//! trailing `*` or `Wildcard match = 1` makes a prefix (`_ga_` → `_ga_*`; with a `#` inside,
//! a `/regex/`); a `*` elsewhere becomes `#`. A row whose retention says `Local Storage`
//! becomes a `storage` pattern, every other row a cookie (OCD does not separate them). The
//! lifetime comes from [`parse_retention`], the note is the row's OCD ID and the origin its
//! CSV line. Generic names (two characters or fewer, or in [`GENERIC_NAMES`]) get
//! `on = "vendor"`, and are dropped when the vendor has no domains. Within a vendor a
//! pattern listed twice is kept once. Rows with an empty name or platform are skipped.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::super::model::{Category, NameSignature, Purpose, Scope, Vendor};
use super::super::pattern::NamePattern;
use super::{
    ImportError, ImportStats, Imported, csv, http_url, name_key, new_vendor, origin, slug, unique_id,
};

/// Where OCD lives; the reference of vendors without a privacy-portal URL.
pub const OCD_REPOSITORY: &str = "https://github.com/jkwakman/Open-Cookie-Database";

/// The columns the importer reads, by header name.
const COLUMNS: [&str; 9] = [
    "ID",
    "Platform",
    "Category",
    "Cookie / Data Key name",
    "Domain",
    "Retention period",
    "Data Controller",
    "User Privacy & GDPR Rights Portals",
    "Wildcard match",
];

/// Names that many sites and vendors use for their own purposes, so they identify a vendor
/// only on the vendor's domains (`on = "vendor"`), compared case-insensitively. Names of two
/// characters or fewer are generic too.
pub const GENERIC_NAMES: &[&str] = &[
    "id",
    "uid",
    "uuid",
    "guid",
    "sid",
    "ssid",
    "sess",
    "session",
    "sessionid",
    "session_id",
    "token",
    "csrf",
    "csrftoken",
    "xsrf-token",
    "auth",
    "login",
    "lang",
    "language",
    "locale",
    "country",
    "currency",
    "timezone",
    "theme",
    "test",
    "user",
    "userid",
    "user_id",
    "visitor",
    "visitor_id",
    "client_id",
    "clientid",
    "device",
    "deviceid",
    "consent",
    "cookie",
    "cookies",
    "state",
    "cart",
    "ref",
    "referrer",
    "source",
    "debug",
];

/// One data row.
struct Row {
    line: u32,
    id: String,
    category: String,
    name: String,
    domain: String,
    retention: String,
    controller: String,
    portal: String,
    wildcard: bool,
}

/// The rows of one platform.
struct Platform {
    key: String,
    spellings: Vec<String>,
    rows: Vec<Row>,
}

/// Imports an Open Cookie Database CSV; platforms named like a `builtin` vendor (its name
/// or an alias) get `same_as` to it. See the [module documentation](self) for the rules.
pub fn ocd(csv: &str, file: &str, builtin: &[Vendor]) -> Result<Vec<Vendor>, ImportError> {
    ocd_with_stats(csv, file, builtin).map(|i| i.vendors)
}

/// [`ocd`], with the counts.
pub fn ocd_with_stats(csv: &str, file: &str, builtin: &[Vendor]) -> Result<Imported, ImportError> {
    let records = csv::parse(csv).map_err(|e| ImportError::at_line(file, e.line, e.message))?;
    let Some((header, data)) = records.split_first() else {
        return Err(ImportError::at_line(
            file,
            1,
            "empty file: expected the Open Cookie Database header `ID,Platform,Category,…`",
        ));
    };
    let mut idx = [0usize; COLUMNS.len()];
    for (slot, name) in idx.iter_mut().zip(COLUMNS) {
        *slot = header
            .fields
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ImportError::at_line(
                    file,
                    header.line,
                    format!("not an Open Cookie Database CSV: the header has no column {name:?}"),
                )
            })?;
    }
    let width = header.fields.len();
    let mut stats = ImportStats::default();
    let mut platforms: Vec<Platform> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for r in data {
        if r.fields.len() != width {
            return Err(ImportError::at_line(
                file,
                r.line,
                format!("expected {width} fields, found {}", r.fields.len()),
            ));
        }
        stats.records += 1;
        let get = |i: usize| {
            clean_text(
                idx.get(i)
                    .and_then(|&c| r.fields.get(c))
                    .map_or("", String::as_str),
            )
        };
        let platform = get(1);
        let row = Row {
            line: r.line,
            id: get(0),
            category: get(2),
            name: get(3),
            domain: get(4),
            retention: get(5),
            controller: get(6),
            portal: get(7),
            wildcard: matches!(get(8).to_ascii_lowercase().as_str(), "1" | "true" | "yes"),
        };
        let key = name_key(&platform);
        if row.name.is_empty() || key.is_empty() {
            stats.skipped += 1;
            continue;
        }
        let i = *by_key.entry(key.clone()).or_insert_with(|| {
            platforms.push(Platform {
                key,
                spellings: Vec::new(),
                rows: Vec::new(),
            });
            platforms.len() - 1
        });
        if let Some(p) = platforms.get_mut(i) {
            p.spellings.push(platform);
            p.rows.push(row);
        }
    }

    // The hand-written vendors, by name key; never an earlier OCD import.
    let mut builtin_by_key: HashMap<String, &Vendor> = HashMap::new();
    for v in builtin
        .iter()
        .filter(|v| v.same_as.is_none() && !v.id.starts_with("ocd-"))
    {
        for n in std::iter::once(&v.name).chain(&v.aliases) {
            let k = name_key(n);
            if !k.is_empty() {
                builtin_by_key.entry(k).or_insert(v);
            }
        }
    }
    let mut taken: HashSet<String> = builtin.iter().map(|v| v.id.clone()).collect();
    let file_arc: Arc<str> = Arc::from(file);
    let mut vendors = Vec::new();
    for p in &platforms {
        vendors.push(platform_vendor(
            p,
            &builtin_by_key,
            &mut taken,
            &file_arc,
            &mut stats,
        ));
    }
    Ok(Imported::finish(vendors, stats))
}

fn platform_vendor(
    p: &Platform,
    builtin_by_key: &HashMap<String, &Vendor>,
    taken: &mut HashSet<String>,
    file: &Arc<str>,
    stats: &mut ImportStats,
) -> Vendor {
    let name = most_frequent(p.spellings.iter().map(String::as_str)).unwrap_or(&p.key);
    let owner = most_frequent(
        p.rows
            .iter()
            .map(|r| r.controller.as_str())
            .filter(|c| !c.is_empty()),
    )
    .unwrap_or(name);
    let first_line = p.rows.first().map_or(1, |r| r.line);
    let id = unique_id(&format!("ocd-{}", slug(name)), taken);
    let mut v = new_vendor(
        id,
        name,
        owner,
        vendor_category(&p.rows),
        origin(file, first_line),
        file,
    );
    for s in &p.spellings {
        if s != name && !v.aliases.contains(s) {
            v.aliases.push(s.clone());
        }
    }
    v.reference = Some(
        most_frequent(p.rows.iter().filter_map(|r| http_url(&r.portal)))
            .unwrap_or(OCD_REPOSITORY)
            .to_string(),
    );
    let target = builtin_by_key.get(&p.key).copied();
    v.same_as = target.map(|t| t.id.clone());

    for row in &p.rows {
        for hint in domain_hints(&row.domain) {
            let Some(d) = hint else {
                stats.invalid_domains += 1;
                continue;
            };
            if let Some(t) = target {
                let covered = t
                    .domains
                    .iter()
                    .any(|(td, _)| d == *td || d.strip_suffix(td.as_str()).is_some_and(|r| r.ends_with('.')));
                if !covered {
                    stats.unconfirmed_domains += 1;
                    continue;
                }
            }
            if !v.domains.iter().any(|(x, _)| *x == d) {
                v.domains.push((d, origin(file, row.line)));
            }
        }
    }

    for row in &p.rows {
        let Some((text, generic)) = clean_name(&row.name, row.wildcard) else {
            stats.invalid_patterns += 1;
            continue;
        };
        let Ok(pattern) = NamePattern::parse(&text) else {
            stats.invalid_patterns += 1;
            continue;
        };
        let storage = row.retention.eq_ignore_ascii_case("local storage");
        let sig = NameSignature {
            pattern,
            purpose: purpose(&row.category),
            lifetime: if storage {
                None
            } else {
                parse_retention(&row.retention)
            },
            scope: if generic { Scope::Vendor } else { Scope::Any },
            note: (!row.id.is_empty()).then(|| row.id.clone()),
            origin: origin(file, row.line),
        };
        let list = if storage { &mut v.storage } else { &mut v.cookies };
        if list.iter().any(|x| x.pattern.source() == sig.pattern.source()) {
            stats.duplicate_patterns += 1;
            continue;
        }
        list.push(sig);
    }
    if v.domains.is_empty() {
        let before = v.cookies.len() + v.storage.len();
        v.cookies.retain(|s| s.scope == Scope::Any);
        v.storage.retain(|s| s.scope == Scope::Any);
        stats.dropped_generic += before - v.cookies.len() - v.storage.len();
    }
    v
}

/// The most frequent item; ties go to the one seen first.
fn most_frequent<'a>(items: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for it in items {
        match counts.iter_mut().find(|(x, _)| *x == it) {
            Some((_, n)) => *n += 1,
            None => counts.push((it, 1)),
        }
    }
    let max = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == max).map(|(x, _)| x)
}

/// The majority of the rows' categories (see the [module table](self)).
fn vendor_category(rows: &[Row]) -> Category {
    const ORDER: [Category; 4] = [
        Category::Advertising,
        Category::Analytics,
        Category::Security,
        Category::Other,
    ];
    let mut votes = [0usize; ORDER.len()];
    for r in rows {
        let c = match r.category.to_ascii_lowercase().as_str() {
            "marketing" => 0,
            "analytics" => 1,
            "security" => 2,
            _ => 3,
        };
        if let Some(n) = votes.get_mut(c) {
            *n += 1;
        }
    }
    let max = votes.iter().copied().max().unwrap_or(0);
    ORDER
        .iter()
        .zip(votes)
        .find(|(_, n)| *n == max)
        .map_or(Category::Other, |(c, _)| *c)
}

/// The purpose of a row's OCD category (see the [module table](self)).
fn purpose(category: &str) -> Purpose {
    match category.to_ascii_lowercase().as_str() {
        "functional" | "necessary" | "security" => Purpose::Necessary,
        "personalization" | "personalisation" | "preferences" => Purpose::Preferences,
        "analytics" | "statistics" => Purpose::Statistics,
        "marketing" => Purpose::Marketing,
        _ => Purpose::Unclassified,
    }
}

/// Trims and removes invisible characters (zero-width spaces, soft hyphens, BOMs, tabs).
fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// The host names in a free-text `Domain` cell; `None` for each word that is not one.
fn domain_hints(text: &str) -> Vec<Option<String>> {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|'))
        .filter(|w| !w.is_empty() && !matches!(w.to_ascii_lowercase().as_str(), "or" | "and" | "&" | "/"))
        .map(hint_host)
        .collect()
}

/// A host name under a known public suffix, normalised.
fn hint_host(word: &str) -> Option<String> {
    let d = super::normalise_domain(word).ok()?;
    let known = psl::domain(d.as_bytes()).is_some_and(|x| x.suffix().is_known());
    known.then_some(d)
}

/// The pattern for an OCD name (see the [module documentation](self)) and whether it is generic;
/// `None` when nothing literal is left.
fn clean_name(raw: &str, wildcard: bool) -> Option<(String, bool)> {
    let name = clean_text(raw);
    // Bracketed and %…% placeholders.
    let chars: Vec<char> = name.chars().collect();
    let mut s = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let close = match c {
            '[' => Some(']'),
            '<' => Some('>'),
            '{' => Some('}'),
            '%' => Some('%'),
            _ => None,
        };
        let end = close.and_then(|cl| {
            chars
                .iter()
                .skip(i + 1)
                .position(|&x| x == cl)
                .filter(|&n| n > 0)
                .map(|n| i + 1 + n)
        });
        match end {
            Some(e) => {
                s.push('#');
                i = e + 1;
            }
            None => {
                s.push(c);
                i += 1;
            }
        }
    }
    // Runs of NNN / XXX / xxx.
    let chars: Vec<char> = s.chars().collect();
    let mut t = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let run = chars.iter().skip(i).take_while(|&&x| x == c).count();
        if matches!(c, 'N' | 'X' | 'x') && run >= 3 {
            t.push('#');
        } else {
            t.extend(std::iter::repeat_n(c, run));
        }
        i += run;
    }
    // Stars: trailing → prefix, elsewhere → placeholder.
    let mut prefix = wildcard;
    let trimmed = t.trim_end_matches('*');
    if trimmed.len() < t.len() {
        prefix = true;
    }
    let mut s = trimmed.replace('*', "#");
    while s.contains("##") {
        s = s.replace("##", "#");
    }
    let literal: String = s.chars().filter(|&c| c != '#').collect();
    if literal.is_empty() {
        return None;
    }
    let generic =
        literal.chars().count() <= 2 || GENERIC_NAMES.contains(&literal.to_ascii_lowercase().as_str());
    let looks_like_regex = s.len() >= 2 && s.starts_with('/') && s.ends_with('/');
    let pattern = if !prefix && !looks_like_regex {
        s
    } else if !s.contains('#') && !looks_like_regex {
        format!("{s}*")
    } else if s.ends_with('#') && !looks_like_regex {
        s
    } else {
        let body = s.split('#').map(regex::escape).collect::<Vec<_>>().join(".+");
        format!("/{body}{}/", if prefix { ".*" } else { "" })
    };
    Some((pattern, generic))
}

/// A best-effort lifetime in seconds from OCD's free-text retention period: `session` (and
/// `Session`, `End of session (browser)`, `session cookie`) → `Some(0)`; a number and a unit
/// (`1 year`, `13 months`, `389 days`, `2 Weeks`, `24 hours`, `30 minutes`, `30 mins`,
/// `1 second`; months are 30 days and years 365, as in the signature format) → its
/// seconds, ignoring trailing words (`2 years after last activity`, `1 hour or longer`,
/// `1 year (in some countries…)`); ranges and alternatives (`1 week to 1 year`,
/// `60 days till 3650 days`, `30 minutes, 3w or 1y depending on value`), and `Unknown`,
/// `forever`, `Persistent`, dates… → `None`.
pub fn parse_retention(text: &str) -> Option<u64> {
    // Drop parenthesised remarks, normalise case and spaces.
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in clean_text(text).chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let t = plain.to_lowercase();
    let t = t.trim();
    let is_range = |rest: &str| {
        let rest = format!(" {rest} ");
        rest.contains(" to ")
            || rest.contains(" till ")
            || rest.contains(" until ")
            || rest.contains("depending")
            || rest.contains(',')
            || rest.contains(" - ")
            || rest.split(" or ").skip(1).any(|alt| {
                alt.trim_start()
                    .starts_with(|c: char| c.is_ascii_digit() || c == 's')
            })
    };
    for session in ["end of session", "sessions", "session", "seesion"] {
        if let Some(rest) = t.strip_prefix(session)
            && (rest.is_empty() || rest.starts_with(' '))
        {
            return (!is_range(rest)).then_some(0);
        }
    }
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if digits == 0 {
        return None;
    }
    let n: u64 = t.get(..digits)?.parse().ok()?;
    let rest = t.get(digits..)?.trim_start();
    let unit_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let unit = rest.get(..unit_len)?;
    let after = rest.get(unit_len..)?;
    if is_range(after) {
        return None;
    }
    let secs: u64 = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        "mo" | "month" | "months" => 30 * 86_400,
        "y" | "yr" | "yrs" | "year" | "years" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(secs)
}

#[cfg(test)]
mod tests {
    use super::super::super::model::Origin;
    use super::*;

    const HEADER: &str = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n";

    fn builtin() -> Vec<Vendor> {
        let o = Origin {
            file: Arc::from("vendors/test.toml"),
            line: 3,
        };
        let mut v = new_vendor(
            "acme-analytics".into(),
            "Acme Analytics",
            "Acme Inc.",
            Category::Analytics,
            o.clone(),
            "built-in",
        );
        v.aliases = vec!["AcmeStats".into()];
        v.domains = vec![("acme-analytics.com".into(), o)];
        vec![v]
    }

    fn sources(list: &[NameSignature]) -> Vec<String> {
        list.iter().map(|s| s.pattern.source()).collect()
    }

    #[test]
    fn retention_texts() {
        const D: u64 = 86_400;
        for (text, want) in [
            ("1 year", Some(365 * D)),
            ("1 Year", Some(365 * D)),
            ("2 years", Some(730 * D)),
            ("2 year", Some(730 * D)),
            ("13 months", Some(390 * D)),
            ("389 days", Some(389 * D)),
            ("2 Weeks", Some(14 * D)),
            ("24 hours", Some(D)),
            ("30 minutes", Some(1800)),
            ("30 mins", Some(1800)),
            ("1440 Minutes", Some(D)),
            ("1 minute", Some(60)),
            ("10 seconds", Some(10)),
            ("90 sec", Some(90)),
            ("session", Some(0)),
            ("Session", Some(0)),
            ("Sessions", Some(0)),
            ("session cookie", Some(0)),
            ("End of session (browser)", Some(0)),
            ("0 days", Some(0)),
            (" 1 hour or longer", Some(3600)),
            ("2 years after last activity", Some(730 * D)),
            (
                "1 year (in some countries, the period may be longer)",
                Some(365 * D),
            ),
            ("10 years from set/ update", Some(3650 * D)),
            ("1 year ", Some(365 * D)),
            ("1 week to 1 year", None),
            ("60 days till 3650 days", None),
            ("Session to 30 days", None),
            ("30 minutes, 3w or 1y depending on value", None),
            ("180 days after last activity or 10 years when opting out", None),
            ("Unknown", None),
            ("forever", None),
            ("Persistent", None),
            ("Local Storage", None),
            ("10 Nov 2030", None),
            ("", None),
            ("99999999999999999999 years", None),
        ] {
            assert_eq!(parse_retention(text), want, "{text:?}");
        }
    }

    #[test]
    fn names_are_cleaned() {
        for (raw, wildcard, want, generic) in [
            ("_ga", false, "_ga", false),
            ("_ga_", true, "_ga_*", false),
            ("SSPR_*", false, "SSPR_*", false),
            ("SCM*", false, "SCM*", false),
            ("pm_sess_NNN", false, "pm_sess_#", false),
            ("aboutads_sessNNN", false, "aboutads_sess#", false),
            ("cookie_XXX_id", false, "cookie_#_id", false),
            ("barometric[cuid]", false, "barometric#", false),
            ("ads_<id>_x", false, "ads_#_x", false),
            ("pagead/conv/%INTEGER%", false, "pagead/conv/#", false),
            ("ab*cd", false, "ab#cd", false),
            ("a*b", false, "a#b", true),
            ("pm_sess_NNN", true, "pm_sess_#", false),
            ("a_NNN_b", true, r"/a_.+_b.*/", false),
            ("ce_need_secure_cookie\t", false, "ce_need_secure_cookie", false),
            (
                "logglytrackings\u{ad}ession",
                false,
                "logglytrackingsession",
                false,
            ),
            ("/x/", false, r"//x//", false),
            ("id", false, "id", true),
            ("UID", false, "UID", true),
            ("P_", true, "P_*", true),
            ("fr", false, "fr", true),
            ("sessionid", false, "sessionid", true),
        ] {
            let (p, g) = clean_name(raw, wildcard).unwrap();
            assert_eq!((p.as_str(), g), (want, generic), "{raw:?}");
            NamePattern::parse(&p).unwrap();
        }
        assert_eq!(clean_name("NNN", false), None);
        assert_eq!(clean_name("[x]", true), None);
        assert_eq!(clean_name("  ", false), None);
    }

    #[test]
    fn domain_hints_are_parsed() {
        let got = |t: &str| domain_hints(t);
        assert_eq!(
            got("facebook.com (3rd party)"),
            [Some("facebook.com".to_string())]
        );
        assert_eq!(
            got(".bing.com (3rd party) or .microsoft.com (3rd party)"),
            [Some("bing.com".to_string()), Some("microsoft.com".to_string())]
        );
        assert_eq!(
            got(" or demdex.net (3rd party)"),
            [Some("demdex.net".to_string())]
        );
        assert_eq!(got("Inspectlet.com"), [Some("inspectlet.com".to_string())]);
        assert_eq!(got(".amplitude.com."), [Some("amplitude.com".to_string())]);
        assert_eq!(
            got(".commander1.com\u{200b}"),
            [None],
            "not cleaned here: the cell is"
        );
        assert_eq!(
            got(&clean_text(".commander1.com\u{200b}")),
            [Some("commander1.com".to_string())]
        );
        assert_eq!(got("ads-[account].adhese.com"), [None]);
        assert_eq!(got("forms.office.comm"), [None]);
        assert_eq!(got("id5-sync"), [None]);
        assert_eq!(got(""), Vec::<Option<String>>::new());
    }

    #[test]
    fn synthetic_file() {
        let csv = format!(
            "{HEADER}\
r1,Acme Analytics,Analytics,_acme_,acme-analytics.com (3rd party),\"Visitor id, set on first visit\",2 years,Acme Inc.,https://acme-analytics.com/privacy,1
r2,Acme Analytics,Analytics,uid,cdn.acme-analytics.com or other.net (3rd party),generic,session,Acme Inc.,https://acme-analytics.com/privacy,0
r3,acmeanalytics,Marketing,_acme_ad,,,13 months,Acme Inc.,not a url,0
r4,Hubspot,Marketing,__hstc,hubspot.com,,6 months,HubSpot Inc.,https://legal.hubspot.com/privacy-policy,0
r5,HubSpot,Functional,pm_sess_NNN,,,30 minutes,HubSpot Inc.,https://legal.hubspot.com/privacy-policy,0
r6,HubSpot,Marketing,__hstc,,,Unknown,,,0
r7,Tiny Widget,Functional,id,,,1 year,,,0
r8,Tiny Widget,Personalization,tw_lang,,,Local Storage,,,0
r9,Tiny Widget,Security,SSPR_*,weird_[x].example,,1 day,,,0
r10,Empty,Functional,,,,,,,0
r11,Hub Spot!,Analytics,\"hs \"\"quoted\"\"\",,\"line one
line two\",1 Year,,,0
"
        );
        let imported = ocd_with_stats(&csv, "ocd.csv", &builtin()).unwrap();
        let v = &imported.vendors;
        assert_eq!(v.len(), 3);
        let ids: Vec<_> = v.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["ocd-acme-analytics", "ocd-hubspot", "ocd-tiny-widget"]);

        let acme = &v[0];
        assert_eq!(acme.same_as.as_deref(), Some("acme-analytics"));
        assert_eq!(acme.name, "Acme Analytics");
        assert_eq!(acme.aliases, ["acmeanalytics"]);
        assert_eq!(acme.owner, "Acme Inc.");
        assert_eq!(acme.category, Category::Analytics);
        assert_eq!(
            acme.reference.as_deref(),
            Some("https://acme-analytics.com/privacy")
        );
        // other.net is not one of the hand-written vendor's domains
        assert_eq!(
            acme.domains
                .iter()
                .map(|d| (d.0.as_str(), d.1.line))
                .collect::<Vec<_>>(),
            [("acme-analytics.com", 2), ("cdn.acme-analytics.com", 3)]
        );
        assert_eq!(sources(&acme.cookies), ["_acme_*", "uid", "_acme_ad"]);
        assert_eq!(acme.cookies[0].purpose, Purpose::Statistics);
        assert_eq!(acme.cookies[0].lifetime, Some(2 * 365 * 86_400));
        assert_eq!(acme.cookies[0].note.as_deref(), Some("r1"));
        assert_eq!(acme.cookies[0].origin.to_string(), "ocd.csv:2");
        assert_eq!(acme.cookies[1].scope, Scope::Vendor);
        assert_eq!(acme.cookies[1].lifetime, Some(0));
        assert_eq!(acme.cookies[2].purpose, Purpose::Marketing);
        assert_eq!(acme.origin.line, 2);
        assert_eq!(acme.source, "ocd.csv");

        let hs = &v[1];
        assert_eq!(hs.name, "HubSpot", "the most frequent spelling");
        assert_eq!(hs.aliases, ["Hubspot", "Hub Spot!"]);
        assert_eq!(hs.same_as, None);
        assert_eq!(hs.owner, "HubSpot Inc.");
        assert_eq!(hs.category, Category::Advertising, "2 marketing rows of 4");
        assert_eq!(
            hs.reference.as_deref(),
            Some("https://legal.hubspot.com/privacy-policy")
        );
        assert_eq!(sources(&hs.cookies), ["__hstc", "pm_sess_#", "hs \"quoted\""]);
        assert_eq!(hs.cookies[1].purpose, Purpose::Necessary);
        assert_eq!(
            hs.cookies[2].origin.line, 12,
            "line of a record after a multi-line field"
        );
        assert_eq!(hs.domains.len(), 1);

        let tw = &v[2];
        assert_eq!(tw.owner, "Tiny Widget", "no data controller");
        assert_eq!(tw.reference.as_deref(), Some(OCD_REPOSITORY));
        assert_eq!(tw.category, Category::Other, "two `other` rows, one `security`");
        assert!(tw.domains.is_empty());
        assert_eq!(
            sources(&tw.cookies),
            ["SSPR_*"],
            "generic `id` dropped: no domains"
        );
        assert_eq!(sources(&tw.storage), ["tw_lang"]);
        assert_eq!(tw.storage[0].purpose, Purpose::Preferences);
        assert_eq!(tw.storage[0].lifetime, None);

        let s = &imported.stats;
        assert_eq!(s.records, 11);
        assert_eq!(s.skipped, 1);
        assert_eq!(s.vendors, 3);
        assert_eq!(s.same_as, 1);
        assert_eq!(s.patterns, 8);
        assert_eq!(s.domains, 3);
        assert_eq!(s.invalid_domains, 1, "weird_[x].example");
        assert_eq!(s.unconfirmed_domains, 1, "other.net");
        assert_eq!(s.dropped_generic, 1);
        assert_eq!(s.duplicate_patterns, 1);
        assert_eq!(s.invalid_patterns, 0);
    }

    #[test]
    fn ids_avoid_builtin_ids() {
        let mut b = builtin();
        b[0].id = "ocd-other".into();
        b[0].name = "Other".into();
        b[0].aliases.clear();
        let csv = format!("{HEADER}r1,Other,Functional,x_cookie,,,,,,0\n");
        let v = ocd(&csv, "ocd.csv", &b).unwrap();
        assert_eq!(v[0].id, "ocd-other-2");
        assert_eq!(
            v[0].same_as, None,
            "an earlier OCD import is never a same_as target"
        );
    }

    #[test]
    fn malformed_files_are_located() {
        let e = ocd(
            &format!("{HEADER}r1,A,Functional,x,,,,,,0\nr2,B,Functional\n"),
            "ocd.csv",
            &[],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "ocd.csv:3: expected 10 fields, found 3");
        let e = ocd(&format!("{HEADER}r1,A,Functional,\"x,,,,,,0\n"), "ocd.csv", &[]).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().contains("never closed"), "{e}");
        let e = ocd("ID,Platform,Category\n", "ocd.csv", &[]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("ocd.csv:1: not an Open Cookie Database CSV"),
            "{e}"
        );
        let e = ocd("", "ocd.csv", &[]).unwrap_err();
        assert!(e.to_string().contains("empty file"), "{e}");
    }
}
