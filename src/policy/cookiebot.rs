//! Cookiebot declarations, in the four shapes crumbs meets them:
//!
//! * [`from_ccjs`] — the data statements of Cookiebot's `cc.js`
//!   (`CookieConsentDialog.cookieTable{Necessary,Preference,Statistics,Advertising,Unclassified}
//!   = [[…],…];`, `…Count = N;`,
//!   `CookieConsentDialog.privacyPolicies = [[domain, company, url],…];`).
//!   The arrays are JavaScript literals, not JSON: `\'` becomes `'`, the JSON escapes are
//!   decoded, and any other `\X` is kept as a backslash and X (the regex column holds `\d`).
//!   [`ccjs_whitelist`] reads `CookieConsent.whitelist` (names allowed before consent).
//! * [`from_dialog_json`] — the same tables read in the page
//!   (`JSON.stringify({necessary: Cookiebot.dialog.cookieTableNecessary, preference: …,
//!   statistics: …, advertising: …, unclassified: …})`).
//! * [`from_declaration_html`] — the rendered Cookie Declaration (`div.CookieDeclaration`,
//!   one `div.CookieDeclarationType` per category, `table.CookieDeclarationTable` rows of five
//!   cells Name / Provider / Purpose / Expiry / Type, localised).
//! * [`from_declaration_text`] — the same declaration flattened to text by a page-text dump
//!   (cells glued without separators); [`detect_cookiebot_text`] says whether a text holds one.
//!
//! A table row is `[name, providers joined by <br/>, purpose ("Pending" when Cookiebot has
//! none), expiry text, type label HTTP/HTML/Pixel, type id "1"/"2"/"5", name regex or "",
//! hosts where seen joined by <br/>]`. Each row gives one [`DeclaredItem`] whose `count` is the
//! number of providers (the rendered `[xN]`), so that Σ count per category is Cookiebot's own
//! `cookieTable<Cat>Count` and the "Necessary (6)" header. Choices:
//!
//! * **Names.** The name is kept as declared, `#` placeholders included (`_ga_#`, `SESS#`).
//!   When the name has no `#`, the item is a cookie or storage key, and the regex column
//!   says more than the name itself (`_gat` with `^_gat(_.+)*$`, `PHPSESSID` with
//!   `^PHPSESSID.*$`), the regex is stored as the name (`/^_gat(_.+)*$/`) and the declared
//!   name is noted in `location`. Pixel names are URL paths and are kept as declared.
//! * **Purpose.** "Pending" (and its translations) means Cookiebot has no purpose text:
//!   `purpose` is then `None`; the category still comes from the table the row is in.
//! * **Providers.** Several providers are joined with `", "` in `provider`; the flattened
//!   text keeps them as it shows them, separated by spaces (company names have spaces too).
//! * **Categories** come from the table (`Advertising` → marketing). In the rendered
//!   declaration the section header is localised: it is mapped with
//!   [`super::tables::category_from_label`] (the shared localised vocabulary); a
//!   header still not recognised gets its category from its position in Cookiebot's fixed
//!   order Necessary / Preferences / Statistics / Marketing / Unclassified (empty categories
//!   are left out), and only when that position is certain — the recognised neighbours
//!   leave one possibility — *and* every section's header count equals the Σ count of its
//!   rows (so no section is missing or cut). Otherwise it stays `unknown`, with a problem.
//!
//! The flattened text has no cell separators (`__cfruid [x5]Codepen Cloudinary ZendeskThis
//! cookie is … SessionHTTP__cf_bm [x7]…`). It is read by anchors: every row ends with an
//! expiry (`Session`, `Persistent`, `<n> <unit>`) glued to the type (`HTTP`, `HTML`,
//! `Pixel`), and the next row's name follows at once (a space after the type ends the
//! section). In a row, the purpose starts at the first capitalised word glued to the text
//! before it and followed by a lower-case word (or the lone word `Pending`). What is left
//! is the name, its `[xN]`, and the providers; when name and provider are glued the split
//! uses, in order: a pixel path's file extension (`….gif`), the providers the same text
//! spells out in its `[xN]` rows and a few camel-case company names (`LinkedIn`,
//! `YouTube`), a domain split scored by registrable domains attested elsewhere (another
//! row, the `[xN]` providers, the signature database), common sub-domain labels (`cdn`)
//! and common name endings (`_id`, `sid`), and finally the last capitalised word
//! (`_ce.cchCrazyegg`). The category of each section comes from the "Necessary (36)
//! Preferences (10) …" headers (in order, empty ones skipped) or from the header or
//! description just before its table, and Σ count is checked against the header count.
//! Only English flattened declarations are read (the anchors and the table header are
//! English); at most 5000 rows are read from a text.

use std::collections::{HashMap, HashSet};

use regex::Regex;
use scraper::{ElementRef, Html, Node};
use serde_json::Value;

use super::model::{DeclaredCategory, DeclaredItem, DeclaredPolicy, DeclaredVendor, ItemKind, PolicySource};
use crate::signatures::pattern::NamePattern;

/// Inputs larger than this are not read.
const MAX_INPUT: usize = super::MAX_DOCUMENT_BYTES;
/// At most this many problems are listed per source.
const MAX_PROBLEMS: usize = 200;
/// At most this many rows are read per source.
const MAX_ROWS: usize = 50_000;
/// A flattened row longer than this is not a row.
const MAX_ROW_CHARS: usize = 4000;
/// At most this many rows are read from a flattened text (the name/provider split is the
/// costly part; real declarations have a few hundred rows).
const MAX_TEXT_ROWS: usize = 5000;
/// At most this many provider words are remembered from a flattened text.
const MAX_VOCAB: usize = 2000;
/// A host-like ending longer than this is only considered for its last characters.
const MAX_HOST_CHARS: usize = 128;
/// Nesting limit of the JavaScript literal reader.
const MAX_DEPTH: usize = 16;

// ---------------------------------------------------------------------------------------------
// Output

/// What one extractor run collects.
struct Out {
    source: PolicySource,
    items: Vec<DeclaredItem>,
    vendors: Vec<DeclaredVendor>,
    /// Names already checked with [`NamePattern::parse`] (regexes are costly to compile).
    patterns: HashMap<String, Result<(), String>>,
}

impl Out {
    fn new(kind: &str, location: &str) -> Out {
        Out {
            source: PolicySource {
                kind: kind.to_string(),
                location: location.to_string(),
                items: 0,
                vendors: 0,
                statements: 0,
                problems: Vec::new(),
            },
            items: Vec::new(),
            vendors: Vec::new(),
            patterns: HashMap::new(),
        }
    }

    /// Whether `name` compiles as a crumbs name pattern (the error in words if not).
    fn pattern(&mut self, name: &str) -> Result<(), String> {
        if let Some(r) = self.patterns.get(name) {
            return r.clone();
        }
        let r = NamePattern::parse(name).map(|_| ()).map_err(|e| e.to_string());
        if self.patterns.len() < 10_000 {
            self.patterns.insert(name.to_string(), r.clone());
        }
        r
    }

    fn problem(&mut self, p: impl Into<String>) {
        self.source.add_problem(p.into(), MAX_PROBLEMS);
    }

    /// Refuses inputs over the size limit.
    fn too_big(&mut self, len: usize) -> bool {
        if len > MAX_INPUT {
            self.problem(format!(
                "input of {len} bytes is larger than {} MB; not read",
                MAX_INPUT >> 20
            ));
            return true;
        }
        false
    }

    fn push_item(&mut self, item: DeclaredItem) -> bool {
        if self.items.len() >= MAX_ROWS {
            if self.items.len() == MAX_ROWS {
                self.problem(format!("more than {MAX_ROWS} rows; the rest is not read"));
            }
            return false;
        }
        self.items.push(item);
        true
    }

    fn finish(mut self) -> DeclaredPolicy {
        self.source.items = self.items.len();
        self.source.vendors = self.vendors.len();
        let found = !self.items.is_empty() || !self.vendors.is_empty();
        DeclaredPolicy {
            consent_manager: found.then(|| "cookiebot".to_string()),
            sources: vec![self.source],
            items: self.items,
            vendors: self.vendors,
            ..Default::default()
        }
    }
}

/// A new item with the fields every reader fills.
fn new_item(name: String, kind: ItemKind, category: DeclaredCategory) -> DeclaredItem {
    DeclaredItem {
        name,
        kind,
        provider: None,
        category,
        category_label: None,
        purpose: None,
        expiry_text: None,
        expiry_secs: None,
        session: None,
        count: 1,
        source: 0,
        location: None,
    }
}

/// Sets the expiry fields from an expiry text.
fn set_expiry(item: &mut DeclaredItem, text: &str) {
    let text = normalize_ws(text);
    if text.is_empty() {
        return;
    }
    let (secs, session) = super::tables::expiry(&text);
    item.expiry_text = Some(text);
    item.expiry_secs = secs;
    item.session = session;
}

/// Whitespace runs to one space, trimmed.
fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Pending" in the languages Cookiebot speaks: the row has no purpose text.
fn is_pending(purpose: &str) -> bool {
    let p = purpose.trim().trim_end_matches('.').to_lowercase();
    [
        "pending",
        "w oczekiwaniu",
        "ausstehend",
        "en attente",
        "pendiente",
        "in attesa",
        "in afwachting",
        "afventer",
        "väntande",
        "venter",
        "odottaa",
        "pendente",
    ]
    .contains(&p.as_str())
}

/// The purpose text, or `None` when empty or "Pending".
fn purpose_of(text: &str) -> Option<String> {
    let p = normalize_ws(text);
    (!p.is_empty() && !is_pending(&p)).then_some(p)
}

/// Cookiebot's fixed category order.
const ORDER: [DeclaredCategory; 5] = [
    DeclaredCategory::Necessary,
    DeclaredCategory::Preferences,
    DeclaredCategory::Statistics,
    DeclaredCategory::Marketing,
    DeclaredCategory::Unclassified,
];

/// Fills the unknown categories of sections listed in Cookiebot's fixed order, where the
/// recognised neighbours leave exactly one possibility. `None` when the recognised
/// categories are not in that order.
fn infer_by_position(known: &[Option<DeclaredCategory>]) -> Option<Vec<Option<DeclaredCategory>>> {
    let idx = |c: DeclaredCategory| ORDER.iter().position(|o| *o == c).map(|i| i as i64);
    let m = known.len() as i64;
    if m == 0 || m > 5 {
        return None;
    }
    let mut last = -1;
    for c in known.iter().flatten() {
        let i = idx(*c)?;
        if i <= last {
            return None;
        }
        last = i;
    }
    let mut out = Vec::with_capacity(known.len());
    for (p, k) in known.iter().enumerate() {
        if let Some(c) = k {
            out.push(Some(*c));
            continue;
        }
        let p = p as i64;
        let (pp, pi) = known
            .iter()
            .enumerate()
            .take(p as usize)
            .rev()
            .find_map(|(q, c)| c.and_then(idx).map(|i| (q as i64, i)))
            .unwrap_or((-1, -1));
        let (np, ni) = known
            .iter()
            .enumerate()
            .skip(p as usize + 1)
            .find_map(|(q, c)| c.and_then(idx).map(|i| (q as i64, i)))
            .unwrap_or((m, 5));
        let lo = pi + (p - pp);
        let hi = ni - (np - p);
        out.push(if lo == hi && (0..5).contains(&lo) {
            ORDER.get(lo as usize).copied()
        } else {
            None
        });
    }
    Some(out)
}

/// The signature id of a vendor, by domain first, then by name or alias.
fn resolve_vendor(domain: Option<&str>, name: Option<&str>) -> Option<String> {
    let index = crate::signatures::builtin_index().ok()?;
    if let Some(d) = domain {
        let d = d.trim().trim_start_matches('.').to_ascii_lowercase();
        if !d.is_empty()
            && let Some(m) = index.match_host(&d)
        {
            return Some(m.vendor.id.clone());
        }
    }
    let n = name?.trim().to_lowercase();
    if n.is_empty() {
        return None;
    }
    index
        .vendors()
        .iter()
        .find(|v| v.name.to_lowercase() == n || v.aliases.iter().any(|a| a.to_lowercase() == n))
        .map(|v| v.id.clone())
}

/// Records a problem when a name does not compile as a crumbs name pattern.
fn check_name(out: &mut Out, name: &str, whence: &str) {
    if let Err(e) = out.pattern(name) {
        out.problem(format!("{whence}: name {name:?} is not a usable pattern ({e})"));
    }
}

// ---------------------------------------------------------------------------------------------
// cc.js and the in-page dialog object

/// The five Cookiebot tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Necessary,
    Preference,
    Statistics,
    Advertising,
    Unclassified,
}

impl Table {
    fn from_name(s: &str) -> Option<Table> {
        match s {
            "Necessary" => Some(Table::Necessary),
            "Preference" => Some(Table::Preference),
            "Statistics" => Some(Table::Statistics),
            "Advertising" => Some(Table::Advertising),
            "Unclassified" => Some(Table::Unclassified),
            _ => None,
        }
    }

    /// The dialog object's key (`necessary`, `preference`, …), with a few aliases.
    fn from_key(key: &str) -> Option<Table> {
        let k = key.to_ascii_lowercase();
        let k = k.strip_prefix("cookietable").unwrap_or(&k);
        match k {
            "necessary" => Some(Table::Necessary),
            "preference" | "preferences" => Some(Table::Preference),
            "statistics" | "statistic" => Some(Table::Statistics),
            "advertising" | "marketing" => Some(Table::Advertising),
            "unclassified" => Some(Table::Unclassified),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Table::Necessary => "Necessary",
            Table::Preference => "Preference",
            Table::Statistics => "Statistics",
            Table::Advertising => "Advertising",
            Table::Unclassified => "Unclassified",
        }
    }

    fn category(self) -> DeclaredCategory {
        match self {
            Table::Necessary => DeclaredCategory::Necessary,
            Table::Preference => DeclaredCategory::Preferences,
            Table::Statistics => DeclaredCategory::Statistics,
            Table::Advertising => DeclaredCategory::Marketing,
            Table::Unclassified => DeclaredCategory::Unclassified,
        }
    }
}

/// A value of a JavaScript array literal.
#[derive(Debug, Clone, PartialEq)]
enum JsVal {
    Str(String),
    Arr(Vec<JsVal>),
    /// A bare token: a number, `null`, `true`, …
    Other(String),
}

impl JsVal {
    /// As a table cell.
    fn cell(&self) -> String {
        match self {
            JsVal::Str(s) => s.clone(),
            JsVal::Other(t) if t == "null" || t == "undefined" => String::new(),
            JsVal::Other(t) => t.clone(),
            JsVal::Arr(_) => String::new(),
        }
    }
}

/// Reads a JavaScript array/string literal at the start of `s` (after whitespace).
struct JsReader<'a> {
    s: &'a str,
    pos: usize,
    /// Some array had more than [`MAX_ROWS`] elements; the rest were read and dropped.
    truncated: bool,
}

impl<'a> JsReader<'a> {
    fn new(s: &'a str) -> JsReader<'a> {
        JsReader {
            s,
            pos: 0,
            truncated: false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsVal, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} at byte {}", self.pos));
        }
        self.skip_ws();
        match self.peek() {
            None => Err("input ends where a value was expected".to_string()),
            Some('[') => self.array(depth),
            Some(q @ ('"' | '\'')) => {
                self.bump();
                self.string(q).map(JsVal::Str)
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c != ',' && c != ']' && c != ';' && !c.is_whitespace())
                {
                    self.bump();
                }
                let tok = self.s.get(start..self.pos).unwrap_or("");
                if tok.is_empty() {
                    return Err(format!("unexpected character at byte {start}"));
                }
                Ok(JsVal::Other(tok.to_string()))
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsVal, String> {
        self.bump(); // '['
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err("array not closed".to_string()),
                Some(']') => {
                    self.bump();
                    return Ok(JsVal::Arr(items));
                }
                Some(_) => {}
            }
            let v = self.value(depth + 1)?;
            if items.len() < MAX_ROWS {
                items.push(v);
            } else {
                self.truncated = true;
            }
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some(']') => return Ok(JsVal::Arr(items)),
                Some(c) => {
                    return Err(format!(
                        "expected ',' or ']' at byte {}, found {c:?}",
                        self.pos - c.len_utf8()
                    ));
                }
                None => return Err("array not closed".to_string()),
            }
        }
    }

    fn hex(&mut self, n: usize) -> Option<u32> {
        let digits = self.s.get(self.pos..self.pos + n)?;
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(digits, 16).ok()?;
        self.pos += n;
        Some(v)
    }

    /// The rest of a string literal opened by `q`.
    fn string(&mut self, q: char) -> Result<String, String> {
        let start = self.pos;
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(format!("string starting at byte {start} is not closed"));
            };
            if c == q {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.bump() else {
                return Err(format!("string starting at byte {start} is not closed"));
            };
            match e {
                '\'' | '"' | '\\' | '/' => out.push(e),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '\n' => {}
                'u' => match self.hex(4) {
                    Some(hi) if (0xD800..0xDC00).contains(&hi) => {
                        let save = self.pos;
                        let lo = if self.s.get(self.pos..).is_some_and(|r| r.starts_with("\\u")) {
                            self.pos += 2;
                            self.hex(4).filter(|lo| (0xDC00..0xE000).contains(lo))
                        } else {
                            None
                        };
                        match lo {
                            Some(lo) => {
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            }
                            None => {
                                self.pos = save;
                                out.push('\u{FFFD}');
                            }
                        }
                    }
                    Some(v) => out.push(char::from_u32(v).unwrap_or('\u{FFFD}')),
                    None => out.push_str("\\u"),
                },
                'x' => match self.hex(2) {
                    Some(v) => out.push(char::from_u32(v).unwrap_or('\u{FFFD}')),
                    None => out.push_str("\\x"),
                },
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }
}

/// Reads the array literal assigned by the first statement matching `re` (whose match
/// ends right after the `=`).
/// Also says whether an array was cut at [`MAX_ROWS`] elements.
fn ccjs_array(text: &str, at: usize) -> Result<(Vec<JsVal>, bool), String> {
    let rest = text.get(at..).unwrap_or("");
    let mut r = JsReader::new(rest);
    r.skip_ws();
    if r.peek() != Some('[') {
        return Err("the value is not an array literal".to_string());
    }
    match r.value(0)? {
        JsVal::Arr(v) => Ok((v, r.truncated)),
        _ => Err("the value is not an array literal".to_string()),
    }
}

/// Splits a `<br/>`-joined cell.
fn split_br(s: &str) -> Vec<String> {
    let parts: Vec<String> = match regex!(r"(?i)<br\s*/?>") {
        Some(re) => re.split(s).map(normalize_ws).filter(|p| !p.is_empty()).collect(),
        None => vec![normalize_ws(s)],
    };
    parts
}

/// Whether a regex says no more than the literal name (`^name$`).
fn regex_is_trivial(regex: &str, name: &str) -> bool {
    let inner = regex.strip_prefix('^').unwrap_or(regex);
    let inner = inner.strip_suffix('$').unwrap_or(inner);
    inner == name || inner == regex::escape(name)
}

/// One 8-field row of a Cookiebot table → an item.
fn table_row(out: &mut Out, fields: &[String], table: Table, idx: usize, whence: &str) {
    let at = format!("{whence}[{idx}]");
    if fields.len() != 8 {
        out.problem(format!("{at}: expected 8 fields, found {}", fields.len()));
    }
    let cell = |i: usize| fields.get(i).map(|s| s.trim()).unwrap_or("");
    let declared = normalize_ws(cell(0));
    if declared.is_empty() {
        out.problem(format!("{at}: no name; row skipped"));
        return;
    }
    let type_id = cell(5);
    let type_label = cell(4).to_ascii_lowercase();
    let kind = match type_id {
        "1" => ItemKind::Cookie,
        "2" => ItemKind::Storage,
        "5" => ItemKind::Pixel,
        _ if type_label.contains("pixel") => ItemKind::Pixel,
        _ if type_label.contains("html") || type_label.contains("storage") || type_label.contains("idb") => {
            ItemKind::Storage
        }
        _ if type_label.contains("http") || type_label.contains("cookie") => ItemKind::Cookie,
        // A short row was reported above.
        _ if fields.len() < 6 => ItemKind::Cookie,
        _ => {
            out.problem(format!(
                "{at}: unknown type {:?} / {type_id:?}; read as a cookie",
                cell(4)
            ));
            ItemKind::Cookie
        }
    };
    let regex = cell(6);
    let mut location = at.clone();
    let mut name = declared.clone();
    if kind != ItemKind::Pixel
        && !declared.contains('#')
        && !regex.is_empty()
        && !regex_is_trivial(regex, &declared)
    {
        let pattern = format!("/{regex}/");
        match out.pattern(&pattern) {
            Ok(_) => {
                location = format!("{at} (declared as {declared})");
                name = pattern;
            }
            Err(e) => out.problem(format!(
                "{at}: regex {regex:?} of {declared:?} not usable ({e}); name kept"
            )),
        }
    }
    check_name(out, &name, &at);
    let providers = split_br(cell(1));
    let mut item = new_item(name, kind, table.category());
    item.count = providers.len().clamp(1, u32::MAX as usize) as u32;
    item.provider = (!providers.is_empty()).then(|| providers.join(", "));
    item.category_label = Some(table.label().to_string());
    item.purpose = purpose_of(cell(2));
    set_expiry(&mut item, cell(3));
    item.location = Some(location);
    out.push_item(item);
}

/// Reads the data statements of Cookiebot's `cc.js` (see the module documentation).
pub fn from_ccjs(text: &str, location: &str) -> DeclaredPolicy {
    let mut out = Out::new("cookiebot-ccjs", location);
    if out.too_big(text.len()) {
        return out.finish();
    }
    let (Some(table_re), Some(count_re)) = (
        regex!(
            r"CookieConsentDialog\.cookieTable(Necessary|Preference|Statistics|Advertising|Unclassified)\s*=\s*"
        ),
        regex!(
            r"CookieConsentDialog\.cookieTable(Necessary|Preference|Statistics|Advertising|Unclassified)Count\s*=\s*(\d{1,9})"
        ),
    ) else {
        out.problem("internal: pattern did not compile");
        return out.finish();
    };
    let mut seen: Vec<Table> = Vec::new();
    let mut sums: HashMap<&'static str, u64> = HashMap::new();
    for caps in table_re.captures_iter(text) {
        let (Some(whole), Some(t)) = (
            caps.get(0),
            caps.get(1).and_then(|m| Table::from_name(m.as_str())),
        ) else {
            continue;
        };
        let whence = format!("cookieTable{}", t.label());
        if seen.contains(&t) {
            out.problem(format!(
                "{whence} is assigned more than once; only the first is read"
            ));
            continue;
        }
        seen.push(t);
        let rows = match ccjs_array(text, whole.end()) {
            Ok((rows, truncated)) => {
                if truncated {
                    out.problem(format!(
                        "{whence}: more than {MAX_ROWS} elements; the rest is not read"
                    ));
                }
                rows
            }
            Err(e) => {
                out.problem(format!("{whence}: {e}"));
                continue;
            }
        };
        let before = out.items.len();
        for (i, row) in rows.iter().enumerate() {
            match row {
                JsVal::Arr(cells) => {
                    let fields: Vec<String> = cells.iter().map(JsVal::cell).collect();
                    table_row(&mut out, &fields, t, i, &whence);
                }
                _ => out.problem(format!("{whence}[{i}]: not an array; skipped")),
            }
        }
        let sum: u64 = out
            .items
            .get(before..)
            .unwrap_or(&[])
            .iter()
            .map(|i| u64::from(i.count))
            .sum();
        sums.insert(t.label(), sum);
    }
    if seen.is_empty() {
        out.problem("no CookieConsentDialog.cookieTable… statement found");
    }
    for caps in count_re.captures_iter(text) {
        let (Some(t), Some(n)) = (
            caps.get(1).and_then(|m| Table::from_name(m.as_str())),
            caps.get(2).and_then(|m| m.as_str().parse::<u64>().ok()),
        ) else {
            continue;
        };
        if let Some(sum) = sums.get(t.label())
            && *sum != n
        {
            out.problem(format!(
                "cookieTable{}Count says {n}, the rows count {sum}",
                t.label()
            ));
        }
    }
    if let Some(re) = regex!(r"CookieConsentDialog\.privacyPolicies\s*=\s*")
        && let Some(m) = re.find(text)
    {
        match ccjs_array(text, m.end()) {
            Ok((rows, _)) => {
                for (i, row) in rows.iter().enumerate() {
                    let JsVal::Arr(cells) = row else {
                        out.problem(format!("privacyPolicies[{i}]: not an array; skipped"));
                        continue;
                    };
                    let cell = |k: usize| cells.get(k).map(|v| normalize_ws(&v.cell())).unwrap_or_default();
                    let (domain, company) = (cell(0), cell(1));
                    if domain.is_empty() && company.is_empty() {
                        out.problem(format!("privacyPolicies[{i}]: empty; skipped"));
                        continue;
                    }
                    let name = if company.is_empty() {
                        domain.clone()
                    } else {
                        company.clone()
                    };
                    let vendor = resolve_vendor(Some(&domain), Some(&company));
                    out.vendors.push(DeclaredVendor {
                        name,
                        vendor,
                        source: 0,
                        quote: (!domain.is_empty()).then_some(domain),
                    });
                }
            }
            Err(e) => out.problem(format!("privacyPolicies: {e}")),
        }
    }
    out.finish()
}

/// The names of `CookieConsent.whitelist` in a `cc.js` (allowed before consent); empty
/// when absent or unreadable.
pub fn ccjs_whitelist(text: &str) -> Vec<String> {
    if text.len() > MAX_INPUT {
        return Vec::new();
    }
    let Some(m) = regex!(r"CookieConsent\.whitelist\s*=\s*").and_then(|re| re.find(text)) else {
        return Vec::new();
    };
    match ccjs_array(text, m.end()) {
        Ok((v, _)) => v
            .iter()
            .filter_map(|x| match x {
                JsVal::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => None,
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Reads the tables as serialised in the page:
/// `JSON.stringify({necessary: Cookiebot.dialog.cookieTableNecessary, preference: …,
/// statistics: …, advertising: …, unclassified: …})` (rows of 8 strings).
pub fn from_dialog_json(json: &str, location: &str) -> DeclaredPolicy {
    let mut out = Out::new("cookiebot-dialog", location);
    if out.too_big(json.len()) {
        return out.finish();
    }
    let value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            out.problem(format!("not JSON: {e}"));
            return out.finish();
        }
    };
    let Some(obj) = value.as_object() else {
        out.problem(
            "expected an object with the keys necessary, preference, statistics, advertising, unclassified",
        );
        return out.finish();
    };
    for (key, rows) in obj {
        let Some(t) = Table::from_key(key) else {
            out.problem(format!("unknown key {key:?} ignored"));
            continue;
        };
        if rows.is_null() {
            continue;
        }
        let Some(rows) = rows.as_array() else {
            out.problem(format!("{key}: not an array"));
            continue;
        };
        for (i, row) in rows.iter().enumerate() {
            let Some(cells) = row.as_array() else {
                out.problem(format!("{key}[{i}]: not an array; skipped"));
                continue;
            };
            let fields: Vec<String> = cells
                .iter()
                .map(|c| match c {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                })
                .collect();
            table_row(&mut out, &fields, t, i, key);
        }
    }
    out.finish()
}

// ---------------------------------------------------------------------------------------------
// The rendered declaration (HTML)

/// A section's header "Necessary (6)" → ("Necessary", Some(6)).
fn split_header(text: &str) -> (String, Option<u32>) {
    let t = normalize_ws(text);
    if let Some(c) = regex!(r"^(.*?)\s*\((\d{1,9})\)$").and_then(|re| re.captures(&t)) {
        let label = c.get(1).map(|m| m.as_str().to_string()).unwrap_or_default();
        return (label, c.get(2).and_then(|m| m.as_str().parse().ok()));
    }
    (t, None)
}

/// A cell's text, split at `<br>`, whitespace-normalised.
fn cell_lines(el: ElementRef<'_>) -> Vec<String> {
    let mut lines = vec![String::new()];
    for node in el.descendants() {
        match node.value() {
            Node::Text(t) => {
                if let Some(l) = lines.last_mut() {
                    l.push_str(t);
                }
            }
            Node::Element(e) if e.name() == "br" => lines.push(String::new()),
            _ => {}
        }
    }
    lines
        .iter()
        .map(|l| normalize_ws(l))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The kind of a localised type cell ("HTTP Cookie", "Lokalny magazyn HTML", …).
fn kind_of_label(label: &str) -> Option<ItemKind> {
    let l = label.to_lowercase();
    if l.contains("pixel") || l.contains("piksel") || l.contains("píxel") {
        Some(ItemKind::Pixel)
    } else if l.contains("html") || l.contains("storage") || l.contains("indexeddb") || l.contains("idb") {
        Some(ItemKind::Storage)
    } else if l.contains("http") || l.contains("cookie") {
        Some(ItemKind::Cookie)
    } else {
        None
    }
}

/// `name [xN]` → (name, N).
fn split_multiplicity(name: &str) -> (String, u32) {
    let t = normalize_ws(name);
    if let Some(c) = regex!(r"^(.*?)\s*\[x(\d{1,6})\]$").and_then(|re| re.captures(&t)) {
        let n = c
            .get(2)
            .and_then(|m| m.as_str().parse::<u32>().ok())
            .unwrap_or(1)
            .max(1);
        return (c.get(1).map(|m| m.as_str().to_string()).unwrap_or_default(), n);
    }
    (t, 1)
}

/// A section of a declaration: its header and the items read from it.
struct Section {
    label: Option<String>,
    count: Option<u32>,
    /// A description whose first words may name the category (the flattened text).
    description: Option<String>,
    items: Vec<DeclaredItem>,
}

/// Gives each section its category (see the module documentation) and moves the items out.
fn assign_categories(out: &mut Out, sections: Vec<Section>) {
    let mut known: Vec<Option<DeclaredCategory>> = Vec::new();
    for (k, s) in sections.iter().enumerate() {
        let by_label = s
            .label
            .as_deref()
            .map(super::tables::category_from_label)
            .filter(|c| *c != DeclaredCategory::Unknown);
        let by_desc = s
            .description
            .as_deref()
            .map(|d| {
                super::tables::category_from_label(
                    d.get(..d.char_indices().nth(60).map_or(d.len(), |(i, _)| i))
                        .unwrap_or(d),
                )
            })
            .filter(|c| *c != DeclaredCategory::Unknown);
        if let (Some(a), Some(b)) = (by_label, by_desc)
            && a != b
        {
            out.problem(format!(
                "section {}: header says {}, its description reads as {}; the header is used",
                k + 1,
                a.as_str(),
                b.as_str()
            ));
        }
        known.push(by_label.or(by_desc));
    }
    let mut consistent = true;
    for (k, s) in sections.iter().enumerate() {
        let sum: u64 = s.items.iter().map(|i| u64::from(i.count)).sum();
        match s.count {
            Some(n) if u64::from(n) != sum => {
                consistent = false;
                out.problem(format!(
                    "section {} ({}): the header says {n}, the rows count {sum}",
                    k + 1,
                    s.label.as_deref().unwrap_or("no label")
                ));
            }
            None => consistent = false,
            _ => {}
        }
    }
    let mut cats = known.clone();
    if known.iter().any(Option::is_none) {
        let inferred = if consistent {
            infer_by_position(&known)
        } else {
            None
        };
        if let Some(v) = inferred {
            for (k, (c, was)) in v.iter().zip(&known).enumerate() {
                if was.is_none() && c.is_some() {
                    out.problem(format!(
                        "section {} ({}): label not recognised; category {} taken from its position",
                        k + 1,
                        sections
                            .get(k)
                            .and_then(|s| s.label.as_deref())
                            .unwrap_or("no label"),
                        c.map(DeclaredCategory::as_str).unwrap_or("unknown")
                    ));
                }
            }
            cats = v;
        }
        for (k, c) in cats.iter().enumerate() {
            if c.is_none() {
                out.problem(format!(
                    "section {} ({}): category not recognised",
                    k + 1,
                    sections
                        .get(k)
                        .and_then(|s| s.label.as_deref())
                        .unwrap_or("no label")
                ));
            }
        }
    }
    for (s, c) in sections.into_iter().zip(cats) {
        let c = c.unwrap_or(DeclaredCategory::Unknown);
        for mut item in s.items {
            item.category = c;
            item.category_label = s.label.clone();
            if !out.push_item(item) {
                return;
            }
        }
    }
}

/// Reads a rendered Cookiebot Cookie Declaration (see the module documentation).
pub fn from_declaration_html(html: &str, location: &str) -> DeclaredPolicy {
    let mut out = Out::new("cookiebot-declaration", location);
    if out.too_big(html.len()) {
        return out.finish();
    }
    let (Some(type_sel), Some(header_sel), Some(table_sel), Some(tr_sel), Some(td_sel)) = (
        selector!("div.CookieDeclarationType"),
        selector!("p.CookieDeclarationTypeHeader"),
        selector!("table.CookieDeclarationTable"),
        selector!("tr"),
        selector!("td"),
    ) else {
        out.problem("internal: selector did not parse");
        return out.finish();
    };
    let doc = Html::parse_document(html);
    let mut containers: Vec<ElementRef<'_>> = doc.select(type_sel).collect();
    if containers.is_empty() {
        containers = doc.select(table_sel).collect();
    }
    if containers.is_empty() {
        out.problem(
            "no Cookiebot declaration (div.CookieDeclarationType / table.CookieDeclarationTable) found",
        );
        return out.finish();
    }
    let mut sections = Vec::new();
    let mut rows_read = 0usize;
    for (k, container) in containers.iter().enumerate() {
        let (label, count) = match container.select(header_sel).next() {
            Some(h) => {
                let (l, c) = split_header(&h.text().collect::<String>());
                ((!l.is_empty()).then_some(l), c)
            }
            None => (None, None),
        };
        let mut section = Section {
            label,
            count,
            description: None,
            items: Vec::new(),
        };
        let mut row_no = 0usize;
        for tr in container.select(tr_sel) {
            let cells: Vec<ElementRef<'_>> = tr.select(td_sel).collect();
            if cells.is_empty() {
                continue;
            }
            row_no += 1;
            rows_read += 1;
            if rows_read > MAX_ROWS {
                out.problem(format!("more than {MAX_ROWS} rows; the rest is not read"));
                break;
            }
            let whence = format!("section {} row {row_no}", k + 1);
            if cells.len() != 5 {
                out.problem(format!("{whence}: expected 5 cells, found {}", cells.len()));
                if cells.len() < 5 {
                    continue;
                }
            }
            let text = |i: usize| {
                cells
                    .get(i)
                    .map(|c| normalize_ws(&c.text().collect::<String>()))
                    .unwrap_or_default()
            };
            let (name, n) = split_multiplicity(&text(0));
            if name.is_empty() {
                out.problem(format!("{whence}: no name; row skipped"));
                continue;
            }
            let type_text = text(4);
            let kind = kind_of_label(&type_text).unwrap_or_else(|| {
                out.problem(format!("{whence}: unknown type {type_text:?}; read as a cookie"));
                ItemKind::Cookie
            });
            check_name(&mut out, &name, &whence);
            let providers = cells.get(1).map(|c| cell_lines(*c)).unwrap_or_default();
            let mut item = new_item(name, kind, DeclaredCategory::Unknown);
            item.count = n;
            item.provider = (!providers.is_empty()).then(|| providers.join(", "));
            item.purpose = purpose_of(&text(2));
            set_expiry(&mut item, &text(3));
            item.location = Some(whence);
            section.items.push(item);
        }
        sections.push(section);
    }
    assign_categories(&mut out, sections);
    out.finish()
}

// ---------------------------------------------------------------------------------------------
// The flattened declaration (text)

/// The table header run of a flattened declaration.
fn table_header_re() -> Option<&'static Regex> {
    regex!(r"Name\s*Provider\s*Purpose\s*(?:Expiry|Maximum [Ss]torage [Dd]uration)\s*Type")
}

/// A row's end: the expiry glued to the type.
fn anchor_re() -> Option<&'static Regex> {
    regex!(
        r"(?P<exp>Session|Persistent|\d{1,9} (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))(?P<type>HTTP Cookie|HTML Local Storage|HTML Session Storage|Pixel Tracker|IndexedDB|HTTP|HTML|Pixel)"
    )
}

/// A category header with its count: "Necessary (36)", "Podstawowe pliki cookies (35)".
fn category_header_re() -> Option<&'static Regex> {
    regex!(r"((?:\p{L}[\p{L}\-]*[ \t]+){0,3}\p{L}[\p{L}\-]*)[ \t]*\((\d{1,6})\)")
}

/// A category header with its count, found in a text.
struct CatHeader {
    start: usize,
    end: usize,
    /// The words of the header that name the category.
    label: String,
    count: u32,
}

/// Category headers with counts found in `text`.
fn category_headers(text: &str) -> Vec<CatHeader> {
    let Some(re) = category_header_re() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for c in re.captures_iter(text) {
        let (Some(all), Some(label), Some(n)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        let Ok(n) = n.as_str().parse::<u32>() else {
            continue;
        };
        // The shortest ending of the label that names a category.
        let words: Vec<&str> = label.as_str().split_whitespace().collect();
        let mapped = (1..=words.len()).find_map(|k| {
            let l = words.get(words.len() - k..)?.join(" ");
            (super::tables::category_from_label(&l) != DeclaredCategory::Unknown).then_some(l)
        });
        if let Some(label) = mapped {
            found.push(CatHeader {
                start: all.start(),
                end: all.end(),
                label,
                count: n,
            });
        }
        if found.len() > 1000 {
            break;
        }
    }
    found
}

/// Whether a text holds a flattened Cookiebot declaration: the "Name Provider Purpose
/// Expiry Type" header run and a category header with a count ("Necessary (36)").
pub fn detect_cookiebot_text(text: &str) -> bool {
    text.len() <= MAX_INPUT
        && table_header_re().is_some_and(|re| re.is_match(text))
        && regex!(r"(?:Necessary|Preferences?|Statistics?|Marketing|Unclassified)\s*\(\d{1,6}\)")
            .is_some_and(|re| re.is_match(text))
}

/// A row of the flattened text, cut at its anchor.
struct RawRow<'a> {
    text: &'a str,
    expiry: &'a str,
    type_label: &'a str,
}

/// Cuts a section's text into rows; returns them and where the text after the rows begins.
fn split_rows<'a>(seg: &'a str, out: &mut Out, section: usize) -> (Vec<RawRow<'a>>, usize) {
    let mut rows = Vec::new();
    let Some(re) = anchor_re() else {
        return (rows, 0);
    };
    let mut pos = 0;
    while let Some(c) = re.captures_at(seg, pos) {
        let (Some(all), Some(exp), Some(ty)) = (c.get(0), c.name("exp"), c.name("type")) else {
            break;
        };
        let text = seg.get(pos..all.start()).unwrap_or("");
        if text.chars().count() > MAX_ROW_CHARS {
            out.problem(format!(
                "section {}: a row of more than {MAX_ROW_CHARS} characters; the section is cut there",
                section + 1
            ));
            break;
        }
        rows.push(RawRow {
            text,
            expiry: exp.as_str(),
            type_label: ty.as_str(),
        });
        pos = all.end();
        if rows.len() >= MAX_TEXT_ROWS {
            break;
        }
        match seg.get(pos..).and_then(|r| r.chars().next()) {
            None => break,
            Some(ch) if ch.is_whitespace() => break,
            _ => {}
        }
    }
    (rows, pos)
}

/// Whether `r` (starting with an upper-case letter) reads as the start of a purpose: one
/// capitalised word, then the end of the row or a space and a lower-case word.
fn looks_like_sentence(r: &str) -> bool {
    let word_end = r.find(|c: char| !c.is_alphabetic()).unwrap_or(r.len());
    let word = r.get(..word_end).unwrap_or("");
    let mut chars = word.chars();
    if !chars.next().is_some_and(char::is_uppercase) {
        return false;
    }
    let tail: Vec<char> = chars.collect();
    if tail.is_empty() || !tail.iter().all(|c| c.is_lowercase()) {
        return false;
    }
    let rest = r.get(word_end..).unwrap_or("");
    if rest.trim().is_empty() {
        return true;
    }
    let Some(after) = rest.strip_prefix(' ') else {
        return false;
    };
    let tok_end = after.find(char::is_whitespace).unwrap_or(after.len());
    let tok = after
        .get(..tok_end)
        .unwrap_or("")
        .trim_end_matches([',', ';', ':', '.', '!', '?']);
    tok.chars().next().is_some_and(char::is_lowercase)
        && tok
            .chars()
            .all(|c| c.is_lowercase() || c == '\'' || c == '’' || c == '-')
}

/// Where the purpose starts in a row's text (see the module documentation). With
/// `may_start_at_0`, the purpose may begin the text (the name was already cut off).
fn purpose_start(s: &str, may_start_at_0: bool) -> Option<usize> {
    let mut prev: Option<char> = None;
    let mut loose = None;
    for (i, c) in s.char_indices() {
        let glued = match prev {
            None => may_start_at_0,
            Some(p) => !p.is_whitespace(),
        };
        if glued && c.is_uppercase() {
            let r = s.get(i..).unwrap_or("");
            if looks_like_sentence(r) {
                return Some(i);
            }
            if loose.is_none() && i > 0 && r.get(..r.len().min(40)).is_some_and(|h| h.contains(' ')) {
                loose = Some(i);
            }
        }
        prev = Some(c);
    }
    loose
}

/// A row split into its name (when known from `[xN]`), count, head and purpose.
struct RowParts {
    name: Option<String>,
    count: u32,
    /// The text before the purpose: the providers when the name is known, else name and
    /// providers glued.
    head: String,
    purpose: Option<String>,
    purpose_found: bool,
}

fn row_parts(text: &str) -> RowParts {
    let t = text.trim();
    let (name, count, body) = match regex!(r"^([^\s\[]\S*?) ?\[x(\d{1,6})\]").and_then(|re| re.captures(t)) {
        Some(c) => {
            let end = c.get(0).map_or(0, |m| m.end());
            (
                c.get(1).map(|m| m.as_str().to_string()),
                c.get(2)
                    .and_then(|m| m.as_str().parse::<u32>().ok())
                    .unwrap_or(1)
                    .max(1),
                t.get(end..).unwrap_or(""),
            )
        }
        None => (None, 1, t),
    };
    match purpose_start(body, name.is_some()) {
        Some(p) => RowParts {
            name,
            count,
            head: body.get(..p).unwrap_or("").trim().to_string(),
            purpose: purpose_of(body.get(p..).unwrap_or("")),
            purpose_found: true,
        },
        None => RowParts {
            name,
            count,
            head: body.trim().to_string(),
            purpose: None,
            purpose_found: false,
        },
    }
}

/// Camel-case company names a capitalised-word split would cut wrongly.
const CAMEL_PROVIDERS: &[&str] = &[
    "LinkedIn",
    "YouTube",
    "CodeSandbox",
    "TikTok",
    "DoubleClick",
    "HubSpot",
    "PayPal",
    "WordPress",
    "SoundCloud",
    "LiveChat",
    "OneTrust",
    "GitHub",
    "SurveyMonkey",
    "MailChimp",
    "ZoomInfo",
    "AddThis",
    "ShareThis",
    "TrustArc",
    "FullStory",
    "CrazyEgg",
    "LiveRamp",
    "AppNexus",
    "PubMatic",
    "MediaMath",
    "BlueKai",
    "AdRoll",
    "TrustPilot",
    "LiveAgent",
    "JivoChat",
    "ContentSquare",
    "DoubleVerify",
    "IntentIQ",
    "SpotX",
    "OpenX",
    "SmartAdServer",
    "StackAdapt",
    "TradeDesk",
    "VWO",
    "UserWay",
    "CookieHub",
    "GetSiteControl",
    "LeadForensics",
    "AdForm",
    "SalesForce",
    "SendInBlue",
    "ActiveCampaign",
    "MouseFlow",
    "LuckyOrange",
    "YandexMetrica",
];

/// Common first labels of provider hosts.
const SUBDOMAIN_WORDS: &[&str] = &[
    "www",
    "www2",
    "cdn",
    "cdn2",
    "static",
    "assets",
    "api",
    "js",
    "img",
    "images",
    "media",
    "ssl",
    "app",
    "stats",
    "analytics",
    "pixel",
    "px",
    "tag",
    "tags",
    "track",
    "tracking",
    "ads",
    "ad",
    "secure",
    "login",
    "accounts",
    "events",
    "collect",
    "metrics",
    "sdk",
    "script",
    "scripts",
    "widget",
    "widgets",
    "content",
    "edge",
];

/// Common endings of cookie names.
const NAME_ENDINGS: &[&str] = &[
    "id", "uid", "sid", "key", "token", "session", "sess", "ts", "ref", "test", "cookie", "state", "hash",
    "visitor", "user", "auth", "lang", "consent", "time", "count", "exp", "flag", "enabled", "check",
];

/// Whether `s` is a host name: labels of `[a-z0-9-]`, at least two, a letters-only TLD.
fn is_host(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !l.starts_with('-')
        })
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_lowercase()))
}

/// The host and its parent domains of at least two labels.
fn host_and_parents(h: &str) -> Vec<String> {
    let labels: Vec<&str> = h.split('.').collect();
    (0..labels.len().saturating_sub(1))
        .filter_map(|i| labels.get(i..).map(|l| l.join(".")))
        .collect()
}

/// Where the host-like ending of `t0` starts (its characters `[a-z0-9.-]`, with a dot and a
/// TLD), if any.
fn domain_tail(t0: &str) -> Option<usize> {
    let mut start = t0.len();
    for (i, c) in t0.char_indices().rev() {
        if t0.len() - i > MAX_HOST_CHARS {
            break;
        }
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
            start = i;
        } else {
            break;
        }
    }
    let d = t0.get(start..)?;
    let tld = d.rsplit('.').next()?;
    (d.contains('.') && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_lowercase())).then_some(start)
}

/// What the text itself (and the signature database) says about providers.
struct Vocab {
    /// Provider names and tokens, longest first.
    words: Vec<String>,
    /// Domains attested by the `[xN]` providers (and their parents).
    domains: HashSet<String>,
    /// Registrable domains attested by a row's host (`x.replit.com` → `replit.com`): by which rows.
    attested: HashMap<String, HashSet<usize>>,
}

impl Vocab {
    fn build(parts: &[RowParts]) -> Vocab {
        let mut words: HashSet<String> = CAMEL_PROVIDERS.iter().map(|s| s.to_string()).collect();
        let mut domains = HashSet::new();
        let mut attested: HashMap<String, HashSet<usize>> = HashMap::new();
        for (r, p) in parts.iter().enumerate() {
            if p.name.is_some() {
                if p.head.is_empty() {
                    continue;
                }
                words.insert(p.head.clone());
                for tok in p.head.split_whitespace() {
                    if is_host(tok) {
                        words.insert(tok.to_string());
                        domains.extend(host_and_parents(tok));
                    } else if tok.chars().next().is_some_and(char::is_uppercase) && tok.chars().count() >= 3 {
                        words.insert(tok.to_string());
                    }
                }
            } else {
                let t0 = p.head.split_whitespace().next().unwrap_or("");
                if let Some(d) = domain_tail(t0).and_then(|i| t0.get(i..)) {
                    let labels: Vec<&str> = d.split('.').collect();
                    if labels.len() >= 3
                        && let Some(reg) = labels.get(labels.len() - 2..).map(|l| l.join("."))
                        && is_host(&reg)
                    {
                        attested.entry(reg).or_default().insert(r);
                    }
                }
            }
        }
        let mut words: Vec<String> = words.into_iter().collect();
        words.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        if words.len() > MAX_VOCAB {
            // Keep the shortest (single provider names), which glued rows end with.
            words.drain(..words.len() - MAX_VOCAB);
        }
        Vocab {
            words,
            domains,
            attested,
        }
    }

    /// Whether a provider host is attested (for the row `row`): by the `[xN]` providers, by
    /// another row's host, or by the signature database.
    fn host_attested(&self, host: &str, row: usize) -> bool {
        let mut parents = host_and_parents(host);
        // Registrable domains and short host names only.
        parents.retain(|p| p.matches('.').count() < 4);
        if parents.iter().any(|p| self.domains.contains(p)) {
            return true;
        }
        if parents.iter().any(|p| {
            self.attested
                .get(p)
                .is_some_and(|rows| rows.iter().any(|r| *r != row))
        }) {
            return true;
        }
        crate::signatures::builtin_index().is_ok_and(|ix| ix.match_host(host).is_some())
    }
}

/// A name candidate: not empty, no whitespace, not ending with a dot.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.ends_with('.')
}

/// A pixel path glued to its provider: the name ends at the last file extension.
fn ext_split(t0: &str) -> Option<usize> {
    let re = regex!(r"(?i)\.(?:gif|png|jpe?g|php|svg|webp|aspx?|ashx|bmp|ico)")?;
    let m = re.find_iter(t0).last()?;
    let rest = t0.get(m.end()..)?;
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    let first = rest.chars().next()?;
    (t0.contains('/') || first.is_uppercase()).then_some(m.end())
}

/// The last capitalised word of `t0` (at least three characters), as a split point.
fn cap_split(t0: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = t0.char_indices().collect();
    let mut starts = Vec::new();
    for w in 1..chars.len() {
        let (Some((i, c)), Some((_, n))) = (chars.get(w), chars.get(w + 1)) else {
            continue;
        };
        if c.is_uppercase() && n.is_lowercase() {
            starts.push(*i);
        }
    }
    starts.into_iter().rev().find(|&i| {
        t0.get(i..).is_some_and(|tail| {
            tail.chars().count() >= 3
                && tail
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '&' | '-'))
        })
    })
}

/// The best split of a name glued to a provider host (see the module documentation).
fn domain_split(t0: &str, d_start: usize, row: usize, vocab: &Vocab) -> Option<usize> {
    let mut best: Option<(i32, usize)> = None;
    let mut tie = false;
    for (j, _) in t0.char_indices().filter(|(j, _)| *j >= d_start && *j > 0) {
        let (Some(name), Some(host)) = (t0.get(..j), t0.get(j..)) else {
            continue;
        };
        if !is_host(host) || !valid_name(name) || name.ends_with('-') {
            continue;
        }
        let mut score = 0;
        if vocab.host_attested(host, row) {
            score += 4;
        }
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() >= 3 && labels.first().is_some_and(|l| SUBDOMAIN_WORDS.contains(l)) {
            score += 2;
        }
        let lower = name.to_ascii_lowercase();
        if NAME_ENDINGS.iter().any(|e| lower.ends_with(e)) {
            score += 1;
        }
        if name.ends_with('_') {
            score -= 2;
        }
        match best {
            Some((s, _)) if score < s => {}
            Some((s, _)) if score == s => tie = true,
            _ => {
                best = Some((score, j));
                tie = false;
            }
        }
    }
    match best {
        Some((s, j)) if s > 0 && !tie => Some(j),
        _ => None,
    }
}

/// Splits a head of glued name and providers: (name, providers, confident).
fn split_name_provider(head: &str, row: usize, vocab: &Vocab) -> (String, Option<String>, bool) {
    let head = head.trim();
    let (t0, rest) = match head.find(char::is_whitespace) {
        Some(i) => (head.get(..i).unwrap_or(head), head.get(i..).unwrap_or("").trim()),
        None => (head, ""),
    };
    let join = |a: &str| {
        let p = if rest.is_empty() {
            a.to_string()
        } else {
            format!("{a} {rest}")
        };
        let p = normalize_ws(&p);
        (!p.is_empty()).then_some(p)
    };
    if let Some(j) = ext_split(t0) {
        return (
            t0.get(..j).unwrap_or(t0).to_string(),
            join(t0.get(j..).unwrap_or("")),
            true,
        );
    }
    for w in &vocab.words {
        if head.len() > w.len()
            && head.ends_with(w.as_str())
            && let Some(name) = head.get(..head.len() - w.len())
            && valid_name(name)
        {
            return (name.to_string(), Some(w.clone()), true);
        }
    }
    if let Some(d) = domain_tail(t0)
        && let Some(j) = domain_split(t0, d, row, vocab)
    {
        return (
            t0.get(..j).unwrap_or(t0).to_string(),
            join(t0.get(j..).unwrap_or("")),
            true,
        );
    }
    if let Some(i) = cap_split(t0) {
        return (
            t0.get(..i).unwrap_or(t0).to_string(),
            join(t0.get(i..).unwrap_or("")),
            true,
        );
    }
    if !rest.is_empty() {
        return (t0.to_string(), Some(normalize_ws(rest)), true);
    }
    (t0.to_string(), None, false)
}

/// Reads a Cookiebot declaration flattened to text (see the module documentation).
pub fn from_declaration_text(text: &str, location: &str) -> DeclaredPolicy {
    let mut out = Out::new("cookiebot-text", location);
    if out.too_big(text.len()) {
        return out.finish();
    }
    let headers: Vec<(usize, usize)> = match table_header_re() {
        Some(re) => re
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .take(100)
            .collect(),
        None => Vec::new(),
    };
    let Some(&(first_start, _)) = headers.first() else {
        out.problem("no flattened Cookiebot declaration (\"Name Provider Purpose Expiry Type\") found");
        return out.finish();
    };
    // The text before each table: the category header(s) and the description.
    let mut window = first_start.saturating_sub(3000);
    while !text.is_char_boundary(window) {
        window += 1;
    }
    let mut gaps: Vec<&str> = vec![text.get(window..first_start).unwrap_or("")];
    let mut raw: Vec<(usize, RawRow<'_>)> = Vec::new();
    for (k, &(_, end)) in headers.iter().enumerate() {
        let seg_end = headers.get(k + 1).map_or(text.len(), |h| h.0);
        let seg = text.get(end..seg_end).unwrap_or("");
        let (rows, rest) = split_rows(seg, &mut out, k);
        if rows.is_empty() {
            out.problem(format!("section {}: no rows read", k + 1));
        }
        raw.extend(rows.into_iter().map(|r| (k, r)));
        if raw.len() >= MAX_TEXT_ROWS {
            out.problem(format!("more than {MAX_TEXT_ROWS} rows; the rest is not read"));
            raw.truncate(MAX_TEXT_ROWS);
            break;
        }
        if k + 1 < headers.len() {
            gaps.push(seg.get(rest..).unwrap_or(""));
        }
    }
    // Categories: a run of headers before the first table (the banner), else the header
    // or the description before each table.
    let per_gap: Vec<Vec<CatHeader>> = gaps.iter().map(|g| category_headers(g)).collect();
    let mut labels: Vec<(Option<String>, Option<u32>, Option<String>)> = Vec::new();
    let banner_run = per_gap.first().map(|g| {
        // The last run of headers separated by whitespace only.
        let mut run: Vec<&CatHeader> = Vec::new();
        for h in g {
            let joined = run.last().is_some_and(|p| {
                gaps.first()
                    .and_then(|t| t.get(p.end..h.start))
                    .is_some_and(|between| between.trim().is_empty())
            });
            if !joined {
                run.clear();
            }
            run.push(h);
        }
        run
    });
    let banner = banner_run
        .as_ref()
        .filter(|run| run.len() >= 2 && per_gap.iter().skip(1).all(Vec::is_empty));
    match banner {
        Some(run) => {
            let nonzero: Vec<_> = run.iter().filter(|h| h.count > 0).collect();
            if nonzero.len() != headers.len() {
                out.problem(format!(
                    "{} non-empty category headers but {} tables",
                    nonzero.len(),
                    headers.len()
                ));
            }
            let run_end = run.last().map_or(0, |h| h.end);
            for k in 0..headers.len() {
                let desc = if k == 0 {
                    gaps.first().and_then(|g| g.get(run_end..))
                } else {
                    gaps.get(k).copied()
                };
                let h = nonzero.get(k);
                labels.push((
                    h.map(|h| h.label.clone()),
                    h.map(|h| h.count),
                    desc.map(|d| d.trim().to_string()),
                ));
            }
        }
        None => {
            for k in 0..headers.len() {
                let g = gaps.get(k).copied().unwrap_or("");
                let h = per_gap.get(k).and_then(|v| v.last());
                let desc = g.get(h.map_or(0, |h| h.end)..).unwrap_or("");
                labels.push((
                    h.map(|h| h.label.clone()),
                    h.map(|h| h.count),
                    Some(desc.trim().to_string()),
                ));
            }
        }
    }
    // Rows: parts, then the providers the text spells out, then name/provider splits.
    let parts: Vec<RowParts> = raw.iter().map(|(_, r)| row_parts(r.text)).collect();
    let vocab = Vocab::build(&parts);
    let mut sections: Vec<Section> = labels
        .into_iter()
        .map(|(label, count, description)| Section {
            label,
            count,
            description: description.filter(|d| !d.is_empty()),
            items: Vec::new(),
        })
        .collect();
    let mut row_in_section: HashMap<usize, usize> = HashMap::new();
    for (r, ((k, raw_row), p)) in raw.iter().zip(parts).enumerate() {
        let n = row_in_section.entry(*k).or_insert(0);
        *n += 1;
        let whence = format!("section {} row {}", k + 1, n);
        if !p.purpose_found {
            out.problem(format!(
                "{whence}: could not tell where the purpose starts in {:?}",
                shorten(raw_row.text)
            ));
        }
        let (name, provider) = match p.name {
            Some(name) => (name, (!p.head.is_empty()).then(|| normalize_ws(&p.head))),
            None => {
                let (name, provider, confident) = split_name_provider(&p.head, r, &vocab);
                if !confident {
                    out.problem(format!(
                        "{whence}: could not separate name and provider in {:?}",
                        p.head
                    ));
                }
                (name, provider)
            }
        };
        if name.is_empty() {
            out.problem(format!("{whence}: no name; row skipped"));
            continue;
        }
        check_name(&mut out, &name, &whence);
        let kind = kind_of_label(raw_row.type_label).unwrap_or(ItemKind::Cookie);
        let mut item = new_item(name, kind, DeclaredCategory::Unknown);
        item.count = p.count;
        item.provider = provider;
        item.purpose = p.purpose;
        set_expiry(&mut item, raw_row.expiry);
        item.location = Some(whence);
        if let Some(s) = sections.get_mut(*k) {
            s.items.push(item);
        }
    }
    assign_categories(&mut out, sections);
    out.finish()
}

/// The first 80 characters of a text, for problems.
fn shorten(s: &str) -> String {
    let s = normalize_ws(s);
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or("")),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const CCJS1: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/cookiebot_ccjs_tables_example1.txt"
    );
    const CCJS2: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/cookiebot_ccjs_tables_example2.txt"
    );
    const DECL_PL: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/cookiebot_declaration_rendered_action_pl_2025_excerpt.html"
    );
    const SEED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/seeds/000_1d3e92ae33ea1a38.txt"
    );

    fn read(path: &str) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn item<'a>(p: &'a DeclaredPolicy, name: &str) -> &'a DeclaredItem {
        p.items
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no item {name:?}"))
    }

    /// Rows and Σ count per category label.
    fn per_label(p: &DeclaredPolicy) -> BTreeMap<String, (usize, u32)> {
        let mut m = BTreeMap::new();
        for i in &p.items {
            let e = m
                .entry(i.category_label.clone().unwrap_or_default())
                .or_insert((0, 0));
            e.0 += 1;
            e.1 += i.count;
        }
        m
    }

    /// The file's own `cookieTable<Cat>Count` values.
    fn file_counts(text: &str) -> BTreeMap<String, u32> {
        let re = Regex::new(r"cookieTable(\w+)Count = (\d+);").unwrap();
        re.captures_iter(text)
            .map(|c| (c[1].to_string(), c[2].parse().unwrap()))
            .collect()
    }

    fn check_table_counts(text: &str, p: &DeclaredPolicy, rows: [(&str, usize); 5]) {
        let got = per_label(p);
        let counts = file_counts(text);
        assert_eq!(counts.len(), 5);
        for (label, n) in rows {
            let (r, sum) = got.get(label).copied().unwrap_or((0, 0));
            assert_eq!(r, n, "rows of {label}");
            assert_eq!(
                sum, counts[label],
                "Σ count of {label} vs cookieTable{label}Count"
            );
        }
    }

    #[test]
    fn ccjs_example1() {
        let text = read(CCJS1);
        let p = from_ccjs(&text, "cc.js");
        assert_eq!(p.sources.len(), 1);
        let s = &p.sources[0];
        assert_eq!(s.kind, "cookiebot-ccjs");
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!((s.items, s.vendors), (46, 17));
        assert_eq!(p.consent_manager.as_deref(), Some("cookiebot"));
        check_table_counts(
            &text,
            &p,
            [
                ("Necessary", 6),
                ("Preference", 3),
                ("Statistics", 7),
                ("Advertising", 16),
                ("Unclassified", 14),
            ],
        );
        let counts = p.category_counts();
        assert_eq!(counts[&DeclaredCategory::Marketing], 16);
        assert_eq!(counts[&DeclaredCategory::Statistics], 11);
        // The regex column, when it says more than the name.
        let gat = item(&p, "/^_gat(_.+)*$/");
        assert_eq!(
            gat.location.as_deref(),
            Some("cookieTableStatistics[2] (declared as _gat)")
        );
        assert_eq!(gat.count, 2);
        let pat = NamePattern::parse(&gat.name).unwrap();
        assert!(pat.matches("_gat") && pat.matches("_gat_UA-1-2") && !pat.matches("_ga"));
        assert_eq!(item(&p, "/^PHPSESSID.*$/").session, Some(true));
        assert_eq!(item(&p, "SESS#").expiry_secs, Some(86_400));
        assert_eq!(item(&p, "google_experiment_mod#").kind, ItemKind::Storage);
        let collect = item(&p, "collect");
        assert_eq!(
            (collect.kind, collect.category),
            (ItemKind::Pixel, DeclaredCategory::Statistics)
        );
        let ga = item(&p, "_ga");
        assert_eq!(
            (ga.count, ga.provider.as_deref()),
            (2, Some("mathway.com, purplemath.com"))
        );
        assert_eq!(ga.expiry_secs, Some(2 * 365 * 86_400));
        assert!(
            item(&p, "CookieConsent")
                .purpose
                .as_deref()
                .unwrap()
                .contains("user's cookie consent")
        );
        let test_id = item(&p, "testId");
        assert_eq!(
            (test_id.kind, test_id.expiry_secs, test_id.session),
            (ItemKind::Storage, None, Some(false))
        );
        let anon = item(&p, "Mathway.AnonUserId");
        assert_eq!(
            (anon.purpose.as_deref(), anon.category),
            (None, DeclaredCategory::Necessary)
        );
        assert_eq!(item(&p, "events/1/#").category, DeclaredCategory::Unclassified);
        assert_eq!(item(&p, "ad-id").category_label.as_deref(), Some("Advertising"));
        for i in &p.items {
            assert!(NamePattern::parse(&i.name).is_ok(), "{}", i.name);
            assert_eq!(i.source, 0);
        }
        assert_eq!(p.vendors[0].name, "Amazon");
        assert_eq!(p.vendors[0].quote.as_deref(), Some("amazon-adsystem.com"));
        assert_eq!(p.vendors.iter().filter(|v| v.name == "Google").count(), 6);
        assert_eq!(
            ccjs_whitelist(&text),
            [
                "JSESSIONID",
                "CookieConsent",
                "PHPSESSID",
                "SESS#",
                "Mathway.AnonUserId",
                "testId"
            ]
        );
    }

    #[test]
    fn ccjs_example2() {
        let text = read(CCJS2);
        let p = from_ccjs(&text, "cc.js");
        let s = &p.sources[0];
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!((s.items, s.vendors), (22, 11));
        check_table_counts(
            &text,
            &p,
            [
                ("Necessary", 2),
                ("Preference", 0),
                ("Statistics", 4),
                ("Advertising", 14),
                ("Unclassified", 2),
            ],
        );
        let g = item(&p, "G_ENABLED_IDPS");
        assert_eq!(g.expiry_text.as_deref(), Some("95752 months"));
        assert_eq!(g.expiry_secs, Some(95_752 * 30 * 86_400));
        assert_eq!(
            item(&p, "/^_gat(_.+)*$/").provider.as_deref(),
            Some("gamefly.com")
        );
        assert_eq!(item(&p, "usage.gif").kind, ItemKind::Pixel);
        assert!(
            p.items
                .iter()
                .any(|i| i.name.starts_with("oauth2_cs::https://") && i.kind == ItemKind::Storage)
        );
        assert_eq!(ccjs_whitelist(&text), ["CookieConsent", "G_ENABLED_IDPS"]);
    }

    #[test]
    fn js_literals() {
        let mut r =
            JsReader::new(r#" ["a\'b", "^x\d*$", "\u0041\"\\\/", 'c"d', 12, null, [], "\ud83d\ude00"] "#);
        let v = r.value(0).unwrap();
        let JsVal::Arr(v) = v else { panic!() };
        let cells: Vec<String> = v.iter().map(JsVal::cell).collect();
        assert_eq!(cells, ["a'b", r"^x\d*$", "A\"\\/", "c\"d", "12", "", "", "😀"]);
        assert!(JsReader::new(r#"["open"#).value(0).is_err());
        assert!(JsReader::new("[1 2]").value(0).is_err());
        assert!(JsReader::new(&"[".repeat(100)).value(0).is_err());
        assert_eq!(
            JsReader::new("[1,]").value(0).unwrap(),
            JsVal::Arr(vec![JsVal::Other("1".into())])
        );
    }

    /// The in-page object: the same tables as JSON, built from fixture 1.
    #[test]
    fn dialog_json_matches_ccjs() {
        let text = read(CCJS1);
        let re = Regex::new(r"(?m)^CookieConsentDialog\.cookieTable(\w+) = (\[.*\]);$").unwrap();
        let mut parts = Vec::new();
        for c in re.captures_iter(&text) {
            let key = match &c[1] {
                "Necessary" => "necessary",
                "Preference" => "preference",
                "Statistics" => "statistics",
                "Advertising" => "advertising",
                "Unclassified" => "unclassified",
                _ => continue,
            };
            let json = c[2].replace(r"\'", "'").replace(r"\d", r"\\d");
            parts.push(format!("\"{key}\": {json}"));
        }
        assert_eq!(parts.len(), 5);
        let json = format!("{{{}}}", parts.join(", "));
        let d = from_dialog_json(&json, "page");
        let c = from_ccjs(&text, "cc.js");
        assert_eq!(d.sources[0].kind, "cookiebot-dialog");
        assert!(d.sources[0].problems.is_empty(), "{:?}", d.sources[0].problems);
        assert_eq!(d.items.len(), 46);
        assert_eq!(d.category_counts(), c.category_counts());
        let key = |i: &DeclaredItem| {
            (
                i.name.clone(),
                i.kind,
                i.count,
                i.category,
                i.provider.clone(),
                i.purpose.clone(),
                i.expiry_secs,
            )
        };
        assert_eq!(
            d.items.iter().map(key).collect::<Vec<_>>(),
            c.items.iter().map(key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn declaration_html_pl() {
        let p = from_declaration_html(&read(DECL_PL), "https://www.action.com/pl-pl/cookies/");
        let s = &p.sources[0];
        assert_eq!(s.kind, "cookiebot-declaration");
        assert_eq!(s.items, 25);
        // The excerpt keeps the original header counts: each section says so.
        assert_eq!(
            s.problems,
            [
                "section 1 (Podstawowe pliki cookies): the header says 35, the rows count 7",
                "section 2 (Analityczne pliki cookies): the header says 21, the rows count 1",
                "section 3 (Marketingowe pliki cookies): the header says 68, the rows count 19",
            ]
        );
        let rows = per_label(&p);
        assert_eq!(rows["Podstawowe pliki cookies"], (6, 7));
        assert_eq!(rows["Analityczne pliki cookies"], (1, 1));
        assert_eq!(rows["Marketingowe pliki cookies"], (18, 19));
        let counts = p.category_counts();
        assert_eq!(counts[&DeclaredCategory::Necessary], 7);
        assert_eq!(counts[&DeclaredCategory::Statistics], 1);
        assert_eq!(counts[&DeclaredCategory::Marketing], 19);
        let cf = item(&p, "__cf_bm");
        assert_eq!(
            (cf.count, cf.provider.as_deref()),
            (2, Some("action.com, radar.cloudflare.com"))
        );
        assert_eq!(cf.expiry_secs, Some(86_400));
        assert_eq!(item(&p, "_ttp").count, 2);
        assert_eq!(item(&p, "_ga_#").category, DeclaredCategory::Necessary);
        assert_eq!(item(&p, "_ga_#").expiry_secs, Some(2 * 365 * 86_400));
        let ide = item(&p, "IDE");
        assert_eq!(
            (ide.expiry_text.as_deref(), ide.expiry_secs),
            (Some("400 dni"), Some(400 * 86_400))
        );
        assert_eq!(item(&p, "_sc_cspv").expiry_secs, Some(13 * 30 * 86_400));
        assert_eq!(item(&p, "_sc_cspv").expiry_text.as_deref(), Some("13 miesięcy"));
        let act = item(&p, "activity#");
        assert_eq!(
            (act.kind, act.session, act.purpose.as_deref()),
            (ItemKind::Pixel, Some(true), None)
        );
        let wp = item(&p, "_wp_storage_test");
        assert_eq!(
            (wp.kind, wp.expiry_secs, wp.session),
            (ItemKind::Storage, None, Some(false))
        );
        assert_eq!(item(&p, "X-AB").category, DeclaredCategory::Statistics);
        assert_eq!(item(&p, "__Secure-ROLLOUT_TOKEN").purpose, None);
        assert_eq!(p.items.iter().filter(|i| i.name == "_uetsid").count(), 2);
    }

    fn section(label: &str, rows: &[(&str, &str)]) -> String {
        let rows: String = rows
            .iter()
            .map(|(n, t)| {
                format!(
                    "<tr><td class=\"CookieDeclarationTableCell\">{n}</td><td>a.com<br>b.com</td><td>Pending</td>\
                     <td>Session</td><td>{t}</td></tr>"
                )
            })
            .collect();
        format!(
            "<div class=\"CookieDeclarationType\"><p class=\"CookieDeclarationTypeHeader\">{label}</p>\
             <table class=\"CookieDeclarationTable\"><thead><tr><th>Name</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    }

    #[test]
    fn declaration_html_categories_by_position() {
        // Five sections, none recognised, counts consistent: Cookiebot's fixed order.
        let html: String = ["Aaa (1)", "Bbb (1)", "Ccc (2)", "Ddd (1)", "Eee (1)"]
            .iter()
            .map(|l| {
                section(
                    l,
                    if l.contains("(2)") {
                        &[("x [x2]", "HTTP Cookie")]
                    } else {
                        &[("y", "Pixel Tracker")]
                    },
                )
            })
            .collect();
        let p = from_declaration_html(&html, "t");
        let cats: Vec<DeclaredCategory> = p.items.iter().map(|i| i.category).collect();
        assert_eq!(cats, ORDER);
        assert_eq!(p.sources[0].problems.len(), 5, "{:?}", p.sources[0].problems);
        assert!(p.sources[0].problems[0].contains("taken from its position"));
        assert_eq!(p.items[2].count, 2);
        assert_eq!(p.items[0].kind, ItemKind::Pixel);
        // Recognised neighbours leave one possibility for the middle one.
        let html = section("Niezbędne (1)", &[("a", "HTTP")])
            + &section("Zzz (1)", &[("b", "HTTP")])
            + &section("Statystyka (1)", &[("c", "HTTP")]);
        let p = from_declaration_html(&html, "t");
        assert_eq!(item(&p, "b").category, DeclaredCategory::Preferences);
        // Not when a count disagrees (a section may be missing or cut).
        let html = section("Niezbędne (3)", &[("a", "HTTP")])
            + &section("Zzz (1)", &[("b", "HTTP")])
            + &section("Statystyka (1)", &[("c", "HTTP")]);
        let p = from_declaration_html(&html, "t");
        assert_eq!(item(&p, "b").category, DeclaredCategory::Unknown);
        assert_eq!(item(&p, "a").category, DeclaredCategory::Necessary);
        // Nor when two possibilities remain.
        let html = section("Zzz (1)", &[("b", "HTTP")]) + &section("Marketing (1)", &[("c", "HTTP")]);
        let p = from_declaration_html(&html, "t");
        assert_eq!(item(&p, "b").category, DeclaredCategory::Unknown);
        assert_eq!(
            infer_by_position(&[
                Some(DeclaredCategory::Marketing),
                Some(DeclaredCategory::Necessary)
            ]),
            None
        );
    }

    /// The 139 names of the seed's declaration, read by hand.
    const SEED_NAMES: [&str; 139] = [
        // Necessary (21 rows)
        "__cfruid",
        "__cf_bm",
        "cf_chl_prog",
        "_ce.cch",
        "_cld_session_key",
        "algoliasearch-client-js",
        "cdn-cgi/images/trace/captcha/js/transparent.gif",
        "ce_asset_waiting",
        "ce_successful_csp_check",
        "cf_chl_1",
        "cf_chl_cc_#",
        "cf_use_ob",
        "CookieConsent",
        "intercom-session-#",
        "test_cookie",
        "CONSENT",
        "rc::a",
        "rc::c",
        "li_gc",
        "BIGipServer#",
        "connect.sid",
        // Preferences (9 rows)
        "lang",
        "DRIFT_openTabs",
        "DRIFT_SESSION_ID",
        "DRIFT_SESSION_STARTED",
        "DRIFT_visitCounts",
        "driftt_aid",
        "intercom.intercom-state",
        "CookieConsentBulkSetting-#",
        "zapidentity",
        // Statistics (29 rows)
        "_ce.gtld",
        "_ce.s",
        "_ga",
        "_ga_#",
        "_gat",
        "_gid",
        "_opt_expid",
        "_tldtest_#",
        "amp_cookie_test#",
        "amplitude_#",
        "ce_clock",
        "cebs",
        "cebsp",
        "cetabid",
        "d-a8e6",
        "FPID",
        "FPLC",
        "fs_uid",
        "amp_#",
        "amplitude_unsent_#",
        "amplitude_unsent_identify_#",
        "collect",
        "j/collect",
        "AnalyticsSyncHistory",
        "ajs_anonymous_id",
        "_dd_s",
        "dd_cookie_test_#",
        "ln_or",
        "personalization_id",
        // Marketing (56 rows)
        "6suuid",
        "img/#/r20.gif",
        "track/cmf/generic",
        "v1/beacon/img.gif",
        "r20.gif",
        "__gads",
        "_an_uid",
        "_ccmsi",
        "_fbp",
        "_gaexp",
        "_gaexp_rc",
        "_gcl_au",
        "_gd_session",
        "_gd_svisitor",
        "_gd_visitor",
        "_mkto_trk",
        "drift_aid",
        "drift_campaign_refresh",
        "DRIFT_SESSION_CAMPAIGNS",
        "fbssls_",
        "s-9da4",
        "cp_session",
        "GoogleAdServingTest",
        "IDE",
        "pagead/interaction",
        "pagead/landing",
        "ads/ga-audiences",
        "pagead/1p-user-list/#",
        "pcs/activeview",
        "bcookie",
        "bscookie",
        "lidc",
        "UserMatchHistory",
        "cdo/cdxs/r20.gif",
        "img/r20.gif/r20.gif",
        "ajs_user_id",
        "muc_ads",
        "1/i/adsct",
        "guest_id",
        "guest_id_ads",
        "guest_id_marketing",
        "i/jot/embeds",
        "VISITOR_INFO1_LIVE",
        "YSC",
        "ytidb::LAST_RESULT_ENTRY_KEY",
        "yt-remote-cast-available",
        "yt-remote-cast-installed",
        "yt-remote-connected-devices",
        "yt-remote-device-id",
        "yt-remote-fast-check-period",
        "yt-remote-session-app",
        "yt-remote-session-name",
        "yt.innertube::nextId",
        "yt.innertube::requests",
        "__tnp",
        "zapsession",
        // Unclassified (24 rows)
        "_pbd",
        "amp_just-a",
        "cld_console_api",
        "loggedin",
        "media-optimizer-onboarding-enabled",
        "new_ml_enabled",
        "UTM_tracker",
        "welcome-banner--developer-dashboard",
        "zapier.visitor_id",
        "__test__",
        "csb-ab-user-id",
        "plunker.preferences",
        "gating_id",
        "gfa_landed_on",
        "gfa_ref",
        "replit_ng",
        "amplitude_unsent_identify_just-a-random-api-key",
        "amplitude_unsent_just-a-random-api-key",
        "pbAnonymousId",
        "portalUserIdForSpace42332",
        "portalVoteDraftStore",
        "paccept",
        "e67685eb-5b82-4548-8821-e5acef3cbdf6/t.gif",
        "__tzp",
    ];

    #[test]
    fn declaration_text_seed() {
        let text = read(SEED);
        assert!(detect_cookiebot_text(&text));
        let p = from_declaration_text(&text, "urlscan");
        let s = &p.sources[0];
        assert_eq!(s.kind, "cookiebot-text");
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.items, 139);
        let names: Vec<&str> = p.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, SEED_NAMES);
        // Every row has its category, expiry and type.
        for i in &p.items {
            assert!(i.expiry_text.is_some() && i.session.is_some(), "{}", i.name);
            assert_ne!(i.category, DeclaredCategory::Unknown, "{}", i.name);
            assert!(NamePattern::parse(&i.name).is_ok(), "{}", i.name);
        }
        let counts = p.category_counts();
        assert_eq!(counts[&DeclaredCategory::Necessary], 36);
        assert_eq!(counts[&DeclaredCategory::Preferences], 10);
        assert_eq!(counts[&DeclaredCategory::Statistics], 39);
        assert_eq!(counts[&DeclaredCategory::Marketing], 94);
        assert_eq!(counts[&DeclaredCategory::Unclassified], 24);
        let rows = per_label(&p);
        assert_eq!(rows["Necessary"].0, 21);
        assert_eq!(rows["Preferences"].0, 9);
        assert_eq!(rows["Statistics"].0, 29);
        assert_eq!(rows["Marketing"].0, 56);
        assert_eq!(rows["Unclassified"].0, 24);
        let cf = item(&p, "__cfruid");
        assert_eq!(
            (cf.count, cf.kind, cf.category),
            (5, ItemKind::Cookie, DeclaredCategory::Necessary)
        );
        assert_eq!(
            (cf.expiry_text.as_deref(), cf.session),
            (Some("Session"), Some(true))
        );
        assert_eq!(cf.provider.as_deref(), Some("Codepen Cloudinary Zendesk"));
        assert!(
            cf.purpose
                .as_deref()
                .unwrap()
                .starts_with("This cookie is a part of the services")
        );
        assert_eq!(item(&p, "_ga_#").category, DeclaredCategory::Statistics);
        assert_eq!(item(&p, "_ga_#").expiry_secs, Some(2 * 365 * 86_400));
        let collect = item(&p, "collect");
        assert_eq!(
            (collect.kind, collect.category),
            (ItemKind::Pixel, DeclaredCategory::Statistics)
        );
        assert_eq!(collect.provider.as_deref(), Some("Google"));
        let r20 = item(&p, "r20.gif");
        assert_eq!(
            (r20.kind, r20.category, r20.provider.as_deref()),
            (ItemKind::Pixel, DeclaredCategory::Marketing, Some("Google"))
        );
        let landing = item(&p, "pagead/landing");
        assert_eq!((landing.kind, landing.count), (ItemKind::Pixel, 2));
        assert_eq!(item(&p, "img/#/r20.gif").count, 28);
        assert_eq!(item(&p, "img/#/r20.gif").purpose, None);
        // Glued names and providers.
        assert_eq!(item(&p, "_ce.cch").provider.as_deref(), Some("Crazyegg"));
        assert_eq!(
            item(&p, "algoliasearch-client-js").provider.as_deref(),
            Some("cdn.jsdelivr.net")
        );
        assert_eq!(item(&p, "connect.sid").provider.as_deref(), Some("replit.com"));
        assert_eq!(item(&p, "gating_id").provider.as_deref(), Some("ld.replit.com"));
        assert_eq!(item(&p, "6suuid").provider.as_deref(), Some("6sc.co"));
        assert_eq!(
            item(&p, "v1/beacon/img.gif").provider.as_deref(),
            Some("b.6sc.co")
        );
        assert_eq!(
            item(&p, "track/cmf/generic").provider.as_deref(),
            Some("The Trade Desk")
        );
        assert_eq!(
            item(&p, "fbssls_").provider.as_deref(),
            Some("Meta Platforms, Inc.")
        );
        assert_eq!(
            item(&p, "personalization_id").provider.as_deref(),
            Some("Twitter Inc.")
        );
        assert_eq!(item(&p, "YSC").provider.as_deref(), Some("YouTube"));
        assert_eq!(
            item(&p, "GoogleAdServingTest").provider.as_deref(),
            Some("Google")
        );
        assert_eq!(item(&p, "_pbd").expiry_secs, Some(13 * 86_400));
        assert_eq!(item(&p, "zapier.visitor_id").kind, ItemKind::Storage);
        assert_eq!(item(&p, "zapier.visitor_id").purpose, None);
    }

    #[test]
    fn declaration_text_own_cases() {
        // Per-section headers (the cd.js page flattened), a glued unknown provider, an
        // unrecognised purpose start.
        let text = "Necessary (2)Necessary cookies help.NameProviderPurposeExpiryType\
                    abc [x2]Foo BarUsed to test.1 dayHTTP Marketing (1)Marketing cookies track you. \
                    NameProviderPurposeExpiryTypesomethingz3 9 lowercase purpose2 yearsHTML end";
        assert!(detect_cookiebot_text(text));
        let p = from_declaration_text(text, "t");
        assert_eq!(p.items.len(), 2, "{:?}", p.sources[0].problems);
        assert_eq!(item(&p, "abc").category, DeclaredCategory::Necessary);
        assert_eq!(item(&p, "abc").provider.as_deref(), Some("Foo Bar"));
        let last = &p.items[1];
        assert_eq!(last.category, DeclaredCategory::Marketing);
        assert_eq!(last.kind, ItemKind::Storage);
        assert!(
            p.sources[0].problems.iter().any(|x| x.contains("purpose starts")),
            "{:?}",
            p.sources[0].problems
        );
    }

    #[test]
    fn detection() {
        assert!(!detect_cookiebot_text(""));
        assert!(!detect_cookiebot_text(
            "Name Provider Purpose Expiry Type but no categories"
        ));
        assert!(!detect_cookiebot_text(&read(CCJS1)));
        assert!(detect_cookiebot_text(
            "Necessary (3) … Name Provider Purpose Maximum Storage Duration Type"
        ));
    }

    #[test]
    fn malformed_inputs() {
        let garbage: String = (0u8..=255).cycle().take(5000).map(char::from).collect();
        let ccjs = read(CCJS1);
        let seed = read(SEED);
        for input in [
            "",
            "{",
            "[]",
            "\u{0}\u{1}\u{2}",
            garbage.as_str(),
            "CookieConsentDialog.cookieTableNecessary = 5;",
        ] {
            for p in [
                from_ccjs(input, "x"),
                from_dialog_json(input, "x"),
                from_declaration_html(input, "x"),
                from_declaration_text(input, "x"),
            ] {
                assert_eq!(p.sources.len(), 1);
                assert!(p.items.is_empty());
                assert!(!p.sources[0].problems.is_empty(), "{input:?}");
                assert_eq!(p.consent_manager, None);
            }
            assert!(ccjs_whitelist(input).is_empty());
        }
        // Truncated cc.js: the tables before the cut are read, the cut one is reported.
        let cut = ccjs.find("CookieConsentDialog.cookieTableStatistics").unwrap() + 300;
        let p = from_ccjs(&ccjs[..cut], "x");
        assert_eq!(p.items.len(), 9);
        assert!(
            p.sources[0]
                .problems
                .iter()
                .any(|x| x.starts_with("cookieTableStatistics: ")),
            "{:?}",
            p.sources[0].problems
        );
        // Short rows and odd types.
        let p = from_ccjs(
            r#"CookieConsentDialog.cookieTableNecessary = [["a","b"],5,["","x","y","z","HTTP","1","",""],["c","p","q","1 day","Weird","9","",""]];"#,
            "x",
        );
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.sources[0].problems.len(), 4, "{:?}", p.sources[0].problems);
        let p = from_dialog_json(
            r#"{"necessary": [["a","b"]], "marketing": 5, "other": [], "statistics": null}"#,
            "x",
        );
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.sources[0].problems.len(), 3, "{:?}", p.sources[0].problems);
        let p = from_declaration_html(
            "<div class='CookieDeclarationType'><table class='CookieDeclarationTable'><tr><td>x</td></tr></table></div>",
            "x",
        );
        assert!(p.items.is_empty());
        assert!(p.sources[0].problems[0].contains("expected 5 cells"));
        // Every cut of the flattened declaration reads without panicking.
        let mut at = 0;
        while at < seed.len() {
            let mut end = at;
            while !seed.is_char_boundary(end) {
                end += 1;
            }
            let p = from_declaration_text(&seed[..end], "x");
            assert!(p.items.len() <= 139);
            at += 997;
        }
        let big = "a".repeat(MAX_INPUT + 1);
        assert!(from_declaration_text(&big, "x").sources[0].problems[0].contains("larger than"));
        assert!(!detect_cookiebot_text(&big));
    }
}
