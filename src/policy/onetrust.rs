//! OneTrust (CookiePro, Optanon) declarations:
//!
//! * [`from_domain_data`] — the `DomainData` JSON: the per-ruleset/language file
//!   `{base}/consent/{ddid}/{rulesetId}/{lang}.json` (`{DomainData: {Groups: […]}}`), the
//!   object `OneTrust.GetDomainData()` returns in the page (`{Groups: […]}`), and the legacy
//!   inline object of `consent/{uuid}.js` (groups named in
//!   `GroupLanguagePropertiesSets[].GroupName.Text`, host sub-groups carrying their parent
//!   group object in `Parent`, stringly-typed cookies). [`consent_model`] reads its
//!   `ConsentModel` (`opt-in`, `Opt-out`, …).
//! * [`from_cookie_list_html`] — the cookie list the SDK renders into
//!   `#ot-sdk-cookie-policy` / `#ot-sdk-cookie-policy-v2` (a heading per group, then rows of
//!   host, comma-separated cookie names, first/third party, comma-separated lifespans in the
//!   same order as the names).
//!
//! Choices:
//!
//! * **Categories.** A group's name is mapped with [`DeclaredCategory::from_label`] (its
//!   `CustomGroupId` `C0001`… when the name says nothing). A sub-group — one with a `Parent`
//!   (a group id, or the legacy embedded parent object) or listed in a group's `SubGroups` —
//!   takes its parent's category and label.
//! * **Expiry.** `Length` is in days (a string or a number); a non-session cookie of
//!   `Length` 0 is what OneTrust shows as "A few seconds" and is read as 60 s. `IsSession`
//!   true/"1"/"true" means a session cookie — except in documents where the flag is plainly
//!   inverted (the legacy inline object: every cookie flagged as session has a `Length` in
//!   days and no unflagged cookie has one, e.g. `OptanonConsent` "1"/"365" beside `s_sess`
//!   "0"/"0"): there the flag is read the other way round, and a problem says so. When
//!   flags merely disagree with some lengths, the length wins for those cookies.
//! * **Names.** Placeholder runs (`xxxx`, `XXXX`, `nnnn`, `##`) become one `#`
//!   (`_gat_gtag_xxxx…` → `_gat_gtag_#`, `AMCVS_xxxxxAdobeOrg` → `AMCVS_#AdobeOrg`); once a
//!   name has such a run, its one- or two-letter `x` pieces between separators are
//!   placeholders too. A `*` other than a trailing one becomes `#`. A name ending in `_` or
//!   `-` is a prefix OneTrust cut short (`_gat_UA-`, `__RequestVerificationToken_`) and
//!   gets a trailing `*`.
//! * **Vendors.** Every host of a group's `Hosts` list (its `DisplayName`, else `HostName`),
//!   every legacy host sub-group, and every third-party host row of the rendered list is a
//!   [`DeclaredVendor`] (once per name), resolved against the signature database by domain.

use std::collections::{HashMap, HashSet};

use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};

use super::model::{
    DeclaredCategory, DeclaredItem, DeclaredPolicy, DeclaredVendor, ItemKind, PolicySource, parse_expiry,
};
use crate::signatures::pattern::NamePattern;

/// Inputs larger than this are not read.
const MAX_INPUT: usize = super::MAX_DOCUMENT_BYTES;
/// At most this many problems are listed per source.
const MAX_PROBLEMS: usize = 200;
/// At most this many items are read per source.
const MAX_ITEMS: usize = 50_000;
/// Sub-groups are followed this deep.
const MAX_DEPTH: usize = 8;

/// What one extractor run collects.
struct Out {
    source: PolicySource,
    items: Vec<DeclaredItem>,
    vendors: Vec<DeclaredVendor>,
    vendor_names: HashSet<String>,
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
            vendor_names: HashSet::new(),
        }
    }

    fn problem(&mut self, p: impl Into<String>) {
        self.source.add_problem(p.into(), MAX_PROBLEMS);
    }

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
        if self.items.len() >= MAX_ITEMS {
            if self.items.len() == MAX_ITEMS {
                self.problem(format!("more than {MAX_ITEMS} cookies; the rest is not read"));
            }
            return false;
        }
        self.items.push(item);
        true
    }

    /// Adds a vendor once per (case-insensitive) name.
    fn vendor(&mut self, name: &str, host: Option<&str>) {
        let name = normalize_ws(name);
        if name.is_empty() || !self.vendor_names.insert(name.to_lowercase()) {
            return;
        }
        let host = host
            .map(|h| h.trim().trim_start_matches('.').to_string())
            .filter(|h| !h.is_empty());
        let vendor = resolve_vendor(host.as_deref().or(Some(name.as_str())), &name);
        self.vendors.push(DeclaredVendor {
            name,
            vendor,
            source: 0,
            quote: host,
        });
    }

    fn finish(mut self) -> DeclaredPolicy {
        self.source.items = self.items.len();
        self.source.vendors = self.vendors.len();
        let found = !self.items.is_empty() || !self.vendors.is_empty();
        DeclaredPolicy {
            consent_manager: found.then(|| "onetrust".to_string()),
            sources: vec![self.source],
            items: self.items,
            vendors: self.vendors,
            ..Default::default()
        }
    }
}

/// Whitespace runs to one space, trimmed.
fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The signature id of a vendor, by domain first, then by name or alias.
fn resolve_vendor(domain: Option<&str>, name: &str) -> Option<String> {
    let index = crate::signatures::builtin_index().ok()?;
    if let Some(d) = domain {
        let d = d.trim().trim_start_matches('.').to_ascii_lowercase();
        if d.contains('.')
            && !d.contains(' ')
            && let Some(m) = index.match_host(&d)
        {
            return Some(m.vendor.id.clone());
        }
    }
    let n = name.trim().to_lowercase();
    if n.is_empty() {
        return None;
    }
    index
        .vendors()
        .iter()
        .find(|v| v.name.to_lowercase() == n || v.aliases.iter().any(|a| a.to_lowercase() == n))
        .map(|v| v.id.clone())
}

/// A OneTrust cookie name, with its placeholders in crumbs' notation (see the module
/// documentation).
fn normalise_name(raw: &str) -> String {
    let t = normalize_ws(raw);
    let Some(runs) = regex!(r"x{3,}|X{3,}|n{4,}|#{2,}") else {
        return t;
    };
    let had_run = runs.is_match(&t);
    let mut s = runs.replace_all(&t, "#").into_owned();
    if had_run {
        // Short x pieces between separators: `_gat_UA-#-x` → `_gat_UA-#-#`.
        let mut out = String::with_capacity(s.len());
        let mut piece = String::new();
        let flush = |piece: &mut String, out: &mut String| {
            if !piece.is_empty() && piece.len() <= 2 && piece.chars().all(|c| c == 'x' || c == 'X') {
                out.push('#');
            } else {
                out.push_str(piece);
            }
            piece.clear();
        };
        for c in s.chars() {
            if c.is_alphanumeric() {
                piece.push(c);
            } else {
                flush(&mut piece, &mut out);
                out.push(c);
            }
        }
        flush(&mut piece, &mut out);
        s = out;
    }
    let (body, star) = match s.strip_suffix('*') {
        Some(b) => (b.to_string(), true),
        None => (s, false),
    };
    let mut body = body.replace('*', "#");
    while body.contains("##") {
        body = body.replace("##", "#");
    }
    if star || ((body.ends_with('_') || body.ends_with('-')) && body.len() > 1 && !body.contains('#')) {
        format!("{body}*")
    } else {
        body
    }
}

/// `true`/`"1"`/`"true"` → true, `false`/`"0"`/`"false"`/`""` → false.
fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Some(true),
            "0" | "false" | "no" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `Length` in days, from a string or a number.
fn days(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// A string field (numbers read as text); `None` when empty or `"null"`.
fn text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => normalize_ws(s),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty() && s != "null").then_some(s)
}

/// A group's name: `GroupName` (a string, or `{Text}`), else the first
/// `GroupLanguagePropertiesSets[].GroupName.Text`.
fn group_name(g: &Map<String, Value>) -> Option<String> {
    match g.get("GroupName") {
        Some(Value::String(s)) if !s.trim().is_empty() => return Some(normalize_ws(s)),
        Some(Value::Object(o)) => {
            if let Some(t) = text(o.get("Text")) {
                return Some(t);
            }
        }
        _ => {}
    }
    g.get("GroupLanguagePropertiesSets")?
        .as_array()?
        .iter()
        .find_map(|set| text(set.get("GroupName")?.get("Text")))
}

/// Category of a top-level group: its name, else its `CustomGroupId` (`C0004`).
fn group_category(g: &Map<String, Value>, name: Option<&str>) -> DeclaredCategory {
    let c = name
        .map(DeclaredCategory::from_label)
        .unwrap_or(DeclaredCategory::Unknown);
    if c != DeclaredCategory::Unknown {
        return c;
    }
    match text(g.get("CustomGroupId")) {
        Some(id) if id.to_ascii_uppercase().starts_with("C0") => DeclaredCategory::from_label(&id),
        _ => DeclaredCategory::Unknown,
    }
}

/// One cookie entry to read.
struct Pending<'a> {
    cookie: &'a Map<String, Value>,
    path: String,
    category: DeclaredCategory,
    label: Option<String>,
    /// The provider when the cookie has no `Host`.
    host: Option<String>,
}

/// Collects the cookies of a group and its sub-groups.
struct Walker<'a> {
    /// Group ids (`CustomGroupId`, `OptanonGroupId`) → (category, label) of top-level groups.
    ids: HashMap<String, (DeclaredCategory, Option<String>)>,
    pending: Vec<Pending<'a>>,
}

impl<'a> Walker<'a> {
    fn group(
        &mut self,
        out: &mut Out,
        g: &'a Map<String, Value>,
        path: &str,
        inherited: Option<(DeclaredCategory, Option<String>)>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            out.problem(format!(
                "{path}: sub-groups nested deeper than {MAX_DEPTH}; not read"
            ));
            return;
        }
        let name = group_name(g);
        // The parent: inherited from `SubGroups`, an embedded legacy object, or a group id.
        let parent = match (&inherited, g.get("Parent")) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(Value::Object(p))) => {
                let pname = group_name(p);
                Some((group_category(p, pname.as_deref()), pname))
            }
            (None, Some(Value::String(id))) if !id.trim().is_empty() && id.trim() != "null" => {
                match self.ids.get(id.trim()) {
                    Some(p) => Some(p.clone()),
                    None => {
                        out.problem(format!(
                            "{path}: parent group {id:?} not found; its own name is used"
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        let (category, label) = match &parent {
            Some((c, l)) => (*c, l.clone()),
            None => (group_category(g, name.as_deref()), name.clone()),
        };
        if category == DeclaredCategory::Unknown {
            let has_cookies = ["Cookies", "FirstPartyCookies", "Hosts"]
                .iter()
                .any(|k| g.get(*k).and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
            if has_cookies {
                out.problem(format!(
                    "{path}: category of group {:?} not recognised",
                    label.as_deref().unwrap_or("(no name)")
                ));
            }
        }
        // A legacy host sub-group is named after its host.
        if parent.is_some()
            && let Some(n) = &name
            && looks_like_host(n)
        {
            out.vendor(n, Some(n));
        }
        for key in ["FirstPartyCookies", "Cookies"] {
            match g.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(list)) => {
                    for (i, c) in list.iter().enumerate() {
                        match c.as_object() {
                            Some(cookie) => self.pending.push(Pending {
                                cookie,
                                path: format!("{path}.{key}[{i}]"),
                                category,
                                label: label.clone(),
                                host: None,
                            }),
                            None => out.problem(format!("{path}.{key}[{i}]: not an object; skipped")),
                        }
                    }
                }
                Some(_) => out.problem(format!("{path}.{key}: not an array")),
            }
        }
        match g.get("Hosts") {
            None | Some(Value::Null) => {}
            Some(Value::Array(hosts)) => {
                for (h, host) in hosts.iter().enumerate() {
                    let Some(host) = host.as_object() else {
                        out.problem(format!("{path}.Hosts[{h}]: not an object; skipped"));
                        continue;
                    };
                    let host_name = text(host.get("HostName"));
                    let display = text(host.get("DisplayName")).or_else(|| host_name.clone());
                    if let Some(d) = &display {
                        out.vendor(d, host_name.as_deref());
                    }
                    match host.get("Cookies") {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(list)) => {
                            for (i, c) in list.iter().enumerate() {
                                match c.as_object() {
                                    Some(cookie) => self.pending.push(Pending {
                                        cookie,
                                        path: format!("{path}.Hosts[{h}].Cookies[{i}]"),
                                        category,
                                        label: label.clone(),
                                        host: display.clone(),
                                    }),
                                    None => out.problem(format!(
                                        "{path}.Hosts[{h}].Cookies[{i}]: not an object; skipped"
                                    )),
                                }
                            }
                        }
                        Some(_) => out.problem(format!("{path}.Hosts[{h}].Cookies: not an array")),
                    }
                }
            }
            Some(_) => out.problem(format!("{path}.Hosts: not an array")),
        }
        if let Some(subs) = g.get("SubGroups").and_then(Value::as_array) {
            for (i, s) in subs.iter().enumerate() {
                if let Some(s) = s.as_object() {
                    self.group(
                        out,
                        s,
                        &format!("{path}.SubGroups[{i}]"),
                        Some((category, label.clone())),
                        depth + 1,
                    );
                }
            }
        }
    }
}

/// Whether a group name is a host name (`bat.bing.com`).
fn looks_like_host(s: &str) -> bool {
    let s = s.trim().trim_start_matches('.');
    s.contains('.')
        && !s.contains(' ')
        && s.split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && s.rsplit('.')
            .next()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The `DomainData` object of a parsed document (or the document itself when it has `Groups`).
fn domain_data(v: &Value) -> Option<&Map<String, Value>> {
    let o = v.as_object()?;
    match o.get("DomainData").and_then(Value::as_object) {
        Some(dd) => Some(dd),
        None => o.contains_key("Groups").then_some(o),
    }
}

/// The `ConsentModel` of a domain-data document (`opt-in`, `Opt-out`, …), if any.
pub fn consent_model(json: &str) -> Option<String> {
    if json.len() > MAX_INPUT {
        return None;
    }
    let v: Value = serde_json::from_str(json).ok()?;
    let root = v.as_object()?;
    let cm = domain_data(&v)
        .and_then(|dd| dd.get("ConsentModel"))
        .or_else(|| root.get("ConsentModel"))?;
    match cm {
        Value::Object(o) => text(o.get("Name")).or_else(|| text(o.get("name"))),
        other => text(Some(other)),
    }
}

/// Reads a OneTrust domain-data document (see the module documentation).
pub fn from_domain_data(json: &str, location: &str) -> DeclaredPolicy {
    let mut out = Out::new("onetrust-domaindata", location);
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
    let Some(dd) = domain_data(&value) else {
        out.problem("no DomainData object or Groups list found");
        return out.finish();
    };
    let Some(groups) = dd.get("Groups").and_then(Value::as_array) else {
        out.problem("DomainData has no Groups list");
        return out.finish();
    };
    // Top-level groups by id, for sub-groups that name their parent by id.
    let mut ids = HashMap::new();
    for g in groups.iter().filter_map(Value::as_object) {
        let parent = g.get("Parent");
        let top = parent
            .is_none_or(|p| p.is_null() || p.as_str().is_some_and(|s| s.trim().is_empty() || s == "null"));
        if !top {
            continue;
        }
        let name = group_name(g);
        let entry = (group_category(g, name.as_deref()), name);
        for key in ["CustomGroupId", "OptanonGroupId"] {
            if let Some(id) = text(g.get(key)) {
                ids.entry(id).or_insert_with(|| entry.clone());
            }
        }
    }
    let mut walker = Walker {
        ids,
        pending: Vec::new(),
    };
    for (i, g) in groups.iter().enumerate() {
        match g.as_object() {
            Some(g) => walker.group(&mut out, g, &format!("Groups[{i}]"), None, 0),
            None => out.problem(format!("Groups[{i}]: not an object; skipped")),
        }
    }
    // Is IsSession inverted in this document? (See the module documentation.)
    let (mut flagged_with_days, mut unflagged_with_days) = (0usize, 0usize);
    for p in &walker.pending {
        if days(p.cookie.get("Length")).is_some_and(|d| d > 0) {
            match flag(p.cookie.get("IsSession")) {
                Some(true) => flagged_with_days += 1,
                Some(false) => unflagged_with_days += 1,
                None => {}
            }
        }
    }
    let inverted = flagged_with_days > 0 && unflagged_with_days == 0;
    if inverted {
        out.problem(format!(
            "IsSession reads inverted in this document ({flagged_with_days} cookies flagged as session have a Length in \
             days, none unflagged has one): read as \"persistent\""
        ));
    } else if flagged_with_days > 0 {
        out.problem(format!(
            "{flagged_with_days} cookies are flagged as session but have a Length in days; read as persistent"
        ));
    }
    for p in walker.pending {
        let Some(raw) = text(p.cookie.get("Name")) else {
            out.problem(format!("{}: no Name; skipped", p.path));
            continue;
        };
        let name = normalise_name(&raw);
        if let Err(e) = NamePattern::parse(&name) {
            out.problem(format!("{}: name {name:?} is not a usable pattern ({e})", p.path));
        }
        let mut item = DeclaredItem {
            name,
            kind: ItemKind::Cookie,
            provider: text(p.cookie.get("Host"))
                .map(|h| h.trim_start_matches('.').to_string())
                .filter(|h| !h.is_empty())
                .or(p.host),
            category: p.category,
            category_label: p.label,
            purpose: text(p.cookie.get("description")).or_else(|| text(p.cookie.get("Description"))),
            expiry_text: None,
            expiry_secs: None,
            session: None,
            count: 1,
            source: 0,
            location: Some(p.path.clone()),
        };
        let length = days(p.cookie.get("Length"));
        let is_session = flag(p.cookie.get("IsSession")).map(|f| f != inverted);
        if p.cookie.get("Length").is_some_and(|l| !l.is_null()) && length.is_none() {
            out.problem(format!(
                "{}: Length {} is not a number of days",
                p.path,
                p.cookie.get("Length").map_or(String::new(), Value::to_string)
            ));
        }
        match (is_session, length) {
            (Some(true), None | Some(0)) => {
                item.expiry_text = Some("Session".to_string());
                item.expiry_secs = Some(0);
                item.session = Some(true);
            }
            (_, Some(0)) => {
                item.expiry_text = Some("A few seconds".to_string());
                item.expiry_secs = Some(60);
                item.session = Some(false);
            }
            (_, Some(d)) => {
                item.expiry_text = Some(if d == 1 {
                    "1 day".to_string()
                } else {
                    format!("{d} days")
                });
                item.expiry_secs = Some(d.saturating_mul(86_400));
                item.session = Some(false);
            }
            (Some(false), None) => item.session = Some(false),
            (None, None) => {}
        }
        if !out.push_item(item) {
            break;
        }
    }
    out.finish()
}

/// The text of the first element matching one of `selectors` in `el`.
fn first_text(el: ElementRef<'_>, selectors: &[Option<&Selector>]) -> Option<String> {
    selectors
        .iter()
        .flatten()
        .find_map(|s| el.select(s).next())
        .map(|e| normalize_ws(&e.text().collect::<String>()))
}

/// Comma-separated values of a cell.
fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(normalize_ws).filter(|x| !x.is_empty()).collect()
}

/// Reads the cookie list OneTrust renders into `#ot-sdk-cookie-policy(-v2)`.
pub fn from_cookie_list_html(html: &str, location: &str) -> DeclaredPolicy {
    let mut out = Out::new("onetrust-cookie-list", location);
    if out.too_big(html.len()) {
        return out.finish();
    }
    let doc = Html::parse_document(html);
    let container = selector!("#ot-sdk-cookie-policy-v2, #ot-sdk-cookie-policy, .ot-sdk-cookie-policy")
        .and_then(|s| doc.select(s).next())
        .unwrap_or_else(|| doc.root_element());
    let host_sel = selector!("td.ot-host-td");
    let names_sel = [selector!(".ot-cookies-td-content"), selector!("td.ot-cookies-td")];
    let type_sel = [
        selector!(".ot-cookies-type-td-content"),
        selector!("td.ot-cookies-type"),
    ];
    let life_sel = [
        selector!(".ot-life-span-td-content"),
        selector!("td.ot-life-span-td"),
    ];
    let Some(host_sel) = host_sel else {
        out.problem("internal: selector did not parse");
        return out.finish();
    };
    let mut group: Option<(String, DeclaredCategory)> = None;
    let mut groups_seen = 0usize;
    let mut rows = 0usize;
    let mut row_in_group = 0usize;
    for node in container.descendants() {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let e = el.value();
        let heading = matches!(e.name(), "h2" | "h3" | "h4" | "h5" | "h6");
        if e.name() == "h4" || (heading && e.classes().any(|c| c == "ot-sdk-cookie-policy-group")) {
            let label = normalize_ws(&el.text().collect::<String>());
            if !label.is_empty() {
                let cat = DeclaredCategory::from_label(&label);
                if cat == DeclaredCategory::Unknown {
                    out.problem(format!("group {label:?}: category not recognised"));
                }
                group = Some((label, cat));
                groups_seen += 1;
                row_in_group = 0;
            }
            continue;
        }
        if e.name() != "tr" {
            continue;
        }
        let Some(host_td) = el.select(host_sel).next() else {
            continue;
        };
        rows += 1;
        row_in_group += 1;
        let (label, category) = group
            .clone()
            .unwrap_or_else(|| ("(no group)".to_string(), DeclaredCategory::Unknown));
        let whence = format!("{label} row {row_in_group}");
        let host = normalize_ws(&host_td.text().collect::<String>());
        let host = host.trim_start_matches('.').to_string();
        let names = first_text(el, &names_sel)
            .map(|s| split_list(&s))
            .unwrap_or_default();
        let party = first_text(el, &type_sel).unwrap_or_default();
        let lifespans = first_text(el, &life_sel)
            .map(|s| split_list(&s))
            .unwrap_or_default();
        if party.to_lowercase().contains("third") && !host.is_empty() {
            out.vendor(&host, Some(&host));
        }
        if names.is_empty() {
            out.problem(format!(
                "{whence} ({host}): no cookie names (lifespan {:?}); nothing declared",
                lifespans.join(", ")
            ));
            continue;
        }
        if lifespans.len() != names.len() && lifespans.len() > 1 {
            out.problem(format!(
                "{whence} ({host}): {} names but {} lifespans; matched by position",
                names.len(),
                lifespans.len()
            ));
        }
        for (i, raw) in names.iter().enumerate() {
            let name = normalise_name(raw);
            if let Err(e) = NamePattern::parse(&name) {
                out.problem(format!("{whence}: name {name:?} is not a usable pattern ({e})"));
            }
            let life = if lifespans.len() == 1 {
                lifespans.first()
            } else {
                lifespans.get(i)
            };
            let mut item = DeclaredItem {
                name,
                kind: ItemKind::Cookie,
                provider: (!host.is_empty()).then(|| host.clone()),
                category,
                category_label: Some(label.clone()),
                purpose: None,
                expiry_text: None,
                expiry_secs: None,
                session: None,
                count: 1,
                source: 0,
                location: Some(whence.clone()),
            };
            if let Some(l) = life {
                let (secs, session) = parse_expiry(l);
                if (secs, session) == (None, None) {
                    out.problem(format!("{whence}: lifespan {l:?} not understood"));
                }
                item.expiry_text = Some(l.clone());
                item.expiry_secs = secs;
                item.session = session;
            }
            if !out.push_item(item) {
                return out.finish();
            }
        }
    }
    if rows == 0 {
        out.problem("no OneTrust cookie list rows (td.ot-host-td) found");
    } else if groups_seen == 0 {
        out.problem("no group headings found; categories unknown");
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARIANT_A: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/onetrust_domaindata_variantA_metabomb_2020.json"
    );
    const VARIANT_B: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/onetrust_inline_groups_variantB_2020.json"
    );
    const LIST: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/onetrust_cookie_list_rendered_aramco_2024.html"
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

    fn items_in(p: &DeclaredPolicy, c: DeclaredCategory) -> usize {
        p.items.iter().filter(|i| i.category == c).count()
    }

    #[test]
    fn names() {
        for (raw, want) in [
            ("_gat_gtag_xxxxxxxxxxxxxxxxxxxxxxxxxxx", "_gat_gtag_#"),
            ("_sp_xxxxxxxxxx", "_sp_#"),
            ("AMCVS_xxxxxAdobeOrg", "AMCVS_#AdobeOrg"),
            ("ASPSESSIONIDXXXXXXXX", "ASPSESSIONID#"),
            ("NSC_xxxxxxxxxxxxxxx", "NSC_#"),
            ("_gd#############", "_gd#"),
            ("_gclxxxx", "_gcl#"),
            ("LPSID-nnnnnnnn", "LPSID-#"),
            ("_gat_UA-xxxxxxxx-x", "_gat_UA-#-#"),
            ("_gat_UA-", "_gat_UA-*"),
            ("__RequestVerificationToken_", "__RequestVerificationToken_*"),
            ("SESS*", "SESS*"),
            ("*_session", "#_session"),
            ("xtc", "xtc"),
            ("box_x", "box_x"),
            (" _ga ", "_ga"),
        ] {
            assert_eq!(normalise_name(raw), want, "{raw}");
            assert!(NamePattern::parse(want).is_ok(), "{want}");
        }
    }

    #[test]
    fn domain_data_variant_a() {
        let json = read(VARIANT_A);
        let p = from_domain_data(&json, "en.json");
        let s = &p.sources[0];
        assert_eq!(s.kind, "onetrust-domaindata");
        // facebook.com's host entry declares a cookie without a name.
        assert_eq!(s.problems, ["Groups[3].Hosts[19].Cookies[0]: no Name; skipped"]);
        assert_eq!((s.items, s.vendors), (82, 28));
        assert_eq!(p.consent_manager.as_deref(), Some("onetrust"));
        assert_eq!(items_in(&p, DeclaredCategory::Necessary), 3);
        assert_eq!(items_in(&p, DeclaredCategory::Statistics), 5);
        assert_eq!(items_in(&p, DeclaredCategory::Preferences), 1);
        assert_eq!(items_in(&p, DeclaredCategory::Marketing), 73);
        let oc = item(&p, "OptanonConsent");
        assert_eq!(
            (oc.expiry_secs, oc.session, oc.provider.as_deref()),
            (Some(365 * 86_400), Some(false), Some("metabomb.net"))
        );
        assert_eq!(oc.category_label.as_deref(), Some("Strictly Necessary Cookies"));
        assert!(oc.purpose.as_deref().unwrap().contains("OneTrust"));
        let gat = item(&p, "_gat");
        assert_eq!(
            (gat.expiry_text.as_deref(), gat.expiry_secs),
            (Some("A few seconds"), Some(60))
        );
        assert_eq!(gat.provider.as_deref(), Some("giphy.com"));
        assert_eq!(item(&p, "_gid").expiry_text.as_deref(), Some("1 day"));
        let ads = item(&p, "GoogleAdServingTest");
        assert_eq!((ads.session, ads.expiry_secs), (Some(true), Some(0)));
        assert_eq!(item(&p, "_sp_#").category, DeclaredCategory::Preferences);
        assert_eq!(item(&p, "_gat_gtag_#").category, DeclaredCategory::Marketing);
        assert_eq!(item(&p, "GPS").expiry_secs, Some(2_914_633 * 86_400));
        assert_eq!(
            item(&p, "GPS").location.as_deref(),
            Some("Groups[3].Hosts[0].Cookies[1]")
        );
        assert_eq!(p.vendors[0].name, "onetrust.com");
        assert!(
            p.vendors
                .iter()
                .any(|v| v.name == "securepubads.g.doubleclick.net")
        );
        assert_eq!(consent_model(&json).as_deref(), Some("opt-in"));
        // The same object as `OneTrust.GetDomainData()` returns it.
        let v: Value = serde_json::from_str(&json).unwrap();
        let inner = serde_json::to_string(&v["DomainData"]).unwrap();
        let q = from_domain_data(&inner, "page");
        assert_eq!(q.items, p.items);
        assert_eq!(consent_model(&inner).as_deref(), Some("opt-in"));
    }

    #[test]
    fn domain_data_variant_b() {
        let json = read(VARIANT_B);
        let p = from_domain_data(&json, "consent.js");
        let s = &p.sources[0];
        assert_eq!(s.problems.len(), 1, "{:?}", s.problems);
        assert!(s.problems[0].starts_with("IsSession reads inverted in this document (83 cookies"));
        assert_eq!((s.items, s.vendors), (115, 27));
        assert_eq!(items_in(&p, DeclaredCategory::Necessary), 29);
        assert_eq!(items_in(&p, DeclaredCategory::Statistics), 7);
        assert_eq!(items_in(&p, DeclaredCategory::Preferences), 4);
        assert_eq!(items_in(&p, DeclaredCategory::Marketing), 75);
        // "1"/"365": persistent for a year; "0"/"0": a session cookie; "1"/"0": a few seconds.
        let oc = item(&p, "OptanonConsent");
        assert_eq!((oc.session, oc.expiry_secs), (Some(false), Some(365 * 86_400)));
        let sess = item(&p, "s_sess");
        assert_eq!(
            (sess.session, sess.expiry_secs, sess.expiry_text.as_deref()),
            (Some(true), Some(0), Some("Session"))
        );
        assert_eq!(item(&p, "criteo_write_test").expiry_secs, Some(60));
        assert_eq!(item(&p, "AMCVS_#AdobeOrg").session, Some(true));
        assert_eq!(item(&p, "LPSID-#").category, DeclaredCategory::Preferences);
        // Host sub-groups take their parent's category and label.
        let muid = item(&p, "MUIDB");
        assert_eq!(muid.category, DeclaredCategory::Marketing);
        assert_eq!(muid.category_label.as_deref(), Some("Targeting Cookies"));
        assert_eq!(muid.provider.as_deref(), Some("bat.bing.com"));
        let io = p.items.iter().find(|i| i.name.starts_with("io_token_")).unwrap();
        assert_eq!(io.category, DeclaredCategory::Necessary);
        assert_eq!(
            item(&p, "_pinterest_sess").category_label.as_deref(),
            Some("Social Media Cookies")
        );
        assert_eq!(p.vendors[0].name, "bat.bing.com");
        assert_eq!(consent_model(&json).as_deref(), Some("Opt-out"));
    }

    #[test]
    fn domain_data_own_cases() {
        let json = r#"{"Groups": [
            {"GroupName": "Cookies", "CustomGroupId": "C0002", "OptanonGroupId": "C0002", "Parent": "",
             "FirstPartyCookies": [{"Name": "a", "IsSession": true, "Length": 0},
                                   {"Name": "b", "IsSession": "false", "Length": 30},
                                   {"Name": "c", "IsSession": "true", "Length": "7"}],
             "SubGroups": [{"GroupName": "Vendor X", "Hosts": [{"HostName": "x.example", "Cookies": [{"Name": "xid", "Length": "2"}]}]}]},
            {"GroupName": "Ad partners", "Parent": "C0002", "Cookies": [{"Name": "p", "IsSession": false, "Length": "1"}]},
            {"GroupName": "Mystery", "Parent": "nope", "Cookies": [{"Name": "m", "Length": "abc"}]}
        ]}"#;
        let p = from_domain_data(json, "t");
        assert_eq!(item(&p, "a").session, Some(true));
        assert_eq!(item(&p, "b").expiry_secs, Some(30 * 86_400));
        // Flags disagree with lengths only here and there: the length wins.
        assert_eq!(
            (item(&p, "c").session, item(&p, "c").expiry_secs),
            (Some(false), Some(7 * 86_400))
        );
        assert_eq!(item(&p, "xid").category, DeclaredCategory::Statistics);
        assert_eq!(item(&p, "xid").provider.as_deref(), Some("x.example"));
        assert_eq!(
            item(&p, "xid").location.as_deref(),
            Some("Groups[0].SubGroups[0].Hosts[0].Cookies[0]")
        );
        // A parent named by id gives its category, though the sub-group's own name says "Ad".
        assert_eq!(item(&p, "p").category, DeclaredCategory::Statistics);
        assert_eq!(item(&p, "m").category, DeclaredCategory::Unknown);
        let problems = &p.sources[0].problems;
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|x| x.contains("parent group \"nope\" not found"))
        );
        assert!(
            problems
                .iter()
                .any(|x| x.contains("category of group \"Mystery\" not recognised"))
        );
        assert!(
            problems
                .iter()
                .any(|x| x.contains("Length \"abc\" is not a number of days"))
        );
        assert!(
            problems
                .iter()
                .any(|x| x.contains("1 cookies are flagged as session"))
        );
        assert_eq!(p.vendors.len(), 1);
        assert_eq!(p.vendors[0].quote.as_deref(), Some("x.example"));
    }

    #[test]
    fn cookie_list_aramco() {
        let p = from_cookie_list_html(&read(LIST), "https://www.aramco.com/cookies");
        let s = &p.sources[0];
        assert_eq!(s.kind, "onetrust-cookie-list");
        assert_eq!(
            s.problems,
            [
                "Targeting Cookies row 5 (www.facebook.com): no cookie names (lifespan \"Session\"); nothing declared"
            ]
        );
        assert_eq!(s.items, 49);
        let mut groups: Vec<&str> = p
            .items
            .iter()
            .filter_map(|i| i.category_label.as_deref())
            .collect();
        groups.dedup();
        assert_eq!(
            groups,
            [
                "Strictly Necessary Cookies",
                "Performance Cookies",
                "Functional Cookies",
                "Targeting Cookies"
            ]
        );
        let mut rows: Vec<&str> = p.items.iter().filter_map(|i| i.location.as_deref()).collect();
        rows.dedup();
        assert_eq!(rows.len(), 23); // 24 rows, one without names
        assert_eq!(items_in(&p, DeclaredCategory::Necessary), 8);
        assert_eq!(items_in(&p, DeclaredCategory::Statistics), 6);
        assert_eq!(items_in(&p, DeclaredCategory::Preferences), 8);
        assert_eq!(items_in(&p, DeclaredCategory::Marketing), 27);
        for (name, life, secs) in [
            ("OptanonConsent", "364 Days", Some(364 * 86_400)),
            ("OptanonAlertBoxClosed", "364 Days", Some(364 * 86_400)),
            ("JSESSIONID", "Session", Some(0)),
            ("_gat_UA-*", "A few seconds", Some(60)),
            ("NSC_#", "2914047 Days", Some(2_914_047 * 86_400)),
            ("ASPSESSIONID#", "Session", Some(0)),
            ("_gcl#", "90 Days", Some(90 * 86_400)),
            ("lidc", "1 Day", Some(86_400)),
            ("bscookie", "730 Days", Some(730 * 86_400)),
        ] {
            let i = item(&p, name);
            assert_eq!(
                (i.expiry_text.as_deref(), i.expiry_secs),
                (Some(life), secs),
                "{name}"
            );
        }
        assert_eq!(
            item(&p, "JSESSIONID").provider.as_deref(),
            Some("careers.aramco.com")
        );
        let vimeo = item(&p, "vuid");
        assert_eq!(
            (vimeo.provider.as_deref(), vimeo.category),
            (Some("vimeo.com"), DeclaredCategory::Preferences)
        );
        assert_eq!(p.vendors.len(), 12);
        assert!(p.vendors.iter().any(|v| v.name == "www.facebook.com"));
    }

    #[test]
    fn malformed_inputs() {
        let garbage: String = (0u8..=255).cycle().take(5000).map(char::from).collect();
        for input in [
            "",
            "{",
            "[1,2]",
            "null",
            r#"{"Groups": 5}"#,
            r#"{"DomainData": []}"#,
            garbage.as_str(),
        ] {
            let p = from_domain_data(input, "x");
            assert_eq!(p.sources.len(), 1);
            assert!(p.items.is_empty());
            assert!(!p.sources[0].problems.is_empty(), "{input:?}");
            assert_eq!(p.consent_manager, None);
            assert_eq!(consent_model(input), None);
            let q = from_cookie_list_html(input, "x");
            assert!(q.items.is_empty());
            assert!(!q.sources[0].problems.is_empty());
        }
        let p = from_domain_data(
            r#"{"Groups": [5, {"GroupName": "Targeting", "Cookies": [7, {"Length": "1"}], "Hosts": {"a": 1}}]}"#,
            "x",
        );
        assert!(p.items.is_empty());
        assert_eq!(p.sources[0].problems.len(), 4, "{:?}", p.sources[0].problems);
        let html = r#"<div id="ot-sdk-cookie-policy"><h4>Performance Cookies</h4><table><tr><td class="ot-host-td">a.com</td>
            <td><span class="ot-cookies-td-content">_ga, _gid, _gat</span></td>
            <td><span class="ot-life-span-td-content">730 Days, 1 Day</span></td></tr>
            <tr><td class="ot-host-td">b.com</td><td><span class="ot-cookies-td-content">x, y</span></td>
            <td><span class="ot-life-span-td-content">Forever</span></td></tr></table></div>"#;
        let p = from_cookie_list_html(html, "x");
        assert_eq!(p.items.len(), 5);
        assert_eq!(item(&p, "_gat").expiry_text, None);
        assert_eq!(item(&p, "y").expiry_text.as_deref(), Some("Forever"));
        assert_eq!(p.sources[0].problems.len(), 3, "{:?}", p.sources[0].problems);
        let big = " ".repeat(MAX_INPUT + 1);
        assert!(from_domain_data(&big, "x").sources[0].problems[0].contains("larger than"));
        assert_eq!(consent_model(&big), None);
    }
}
