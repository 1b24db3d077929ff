//! Cookie tables on any page (source kind `html-table`), and the visible text of an HTML
//! document for the free-text extractor.
//!
//! [`from_html_tables`] reads every `<table>` whose header row (its `<th>` row, else its first
//! row) has a **name** column plus at least one duration, provider, purpose, category or type
//! column, recognised by header words in English, German, French, Spanish, Italian, Dutch and
//! Polish. A table without a duration column must also show it is about cookies (a header,
//! its caption or the heading above it mentions cookies, storage, trackers, …), so that a
//! product or price list with "Name" and "Description" columns is not read as a declaration.
//! Rows become [`DeclaredItem`]s: a name cell listing several names (`,` `;` or line breaks)
//! gives one item per name, with a duration cell of as many parts aligned by position
//! (OneTrust's rendered list); a Cookiebot `[xN]` suffix becomes the item's count. The category
//! comes from the category column, else from a type column holding a category word, else from
//! a group row inside the table (a single bold or spanning cell), the table's `<caption>`, or
//! the nearest heading above the table (`h1`–`h6`, or a short element whose class says
//! title/heading/header, as Cookiebot's `p.CookieDeclarationTypeHeader`), else `unknown`.
//!
//! [`html_to_text`] renders the visible text (no `script`, `style`, `noscript`, `template`,
//! `head`): block elements end lines, table cells are separated by a tab, runs of other
//! whitespace collapse to one space.
//!
//! The helpers shared with [`super::cmps`] live here too: cookie-name normalisation to the
//! [`NamePattern`] notation ([`normalise_name`]), category labels ([`category_from_label`]: the
//! model's mapping plus more languages) and expiry texts ([`expiry`]: the model's parser plus
//! more languages and unit abbreviations).

use std::sync::OnceLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node};

use super::model::{DeclaredCategory, DeclaredItem, DeclaredPolicy, ItemKind, PolicySource, parse_expiry};
use crate::signatures::pattern::NamePattern;

/// Inputs larger than this are not read.
pub const MAX_INPUT: usize = super::MAX_DOCUMENT_BYTES;
/// At most this many problems are listed per source.
const MAX_PROBLEMS: usize = 100;
/// At most this many items are read per source.
const MAX_ITEMS: usize = 100_000;
/// Longest purpose text kept, in characters.
const MAX_PURPOSE: usize = 2_000;

/// Reads every cookie table of an HTML page (see the module documentation).
pub fn from_html_tables(html: &str, location: &str) -> DeclaredPolicy {
    let mut policy = new_policy("html-table", location);
    let Some(doc) = parse_html(html, &mut policy) else {
        return finish(policy);
    };
    let tables = elements_with_headings(doc.root_element(), |e| e.value().name() == "table");
    let mut read = 0;
    for (i, (table, heading)) in tables.iter().enumerate() {
        let opts = TableOptions {
            heading: heading.as_deref(),
            require_context: true,
            label: format!("table {}", i + 1),
            ..TableOptions::default()
        };
        if read_table(*table, &opts, &mut policy).is_some() {
            read += 1;
        }
    }
    if read == 0 {
        problem(
            &mut policy,
            format!("no cookie table found ({} tables examined)", tables.len()),
        );
    }
    finish(policy)
}

/// The visible text of an HTML document or fragment: `script`, `style`, `noscript`,
/// `template` and `head` are skipped, block elements (`p`, `div`, `li`, `tr`, headings, …)
/// and `<br>` end lines, table cells are separated by a tab, other whitespace runs collapse
/// to one space, and empty lines are dropped.
pub fn html_to_text(html: &str) -> String {
    if html.len() > MAX_INPUT {
        return String::new();
    }
    let html = match too_deep_at(html) {
        Some(at) => &html[..at],
        None => html,
    };
    let doc = Html::parse_document(html);
    render_text(doc.root_element(), usize::MAX)
}

// ---------------------------------------------------------------------------------------
// Shared helpers (also used by `cmps`).
// ---------------------------------------------------------------------------------------

/// Deepest element nesting parsed: the HTML parser's work grows with the square of the
/// nesting depth of block elements, so a hostile page of 100,000 nested `<div>`s would take
/// minutes.
const MAX_DEPTH: usize = 4_000;

/// Parses an HTML page for an extractor: over [`MAX_INPUT`] it is not read, and a page nesting
/// elements deeper than [`MAX_DEPTH`] is read only up to that point (problems recorded).
pub(crate) fn parse_html(html: &str, policy: &mut DeclaredPolicy) -> Option<Html> {
    if html.len() > MAX_INPUT {
        problem(
            policy,
            format!("input is {} bytes, over the 20 MB limit; not read", html.len()),
        );
        return None;
    }
    let html = match too_deep_at(html) {
        Some(at) => {
            problem(
                policy,
                format!("elements nest deeper than {MAX_DEPTH} levels; only the first {at} bytes were read"),
            );
            &html[..at]
        }
        None => html,
    };
    Some(Html::parse_document(html))
}

/// The byte offset of the tag at which the estimated element nesting first exceeds
/// [`MAX_DEPTH`], if it does. The estimate counts start and end tags, leaving out void
/// elements, self-closing tags, elements whose end tag is optional (`p`, `li`, `td`, …),
/// comments and the contents of `script`, `style`, `textarea`, `title`.
fn too_deep_at(html: &str) -> Option<usize> {
    const VOID: &[&[u8]] = &[
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
        b"source", b"track", b"wbr", b"keygen", b"image",
    ];
    const OPTIONAL_END: &[&[u8]] = &[
        b"p",
        b"li",
        b"dt",
        b"dd",
        b"tr",
        b"td",
        b"th",
        b"option",
        b"optgroup",
        b"thead",
        b"tbody",
        b"tfoot",
        b"colgroup",
        b"caption",
        b"rt",
        b"rp",
        b"rb",
        b"rtc",
        b"html",
        b"head",
        b"body",
    ];
    const RAW: &[&[u8]] = &[b"script", b"style", b"textarea", b"title", b"xmp", b"plaintext"];
    let lower = html.as_bytes().to_ascii_lowercase();
    let b = lower.as_slice();
    let find = |from: usize, needle: &[u8]| -> Option<usize> {
        b.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p)
    };
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(at) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b'<'))
        .map(|p| i + p)
    {
        if b.get(at + 1..at + 4) == Some(b"!--".as_slice()) {
            match find(at + 4, b"-->") {
                Some(end) => {
                    i = end + 3;
                    continue;
                }
                None => break,
            }
        }
        let closing = b.get(at + 1) == Some(&b'/');
        let start = at + 1 + usize::from(closing);
        let len = b
            .get(start..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_alphanumeric()).count());
        if len == 0 {
            i = at + 1;
            continue;
        }
        let name = &b[start..start + len];
        let Some(gt) = find(start + len, b">") else { break };
        let self_closing = gt > 0 && b[gt - 1] == b'/';
        let counted = !VOID.contains(&name) && !OPTIONAL_END.contains(&name);
        if closing {
            if counted {
                depth = depth.saturating_sub(1);
            }
        } else if RAW.contains(&name) {
            let mut end_tag = b"</".to_vec();
            end_tag.extend_from_slice(name);
            match find(gt + 1, &end_tag) {
                Some(end) => {
                    i = end;
                    continue;
                }
                None => break,
            }
        } else if counted && !self_closing {
            depth += 1;
            if depth > MAX_DEPTH {
                return Some(at);
            }
        }
        i = gt + 1;
    }
    None
}

/// A policy with its one source and nothing found yet.
pub(crate) fn new_policy(kind: &str, location: &str) -> DeclaredPolicy {
    DeclaredPolicy {
        sources: vec![PolicySource {
            kind: kind.to_string(),
            location: location.to_string(),
            items: 0,
            vendors: 0,
            statements: 0,
            problems: Vec::new(),
        }],
        ..DeclaredPolicy::default()
    }
}

/// Records a problem on the policy's source (at most [`MAX_PROBLEMS`] are listed).
pub(crate) fn problem(policy: &mut DeclaredPolicy, msg: String) {
    if let Some(s) = policy.sources.first_mut() {
        s.add_problem(msg, MAX_PROBLEMS);
    }
}

/// Whether another item may still be added; records the cap once when it is reached.
pub(crate) fn room_for_item(policy: &mut DeclaredPolicy) -> bool {
    if policy.items.len() < MAX_ITEMS {
        return true;
    }
    let msg = format!("more than {MAX_ITEMS} items; the rest was not read");
    let already = policy.sources.first().is_some_and(|s| s.problems.contains(&msg));
    if !already {
        problem(policy, msg);
    }
    false
}

/// Fills in the source's counts.
pub(crate) fn finish(mut policy: DeclaredPolicy) -> DeclaredPolicy {
    let items = policy.items.len();
    let vendors = policy.vendors.len();
    let statements = policy.technologies.len() + policy.retention.len() + policy.negatives.len();
    if let Some(s) = policy.sources.first_mut() {
        s.items = items;
        s.vendors = vendors;
        s.statements = statements;
    }
    policy
}

/// Whitespace runs collapsed to one space, trimmed.
pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `s`, with `…` when cut.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// A purpose text: whitespace collapsed, shortened, `None` when empty.
pub(crate) fn purpose_text(s: &str) -> Option<String> {
    let c = collapse(s);
    (!c.is_empty()).then(|| shorten(&c, MAX_PURPOSE))
}

/// [`DeclaredCategory::from_label`], plus words it does not know yet (Polish, Dutch,
/// Italian, Spanish and French plural forms, German compounds, Nordic and Central European
/// words). Every declaration reader (tables, consent managers, Cookiebot) uses this one.
pub fn category_from_label(label: &str) -> DeclaredCategory {
    let c = DeclaredCategory::from_label(label);
    if c != DeclaredCategory::Unknown {
        return c;
    }
    let l = label.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&[
        "werbe",
        "reklamow",
        "pubblicitari",
        "publicitaire",
        "retargeting",
        "remarketing",
        "profil",
        "reklam",
        "werb",
        "annonc",
        "mainonta",
        "oglaš",
    ]) {
        return DeclaredCategory::Marketing;
    }
    if has(&[
        "analityczn",
        "analític",
        "analitic",
        "analytique",
        "wydajno",
        "rendimiento",
        "prestazion",
        "leistung",
        "audience",
        "statist",
        "estadíst",
        "statystyk",
        "statisti",
        "statisz",
        "analit",
        "analyt",
        "tilasto",
    ]) {
        return DeclaredCategory::Statistics;
    }
    if has(&[
        "niesklasyfik",
        "nicht klassifiz",
        "non classificat",
        "non classé",
        "sin clasific",
        "overig",
        "klasyfik",
        "klassifiz",
        "classifi",
        "clasific",
        "klassific",
        "luokittelem",
    ]) {
        return DeclaredCategory::Unclassified;
    }
    if has(&[
        "funkcjonaln",
        "komfort",
        "comfort",
        "voorkeur",
        "preferencj",
        "personnalis",
        "ustawie",
        "preferen",
        "präferenz",
        "asetuk",
    ]) {
        return DeclaredCategory::Preferences;
    }
    if has(&[
        "podstawow",
        "niezbędn",
        "niezbedn",
        "wymagan",
        "konieczn",
        "noodzakelijk",
        "essenzial",
        "esencial",
        "imprescindib",
        "obligatoire",
        "indispensab",
        "techniq",
        "técnic",
        "tecnic",
        "strettamente",
        "essentiel",
        "niezbęd",
        "nødvendig",
        "nödvändig",
        "nezbytn",
        "necess",
        "välttämät",
        "szüksé",
    ]) {
        return DeclaredCategory::Necessary;
    }
    DeclaredCategory::Unknown
}

/// [`parse_expiry`], plus more session phrases, number words of other languages
/// (`un an`, `ein Jahr`, `jeden rok`) and abbreviations (`30d`, `1y`, `2 yrs`, `13 mo`).
pub fn expiry(text: &str) -> (Option<u64>, Option<bool>) {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return (None, None);
    }
    let r = parse_expiry(&t);
    if r != (None, None) {
        return r;
    }
    const SESSION: &[&str] = &[
        "sesja",
        "sesji",
        "sesion",
        "sessão",
        "sessao",
        "browser close",
        "closing the browser",
        "close the browser",
        "browser is closed",
        "cierre del navegador",
        "fermeture du navigateur",
        "schließen des browsers",
        "zamknięci",
        "chiusura del browser",
        "istunto",
        "relace",
    ];
    if SESSION.iter().any(|w| t.contains(w)) {
        return (Some(0), Some(true));
    }
    if [
        "persistant",
        "trwał",
        "permanente",
        "unbegrenzt",
        "never expires",
        "no expiry",
    ]
    .iter()
    .any(|w| t.contains(w))
    {
        return (None, Some(false));
    }
    const WORDS: &[(&str, &str)] = &[
        ("un", "1"),
        ("une", "1"),
        ("ein", "1"),
        ("eine", "1"),
        ("einen", "1"),
        ("einem", "1"),
        ("uno", "1"),
        ("una", "1"),
        ("jeden", "1"),
        ("jedna", "1"),
        ("jedno", "1"),
        ("een", "1"),
        ("deux", "2"),
        ("zwei", "2"),
        ("dos", "2"),
        ("due", "2"),
        ("dwa", "2"),
        ("dwie", "2"),
        ("twee", "2"),
        ("trois", "3"),
        ("drei", "3"),
        ("tres", "3"),
        ("tre", "3"),
        ("trzy", "3"),
        ("drie", "3"),
    ];
    let replaced: Vec<&str> = t
        .split_whitespace()
        .map(|tok| WORDS.iter().find(|(w, _)| *w == tok).map_or(tok, |(_, n)| n))
        .collect();
    let joined = replaced.join(" ");
    if joined != t {
        let r = parse_expiry(&joined);
        if r != (None, None) {
            return r;
        }
    }
    static ABBR: OnceLock<Option<Regex>> = OnceLock::new();
    let re = ABBR.get_or_init(|| {
        Regex::new(r"^(\d{1,9})\s*(y|yr|yrs|mo|mos|mth|mths|w|wk|wks|d|h|hr|hrs|m|min|mins|s|sec|secs)\.?$")
            .ok()
    });
    if let Some(c) = re.as_ref().and_then(|re| re.captures(&t)) {
        let n: u64 = c.get(1).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
        let unit = match c.get(2).map_or("", |m| m.as_str()) {
            "y" | "yr" | "yrs" => 365 * 86_400,
            "mo" | "mos" | "mth" | "mths" => 30 * 86_400,
            "w" | "wk" | "wks" => 7 * 86_400,
            "d" => 86_400,
            "h" | "hr" | "hrs" => 3_600,
            "m" | "min" | "mins" => 60,
            _ => 1,
        };
        return (Some(n.saturating_mul(unit)), Some(false));
    }
    (None, None)
}

/// The item kind a type cell or tracker type names (`HTML Local Storage`, `Pixel Tracker`,
/// `Lokalny magazyn HTML`, `html_session_storage`, …); `None` when it names none.
pub(crate) fn kind_from_text(text: &str) -> Option<ItemKind> {
    let t = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["pixel", "piksel", "beacon", "web bug", "tracker", "gif"]) {
        return Some(ItemKind::Pixel);
    }
    if has(&[
        "storage",
        "html",
        "magazyn",
        "indexeddb",
        "indexed_db",
        "indexed db",
        "stockage",
        "almacenamiento",
        "speicher",
        "archiviazione",
        "opslag",
        "local",
        "session_storage",
        "web",
    ]) {
        return Some(ItemKind::Storage);
    }
    if has(&["cookie", "http", "ciastecz", "plik"]) {
        return Some(ItemKind::Cookie);
    }
    None
}

/// Rewrites a declared cookie name into the [`NamePattern`] notation: OneTrust `xxxx`/`XXXX`
/// runs, `####` runs and `{id}`/`<id>` placeholders become one `#`; a trailing `*`, `…` or
/// separator (`_gat_UA-`) makes a prefix `name*`; a `*` elsewhere becomes `#`; a JavaScript
/// regular expression literal `/…/flags` becomes `/…/` with the engine's whole-name matching
/// made equivalent to JavaScript's search (see [`js_regex_pattern`]). Anything that would not
/// compile is returned trimmed but otherwise unchanged.
pub fn normalise_name(raw: &str) -> String {
    let s = raw
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '`' | '“' | '”' | '„' | '‘' | '’'))
        .trim();
    if s.is_empty() {
        return String::new();
    }
    if let Some((body, flags)) = split_regex_literal(s) {
        let p = js_regex_pattern(body, flags);
        return if NamePattern::parse(&p).is_ok() {
            p
        } else {
            s.to_string()
        };
    }
    static PLACEHOLDER: OnceLock<Option<Regex>> = OnceLock::new();
    let re = PLACEHOLDER.get_or_init(|| {
        Regex::new(r"\{[^{}]{1,40}\}|<[^<>]{1,40}>|\[[^\[\]]{1,40}\]|x{3,}|X{3,}|#{2,}").ok()
    });
    let mut out = match re {
        Some(re) => re.replace_all(s, "#").into_owned(),
        None => s.to_string(),
    };
    for ell in ["...", "…"] {
        if let Some(stripped) = out.strip_suffix(ell) {
            out = format!("{}*", stripped.trim_end());
        }
    }
    // A `*` anywhere but at the end is a placeholder.
    let trailing_star = out.ends_with('*');
    let core = out.trim_end_matches('*');
    let mut core = core.replace('*', "#");
    while core.contains("##") {
        core = core.replace("##", "#");
    }
    let mut out = if trailing_star {
        if core.contains('#') {
            format!("{core}#")
        } else {
            format!("{core}*")
        }
    } else {
        core
    };
    if !trailing_star && out.chars().count() >= 3 && (out.ends_with('_') || out.ends_with('-')) {
        out.push(if out.contains('#') { '#' } else { '*' });
    }
    if NamePattern::parse(&out).is_ok() {
        out
    } else {
        s.to_string()
    }
}

/// `/body/flags` → (body, flags) when `s` is a regular expression literal.
fn split_regex_literal(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('/')?;
    let end = rest.rfind('/')?;
    let (body, flags) = (&rest[..end], &rest[end + 1..]);
    (!body.is_empty() && flags.chars().all(|c| "gimsuyd".contains(c))).then_some((body, flags))
}

/// A JavaScript regular expression (source and flags, as `RegExp.prototype.test` uses it:
/// a search anywhere in the name) in the `/…/` notation, which matches whole names: an
/// unanchored side gets `.*`, flag `i` becomes `(?i)`. `^_pk_.*$` stays `/^_pk_.*$/`;
/// `^_ga` becomes `/(?:^_ga).*/`.
pub fn js_regex_pattern(source: &str, flags: &str) -> String {
    let starts = source.starts_with('^');
    let ends = source.ends_with('$') && !source.ends_with("\\$");
    let mut p = String::from("/");
    if flags.contains('i') {
        p.push_str("(?i)");
    }
    if starts && ends {
        p.push_str(source);
    } else {
        if !starts {
            p.push_str(".*");
        }
        p.push_str("(?:");
        p.push_str(source);
        p.push(')');
        if !ends {
            p.push_str(".*");
        }
    }
    p.push('/');
    p
}

/// Splits a name cell into names (`,` `;` line breaks), each with its Cookiebot `[xN]` count.
/// A cell holding one regular expression literal is not split.
pub(crate) fn split_names(cell: &str) -> Vec<(String, u32)> {
    let trimmed = cell.trim();
    let parts: Vec<&str> = if split_regex_literal(trimmed).is_some() {
        vec![trimmed]
    } else {
        trimmed.split([',', ';', '\n']).collect()
    };
    static COUNT: OnceLock<Option<Regex>> = OnceLock::new();
    let re = COUNT.get_or_init(|| Regex::new(r"\s*\[[xX×](\d{1,6})\]\s*$").ok());
    let mut out = Vec::new();
    for part in parts {
        let mut name = part.trim().to_string();
        let mut count = 1;
        if let Some(c) = re.as_ref().and_then(|re| re.captures(&name)) {
            count = c.get(1).and_then(|m| m.as_str().parse().ok()).unwrap_or(1).max(1);
            let cut = c.get(0).map_or(name.len(), |m| m.start());
            name.truncate(cut);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().all(|c| !c.is_alphanumeric()) {
            continue;
        }
        let lower = name.to_lowercase();
        if ["n/a", "none", "keine", "aucun", "ninguno", "brak"].contains(&lower.as_str()) {
            continue;
        }
        out.push((name.to_string(), count));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tree walking and text rendering.
// ---------------------------------------------------------------------------------------

/// One step of a document-order walk.
pub(crate) enum Step<'a> {
    Open(ElementRef<'a>),
    Close(ElementRef<'a>),
    Text(&'a str),
}

/// Walks the subtree of `root` in document order without recursion. `f` returns whether to
/// go on: for `Open`, `false` skips the element's children (and its `Close`).
pub(crate) fn walk<'a>(root: ElementRef<'a>, mut f: impl FnMut(Step<'a>) -> bool) {
    let mut stack = vec![(*root, false)];
    while let Some((node, closing)) = stack.pop() {
        if let Some(el) = ElementRef::wrap(node) {
            if closing {
                f(Step::Close(el));
                continue;
            }
            if f(Step::Open(el)) {
                stack.push((node, true));
                let mut child = node.last_child();
                while let Some(c) = child {
                    stack.push((c, false));
                    child = c.prev_sibling();
                }
            }
        } else if let Node::Text(t) = node.value() {
            let s: &'a str = t;
            f(Step::Text(s));
        }
    }
}

const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "object",
];
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// The text of `root` as lines (see [`html_to_text`]); stops after about `cap` bytes.
pub(crate) fn render_text(root: ElementRef<'_>, cap: usize) -> String {
    let mut raw = String::new();
    walk(root, |step| {
        if raw.len() > cap {
            return false;
        }
        match step {
            Step::Open(el) => {
                let name = el.value().name();
                if SKIP.contains(&name) {
                    return false;
                }
                match name {
                    "br" => raw.push('\n'),
                    "td" | "th" => raw.push('\t'),
                    n if BLOCK.contains(&n) => raw.push('\n'),
                    _ => {}
                }
            }
            Step::Close(el) => {
                if BLOCK.contains(&el.value().name()) {
                    raw.push('\n');
                }
            }
            Step::Text(t) => {
                raw.extend(
                    t.chars()
                        .map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }),
                );
            }
        }
        true
    });
    let mut lines = Vec::new();
    for line in raw.split('\n') {
        let cells: Vec<String> = line.split('\t').map(collapse).filter(|c| !c.is_empty()).collect();
        if !cells.is_empty() {
            lines.push(cells.join("\t"));
        }
    }
    lines.join("\n")
}

/// The text of an element on one line, whitespace collapsed (at most about `cap` bytes read).
pub(crate) fn inline_text(el: ElementRef<'_>, cap: usize) -> String {
    collapse(&render_text(el, cap))
}

/// Whether an element is a heading: `h1`–`h6`, or a short element whose class names a
/// title/heading/header (Cookiebot `p.CookieDeclarationTypeHeader`, CookieYes
/// `.cky-accordion-btn`, cookie-law-info `.cli-tab-header`), never a table cell or a
/// description. Returns its text.
fn heading_text(el: ElementRef<'_>) -> Option<String> {
    let name = el.value().name();
    if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
        let t = inline_text(el, 400);
        return (!t.is_empty() && t.len() <= 300).then_some(t);
    }
    if matches!(
        name,
        "td" | "th"
            | "tr"
            | "table"
            | "thead"
            | "tbody"
            | "body"
            | "html"
            | "header"
            | "nav"
            | "ul"
            | "ol"
            | "a"
    ) && el.value().attr("class").is_none_or(|c| !c.contains("nav-link"))
    {
        return None;
    }
    let class = el.value().attr("class")?.to_lowercase();
    if class.contains("des") || class.contains("intro") {
        return None;
    }
    let heading_like = [
        "title",
        "heading",
        "header",
        "accordion-btn",
        "nav-link",
        "category-name",
    ]
    .iter()
    .any(|w| class.contains(w));
    if !heading_like {
        return None;
    }
    let t = inline_text(el, 200);
    (!t.is_empty() && t.len() <= 80).then_some(t)
}

/// The elements under `root` that satisfy `pick`, in document order, each with the text of
/// the nearest heading before it (see [`heading_text`]).
pub(crate) fn elements_with_headings<'a>(
    root: ElementRef<'a>,
    pick: impl Fn(&ElementRef<'a>) -> bool,
) -> Vec<(ElementRef<'a>, Option<String>)> {
    let mut out = Vec::new();
    let mut heading: Option<String> = None;
    walk(root, |step| {
        if let Step::Open(el) = step {
            if SKIP.contains(&el.value().name()) {
                return false;
            }
            if pick(&el) {
                out.push((el, heading.clone()));
            } else if let Some(h) = heading_text(el) {
                heading = Some(h);
            }
        }
        true
    });
    out
}

// ---------------------------------------------------------------------------------------
// Table reading.
// ---------------------------------------------------------------------------------------

/// What a table column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Name,
    Provider,
    Purpose,
    Duration,
    Category,
    Type,
}

const DURATION_WORDS: &[&str] = &[
    "duration",
    "expir",
    "lifespan",
    "lifetime",
    "life span",
    "retention",
    "storage period",
    "storage duration",
    "max age",
    "maxage",
    "laufzeit",
    "speicherdauer",
    "dauer",
    "ablauf",
    "gültigkeit",
    "durée",
    "duree",
    "duración",
    "duracion",
    "caducidad",
    "vencimiento",
    "durata",
    "scadenza",
    "conservazione",
    "looptijd",
    "bewaartermijn",
    "vervaltermijn",
    "vervaldatum",
    "okres",
    "wygaśnięcie",
    "wygasa",
    "czas",
    "ważność",
    "przechowywania",
    "validity",
    "valid for",
];
const PURPOSE_WORDS: &[&str] = &[
    "purpose",
    "descr",
    "function",
    "funktion",
    "zweck",
    "beschreibung",
    "finalité",
    "finalite",
    "finalidad",
    "finalità",
    "finalita",
    "scopo",
    "doel",
    "omschrijving",
    "cel",
    "opis",
    "przeznaczenie",
    "funkcja",
    "usage",
    "used for",
    "what it does",
    "utilisation",
    "utilización",
    "uso",
    "objectif",
    "objetivo",
];
const PROVIDER_WORDS: &[&str] = &[
    "provider",
    "vendor",
    "domain",
    "host",
    "hostname",
    "third party",
    "anbieter",
    "fournisseur",
    "proveedor",
    "fornitore",
    "aanbieder",
    "dostawca",
    "dominio",
    "domaine",
    "domena",
    "company",
    "owner",
    "set by",
    "placed by",
    "issuer",
    "émetteur",
    "emetteur",
    "subgroup",
    "source",
    "service",
    "dienst",
    "servicio",
    "servizio",
    "herkunft",
];
const CATEGORY_WORDS: &[&str] = &[
    "categor",
    "catégor",
    "kategor",
    "classification",
    "klassifizierung",
    "clasificación",
    "group",
    "gruppe",
    "groupe",
    "grupo",
    "gruppo",
    "groep",
    "grupa",
];
const TYPE_WORDS: &[&str] = &[
    "type",
    "typ",
    "tipo",
    "soort",
    "rodzaj",
    "art",
    "kind",
    "cookies used",
    "party",
    "first or third",
    "technology",
    "technologie",
];
const NAME_WORDS: &[&str] = &[
    "name",
    "cookie",
    "identifier",
    "bezeichnung",
    "nombre",
    "nome",
    "naam",
    "nazwa",
    "nom",
    "key",
    "schlüssel",
    "clé",
    "cle",
    "chiave",
    "clave",
    "klucz",
    "id",
    "tracker",
    "ciasteczk",
];
const NAME_EXACT: &[&str] = &[
    "name",
    "names",
    "cookie",
    "cookies",
    "cookie name",
    "cookie names",
    "name of cookie",
    "nom",
    "nom du cookie",
    "nombre",
    "nombre de la cookie",
    "nome",
    "nome del cookie",
    "naam",
    "nazwa",
    "nazwa cookie",
    "nazwa pliku cookie",
    "bezeichnung",
    "identifier",
    "key",
    "cookie name s",
];
const CONTEXT_WORDS: &[&str] = &[
    "cookie",
    "storage",
    "speicher",
    "stockage",
    "almacenamiento",
    "archiviazione",
    "opslag",
    "przechowyw",
    "tracker",
    "tracking",
    "pixel",
    "ciastecz",
    "galleta",
    "tracciamento",
    "technolog",
];

/// Normalised header words: lowercase alphanumeric tokens, and the tokens joined by spaces
/// with a space at each end (for phrase matching).
fn header_tokens(text: &str) -> (Vec<String>, String) {
    let lower = text.to_lowercase();
    let tokens: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let joined = format!(" {} ", tokens.join(" "));
    (tokens, joined)
}

/// Whether a header word list hits: phrases as whole words, short words (≤ 4 characters)
/// as a whole token (or its plural in `s`), longer words inside any token.
fn words_hit(tokens: &[String], joined: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        if w.contains(' ') {
            joined.contains(&format!(" {w} "))
        } else if w.chars().count() <= 4 {
            tokens
                .iter()
                .any(|t| t == w || (t.len() == w.len() + 1 && t.starts_with(w) && t.ends_with('s')))
        } else {
            tokens.iter().any(|t| t.contains(w))
        }
    })
}

/// What a header cell names, if anything. More specific roles are tested before the name,
/// so `Cookie duration`, `Domain name` and `Cookie type` are not name columns.
pub(crate) fn classify_header(text: &str) -> Option<Column> {
    if text.chars().count() > 60 {
        return None;
    }
    let (tokens, joined) = header_tokens(text);
    if tokens.is_empty() {
        return None;
    }
    if words_hit(&tokens, &joined, DURATION_WORDS) {
        return Some(Column::Duration);
    }
    if words_hit(&tokens, &joined, PURPOSE_WORDS) {
        return Some(Column::Purpose);
    }
    if words_hit(&tokens, &joined, PROVIDER_WORDS) {
        return Some(Column::Provider);
    }
    if words_hit(&tokens, &joined, CATEGORY_WORDS) {
        return Some(Column::Category);
    }
    if words_hit(&tokens, &joined, TYPE_WORDS) {
        return Some(Column::Type);
    }
    if words_hit(&tokens, &joined, NAME_WORDS) {
        return Some(Column::Name);
    }
    None
}

/// Whether a text mentions cookies or similar storage.
pub(crate) fn mentions_cookies(text: &str) -> bool {
    let l = text.to_lowercase();
    CONTEXT_WORDS.iter().any(|w| l.contains(w))
}

/// The column index of each role in a header row.
#[derive(Debug, Default, Clone)]
pub(crate) struct Columns {
    pub name: Option<usize>,
    pub provider: Option<usize>,
    pub purpose: Option<usize>,
    pub duration: Option<usize>,
    pub category: Option<usize>,
    pub kind: Option<usize>,
    pub width: usize,
}

impl Columns {
    /// Assigns roles to header texts: the first column of each role, except the name,
    /// where a header that is exactly a name word (`Cookies`) beats one that only contains
    /// one. `None` unless there is a name and at least one other role.
    pub(crate) fn from_headers(headers: &[String]) -> Option<Columns> {
        let mut c = Columns {
            width: headers.len(),
            ..Columns::default()
        };
        let mut name_score = 0;
        for (i, h) in headers.iter().enumerate() {
            match classify_header(h) {
                Some(Column::Name) => {
                    let (tokens, _) = header_tokens(h);
                    let score = if NAME_EXACT.contains(&tokens.join(" ").as_str()) {
                        2
                    } else {
                        1
                    };
                    if score > name_score {
                        c.name = Some(i);
                        name_score = score;
                    }
                }
                Some(Column::Provider) => {
                    c.provider.get_or_insert(i);
                }
                Some(Column::Purpose) => {
                    c.purpose.get_or_insert(i);
                }
                Some(Column::Duration) => {
                    c.duration.get_or_insert(i);
                }
                Some(Column::Category) => {
                    c.category.get_or_insert(i);
                }
                Some(Column::Type) => {
                    c.kind.get_or_insert(i);
                }
                None => {}
            }
        }
        let others = [c.provider, c.purpose, c.duration, c.category, c.kind]
            .iter()
            .any(Option::is_some);
        (c.name.is_some() && others).then_some(c)
    }
}

/// One table cell: its text (lines kept), whether it is a `<th>`, whether it is bold.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub th: bool,
    pub bold: bool,
}

/// Hard cap on columns read per row (colspans expanded).
const MAX_COLUMNS: usize = 64;

/// The rows of a table (not of tables nested in it): cells expanded by `colspan`.
pub(crate) fn table_rows(table: ElementRef<'_>) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let mut row_elems = Vec::new();
    for child in table.children().filter_map(ElementRef::wrap) {
        match child.value().name() {
            "tr" => row_elems.push(child),
            "thead" | "tbody" | "tfoot" => row_elems.extend(
                child
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|e| e.value().name() == "tr"),
            ),
            _ => {}
        }
    }
    for tr in row_elems {
        let mut cells = Vec::new();
        for cell in tr.children().filter_map(ElementRef::wrap) {
            let name = cell.value().name();
            if name != "td" && name != "th" {
                continue;
            }
            let text = render_text(cell, 64 * 1024);
            let bold = cell
                .descendent_elements()
                .any(|e| matches!(e.value().name(), "b" | "strong"));
            let span = cell
                .value()
                .attr("colspan")
                .and_then(|s| s.trim().parse::<usize>().ok())
                .unwrap_or(1)
                .clamp(1, MAX_COLUMNS);
            for _ in 0..span {
                if cells.len() >= MAX_COLUMNS {
                    break;
                }
                cells.push(Cell {
                    text: text.clone(),
                    th: name == "th",
                    bold,
                });
            }
        }
        rows.push(cells);
    }
    rows
}

/// Extra knowledge a caller has about a table.
#[derive(Debug, Default)]
pub(crate) struct TableOptions<'a> {
    /// The nearest heading before the table.
    pub heading: Option<&'a str>,
    /// Provider for rows without a provider cell (Complianz: the service).
    pub provider: Option<&'a str>,
    /// Without a duration column, require cookie words in the headers, caption or heading.
    pub require_context: bool,
    /// Heading text is a service name, not a category (Complianz).
    pub heading_is_service: bool,
    /// Prefix of each item's location (`table 3`).
    pub label: String,
}

fn cell_at(row: &[Cell], i: Option<usize>) -> Option<&str> {
    let c = row.get(i?)?;
    let t = c.text.trim();
    (!t.is_empty()).then_some(t)
}

/// Reads one table as a cookie table. `None` when it is not one; else the number of items.
pub(crate) fn read_table(
    table: ElementRef<'_>,
    opts: &TableOptions<'_>,
    policy: &mut DeclaredPolicy,
) -> Option<usize> {
    let rows = table_rows(table);
    let header_texts = |r: &[Cell]| r.iter().map(|c| collapse(&c.text)).collect::<Vec<_>>();
    // The header row: the first of the first three rows that names a name column and
    // another one (a title row spanning the table may come first).
    let (header_idx, cols) = rows
        .iter()
        .take(3)
        .enumerate()
        .find_map(|(i, r)| Columns::from_headers(&header_texts(r)).map(|c| (i, c)))?;
    let headers = header_texts(&rows[header_idx]);
    let caption = table
        .children()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "caption")
        .map(|e| inline_text(e, 1000))
        .filter(|t| !t.is_empty());
    if opts.require_context && cols.duration.is_none() {
        let context = headers.iter().any(|h| mentions_cookies(h))
            || caption.as_deref().is_some_and(mentions_cookies)
            || opts.heading.is_some_and(mentions_cookies);
        if !context {
            return None;
        }
    }
    // Rows above the header row that hold one text are group titles (categories).
    let mut group: Option<String> = rows[..header_idx]
        .iter()
        .rev()
        .find_map(|r| single_text(r))
        .filter(|g| category_from_label(g) != DeclaredCategory::Unknown);
    let mut added = 0;
    for (ri, row) in rows.iter().enumerate().skip(header_idx + 1) {
        let loc = format!("{} row {}", opts.label, ri + 1);
        if row.iter().all(|c| c.text.trim().is_empty()) {
            continue;
        }
        if let Some(g) = single_text(row).filter(|_| {
            let nonempty: Vec<&Cell> = row.iter().filter(|c| !c.text.trim().is_empty()).collect();
            row.len() == 1
                || cols.width <= 1
                || nonempty.iter().all(|c| c.bold || c.th)
                || row.iter().all(|c| c.text == row[0].text)
        }) {
            group = Some(g);
            continue;
        }
        // A repeated header row.
        if row.iter().all(|c| c.th)
            && cell_at(row, cols.name).is_some_and(|t| classify_header(t) == Some(Column::Name))
        {
            continue;
        }
        if row.len() < cols.width {
            problem(
                policy,
                format!("{loc}: expected {} cells, found {}", cols.width, row.len()),
            );
        }
        let Some(name_cell) = cell_at(row, cols.name) else {
            problem(policy, format!("{loc}: no name"));
            continue;
        };
        let names = split_names(name_cell);
        if names.is_empty() {
            problem(
                policy,
                format!("{loc}: no name in {:?}", shorten(&collapse(name_cell), 60)),
            );
            continue;
        }
        let provider = cell_at(row, cols.provider)
            .map(|p| {
                p.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .or_else(|| opts.provider.map(str::to_string));
        let purpose = cell_at(row, cols.purpose).and_then(purpose_text);
        let type_text = cell_at(row, cols.kind).map(collapse);
        let kind = type_text
            .as_deref()
            .and_then(kind_from_text)
            .unwrap_or(ItemKind::Cookie);
        let (category, category_label) = row_category(
            cell_at(row, cols.category).map(collapse),
            type_text.as_deref(),
            group.as_deref(),
            caption.as_deref(),
            if opts.heading_is_service {
                None
            } else {
                opts.heading
            },
        );
        let duration = cell_at(row, cols.duration).map(str::to_string);
        let aligned: Option<Vec<String>> = duration.as_deref().and_then(|d| {
            let parts: Vec<String> = d
                .split([',', ';', '\n'])
                .map(collapse)
                .filter(|p| !p.is_empty())
                .collect();
            (names.len() > 1 && parts.len() == names.len()).then_some(parts)
        });
        for (ni, (raw, count)) in names.iter().enumerate() {
            if !room_for_item(policy) {
                return Some(added);
            }
            let expiry_text = match &aligned {
                Some(parts) => parts.get(ni).cloned(),
                None => duration.as_deref().map(collapse),
            };
            let (expiry_secs, session) = expiry_text.as_deref().map_or((None, None), expiry);
            let name = normalise_name(raw);
            if let Err(e) = NamePattern::parse(&name) {
                problem(
                    policy,
                    format!("{loc}: name {name:?} is not a usable pattern: {e}"),
                );
            }
            policy.items.push(DeclaredItem {
                name,
                kind,
                provider: provider.clone(),
                category,
                category_label: category_label.clone(),
                purpose: purpose.clone(),
                expiry_text,
                expiry_secs,
                session,
                count: *count,
                source: 0,
                location: Some(loc.clone()),
            });
            added += 1;
        }
    }
    if added == 0 {
        problem(policy, format!("{}: a cookie table without rows", opts.label));
    }
    Some(added)
}

/// The text of a row that has exactly one distinct non-empty text.
fn single_text(row: &[Cell]) -> Option<String> {
    let mut texts = row.iter().map(|c| collapse(&c.text)).filter(|t| !t.is_empty());
    let first = texts.next()?;
    if texts.all(|t| t == first) && first.chars().count() <= 120 {
        Some(first)
    } else {
        None
    }
}

/// Words of a heading that introduces the cookie list as a whole rather than a category
/// ("Cookies and tracking technologies", "Cookie policy"): such a heading gives no category.
const GENERIC_HEADING: &[&str] = &[
    "technolog",
    "policy",
    "notice",
    "richtlinie",
    "politique",
    "política",
    "politica",
    "polityka",
    "informativa",
    "we use",
    "what are",
    "overview",
    "übersicht",
    "list of",
    "liste",
    "lista",
    "table",
];

/// The category of a row: its category cell, else a type cell that holds a category word
/// (not a storage kind), else the group row, the caption, the heading.
fn row_category(
    category_cell: Option<String>,
    type_cell: Option<&str>,
    group: Option<&str>,
    caption: Option<&str>,
    heading: Option<&str>,
) -> (DeclaredCategory, Option<String>) {
    if let Some(c) = category_cell {
        return (category_from_label(&c), Some(c));
    }
    if let Some(t) = type_cell {
        let l = t.to_lowercase();
        let kindish = kind_from_text(t).is_some() || l.contains("party") || l.contains("partie");
        let c = category_from_label(t);
        if !kindish && c != DeclaredCategory::Unknown {
            return (c, Some(t.to_string()));
        }
    }
    let heading = heading.filter(|h| {
        let l = h.to_lowercase();
        !GENERIC_HEADING.iter().any(|w| l.contains(w))
    });
    for label in [group, caption, heading].into_iter().flatten() {
        let c = category_from_label(label);
        if c != DeclaredCategory::Unknown {
            return (c, Some(label.to_string()));
        }
    }
    (DeclaredCategory::Unknown, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../shared/reference/declarations/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn testdata(name: &str) -> String {
        let path = format!("{}/src/policy/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn problems(p: &DeclaredPolicy) -> &[String] {
        &p.sources[0].problems
    }

    fn item<'a>(p: &'a DeclaredPolicy, name: &str) -> &'a DeclaredItem {
        p.items
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no item {name}"))
    }

    const DAY: u64 = 86_400;

    #[test]
    fn demo_shop_cookie_page() {
        use crate::demo::server::Request;
        let handler = crate::demo::site::handler();
        let resp = handler(&Request::new("GET", "www.brightbasket.example", "/cookies"));
        let html = String::from_utf8_lossy(resp.body_bytes());
        let p = from_html_tables(&html, "https://www.brightbasket.example/cookies");
        assert_eq!(p.sources[0].kind, "html-table");
        assert_eq!(p.sources[0].items, 4);
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        let names: Vec<&str> = p.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["bb_session", "bb_cart", "bb_theme", "_tp_id"]);
        let s = item(&p, "bb_session");
        assert_eq!((s.expiry_secs, s.session), (Some(0), Some(true)));
        assert_eq!(s.provider.as_deref(), Some("BrightBasket"));
        assert_eq!(item(&p, "bb_cart").expiry_secs, Some(30 * DAY));
        assert_eq!(item(&p, "bb_theme").expiry_secs, Some(365 * DAY));
        let tp = item(&p, "_tp_id");
        assert_eq!(tp.expiry_secs, Some(2 * 365 * DAY));
        assert_eq!(tp.session, Some(false));
        assert_eq!(tp.provider.as_deref(), Some("TagPulse"));
        assert_eq!(tp.purpose.as_deref(), Some("Anonymous visit statistics"));
        assert_eq!(tp.kind, ItemKind::Cookie);
        assert_eq!(tp.location.as_deref(), Some("table 1 row 5"));
    }

    #[test]
    fn onetrust_rendered_list_through_the_generic_path() {
        let p = from_html_tables(
            &fixture("onetrust_cookie_list_rendered_aramco_2024.html"),
            "aramco",
        );
        // 24 rows; one (www.facebook.com) has no names.
        assert_eq!(p.items.len(), 49);
        assert_eq!(problems(&p).len(), 1, "{:?}", problems(&p));
        assert!(problems(&p)[0].contains("no name"), "{:?}", problems(&p));
        let j = item(&p, "JSESSIONID");
        assert_eq!(j.category, DeclaredCategory::Necessary);
        assert_eq!(j.category_label.as_deref(), Some("Strictly Necessary Cookies"));
        assert_eq!(j.provider.as_deref(), Some("careers.aramco.com"));
        assert_eq!(j.session, Some(true));
        // Lifespans aligned by position with the names.
        let c = item(&p, "OptanonConsent");
        assert_eq!(c.expiry_secs, Some(364 * DAY));
        assert_eq!(item(&p, "ASPSESSIONID#").session, Some(true));
        assert_eq!(item(&p, "_gat_UA-*").expiry_secs, Some(60));
        assert_eq!(item(&p, "NSC_#").expiry_secs, Some(2_914_047 * DAY));
        let counts = p.category_counts();
        assert_eq!(counts.get(&DeclaredCategory::Necessary), Some(&8));
        assert_eq!(counts.get(&DeclaredCategory::Statistics), Some(&6));
        assert_eq!(counts.get(&DeclaredCategory::Preferences), Some(&8));
        assert_eq!(counts.get(&DeclaredCategory::Marketing), Some(&27));
        assert!(p.items.iter().all(|i| i.category != DeclaredCategory::Unknown));
    }

    #[test]
    fn cookiebot_rendered_declaration_through_the_generic_path() {
        let p = from_html_tables(
            &fixture("cookiebot_declaration_rendered_action_pl_2025_excerpt.html"),
            "action.com",
        );
        assert_eq!(p.items.len(), 25);
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        let cf = item(&p, "__cf_bm");
        assert_eq!(cf.count, 2);
        assert_eq!(cf.provider.as_deref(), Some("action.com, radar.cloudflare.com"));
        assert_eq!(cf.expiry_secs, Some(DAY));
        assert_eq!(cf.category, DeclaredCategory::Necessary);
        assert_eq!(
            cf.category_label.as_deref(),
            Some("Podstawowe pliki cookies (35)")
        );
        let ga = item(&p, "_ga_#");
        assert_eq!(ga.expiry_secs, Some(2 * 365 * DAY));
        assert_eq!(item(&p, "_wp_storage_test").kind, ItemKind::Storage);
        assert_eq!(item(&p, "_wp_storage_test").session, Some(false));
        assert_eq!(item(&p, "X-AB").category, DeclaredCategory::Statistics);
        assert_eq!(item(&p, "_fbp").category, DeclaredCategory::Marketing);
        let counts = p.category_counts();
        assert_eq!(counts.get(&DeclaredCategory::Necessary), Some(&7));
        assert_eq!(counts.get(&DeclaredCategory::Statistics), Some(&1));
        assert_eq!(counts.get(&DeclaredCategory::Marketing), Some(&19));
    }

    #[test]
    fn english_table_with_th_headers() {
        let p = from_html_tables(&testdata("tables_en.html"), "en");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        // 4 (analytics, th headers; one cell lists three names) + 2 (caption); price tables ignored.
        assert_eq!(p.items.len(), 6);
        let ga = item(&p, "_ga");
        assert_eq!(ga.category, DeclaredCategory::Statistics);
        assert_eq!(ga.category_label.as_deref(), Some("Analytics cookies"));
        assert_eq!(ga.provider.as_deref(), Some("Google"));
        assert_eq!(ga.expiry_secs, Some(2 * 365 * DAY));
        for n in ["_gid", "_gat_#", "_gac_*"] {
            let i = item(&p, n);
            assert_eq!(i.expiry_text.as_deref(), Some("24 hours"), "{n}");
            assert_eq!(i.expiry_secs, Some(DAY), "{n}");
        }
        let sess = item(&p, "sessionid");
        assert_eq!(sess.category, DeclaredCategory::Necessary);
        assert_eq!(sess.category_label.as_deref(), Some("Strictly necessary cookies"));
        let ls = item(&p, "cart_items");
        assert_eq!(ls.kind, ItemKind::Storage);
        assert_eq!(ls.session, Some(false));
        assert!(p.items.iter().all(|i| !i.name.contains("Plan")));
    }

    #[test]
    fn german_table_without_th_uses_the_first_row() {
        let p = from_html_tables(&testdata("tables_de.html"), "de");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.items.len(), 3);
        let s = item(&p, "PHPSESSID");
        assert_eq!((s.expiry_secs, s.session), (Some(0), Some(true)));
        assert_eq!(s.category, DeclaredCategory::Necessary);
        assert_eq!(s.category_label.as_deref(), Some("Notwendig"));
        let m = item(&p, "_pk_id.#");
        assert_eq!(m.category, DeclaredCategory::Statistics);
        assert_eq!(m.expiry_secs, Some(13 * 30 * DAY));
        assert_eq!(m.provider.as_deref(), Some("Matomo"));
        let w = item(&p, "werbe_id");
        assert_eq!(w.category, DeclaredCategory::Marketing);
        assert_eq!(w.expiry_secs, Some(365 * DAY));
    }

    #[test]
    fn french_table_with_caption_category() {
        let p = from_html_tables(&testdata("tables_fr.html"), "fr");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.items.len(), 2);
        let c = item(&p, "_fbp");
        assert_eq!(c.category, DeclaredCategory::Marketing);
        assert_eq!(c.category_label.as_deref(), Some("Cookies publicitaires"));
        assert_eq!(c.expiry_secs, Some(3 * 30 * DAY));
        assert_eq!(c.provider.as_deref(), Some("Meta"));
        assert_eq!(item(&p, "lang").expiry_secs, Some(365 * DAY));
    }

    #[test]
    fn spanish_table_with_category_column() {
        let p = from_html_tables(&testdata("tables_es.html"), "es");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.items.len(), 3);
        let a = item(&p, "_hjSessionUser_#");
        assert_eq!(a.category, DeclaredCategory::Statistics);
        assert_eq!(a.category_label.as_deref(), Some("Analíticas"));
        assert_eq!(a.expiry_secs, Some(365 * DAY));
        let t = item(&p, "cookie_tecnica");
        assert_eq!(t.category, DeclaredCategory::Necessary);
        assert_eq!((t.expiry_secs, t.session), (Some(0), Some(true)));
        let m = item(&p, "IDE");
        assert_eq!(m.category, DeclaredCategory::Marketing);
        assert_eq!(m.expiry_secs, Some(2 * 365 * DAY));
    }

    #[test]
    fn polish_table_with_group_rows_and_a_bad_row() {
        let p = from_html_tables(&testdata("tables_pl.html"), "pl");
        assert_eq!(p.items.len(), 3);
        assert_eq!(problems(&p).len(), 1, "{:?}", problems(&p));
        assert!(
            problems(&p)[0].starts_with("table 1 row 7: expected 4 cells, found 3"),
            "{:?}",
            problems(&p)
        );
        let s = item(&p, "sesja_id");
        assert_eq!(s.category, DeclaredCategory::Necessary);
        assert_eq!(s.category_label.as_deref(), Some("Niezbędne"));
        assert_eq!((s.expiry_secs, s.session), (Some(0), Some(true)));
        let a = item(&p, "_ga");
        assert_eq!(a.category, DeclaredCategory::Statistics);
        assert_eq!(a.expiry_secs, Some(2 * 365 * DAY));
        let m = item(&p, "_fbp");
        assert_eq!(m.category, DeclaredCategory::Marketing);
        assert_eq!(m.expiry_secs, None);
        assert_eq!(m.purpose.as_deref(), Some("Reklamy"));
        assert_eq!(m.provider, None);
    }

    #[test]
    fn non_cookie_and_malformed_inputs() {
        for (input, what) in [
            ("", "empty"),
            (
                "<table><tr><td>Product</td><td>Price</td></tr><tr><td>Tea</td><td>3</td></tr></table>",
                "prices",
            ),
            (
                "<table><tr><th>Name</th></tr><tr><td>x</td></tr></table>",
                "name only",
            ),
            ("\u{0}\u{1}\u{fffd}<<<>>>&&&;\u{7f}", "garbage"),
            ("<table><thead><tr><th>Cookie</th><th>Expiry", "truncated"),
        ] {
            let p = from_html_tables(input, "x");
            assert!(p.items.is_empty(), "{what}");
            assert_eq!(p.sources.len(), 1);
            let want = if what == "truncated" {
                "table 1: a cookie table without rows"
            } else {
                "no cookie table found"
            };
            assert!(
                problems(&p).first().is_some_and(|m| m.starts_with(want)),
                "{what}: {:?}",
                problems(&p)
            );
        }
        let bytes: Vec<u8> = (0..50_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let p = from_html_tables(&String::from_utf8_lossy(&bytes), "x");
        assert!(p.items.is_empty());
        // Deep nesting: no stack overflow, and the parser's quadratic work is bounded.
        let table = "<table><tr><th>Cookie</th><th>Expiry</th></tr><tr><td>a</td><td>1 day</td></tr></table>";
        let deep = format!("{}{table}", "<div>".repeat(3_000));
        let p = from_html_tables(&deep, "deep");
        assert_eq!(p.items.len(), 1);
        assert!(!html_to_text(&deep).is_empty());
        let deeper = format!("{table}{}{table}", "<div><span>x".repeat(200_000));
        let t = std::time::Instant::now();
        let p = from_html_tables(&deeper, "deeper");
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
        assert_eq!(p.items.len(), 1);
        assert!(
            problems(&p)[0].starts_with("elements nest deeper than 4000 levels; only the first 24087 bytes"),
            "{:?}",
            problems(&p)
        );
        // Sloppy but flat markup is not mistaken for nesting.
        assert_eq!(
            too_deep_at(&"<p>x<li>y<br><img src=a><script>'<div>'</script>".repeat(10_000)),
            None
        );
    }

    #[test]
    fn title_row_above_the_header_and_generic_headings() {
        let html = "<h2>Cookies and tracking technologies</h2>\
            <table><tr><th colspan=\"3\">Functional cookies</th></tr>\
            <tr><th>Name</th><th>Purpose</th><th>Expiry</th></tr>\
            <tr><td>pref_lang</td><td>Language</td><td>1 year</td></tr></table>\
            <table><tr><th>Name</th><th>Expiry</th></tr><tr><td>visitor</td><td>1 day</td></tr></table>";
        let p = from_html_tables(html, "x");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        let f = item(&p, "pref_lang");
        assert_eq!(f.category, DeclaredCategory::Preferences);
        assert_eq!(f.category_label.as_deref(), Some("Functional cookies"));
        assert_eq!(f.location.as_deref(), Some("table 1 row 3"));
        // "tracking" in a heading about the whole list is not a category.
        let v = item(&p, "visitor");
        assert_eq!(
            (v.category, v.category_label.as_deref()),
            (DeclaredCategory::Unknown, None)
        );
    }

    #[test]
    fn header_words() {
        use Column::*;
        for (h, want) in [
            ("Name", Some(Name)),
            ("Cookie name", Some(Name)),
            ("Nom du cookie", Some(Name)),
            ("Nazwa", Some(Name)),
            ("Bezeichnung", Some(Name)),
            ("Cookies", Some(Name)),
            ("Cookie duration", Some(Duration)),
            ("Maksymalny okres przechowywania", Some(Duration)),
            ("Speicherdauer", Some(Duration)),
            ("Durée de conservation", Some(Duration)),
            ("Caducidad", Some(Duration)),
            ("Scadenza", Some(Duration)),
            ("Bewaartermijn", Some(Duration)),
            ("Expires", Some(Duration)),
            ("Domain name", Some(Provider)),
            ("Anbieter", Some(Provider)),
            ("Dostawca", Some(Provider)),
            ("Cookie Subgroup", Some(Provider)),
            ("Cookies used", Some(Type)),
            ("Rodzaj", Some(Type)),
            ("Typ", Some(Type)),
            ("Catégorie", Some(Category)),
            ("Kategorie", Some(Category)),
            ("Cel", Some(Purpose)),
            ("Finalidad", Some(Purpose)),
            ("Zweck", Some(Purpose)),
            ("Price", None),
            ("Product", None),
        ] {
            assert_eq!(classify_header(h), want, "{h}");
        }
    }

    #[test]
    fn name_normalisation() {
        for (raw, want) in [
            ("_ga", "_ga"),
            ("_ga_#", "_ga_#"),
            ("ASPSESSIONIDXXXXXXXX", "ASPSESSIONID#"),
            ("_gclxxxx", "_gcl#"),
            ("_gd#############", "_gd#"),
            ("_gat_UA-", "_gat_UA-*"),
            ("SESS*", "SESS*"),
            ("wp-settings-*", "wp-settings-*"),
            ("*_session", "#_session"),
            ("_ga_<container-id>", "_ga_#"),
            ("mp_{token}_mixpanel", "mp_#_mixpanel"),
            ("/^_pk_.*$/", "/^_pk_.*$/"),
            ("/^_ga/", "/(?:^_ga).*/"),
            ("/^[a-f0-9]{32}$/i", "/(?i)^[a-f0-9]{32}$/"),
            ("  \"lang\" ", "lang"),
            ("_hjSession...", "_hjSession*"),
        ] {
            assert_eq!(normalise_name(raw), want, "{raw}");
            assert!(NamePattern::parse(&normalise_name(raw)).is_ok(), "{raw}");
        }
        assert_eq!(split_names("__cf_bm [x2] "), vec![("__cf_bm".to_string(), 2)]);
        assert_eq!(
            split_names("a, b;\nc"),
            vec![("a".into(), 1), ("b".into(), 1), ("c".into(), 1)]
        );
        assert_eq!(split_names("/^x{1,3}$/"), vec![("/^x{1,3}$/".into(), 1)]);
    }

    #[test]
    fn more_expiry_texts() {
        for (t, want) in [
            ("Sesja", (Some(0), Some(true))),
            ("un an", (Some(365 * DAY), Some(false))),
            ("ein Jahr", (Some(365 * DAY), Some(false))),
            ("30d", (Some(30 * DAY), Some(false))),
            ("1y", (Some(365 * DAY), Some(false))),
            ("2 yrs", (Some(2 * 365 * DAY), Some(false))),
            ("Persistant", (None, Some(false))),
            ("13 mois", (Some(13 * 30 * DAY), Some(false))),
            ("2 años", (Some(2 * 365 * DAY), Some(false))),
            ("365", (None, None)),
        ] {
            assert_eq!(expiry(t), want, "{t}");
        }
    }

    #[test]
    fn visible_text() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <h1>Cookie   policy</h1><script>var x = 1;</script><p>We use\n  cookies.<br>Really.</p>\
            <noscript>Enable JS</noscript><template><p>hidden</p></template>\
            <table><tr><th>Name</th><th>Expiry</th></tr><tr><td>_ga</td><td>2 years</td></tr></table>\
            <ul><li>one</li><li>two <b>bold</b></li></ul></body></html>";
        assert_eq!(
            html_to_text(html),
            "Cookie policy\nWe use cookies.\nReally.\nName\tExpiry\n_ga\t2 years\none\ntwo bold"
        );
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn extra_category_labels() {
        for (l, want) in [
            ("Podstawowe pliki cookies (35)", DeclaredCategory::Necessary),
            ("Analityczne pliki cookies (21)", DeclaredCategory::Statistics),
            ("Werbe-Cookies", DeclaredCategory::Marketing),
            ("Niesklasyfikowane", DeclaredCategory::Unclassified),
            ("Cookies we use", DeclaredCategory::Unknown),
        ] {
            assert_eq!(category_from_label(l), want, "{l}");
        }
    }
}
