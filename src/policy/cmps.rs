//! Declarations of consent managers whose data is readable in the page: Klaro, orestbida
//! CookieConsent v3, Osano, CookieYes, Complianz, Usercentrics and Termly.
//!
//! The scanner evaluates the `…_JS` expression next to each extractor in the page
//! (`Runtime.evaluate`; the Usercentrics, CookieConsent and Termly ones return a Promise, so
//! evaluate them with `awaitPromise`) and hands the resulting string to the extractor. Each
//! JSON expression yields a JSON **string** (or `null` when the consent manager is absent);
//! RegExps become `{"regex": source, "flags": flags}`, functions and DOM nodes are dropped,
//! cycles are cut. A JSON object `{"error": "…"}` from the page is reported as a problem. The
//! two HTML extractors take the page's HTML (`document.documentElement.outerHTML`).
//!
//! | function | source kind | input |
//! |---|---|---|
//! | [`from_klaro`] | `klaro` | Klaro config: `services[]` (older `apps[]`) `{name, title, purposes[], cookies[], required, localStorage[], sessionStorage[]}`; a cookie is a string, `{regex, flags}`, `[pattern, path, domain]` or `{pattern: "/re/", expiresAfter, path}` |
//! | [`from_cookieconsent_v3`] | `cookieconsent-v3` | `CookieConsent.getConfig()`: `categories{<name>: {readOnly, autoClear{cookies[{name}]}, services{<id>: {label, cookies[{name}]}}}}`, `language{default, translations{<lang>: {preferencesModal{sections[{title, linkedCategory, cookieTable{headers{<key>: label}, body[{<key>: value}]}}]}}}}` |
//! | [`from_osano`] | `osano` | `{consent: {ANALYTICS: "ACCEPT"\|"DENY", …}, dialogOpen}` (or the consent map alone): categories only, no items |
//! | [`from_cookieyes_html`] | `cookieyes` | HTML: `table.cky-cookie-audit-table`, `ul.cky-cookie-des-table`, cookie-law-info `table.cookielawinfo-*` |
//! | [`from_complianz_html`] | `complianz` | HTML: `details.cmplz-service-desc` service blocks with `.cookies-per-purpose` (`.purpose`, `.name`, `.retention`, `.function`), or older per-service tables Name / Retention / Function with purpose rows |
//! | [`from_usercentrics`] | `usercentrics` | `{fullInfo: UC_UI.getServicesFullInfo(), consentDetails: __ucCmp.getConsentDetails()}`, or either alone: `[{id, name, categorySlug, isEssential, deviceStorage{disclosures[{identifier, type, maxAgeSeconds, domain, description}]}}]`, `{services{<id>: {name, essential}}}` |
//! | [`from_termly`] | `termly` | Termly cookies API: `{cookies: {essential[], performance[], analytics[], advertising[], social_networking[], unclassified[]}}`, cookie `{name, tracker_type, domain, service, expire, en_us}` |
//!
//! Every declared service becomes a [`DeclaredVendor`] (resolved to a signature id by an
//! exact, case- and punctuation-insensitive match on a built-in vendor's id, name or alias).
//! Malformed input never panics: what went wrong is listed in the source's problems and
//! whatever could be read is kept.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use scraper::{ElementRef, Selector};
use serde_json::{Map, Value};

use super::model::{DeclaredCategory, DeclaredItem, DeclaredPolicy, DeclaredVendor, ItemKind};
use super::tables::{
    Column, MAX_INPUT, TableOptions, category_from_label, classify_header, collapse, elements_with_headings,
    expiry, finish, inline_text, js_regex_pattern, new_policy, normalise_name, parse_html, problem,
    purpose_text, read_table, render_text, room_for_item, shorten, split_names,
};
use crate::signatures::pattern::NamePattern;

/// A JavaScript function `plain(value, [])` that turns any value into JSON-safe data:
/// RegExp → `{regex, flags}` (also from another frame), Date → ISO text, functions, symbols,
/// DOM nodes and windows dropped (null inside arrays), cycles and nesting deeper than 32
/// cut, non-finite numbers → null.
macro_rules! js_plain {
    () => {
        r#"const plain = (v, stack) => {
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t === 'string' || t === 'boolean') return v;
  if (t === 'number') return Number.isFinite(v) ? v : null;
  if (t !== 'object') return undefined;
  const tag = Object.prototype.toString.call(v);
  if (tag === '[object RegExp]') return { regex: String(v.source), flags: String(v.flags) };
  if (tag === '[object Date]') return isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v.nodeType === 'number' && typeof v.nodeName === 'string') return undefined;
  if (v.window === v) return undefined;
  if (stack.length > 32 || stack.indexOf(v) >= 0) return undefined;
  stack.push(v);
  let out;
  try {
    if (Array.isArray(v)) {
      out = [];
      for (let i = 0; i < v.length && i < 100000; i++) {
        const p = plain(v[i], stack);
        out.push(p === undefined ? null : p);
      }
    } else {
      out = {};
      for (const k of Object.keys(v)) {
        let x;
        try { x = v[k]; } catch (e) { continue; }
        const p = plain(x, stack);
        if (p !== undefined) out[k] = p;
      }
    }
  } finally { stack.pop(); }
  return out;
};
"#
    };
}

// ---------------------------------------------------------------------------------------
// Shared helpers.
// ---------------------------------------------------------------------------------------

/// A CMP policy: its source, and the consent manager set.
fn cmp_policy(kind: &str, location: &str, cm: &str) -> DeclaredPolicy {
    let mut p = new_policy(kind, location);
    p.consent_manager = Some(cm.to_string());
    p
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses the page's JSON (also a JSON string holding JSON); problems recorded.
fn parse_json(input: &str, policy: &mut DeclaredPolicy) -> Option<Value> {
    if input.len() > MAX_INPUT {
        problem(
            policy,
            format!("input is {} bytes, over the 20 MB limit; not read", input.len()),
        );
        return None;
    }
    let t = input.trim_start_matches('\u{feff}').trim();
    if t.is_empty() {
        problem(policy, "empty input".to_string());
        return None;
    }
    let v = match serde_json::from_str::<Value>(t) {
        Ok(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(v) => v,
            Err(_) => {
                problem(
                    policy,
                    format!("expected JSON data, found a string: {:?}", shorten(&s, 80)),
                );
                return None;
            }
        },
        Ok(v) => v,
        Err(e) => {
            problem(policy, format!("not valid JSON: {e}"));
            return None;
        }
    };
    if v.is_null() {
        problem(
            policy,
            "no data (null): the consent manager's object was not found in the page".to_string(),
        );
        return None;
    }
    if let Some(err) = v.get("error").and_then(Value::as_str) {
        problem(policy, format!("the page script reported: {}", shorten(err, 200)));
    }
    Some(v)
}

/// A non-empty, trimmed string field.
fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A text field: a string, or a number written as text.
fn text_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Letters and digits only, lowercase: the vendor-matching key.
fn vendor_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Built-in vendors by id, name and alias key.
fn vendor_index() -> &'static HashMap<String, String> {
    static INDEX: OnceLock<HashMap<String, String>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        if let Ok(index) = crate::signatures::builtin_index() {
            for v in index.vendors() {
                for name in std::iter::once(&v.id)
                    .chain(std::iter::once(&v.name))
                    .chain(v.aliases.iter())
                {
                    let k = vendor_key(name);
                    if k.len() >= 3 {
                        m.entry(k).or_insert_with(|| v.id.clone());
                    }
                }
            }
        }
        m
    })
}

/// The signature id of the first name (or `/`-separated part of one) that names a vendor.
fn resolve_vendor(names: &[&str]) -> Option<String> {
    let index = vendor_index();
    for name in names {
        let parts = std::iter::once(*name).chain(name.split(['/', '(', ')', ',']));
        for part in parts {
            if let Some(id) = index.get(&vendor_key(part)) {
                return Some(id.clone());
            }
        }
    }
    None
}

/// Adds a vendor once per name.
fn push_vendor(policy: &mut DeclaredPolicy, name: &str, also: &[&str], quote: Option<String>) {
    let name = collapse(name);
    if name.is_empty() || policy.vendors.iter().any(|v| v.name == name) {
        return;
    }
    let mut candidates = vec![name.as_str()];
    candidates.extend_from_slice(also);
    let vendor = resolve_vendor(&candidates);
    policy.vendors.push(DeclaredVendor {
        name,
        vendor,
        source: 0,
        quote,
    });
}

/// The fields of one item before it is pushed.
struct ItemDraft {
    name: String,
    kind: ItemKind,
    provider: Option<String>,
    category: DeclaredCategory,
    category_label: Option<String>,
    purpose: Option<String>,
    expiry_text: Option<String>,
    expiry: (Option<u64>, Option<bool>),
    count: u32,
    location: String,
}

/// Pushes an item, checking its name compiles (a problem otherwise; the item is kept).
fn push_item(policy: &mut DeclaredPolicy, d: ItemDraft) {
    if !room_for_item(policy) {
        return;
    }
    if let Err(e) = NamePattern::parse(&d.name) {
        problem(
            policy,
            format!("{}: name {:?} is not a usable pattern: {e}", d.location, d.name),
        );
    }
    policy.items.push(DeclaredItem {
        name: d.name,
        kind: d.kind,
        provider: d.provider,
        category: d.category,
        category_label: d.category_label,
        purpose: d.purpose,
        expiry_text: d.expiry_text,
        expiry_secs: d.expiry.0,
        session: d.expiry.1,
        count: d.count.max(1),
        source: 0,
        location: Some(d.location),
    });
}

/// A cookie-name value of a JS config: a string, or a serialised RegExp `{regex, flags}`
/// (also `{source, flags}`, or a hosted-config `{pattern: "/re/"}`).
fn js_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(normalise_name(s)).filter(|n| !n.is_empty()),
        Value::Object(o) => {
            let flags = o.get("flags").and_then(Value::as_str).unwrap_or("");
            if let Some(src) = o.get("regex").or_else(|| o.get("source")).and_then(Value::as_str) {
                return (!src.is_empty()).then(|| js_regex_pattern(src, flags));
            }
            let inner = o
                .get("pattern")
                .or_else(|| o.get("name"))
                .or_else(|| o.get("key"))?;
            js_name(inner)
        }
        _ => None,
    }
}

/// Removes HTML tags and the common entities from a config string.
fn strip_tags(s: &str) -> String {
    static TAG: OnceLock<Option<Regex>> = OnceLock::new();
    let re = TAG.get_or_init(|| Regex::new(r"<[^<>]{0,2000}>").ok());
    let no_tags = match re {
        Some(re) => re.replace_all(s, " ").into_owned(),
        None => s.to_string(),
    };
    let decoded = no_tags
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    collapse(&decoded)
}

// ---------------------------------------------------------------------------------------
// Klaro.
// ---------------------------------------------------------------------------------------

/// Evaluates to the Klaro config as a JSON string: `klaro.getManager().config`, else the
/// variable named by the script's `data-klaro-config`/`data-config`, else `window.klaroConfig`;
/// `null` when there is none.
pub const KLARO_JS: &str = concat!(
    "(() => {\n",
    js_plain!(),
    r#"const usable = (c) => c && typeof c === 'object' && (Array.isArray(c.services) || Array.isArray(c.apps));
let cfg = null;
try {
  if (window.klaro && typeof window.klaro.getManager === 'function') {
    const m = window.klaro.getManager();
    if (m && usable(m.config)) cfg = m.config;
  }
} catch (e) {}
if (!cfg) {
  for (const s of document.querySelectorAll('script[data-klaro-config], script[data-config]')) {
    const name = s.getAttribute('data-klaro-config') || s.getAttribute('data-config');
    try { if (name && usable(window[name])) { cfg = window[name]; break; } } catch (e) {}
  }
}
if (!cfg && usable(window.klaroConfig)) cfg = window.klaroConfig;
return cfg ? JSON.stringify(plain(cfg, [])) : null;
})()"#
);

/// Reads a Klaro config ([`KLARO_JS`]'s output, or a hosted JSON config). Each service is a
/// vendor (its title, else its translated title, else its name); each cookie, localStorage
/// and sessionStorage pattern an item whose category is the first purpose `from_label`
/// recognises (`required: true` → necessary). Klaro declares no expiry.
pub fn from_klaro(json: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("klaro", location, "klaro");
    let Some(root) = parse_json(json, &mut p) else {
        return finish(p);
    };
    let Some(obj) = root.as_object() else {
        problem(
            &mut p,
            format!("expected a Klaro config object, found {}", type_name(&root)),
        );
        return finish(p);
    };
    let (key, services) = match (obj.get("services"), obj.get("apps")) {
        (Some(Value::Array(a)), _) => ("services", a),
        (_, Some(Value::Array(a))) => ("apps", a),
        _ => {
            problem(
                &mut p,
                "no services[] or apps[] array in the Klaro config".to_string(),
            );
            return finish(p);
        }
    };
    let lang = str_field(&root, "lang").unwrap_or("en");
    for (i, svc) in services.iter().enumerate() {
        let path = format!("{key}[{i}]");
        if !svc.is_object() {
            problem(
                &mut p,
                format!("{path}: expected an object, found {}", type_name(svc)),
            );
            continue;
        }
        let name = str_field(svc, "name");
        let title = str_field(svc, "title")
            .map(str::to_string)
            .or_else(|| klaro_translated_title(&root, svc, name, lang));
        let display = title.clone().or(name.map(str::to_string));
        match &display {
            Some(d) => push_vendor(&mut p, d, &name.into_iter().collect::<Vec<_>>(), None),
            None => problem(&mut p, format!("{path}: a service without a name")),
        }
        let purposes: Vec<String> = svc
            .get("purposes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let required = svc.get("required").and_then(Value::as_bool) == Some(true);
        let recognised = purposes
            .iter()
            .map(|pu| (category_from_label(pu), pu))
            .find(|(c, _)| *c != DeclaredCategory::Unknown);
        let (category, label) = if required {
            (
                DeclaredCategory::Necessary,
                Some(purposes.first().cloned().unwrap_or_else(|| "required".into())),
            )
        } else if let Some((c, pu)) = recognised {
            (c, Some(pu.clone()))
        } else {
            (DeclaredCategory::Unknown, purposes.first().cloned())
        };
        for (field, kind) in [
            ("cookies", ItemKind::Cookie),
            ("localStorage", ItemKind::Storage),
            ("sessionStorage", ItemKind::Storage),
        ] {
            let Some(list) = svc.get(field) else { continue };
            let Some(list) = list.as_array() else {
                if !list.is_null() {
                    problem(
                        &mut p,
                        format!("{path}.{field}: expected an array, found {}", type_name(list)),
                    );
                }
                continue;
            };
            for (j, c) in list.iter().enumerate() {
                let loc = format!("{path}.{field}[{j}]");
                // `[pattern, path, domain]` tuples carry the cookie's domain.
                let (pattern, domain) = match c {
                    Value::Array(t) => (
                        t.first(),
                        t.get(2).and_then(Value::as_str).filter(|d| !d.is_empty()),
                    ),
                    other => (Some(other), None),
                };
                let Some(n) = pattern.and_then(js_name) else {
                    problem(
                        &mut p,
                        format!("{loc}: unreadable cookie entry {}", shorten(&c.to_string(), 80)),
                    );
                    continue;
                };
                let expires = c.get("expiresAfter").and_then(|e| match e {
                    Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                let session = field == "sessionStorage";
                push_item(
                    &mut p,
                    ItemDraft {
                        name: n,
                        kind,
                        provider: domain.map(str::to_string).or_else(|| display.clone()),
                        category,
                        category_label: label.clone(),
                        purpose: None,
                        expiry: if session {
                            (Some(0), Some(true))
                        } else {
                            expires.as_deref().map_or((None, None), expiry)
                        },
                        expiry_text: expires,
                        count: 1,
                        location: loc,
                    },
                );
            }
        }
    }
    finish(p)
}

/// A service's title from the config's translations (`translations.<lang>.<name>.title`,
/// the service's own `translations.<lang>.title`), trying `lang`, `en`, `zz`, then any.
fn klaro_translated_title(root: &Value, svc: &Value, name: Option<&str>, lang: &str) -> Option<String> {
    let langs = [lang, "en", "zz"];
    let pick = |tr: Option<&Value>, path: &dyn Fn(&Value) -> Option<String>| -> Option<String> {
        let tr = tr?.as_object()?;
        langs
            .iter()
            .filter_map(|l| tr.get(*l))
            .chain(tr.values())
            .find_map(path)
    };
    if let Some(t) = pick(svc.get("translations"), &|t| {
        str_field(t, "title").map(str::to_string)
    }) {
        return Some(t);
    }
    let name = name?;
    pick(root.get("translations"), &|t| {
        t.get(name)
            .and_then(|s| str_field(s, "title"))
            .map(str::to_string)
    })
}

// ---------------------------------------------------------------------------------------
// CookieConsent v3 (orestbida).
// ---------------------------------------------------------------------------------------

/// Evaluates (a Promise) to `CookieConsent.getConfig()` as a JSON string, with translations
/// given as a URL or an async function loaded and inlined; `null` without CookieConsent.
pub const COOKIECONSENT_V3_JS: &str = concat!(
    "(async () => {\n",
    js_plain!(),
    r#"const cc = window.CookieConsent;
if (!cc || typeof cc.getConfig !== 'function') return null;
let raw;
try { raw = cc.getConfig(); } catch (e) { return JSON.stringify({ error: String(e) }); }
if (!raw || typeof raw !== 'object') return null;
const out = plain(raw, []) || {};
const tr = raw.language && raw.language.translations;
if (tr && typeof tr === 'object') {
  out.language = out.language || {};
  out.language.translations = out.language.translations || {};
  for (const lang of Object.keys(tr)) {
    let t = tr[lang];
    try {
      if (typeof t === 'function') t = await t();
      else if (typeof t === 'string') { const r = await fetch(t, { credentials: 'same-origin' }); t = await r.json(); }
    } catch (e) { t = { error: String(e) }; }
    out.language.translations[lang] = plain(t, []);
  }
}
return JSON.stringify(out);
})()"#
);

/// Reads a CookieConsent v3 config ([`COOKIECONSENT_V3_JS`]'s output): the cookie tables of
/// the preferences modal's sections in the default language (category = the section's
/// `linkedCategory`; a `readOnly` category is necessary), then the `autoClear` cookie lists
/// and `services` of each category (services are vendors). A name already read from a table
/// for the same category is not repeated.
pub fn from_cookieconsent_v3(json: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("cookieconsent-v3", location, "cookieconsent");
    let Some(root) = parse_json(json, &mut p) else {
        return finish(p);
    };
    if !root.is_object() {
        problem(
            &mut p,
            format!(
                "expected a CookieConsent config object, found {}",
                type_name(&root)
            ),
        );
        return finish(p);
    }
    let empty = Map::new();
    let categories = match root.get("categories") {
        Some(Value::Object(m)) => m,
        Some(other) => {
            problem(
                &mut p,
                format!("categories: expected an object, found {}", type_name(other)),
            );
            &empty
        }
        None => {
            problem(&mut p, "no categories in the config".to_string());
            &empty
        }
    };
    let category_of = |name: &str, fallback: Option<&str>| -> (DeclaredCategory, Option<String>) {
        let read_only = categories
            .get(name)
            .and_then(|c| c.get("readOnly"))
            .and_then(Value::as_bool)
            == Some(true);
        if read_only {
            return (DeclaredCategory::Necessary, Some(name.to_string()));
        }
        let c = category_from_label(name);
        if c == DeclaredCategory::Unknown
            && let Some(f) = fallback
        {
            let fc = category_from_label(f);
            if fc != DeclaredCategory::Unknown {
                return (fc, Some(f.to_string()));
            }
        }
        (c, Some(name.to_string()).filter(|n| !n.is_empty()))
    };
    let mut seen: Vec<(String, DeclaredCategory)> = Vec::new();

    // The cookie tables of the preferences modal.
    if let Some((lang, tr)) = cc_translation(&root, &mut p) {
        let sections = tr.get("preferencesModal").and_then(|m| m.get("sections"));
        match sections {
            Some(Value::Array(sections)) => {
                for (si, sec) in sections.iter().enumerate() {
                    let path = format!("language.translations.{lang}.preferencesModal.sections[{si}]");
                    let Some(table) = sec.get("cookieTable").filter(|t| !t.is_null()) else {
                        continue;
                    };
                    let title = str_field(sec, "title").map(strip_tags);
                    let (category, label) = match str_field(sec, "linkedCategory") {
                        Some(linked) => category_of(linked, title.as_deref()),
                        None => {
                            let t = title.clone().unwrap_or_default();
                            (category_from_label(&t), title.clone())
                        }
                    };
                    cc_table(&mut p, table, &path, category, label, &mut seen);
                }
            }
            Some(other) => problem(
                &mut p,
                format!(
                    "language.translations.{lang}.preferencesModal.sections: expected an array, found {}",
                    type_name(other)
                ),
            ),
            None => {}
        }
    }

    // autoClear lists and services of each category.
    for (cat_name, cat) in categories {
        let (category, label) = category_of(cat_name, None);
        if let Some(list) = cat.get("autoClear").and_then(|a| a.get("cookies")) {
            let path = format!("categories.{cat_name}.autoClear.cookies");
            cc_cookie_list(&mut p, list, &path, category, label.clone(), None, &mut seen);
        }
        if let Some(services) = cat.get("services").and_then(Value::as_object) {
            for (sid, svc) in services {
                let svc_name = str_field(svc, "label")
                    .map(strip_tags)
                    .unwrap_or_else(|| sid.clone());
                push_vendor(&mut p, &svc_name, &[sid.as_str()], None);
                if let Some(list) = svc.get("cookies") {
                    let path = format!("categories.{cat_name}.services.{sid}.cookies");
                    cc_cookie_list(
                        &mut p,
                        list,
                        &path,
                        category,
                        label.clone(),
                        Some(&svc_name),
                        &mut seen,
                    );
                }
            }
        }
    }
    finish(p)
}

/// The translation object to read: the default language's, else the first that is an object.
fn cc_translation<'a>(root: &'a Value, p: &mut DeclaredPolicy) -> Option<(String, &'a Value)> {
    let language = root.get("language")?;
    let translations = language.get("translations")?.as_object()?;
    let default = str_field(language, "default");
    let mut order: Vec<&String> = translations.keys().collect();
    if let Some(d) = default
        && let Some(pos) = order.iter().position(|k| k.as_str() == d)
    {
        let k = order.remove(pos);
        order.insert(0, k);
    }
    for k in order {
        match translations.get(k) {
            Some(v @ Value::Object(_)) if v.get("error").is_none() => return Some((k.clone(), v)),
            Some(Value::Object(o)) => problem(
                p,
                format!(
                    "language.translations.{k}: could not be loaded: {}",
                    o.get("error").and_then(Value::as_str).unwrap_or("")
                ),
            ),
            Some(Value::String(url)) => problem(
                p,
                format!("language.translations.{k} is a URL ({url}) that was not loaded in the page"),
            ),
            _ => {}
        }
    }
    None
}

/// One `cookieTable {headers, body}`.
fn cc_table(
    p: &mut DeclaredPolicy,
    table: &Value,
    path: &str,
    category: DeclaredCategory,
    label: Option<String>,
    seen: &mut Vec<(String, DeclaredCategory)>,
) {
    // Column role of each body key: from the key, else from its header label.
    let mut roles: Vec<(String, Column)> = Vec::new();
    if let Some(headers) = table.get("headers").and_then(Value::as_object) {
        for (k, v) in headers {
            let role =
                classify_header(k).or_else(|| v.as_str().and_then(|l| classify_header(&strip_tags(l))));
            if let Some(r) = role {
                roles.push((k.clone(), r));
            }
        }
    }
    if !roles.iter().any(|(_, r)| *r == Column::Name) {
        roles.push(("name".to_string(), Column::Name));
    }
    let key_of = |c: Column| roles.iter().find(|(_, r)| *r == c).map(|(k, _)| k.as_str());
    let Some(body) = table.get("body").and_then(Value::as_array) else {
        problem(p, format!("{path}.cookieTable: no body array"));
        return;
    };
    for (ri, row) in body.iter().enumerate() {
        let loc = format!("{path}.cookieTable.body[{ri}]");
        let cell = |c: Column| {
            key_of(c)
                .and_then(|k| text_field(row, k))
                .map(|s| strip_tags(&s))
                .filter(|s| !s.is_empty())
        };
        let Some(name_cell) = key_of(Column::Name).and_then(|k| text_field(row, k)) else {
            problem(p, format!("{loc}: no name"));
            continue;
        };
        let names = split_names(&strip_tags(&name_cell));
        if names.is_empty() {
            problem(p, format!("{loc}: no name"));
            continue;
        }
        let duration = cell(Column::Duration);
        let kind = cell(Column::Type)
            .as_deref()
            .and_then(super::tables::kind_from_text)
            .unwrap_or(ItemKind::Cookie);
        for (raw, count) in names {
            let name = normalise_name(&raw);
            seen.push((name.clone(), category));
            push_item(
                p,
                ItemDraft {
                    name,
                    kind,
                    provider: cell(Column::Provider),
                    category,
                    category_label: label.clone(),
                    purpose: cell(Column::Purpose).as_deref().and_then(purpose_text),
                    expiry: duration.as_deref().map_or((None, None), expiry),
                    expiry_text: duration.clone(),
                    count,
                    location: loc.clone(),
                },
            );
        }
    }
}

/// An `autoClear.cookies` or service `cookies` list: `[{name: string | {regex, flags}}]`.
fn cc_cookie_list(
    p: &mut DeclaredPolicy,
    list: &Value,
    path: &str,
    category: DeclaredCategory,
    label: Option<String>,
    provider: Option<&str>,
    seen: &mut Vec<(String, DeclaredCategory)>,
) {
    let Some(list) = list.as_array() else {
        problem(p, format!("{path}: expected an array, found {}", type_name(list)));
        return;
    };
    for (j, c) in list.iter().enumerate() {
        let loc = format!("{path}[{j}]");
        let entry = c.get("name").unwrap_or(c);
        let Some(name) = js_name(entry) else {
            problem(
                p,
                format!("{loc}: unreadable cookie entry {}", shorten(&c.to_string(), 80)),
            );
            continue;
        };
        if seen.iter().any(|(n, cat)| *n == name && *cat == category) {
            continue;
        }
        seen.push((name.clone(), category));
        let domain = str_field(c, "domain").map(str::to_string);
        push_item(
            p,
            ItemDraft {
                name,
                kind: ItemKind::Cookie,
                provider: domain.or_else(|| provider.map(str::to_string)),
                category,
                category_label: label.clone(),
                purpose: None,
                expiry_text: None,
                expiry: (None, None),
                count: 1,
                location: loc,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// Osano.
// ---------------------------------------------------------------------------------------

/// Evaluates to `{"consent": Osano.cm.getConsent(), "dialogOpen": …}` as a JSON string;
/// `null` without Osano.
pub const OSANO_JS: &str = r#"(() => {
try {
  const cm = window.Osano && window.Osano.cm;
  if (!cm) return null;
  const consent = typeof cm.getConsent === 'function' ? cm.getConsent() : null;
  return JSON.stringify({ consent: consent, dialogOpen: !!cm.dialogOpen });
} catch (e) { return JSON.stringify({ error: String(e) }); }
})()"#;

/// Osano exposes category consent only: no items, and problems saying so and listing the
/// categories present (`ANALYTICS (statistics): DENY`).
pub fn from_osano(json: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("osano", location, "osano");
    let root = parse_json(json, &mut p);
    problem(&mut p, "Osano publishes no per-cookie declaration".to_string());
    let Some(root) = root else {
        return finish(p);
    };
    let consent = match root.get("consent") {
        Some(c @ Value::Object(_)) => c,
        Some(Value::Null) | None if root.get("dialogOpen").is_none() => &root,
        Some(other) => {
            problem(
                &mut p,
                format!("consent: expected an object, found {}", type_name(other)),
            );
            return finish(p);
        }
        None => {
            problem(&mut p, "no consent categories in the data".to_string());
            return finish(p);
        }
    };
    let Some(map) = consent.as_object() else {
        problem(
            &mut p,
            format!("expected Osano consent data, found {}", type_name(consent)),
        );
        return finish(p);
    };
    let cats: Vec<String> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "error")
        .filter_map(|(k, v)| {
            let state = v
                .as_str()
                .map(str::to_string)
                .or_else(|| v.as_bool().map(|b| b.to_string()))?;
            let c = category_from_label(k);
            Some(format!("{k} ({}): {state}", c.as_str()))
        })
        .collect();
    if cats.is_empty() {
        problem(&mut p, "no consent categories in the data".to_string());
    } else {
        problem(&mut p, format!("categories present: {}", cats.join(", ")));
    }
    finish(p)
}

// ---------------------------------------------------------------------------------------
// CookieYes (and cookie-law-info).
// ---------------------------------------------------------------------------------------

/// The page's HTML, for [`from_cookieyes_html`].
pub const COOKIEYES_JS: &str = "document.documentElement.outerHTML";

/// Reads CookieYes cookie lists from a page: the audit tables (`table.cky-cookie-audit-table`,
/// columns Cookie / Type / Duration / Description, one table per category under its title),
/// the banner's per-cookie lists (`ul.cky-cookie-des-table`: `li` = label `div` + value `div`,
/// in the category's accordion), and cookie-law-info tables (`table` with a `cookielawinfo`
/// class). The category is the title before the list (or the accordion's category slug).
pub fn from_cookieyes_html(html: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("cookieyes", location, "cookieyes");
    let Some(doc) = parse_html(html, &mut p) else {
        return finish(p);
    };
    let has_class =
        |e: &ElementRef<'_>, part: &str| e.value().attr("class").is_some_and(|c| c.contains(part));
    let found = elements_with_headings(doc.root_element(), |e| {
        let n = e.value().name();
        (n == "table" && (has_class(e, "cky-cookie-audit-table") || has_class(e, "cookielawinfo")))
            || (n == "ul" && has_class(e, "cky-cookie-des-table"))
    });
    let mut read = 0;
    let (mut tables, mut lists) = (0, 0);
    for (el, heading) in &found {
        let slug = cky_slug(*el);
        let heading = match (&slug, heading) {
            (Some(s), h)
                if h.as_deref()
                    .is_none_or(|h| category_from_label(h) == DeclaredCategory::Unknown) =>
            {
                Some(s.clone())
            }
            (_, h) => h.clone(),
        };
        if el.value().name() == "table" {
            tables += 1;
            let opts = TableOptions {
                heading: heading.as_deref(),
                label: format!("table {tables}"),
                ..TableOptions::default()
            };
            match read_table(*el, &opts, &mut p) {
                Some(_) => read += 1,
                None => problem(&mut p, format!("table {tables}: no Cookie column")),
            }
        } else {
            lists += 1;
            if cky_list(&mut p, *el, heading.as_deref(), lists) {
                read += 1;
            }
        }
    }
    if read == 0 && found.is_empty() {
        problem(&mut p, "no CookieYes cookie table found".to_string());
    }
    finish(p)
}

/// The category slug of the accordion around a banner list (`id="ckyDetailCategory<slug>Body"`).
fn cky_slug(el: ElementRef<'_>) -> Option<String> {
    let mut cur = el.parent().and_then(ElementRef::wrap);
    for _ in 0..12 {
        let e = cur?;
        if let Some(id) = e.value().attr("id")
            && let Some(rest) = id.strip_prefix("ckyDetailCategory")
        {
            let slug = rest.strip_suffix("Body").unwrap_or(rest);
            if !slug.is_empty() {
                return Some(slug.to_string());
            }
        }
        cur = e.parent().and_then(ElementRef::wrap);
    }
    None
}

/// One `ul.cky-cookie-des-table` (one cookie). Whether it yielded an item.
fn cky_list(p: &mut DeclaredPolicy, ul: ElementRef<'_>, heading: Option<&str>, n: usize) -> bool {
    let loc = format!("list {n}");
    let mut fields: HashMap<&'static str, String> = HashMap::new();
    for li in ul.child_elements().filter(|e| e.value().name() == "li") {
        let mut parts = li.child_elements();
        let (Some(label), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let key = match classify_header(&inline_text(label, 200)) {
            Some(Column::Name) => "name",
            Some(Column::Duration) => "duration",
            Some(Column::Purpose) => "purpose",
            Some(Column::Type) => "type",
            Some(Column::Provider) => "provider",
            Some(Column::Category) => "category",
            None => continue,
        };
        fields.entry(key).or_insert_with(|| render_text(value, 64 * 1024));
    }
    let Some(names) = fields
        .get("name")
        .map(|n| split_names(n))
        .filter(|n| !n.is_empty())
    else {
        problem(p, format!("{loc}: no Cookie entry"));
        return false;
    };
    let (category, label) = match fields
        .get("category")
        .map(|c| collapse(c))
        .or(heading.map(str::to_string))
    {
        Some(l) => (category_from_label(&l), Some(l)),
        None => (DeclaredCategory::Unknown, None),
    };
    let duration = fields
        .get("duration")
        .map(|d| collapse(d))
        .filter(|d| !d.is_empty());
    let kind = fields
        .get("type")
        .and_then(|t| super::tables::kind_from_text(t))
        .unwrap_or(ItemKind::Cookie);
    for (raw, count) in names {
        push_item(
            p,
            ItemDraft {
                name: normalise_name(&raw),
                kind,
                provider: fields
                    .get("provider")
                    .map(|s| collapse(s))
                    .filter(|s| !s.is_empty()),
                category,
                category_label: label.clone(),
                purpose: fields.get("purpose").and_then(|s| purpose_text(s)),
                expiry: duration.as_deref().map_or((None, None), expiry),
                expiry_text: duration.clone(),
                count,
                location: loc.clone(),
            },
        );
    }
    true
}

// ---------------------------------------------------------------------------------------
// Complianz.
// ---------------------------------------------------------------------------------------

/// The page's HTML, for [`from_complianz_html`].
pub const COMPLIANZ_JS: &str = "document.documentElement.outerHTML";

fn selector(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn has_class_token(e: &ElementRef<'_>, token: &str) -> bool {
    e.value()
        .attr("class")
        .is_some_and(|c| c.split_whitespace().any(|t| t == token))
}

/// Reads a Complianz cookie policy: each service block (`.cmplz-service-desc`: the service
/// name in its summary's `h3`, its purposes in the summary's `p`, its top category in
/// `input[data-category]`) with `.cookies-per-purpose` groups (`.purpose` title, then
/// `.name` / `.retention` / `.function` per cookie); and the older per-service tables (the
/// service in the heading before the table, columns Name / Retention (Expiration) /
/// Function, purpose rows with one bold cell). Services are vendors and the items' provider.
pub fn from_complianz_html(html: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("complianz", location, "complianz");
    let Some(doc) = parse_html(html, &mut p) else {
        return finish(p);
    };
    let root = doc.root_element();
    let mut read = 0;

    // Current markup: service blocks.
    let blocks = elements_with_headings(root, |e| has_class_token(e, "cmplz-service-desc"));
    for (bi, (block, _)) in blocks.iter().enumerate() {
        let path = format!("service {}", bi + 1);
        let service = ["summary h3", "summary h4", ".cmplz-service-header h3", "h3", "h4"]
            .iter()
            .filter_map(|s| selector(s))
            .find_map(|s| block.select(&s).next())
            .map(|h| inline_text(h, 400))
            .filter(|s| !s.is_empty());
        match &service {
            Some(s) => push_vendor(&mut p, s, &[], None),
            None => problem(&mut p, format!("{path}: no service name")),
        }
        let all_purposes = selector("summary p")
            .and_then(|s| block.select(&s).next())
            .map(|e| inline_text(e, 400))
            .filter(|s| !s.is_empty());
        let top = selector("input[data-category]")
            .and_then(|s| block.select(&s).next())
            .and_then(|e| e.value().attr("data-category"))
            .map(str::to_string);
        let groups: Vec<ElementRef<'_>> = block
            .descendent_elements()
            .filter(|e| has_class_token(e, "cookies-per-purpose"))
            .collect();
        for (gi, group) in groups.iter().enumerate() {
            let purpose = group
                .descendent_elements()
                .find(|e| has_class_token(e, "purpose"))
                .map(|e| inline_text(e, 400))
                .filter(|s| !s.is_empty());
            let (category, label) =
                cmplz_category(purpose.as_deref(), top.as_deref(), all_purposes.as_deref());
            let mut rows: Vec<[Option<String>; 3]> = Vec::new();
            for e in group.descendent_elements() {
                let slot = if has_class_token(&e, "name") {
                    rows.push([None, None, None]);
                    0
                } else if has_class_token(&e, "retention") {
                    1
                } else if has_class_token(&e, "function") {
                    2
                } else {
                    continue;
                };
                match rows.last_mut() {
                    Some(r) => r[slot] = Some(render_text(e, 64 * 1024)),
                    None => problem(
                        &mut p,
                        format!("{path} group {}: a value before any name", gi + 1),
                    ),
                }
            }
            for (ri, r) in rows.iter().enumerate() {
                let loc = format!("{path} group {} cookie {}", gi + 1, ri + 1);
                let names = r[0].as_deref().map(split_names).unwrap_or_default();
                if names.is_empty() {
                    problem(&mut p, format!("{loc}: no name"));
                    continue;
                }
                let retention = r[1].as_deref().map(collapse).filter(|s| !s.is_empty());
                for (raw, count) in names {
                    push_item(
                        &mut p,
                        ItemDraft {
                            name: normalise_name(&raw),
                            kind: ItemKind::Cookie,
                            provider: service.clone(),
                            category,
                            category_label: label.clone(),
                            purpose: r[2].as_deref().and_then(purpose_text),
                            expiry: retention.as_deref().map_or((None, None), expiry),
                            expiry_text: retention.clone(),
                            count,
                            location: loc.clone(),
                        },
                    );
                }
            }
            read += 1;
        }
        // A block with a table instead of the grid.
        for (ti, table) in block
            .descendent_elements()
            .filter(|e| e.value().name() == "table")
            .enumerate()
        {
            let opts = TableOptions {
                heading: all_purposes.as_deref().or(top.as_deref()),
                provider: service.as_deref(),
                label: format!("{path} table {}", ti + 1),
                ..TableOptions::default()
            };
            if read_table(table, &opts, &mut p).is_some() {
                read += 1;
            }
        }
    }

    // Older markup: `<h4>service</h4>` + a table with purpose rows, outside any block.
    let in_block = |e: &ElementRef<'_>| {
        let mut cur = e.parent().and_then(ElementRef::wrap);
        while let Some(a) = cur {
            if has_class_token(&a, "cmplz-service-desc") {
                return true;
            }
            cur = a.parent().and_then(ElementRef::wrap);
        }
        false
    };
    let tables = elements_with_headings(root, |e| e.value().name() == "table");
    for (ti, (table, heading)) in tables.iter().enumerate() {
        if in_block(table) {
            continue;
        }
        let opts = TableOptions {
            heading: heading.as_deref(),
            provider: heading.as_deref(),
            require_context: true,
            heading_is_service: true,
            label: format!("table {}", ti + 1),
        };
        let before = p.items.len();
        if read_table(*table, &opts, &mut p).is_some() {
            read += 1;
            if p.items.len() > before
                && let Some(h) = heading
            {
                push_vendor(&mut p, h, &[], None);
            }
        }
    }
    if read == 0 {
        problem(&mut p, "no Complianz cookie list found".to_string());
    }
    finish(p)
}

/// A Complianz group's category: its purpose title, else the block's `data-category`, else
/// the first of the block's purposes.
fn cmplz_category(
    purpose: Option<&str>,
    top: Option<&str>,
    all: Option<&str>,
) -> (DeclaredCategory, Option<String>) {
    let first_of_all = all.and_then(|a| a.split([',', '/']).map(str::trim).find(|s| !s.is_empty()));
    for label in [purpose, top, first_of_all].into_iter().flatten() {
        let c = category_from_label(label);
        if c != DeclaredCategory::Unknown {
            return (c, Some(label.to_string()));
        }
    }
    (DeclaredCategory::Unknown, purpose.map(str::to_string))
}

// ---------------------------------------------------------------------------------------
// Usercentrics.
// ---------------------------------------------------------------------------------------

/// Evaluates (a Promise) to `{"fullInfo": UC_UI.getServicesFullInfo(), "consentDetails":
/// __ucCmp.getConsentDetails()}` as a JSON string (either may be null); `null` without
/// Usercentrics.
pub const USERCENTRICS_JS: &str = concat!(
    "(async () => {\n",
    js_plain!(),
    r#"const out = { fullInfo: null, consentDetails: null };
const errors = [];
try {
  if (window.UC_UI && typeof window.UC_UI.getServicesFullInfo === 'function')
    out.fullInfo = plain(await window.UC_UI.getServicesFullInfo(), []);
} catch (e) { errors.push('UC_UI: ' + e); }
try {
  if (window.__ucCmp && typeof window.__ucCmp.getConsentDetails === 'function')
    out.consentDetails = plain(await window.__ucCmp.getConsentDetails(), []);
} catch (e) { errors.push('__ucCmp: ' + e); }
if (errors.length) out.error = errors.join('; ');
if (out.fullInfo === null && out.consentDetails === null && !errors.length) return null;
return JSON.stringify(out);
})()"#
);

/// Reads Usercentrics services ([`USERCENTRICS_JS`]'s output, or either part alone): every
/// service is a vendor; the device-storage disclosures of the v2 full info are items
/// (`type` `cookie` → cookie, `web`/`app` → storage; `maxAgeSeconds` → expiry, 0 = session;
/// `domain` → provider, else the service); the category is `essential` for essential
/// services, else the service's `categorySlug`.
pub fn from_usercentrics(json: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("usercentrics", location, "usercentrics");
    let Some(root) = parse_json(json, &mut p) else {
        return finish(p);
    };
    let (full, details) = match &root {
        Value::Array(_) => (Some(&root), None),
        Value::Object(o) if o.contains_key("fullInfo") || o.contains_key("consentDetails") => (
            o.get("fullInfo").filter(|v| !v.is_null()),
            o.get("consentDetails").filter(|v| !v.is_null()),
        ),
        Value::Object(o) => match o.get("services") {
            Some(Value::Array(_)) => (o.get("services"), None),
            Some(Value::Object(_)) => (None, Some(&root)),
            _ => (None, None),
        },
        other => {
            problem(
                &mut p,
                format!("expected Usercentrics services, found {}", type_name(other)),
            );
            return finish(p);
        }
    };
    if full.is_none() && details.is_none() {
        problem(&mut p, "no Usercentrics services in the data".to_string());
        return finish(p);
    }
    if let Some(full) = full {
        match full.as_array() {
            Some(services) => {
                for (i, svc) in services.iter().enumerate() {
                    uc_service(&mut p, svc, &format!("fullInfo[{i}]"));
                }
            }
            None => problem(
                &mut p,
                format!("fullInfo: expected an array, found {}", type_name(full)),
            ),
        }
    }
    if let Some(details) = details {
        match details.get("services") {
            Some(Value::Object(services)) => {
                for (id, svc) in services {
                    let Some(name) = str_field(svc, "name") else {
                        problem(&mut p, format!("consentDetails.services.{id}: no name"));
                        continue;
                    };
                    push_vendor(&mut p, name, &[], None);
                }
            }
            Some(other) => problem(
                &mut p,
                format!(
                    "consentDetails.services: expected an object, found {}",
                    type_name(other)
                ),
            ),
            None => problem(&mut p, "consentDetails: no services".to_string()),
        }
    }
    finish(p)
}

/// One v2 service with its disclosures.
fn uc_service(p: &mut DeclaredPolicy, svc: &Value, path: &str) {
    if !svc.is_object() {
        problem(p, format!("{path}: expected an object, found {}", type_name(svc)));
        return;
    }
    let name = str_field(svc, "name").map(str::to_string);
    match &name {
        Some(n) => push_vendor(p, n, &[], None),
        None => problem(p, format!("{path}: a service without a name")),
    }
    let slug = str_field(svc, "categorySlug").or_else(|| str_field(svc, "category"));
    let essential = svc
        .get("isEssential")
        .or_else(|| svc.get("essential"))
        .and_then(Value::as_bool)
        == Some(true);
    let (category, label) = if essential {
        (
            DeclaredCategory::Necessary,
            Some(slug.unwrap_or("essential").to_string()),
        )
    } else {
        match slug {
            Some(s) => (category_from_label(s), Some(s.to_string())),
            None => (DeclaredCategory::Unknown, None),
        }
    };
    let storage = svc.get("deviceStorage").filter(|v| !v.is_null());
    let disclosures = storage
        .and_then(|d| d.get("disclosures").or(Some(d)))
        .or_else(|| svc.get("disclosures"))
        .filter(|v| !v.is_null());
    let Some(disclosures) = disclosures else { return };
    let Some(list) = disclosures.as_array() else {
        if !disclosures.is_object() || disclosures.get("disclosures").is_some() {
            problem(
                p,
                format!(
                    "{path}.deviceStorage.disclosures: expected an array, found {}",
                    type_name(disclosures)
                ),
            );
        }
        return;
    };
    for (j, d) in list.iter().enumerate() {
        let loc = format!("{path}.deviceStorage.disclosures[{j}]");
        let Some(raw) = str_field(d, "identifier").or_else(|| str_field(d, "name")) else {
            problem(p, format!("{loc}: no identifier"));
            continue;
        };
        let kind = match str_field(d, "type").map(str::to_lowercase).as_deref() {
            Some("cookie") | None => ItemKind::Cookie,
            Some("web") | Some("app") => ItemKind::Storage,
            Some(other) => {
                problem(p, format!("{loc}: unknown type {other:?}, read as storage"));
                ItemKind::Storage
            }
        };
        let (expiry_text, exp) = match d.get("maxAgeSeconds") {
            Some(Value::Number(n)) => match n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            {
                Some(0) => (Some("0 seconds (session)".to_string()), (Some(0), Some(true))),
                Some(s) => (Some(format!("{s} seconds")), (Some(s), Some(false))),
                None => (Some(n.to_string()), (None, None)),
            },
            Some(Value::String(s)) => (
                Some(s.clone()),
                s.trim().parse::<u64>().map_or_else(
                    |_| expiry(s),
                    |n| {
                        if n == 0 {
                            (Some(0), Some(true))
                        } else {
                            (Some(n), Some(false))
                        }
                    },
                ),
            ),
            _ => (None, (None, None)),
        };
        let domain = match d.get("domain").or_else(|| d.get("domains")) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Array(a)) => {
                let ds: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
                (!ds.is_empty()).then(|| ds.join(", "))
            }
            _ => None,
        };
        push_item(
            p,
            ItemDraft {
                name: normalise_name(raw),
                kind,
                provider: domain.or_else(|| name.clone()),
                category,
                category_label: label.clone(),
                purpose: str_field(d, "description").and_then(purpose_text),
                expiry_text,
                expiry: exp,
                count: 1,
                location: loc,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// Termly.
// ---------------------------------------------------------------------------------------

/// Evaluates (a Promise) to the site's Termly cookie list as a JSON string: finds the
/// website UUID (`data-website-uuid`, or the resource-blocker script URL), then fetches
/// `app.termly.io/api/v1/snippets/websites/<uuid>` and the cookie policy document's
/// `/cookies`; `null` without Termly.
pub const TERMLY_JS: &str = r#"(async () => {
let uuid = null;
const tagged = document.querySelector('[data-website-uuid]');
if (tagged) uuid = tagged.getAttribute('data-website-uuid');
if (!uuid) {
  for (const s of document.scripts) {
    const m = (s.src || '').match(/app\.termly\.io\/(?:resource-blocker|embed)[^?#]*?\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i);
    if (m) { uuid = m[1]; break; }
  }
}
if (!uuid) return null;
try {
  const base = 'https://app.termly.io/api/v1/snippets/websites/' + encodeURIComponent(uuid);
  const site = await (await fetch(base)).json();
  const docs = (site && site.documents) || [];
  const doc = docs.find((d) => /cookie/i.test((d && d.name) || ''));
  if (!doc) return JSON.stringify({ error: 'no cookie policy document among ' + docs.length + ' documents' });
  const cookies = await (await fetch(base + '/documents/' + encodeURIComponent(doc.uuid) + '/cookies')).json();
  return JSON.stringify(cookies);
} catch (e) { return JSON.stringify({ error: String(e) }); }
})()"#;

/// Termly's category keys (CookieBlock's mapping: `performance` is read as preferences).
fn termly_category(key: &str) -> DeclaredCategory {
    match key.to_lowercase().as_str() {
        "essential" => DeclaredCategory::Necessary,
        "performance" => DeclaredCategory::Preferences,
        "analytics" => DeclaredCategory::Statistics,
        "advertising" | "social_networking" => DeclaredCategory::Marketing,
        "unclassified" => DeclaredCategory::Unclassified,
        other => category_from_label(other),
    }
}

/// Reads a Termly cookies API response: each category list's cookies become items
/// (`tracker_type` → kind; `domain` → provider, else `service`; `en_us`/`description` →
/// purpose; `expire` text → expiry, a bare number read as seconds); each `service` is a vendor.
pub fn from_termly(json: &str, location: &str) -> DeclaredPolicy {
    let mut p = cmp_policy("termly", location, "termly");
    let Some(root) = parse_json(json, &mut p) else {
        return finish(p);
    };
    let lists: Vec<(String, &Value)> = match root.get("cookies").unwrap_or(&root) {
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| k.as_str() != "error")
            .map(|(k, v)| (k.clone(), v))
            .collect(),
        // A flat list: each cookie names its category.
        v @ Value::Array(_) => vec![(String::new(), v)],
        other => {
            problem(
                &mut p,
                format!("expected Termly cookie lists, found {}", type_name(other)),
            );
            return finish(p);
        }
    };
    if lists.is_empty() {
        problem(&mut p, "no Termly cookie lists in the data".to_string());
    }
    for (key, list) in lists {
        let path = if key.is_empty() {
            "cookies".to_string()
        } else {
            format!("cookies.{key}")
        };
        let Some(arr) = list.as_array() else {
            problem(
                &mut p,
                format!("{path}: expected an array, found {}", type_name(list)),
            );
            continue;
        };
        for (i, c) in arr.iter().enumerate() {
            let loc = format!("{path}[{i}]");
            let Some(raw) = str_field(c, "name") else {
                problem(&mut p, format!("{loc}: no name"));
                continue;
            };
            let own = str_field(c, "category");
            let (category, label) = if key.is_empty() {
                (
                    own.map_or(DeclaredCategory::Unknown, termly_category),
                    own.map(str::to_string),
                )
            } else {
                (termly_category(&key), Some(key.clone()))
            };
            let tracker = str_field(c, "tracker_type").map(str::to_lowercase);
            let kind = match tracker.as_deref() {
                Some("http_cookie") | Some("server_cookie") | None => ItemKind::Cookie,
                Some("html_local_storage") | Some("html_session_storage") | Some("indexed_db") => {
                    ItemKind::Storage
                }
                Some("pixel_tracker") => ItemKind::Pixel,
                Some(other) => {
                    problem(
                        &mut p,
                        format!("{loc}: unknown tracker_type {other:?}, read as a cookie"),
                    );
                    ItemKind::Cookie
                }
            };
            let expire = text_field(c, "expire");
            let mut exp = match &expire {
                Some(e) => match e.parse::<u64>() {
                    Ok(0) => (Some(0), Some(true)),
                    Ok(n) => (Some(n), Some(false)),
                    Err(_) => expiry(e),
                },
                None => (None, None),
            };
            if expire.is_none() && tracker.as_deref() == Some("html_session_storage") {
                exp = (Some(0), Some(true));
            }
            let service = str_field(c, "service");
            if let Some(s) = service {
                push_vendor(&mut p, s, &[], None);
            }
            let purpose = ["en_us", "description", "purpose", "en_uk"]
                .iter()
                .find_map(|k| str_field(c, k))
                .map(strip_tags)
                .as_deref()
                .and_then(purpose_text);
            push_item(
                &mut p,
                ItemDraft {
                    name: normalise_name(raw),
                    kind,
                    provider: str_field(c, "domain").or(service).map(str::to_string),
                    category,
                    category_label: label,
                    purpose,
                    expiry_text: expire,
                    expiry: exp,
                    count: 1,
                    location: loc,
                },
            );
        }
    }
    finish(p)
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

    fn vendor_names(p: &DeclaredPolicy) -> Vec<&str> {
        p.vendors.iter().map(|v| v.name.as_str()).collect()
    }

    const DAY: u64 = 86_400;

    /// Every extractor: garbage, truncated, empty and wrong-shape inputs give problems only.
    #[test]
    fn malformed_inputs_give_problems() {
        type Extractor = fn(&str, &str) -> DeclaredPolicy;
        let all: [(&str, Extractor); 7] = [
            ("klaro", from_klaro),
            ("cookieconsent-v3", from_cookieconsent_v3),
            ("osano", from_osano),
            ("cookieyes", from_cookieyes_html),
            ("complianz", from_complianz_html),
            ("usercentrics", from_usercentrics),
            ("termly", from_termly),
        ];
        let bytes: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let garbage = String::from_utf8_lossy(&bytes).into_owned();
        let deep = "[".repeat(10_000);
        for (kind, f) in all {
            for input in [
                "",
                "   ",
                "{\"services\": [{\"name\": \"x\", \"cookies\": [\"a\"",
                "null",
                "42",
                "\"just a string\"",
                "[1, 2, 3]",
                "{\"services\": 5, \"cookies\": \"no\", \"consent\": [], \"categories\": 1}",
                "{\"error\": \"ReferenceError: x is not defined\"}",
                garbage.as_str(),
                deep.as_str(),
            ] {
                let p = f(input, "page");
                assert_eq!(p.sources.len(), 1, "{kind}");
                assert_eq!(p.sources[0].kind, kind);
                assert!(p.items.is_empty(), "{kind}: {input:.40}");
                assert!(!problems(&p).is_empty(), "{kind}: no problem for {input:.40}");
            }
        }
        let p = from_klaro("{\"error\": \"ReferenceError: x\"}", "page");
        assert!(
            problems(&p)[0].contains("the page script reported: ReferenceError"),
            "{:?}",
            problems(&p)
        );
    }

    #[test]
    fn klaro_hosted_json_config() {
        let p = from_klaro(&fixture("klaro_config_hosted_json_example.json"), "page");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.consent_manager.as_deref(), Some("klaro"));
        assert_eq!((p.sources[0].items, p.sources[0].vendors), (3, 1));
        let names: Vec<&str> = p.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["/^pk.*$/", "/^mtm.*$/", "/^MATOMO.*$/"]);
        for i in &p.items {
            assert_eq!(i.category, DeclaredCategory::Statistics);
            assert_eq!(i.category_label.as_deref(), Some("analytics"));
            assert_eq!(i.provider.as_deref(), Some("matomo"));
            assert_eq!(
                (i.expiry_secs, i.session, i.expiry_text.as_deref()),
                (None, None, None)
            );
            assert_eq!(i.kind, ItemKind::Cookie);
        }
        assert!(
            NamePattern::parse(&p.items[0].name).is_ok_and(|n| n.matches("pk_id") && !n.matches("_pk_id"))
        );
        assert_eq!(p.items[2].location.as_deref(), Some("services[0].cookies[2]"));
        assert_eq!(p.vendors[0].name, "matomo");
        assert_eq!(p.vendors[0].vendor.as_deref(), Some("matomo"));
    }

    #[test]
    fn klaro_js_example_config() {
        // The documented example config (klaro_config_example_klaro-js_dist.js) as KLARO_JS
        // serialises it: RegExps as {regex, flags}, the callback function dropped. Written by
        // hand; its `services` equal KLARO_JS's output run on the original in Node; the
        // translations are cut down to the titles and purpose names.
        assert!(fixture("klaro_config_example_klaro-js_dist.js").contains("services: ["));
        let p = from_klaro(&testdata("klaro_example_config.json"), "page");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!((p.items.len(), p.vendors.len()), (5, 10));
        assert_eq!(
            vendor_names(&p),
            [
                "twitter",
                "youtube",
                "Matomo/Piwik",
                "Inline Tracker",
                "External Tracker",
                "Intercom",
                "Mouseflow",
                "Google Adsense Advertisement",
                "Surveillance Camera",
                "Cloudflare",
            ]
        );
        let ids: Vec<Option<&str>> = p.vendors.iter().map(|v| v.vendor.as_deref()).collect();
        assert_eq!(ids[2], Some("matomo"));
        assert_eq!(ids[5], Some("intercom"));
        let names: Vec<&str> = p.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "/^_pk_.*$/",
                "/^_pk_.*$/",
                "piwik_ignore",
                "inline-tracker",
                "external-tracker"
            ]
        );
        assert_eq!(p.items[0].provider.as_deref(), Some("klaro.kiprotect.com"));
        assert_eq!(p.items[1].provider.as_deref(), Some("localhost"));
        assert_eq!(p.items[2].provider.as_deref(), Some("Matomo/Piwik"));
        assert!(
            p.items[..4]
                .iter()
                .all(|i| i.category == DeclaredCategory::Statistics)
        );
        // ['analytics', 'security']: the first recognised purpose wins.
        let ext = item(&p, "external-tracker");
        assert_eq!(ext.category, DeclaredCategory::Statistics);
        assert_eq!(ext.category_label.as_deref(), Some("analytics"));
        assert!(
            p.items
                .iter()
                .all(|i| i.expiry_secs.is_none() && i.session.is_none())
        );
    }

    #[test]
    fn klaro_required_storage_and_old_apps() {
        let json = r#"{"apps": [
            {"name": "shop", "required": true, "purposes": ["livechat"],
             "cookies": [["sid", "/", ".shop.example"], {"regex": "^cart_", "flags": "i"}, 7],
             "localStorage": ["basket"], "sessionStorage": [{"pattern": "/^tmp/"}]},
            {"name": "chat", "purposes": ["livechat"], "cookies": ["chat_id"]}
        ]}"#;
        let p = from_klaro(json, "page");
        assert_eq!(problems(&p).len(), 1, "{:?}", problems(&p));
        assert!(problems(&p)[0].starts_with("apps[0].cookies[2]: unreadable cookie entry 7"));
        assert_eq!(p.items.len(), 5);
        let sid = item(&p, "sid");
        assert_eq!(sid.category, DeclaredCategory::Necessary);
        assert_eq!(sid.category_label.as_deref(), Some("livechat"));
        assert_eq!(sid.provider.as_deref(), Some(".shop.example"));
        assert!(NamePattern::parse(&item(&p, "/(?i)(?:^cart_).*/").name).is_ok_and(|n| n.matches("CART_1")));
        assert_eq!(item(&p, "basket").kind, ItemKind::Storage);
        let tmp = item(&p, "/(?:^tmp).*/");
        assert_eq!((tmp.kind, tmp.session), (ItemKind::Storage, Some(true)));
        let chat = item(&p, "chat_id");
        assert_eq!(chat.category, DeclaredCategory::Unknown);
        assert_eq!(chat.category_label.as_deref(), Some("livechat"));
    }

    #[test]
    fn cookieconsent_v3_config() {
        let p = from_cookieconsent_v3(&testdata("cookieconsent_v3_config.json"), "page");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.consent_manager.as_deref(), Some("cookieconsent"));
        // Tables: necessary 2 names, analytics 3, ads 1; autoClear adds /^_ga/ and _hjid
        // (_gid repeats a table row); the ads service adds _fbp.
        assert_eq!(p.items.len(), 9);
        assert_eq!(vendor_names(&p), ["Meta Pixel"]);
        let cc = item(&p, "cc_cookie");
        assert_eq!(cc.category, DeclaredCategory::Necessary);
        assert_eq!(cc.category_label.as_deref(), Some("necessary"));
        assert_eq!(cc.expiry_secs, Some(182 * DAY));
        let ga = item(&p, "_ga");
        assert_eq!(ga.category, DeclaredCategory::Statistics);
        assert_eq!(ga.provider.as_deref(), Some("example.com"));
        assert_eq!(
            ga.purpose.as_deref(),
            Some("Distinguishes visitors (Google Analytics).")
        );
        assert_eq!(ga.expiry_secs, Some(2 * 365 * DAY));
        assert_eq!(
            item(&p, "_gid").location.as_deref(),
            Some("language.translations.en.preferencesModal.sections[2].cookieTable.body[1]")
        );
        let auto = item(&p, "/(?:^_ga).*/");
        assert_eq!(auto.category, DeclaredCategory::Statistics);
        assert_eq!(
            auto.location.as_deref(),
            Some("categories.analytics.autoClear.cookies[0]")
        );
        assert_eq!(p.items.iter().filter(|i| i.name == "_gid").count(), 1);
        let ide = item(&p, "IDE");
        assert_eq!(ide.category, DeclaredCategory::Marketing);
        assert_eq!(ide.category_label.as_deref(), Some("ads"));
        let fbp = item(&p, "_fbp");
        assert_eq!(fbp.provider.as_deref(), Some("Meta Pixel"));
        assert_eq!(fbp.category, DeclaredCategory::Marketing);
    }

    #[test]
    fn cookieconsent_v3_unloaded_translation() {
        let json = r#"{"categories": {"necessary": {"readOnly": true}},
            "language": {"default": "en", "translations": {"en": "/i18n/en.json"}}}"#;
        let p = from_cookieconsent_v3(json, "page");
        assert!(p.items.is_empty());
        assert_eq!(
            problems(&p),
            ["language.translations.en is a URL (/i18n/en.json) that was not loaded in the page"]
        );
    }

    #[test]
    fn osano_categories_only() {
        let p = from_osano(&testdata("osano_consent.json"), "page");
        assert!(p.items.is_empty());
        assert_eq!(p.consent_manager.as_deref(), Some("osano"));
        assert_eq!(
            problems(&p),
            [
                "Osano publishes no per-cookie declaration",
                "categories present: ESSENTIAL (necessary): ACCEPT, ANALYTICS (statistics): DENY, \
                 MARKETING (marketing): DENY, PERSONALIZATION (preferences): DENY, OPT_OUT (unknown): ACCEPT",
            ]
        );
        let bare = from_osano(r#"{"ANALYTICS": "ACCEPT"}"#, "page");
        assert_eq!(
            problems(&bare)[1],
            "categories present: ANALYTICS (statistics): ACCEPT"
        );
    }

    #[test]
    fn cookieyes_tables_and_lists() {
        let p = from_cookieyes_html(&testdata("cookieyes.html"), "page");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.consent_manager.as_deref(), Some("cookieyes"));
        // Audit tables: necessary 2, analytics 2 (one row lists two names), advertisement 1;
        // banner list: 1 (functional); cookie-law-info table: 1 (performance).
        assert_eq!(p.items.len(), 7);
        let c = item(&p, "cookieyes-consent");
        assert_eq!(c.category, DeclaredCategory::Necessary);
        assert_eq!(c.category_label.as_deref(), Some("Necessary"));
        assert_eq!(c.expiry_secs, Some(365 * DAY));
        assert_eq!(c.location.as_deref(), Some("table 1 row 2"));
        let ga = item(&p, "_ga_#");
        assert_eq!(ga.category, DeclaredCategory::Statistics);
        assert_eq!(ga.expiry_secs, Some(365 * DAY + 30 * DAY + 4 * DAY));
        assert_eq!(item(&p, "_ga").purpose, ga.purpose);
        assert_eq!(item(&p, "test_cookie").category, DeclaredCategory::Marketing);
        let lang = item(&p, "pll_language");
        assert_eq!(lang.category, DeclaredCategory::Preferences);
        assert_eq!(lang.category_label.as_deref(), Some("Functional"));
        assert_eq!(lang.location.as_deref(), Some("list 1"));
        assert_eq!(lang.expiry_secs, Some(365 * DAY));
        let cli = item(&p, "viewed_cookie_policy");
        assert_eq!(cli.category, DeclaredCategory::Statistics);
        assert_eq!(cli.expiry_secs, Some(11 * 30 * DAY));
        assert_eq!(
            from_cookieyes_html("<html><p>nothing</p></html>", "x").sources[0].problems,
            ["no CookieYes cookie table found"]
        );
    }

    #[test]
    fn complianz_services() {
        let p = from_complianz_html(&testdata("complianz.html"), "page");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.consent_manager.as_deref(), Some("complianz"));
        assert_eq!(vendor_names(&p), ["Google Analytics", "Complianz", "YouTube"]);
        assert_eq!(p.vendors[0].vendor.as_deref(), Some("google-analytics"));
        // Google Analytics 2, Complianz 2, YouTube (older table markup) 2.
        assert_eq!(p.items.len(), 6);
        let ga = item(&p, "_ga");
        assert_eq!(ga.category, DeclaredCategory::Statistics);
        assert_eq!(ga.provider.as_deref(), Some("Google Analytics"));
        assert_eq!(ga.expiry_secs, Some(2 * 365 * DAY));
        assert_eq!(ga.purpose.as_deref(), Some("Store and count pageviews"));
        assert_eq!(ga.location.as_deref(), Some("service 1 group 1 cookie 1"));
        let gat = item(&p, "_gat_gtag_#");
        assert_eq!(gat.expiry_secs, Some(60));
        let banner = item(&p, "cmplz_banner-status");
        assert_eq!(banner.category, DeclaredCategory::Preferences);
        assert_eq!(banner.expiry_secs, Some(365 * DAY));
        let ysc = item(&p, "YSC");
        assert_eq!(ysc.category, DeclaredCategory::Marketing);
        assert_eq!(ysc.category_label.as_deref(), Some("Marketing/Tracking"));
        assert_eq!(ysc.provider.as_deref(), Some("YouTube"));
        assert_eq!((ysc.expiry_secs, ysc.session), (Some(0), Some(true)));
        assert_eq!(item(&p, "VISITOR_INFO1_LIVE").expiry_secs, Some(6 * 30 * DAY));
    }

    #[test]
    fn usercentrics_services_and_disclosures() {
        let p = from_usercentrics(&testdata("usercentrics.json"), "page");
        assert!(problems(&p).is_empty(), "{:?}", problems(&p));
        assert_eq!(p.consent_manager.as_deref(), Some("usercentrics"));
        assert_eq!(
            vendor_names(&p),
            [
                "Usercentrics Consent Management Platform",
                "Google Analytics",
                "Hotjar",
                "YouTube Video",
                "Vimeo"
            ]
        );
        assert_eq!(p.vendors[1].vendor.as_deref(), Some("google-analytics"));
        assert_eq!(p.items.len(), 6);
        let uc = item(&p, "uc_settings");
        assert_eq!(
            (uc.kind, uc.category),
            (ItemKind::Storage, DeclaredCategory::Necessary)
        );
        assert_eq!(uc.category_label.as_deref(), Some("essential"));
        assert_eq!(
            uc.provider.as_deref(),
            Some("Usercentrics Consent Management Platform")
        );
        assert_eq!((uc.expiry_secs, uc.session), (None, None));
        let ga = item(&p, "_ga");
        assert_eq!(ga.category, DeclaredCategory::Marketing);
        assert_eq!(ga.category_label.as_deref(), Some("marketing"));
        assert_eq!(ga.expiry_secs, Some(63_072_000));
        assert_eq!(ga.expiry_text.as_deref(), Some("63072000 seconds"));
        assert_eq!(ga.provider.as_deref(), Some(".example.com"));
        assert_eq!(ga.purpose.as_deref(), Some("Distinguishes users."));
        assert_eq!(
            ga.location.as_deref(),
            Some("fullInfo[1].deviceStorage.disclosures[0]")
        );
        assert!(NamePattern::parse(&item(&p, "_ga_*").name).is_ok_and(|n| n.matches("_ga_ABC123")));
        assert_eq!(item(&p, "_gid").expiry_secs, Some(DAY));
        let hj = item(&p, "_hjSession_*");
        assert_eq!(hj.provider.as_deref(), Some("Hotjar"));
        assert_eq!(hj.category, DeclaredCategory::Preferences);
        assert_eq!(hj.expiry_secs, Some(1800));
        let ysc = item(&p, "YSC");
        assert_eq!((ysc.expiry_secs, ysc.session), (Some(0), Some(true)));
        // The v2 array alone, and the v3 details alone.
        let full: Value = serde_json::from_str(&testdata("usercentrics.json")).unwrap_or_default();
        let only_v2 = from_usercentrics(&full["fullInfo"].to_string(), "page");
        assert_eq!((only_v2.items.len(), only_v2.vendors.len()), (6, 4));
        let only_v3 = from_usercentrics(&full["consentDetails"].to_string(), "page");
        assert_eq!((only_v3.items.len(), only_v3.vendors.len()), (0, 3));
    }

    #[test]
    fn termly_cookie_lists() {
        let p = from_termly(&testdata("termly_cookies.json"), "page");
        assert_eq!(p.consent_manager.as_deref(), Some("termly"));
        assert_eq!(problems(&p), ["cookies.unclassified[1]: no name"]);
        assert_eq!(p.items.len(), 7);
        assert_eq!(
            vendor_names(&p),
            ["Termly", "Intercom", "Google Analytics", "Facebook"]
        );
        let t = item(&p, "t_uid");
        assert_eq!(
            (t.category, t.kind),
            (DeclaredCategory::Necessary, ItemKind::Cookie)
        );
        assert_eq!(t.expiry_secs, Some(365 * DAY));
        let ic = item(&p, "intercom-session-#");
        assert_eq!(ic.category, DeclaredCategory::Preferences);
        assert_eq!(ic.category_label.as_deref(), Some("performance"));
        assert_eq!(ic.expiry_secs, Some(7 * DAY));
        let ga = item(&p, "_ga");
        assert_eq!(ga.category, DeclaredCategory::Statistics);
        assert_eq!(ga.purpose.as_deref(), Some("Used to distinguish users."));
        let px = item(&p, "tr");
        assert_eq!(
            (px.kind, px.category),
            (ItemKind::Pixel, DeclaredCategory::Marketing)
        );
        let ss = item(&p, "checkout_step");
        assert_eq!((ss.kind, ss.session), (ItemKind::Storage, Some(true)));
        let n = item(&p, "numeric_expire");
        assert_eq!(n.expiry_secs, Some(3600));
        assert_eq!(n.category, DeclaredCategory::Unclassified);
        let social = item(&p, "fr");
        assert_eq!(social.category, DeclaredCategory::Marketing);
        assert_eq!(social.expiry_secs, Some(90 * DAY));
    }

    #[test]
    fn js_expressions_are_well_formed() {
        for js in [
            KLARO_JS,
            COOKIECONSENT_V3_JS,
            OSANO_JS,
            USERCENTRICS_JS,
            TERMLY_JS,
        ] {
            assert!(
                js.trim_start().starts_with("(") && js.trim_end().ends_with(")()"),
                "{js:.60}"
            );
            let opens = js.matches('{').count();
            let closes = js.matches('}').count();
            assert_eq!(opens, closes, "{js:.60}");
        }
        assert!(KLARO_JS.contains("regex: String(v.source)"));
    }
}
