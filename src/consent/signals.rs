//! The consent state a site stored: reads the consent cookies (and web-storage entries) of
//! known consent managers into one shape, [`StoredConsent`], and judges it ([`Verdict`]).
//!
//! Recognised cookies ([`read_cookie`]):
//!
//! | cmp id | cookie | value |
//! |---|---|---|
//! | `cookiebot` | `CookieConsent` | URL-encoded JS object `{stamp:'…',necessary:true,…,method:'explicit'}`, or `-1` (outside the consent region) |
//! | `onetrust` | `OptanonConsent` | query string with `groups=C0001:1,C0002:0,…`, `interactionCount`, `landingPath` |
//! | `onetrust` | `OptanonAlertBoxClosed` | timestamp: the banner was closed (a choice was made) |
//! | `cookieyes` | `cookieyes-consent` | `consent:yes,action:yes,necessary:yes,functional:no,…` |
//! | `complianz` | `cmplz_<category>` / `cmplz_banner-status` | `allow` / `deny` / `dismissed` (one cookie per category) |
//! | `klaro` | `klaro` | URL-encoded JSON `{service: bool}` |
//! | `cookieconsent-v3` / `cookieconsent-v2` | `cc_cookie` | orestbida CookieConsent JSON (`categories` / v2 `level`) |
//! | `osano-cookieconsent` | `cookieconsent_status` | `allow` / `deny` / `dismiss` |
//! | `osano` | `osano_consentmanager` | opaque: recognised, not read |
//! | `iubenda` | `_iub_cs-<digits>` | URL-encoded JSON with `purposes{"1":true,…}` or `consent:true` |
//! | `didomi` | `didomi_token` | base64 JSON with `purposes{enabled,disabled}` |
//! | `tarteaucitron` | `tarteaucitron` | `!service=true!other=false`, `wait` until answered |
//! | `tcf` | `euconsent-v2` | a TC string, decoded with [`super::tcf::decode`] |
//!
//! Web storage ([`read_storage`]) adds Usercentrics (`uc_settings`, v2; `ucData`, v3) and
//! reads `klaro`, `cc_cookie`, `didomi_token`, `euconsent-v2` and `osano_consentmanager`
//! stored there instead of in a cookie.
//!
//! Values come from hostile pages: nothing here panics, and a value that does not have the
//! expected shape gives `None` rather than a guess.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::tcf::{self, TcString};

/// How a stored consent judges the visitor's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every optional category known is granted.
    Accepted,
    /// No optional category is granted.
    Rejected,
    /// Some optional categories are granted, some not.
    Partial,
    /// No choice is recorded (possibly defaults or implied consent: see [`StoredConsent::implied`]).
    Undecided,
    /// A choice is recorded but what it was cannot be read.
    Unknown,
}

/// The consent state one consent manager stored in one cookie or storage entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoredConsent {
    /// Stable consent-manager id: `cookiebot`, `onetrust`, `cookieyes`, `complianz`, `klaro`,
    /// `cookieconsent-v3`, `cookieconsent-v2`, `osano-cookieconsent`, `osano`, `iubenda`,
    /// `didomi`, `tcf`, `usercentrics`.
    pub cmp: String,
    /// The cookie or storage key it was read from (comma-separated when several cookies
    /// were merged by [`read_cookies`]).
    pub source: String,
    /// A visitor's choice is recorded, explicitly.
    pub decided: bool,
    /// The consent manager recorded consent without a choice (e.g. Cookiebot
    /// `method:'implied'` or outside its region, OneTrust groups pre-set before any interaction).
    pub implied: bool,
    /// The consent manager says the visitor is where no consent is asked for (Cookiebot's
    /// stamp `-1`): it granted everything by its region setting, not by a choice.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub out_of_region: bool,
    /// Categories (or services, or purposes) and whether each is granted, named as the
    /// consent manager names them, lower-cased: e.g. `necessary`, `statistics`; OneTrust
    /// group ids (`c0002`); iubenda `necessary`, `functionality`, `experience`,
    /// `measurement`, `marketing`; TCF `purpose_1`…; Usercentrics service ids (verbatim,
    /// as they are case-sensitive) or names.
    pub categories: BTreeMap<String, bool>,
    /// The decoded TC string, for `euconsent-v2`.
    pub tcf: Option<TcString>,
}

impl StoredConsent {
    fn new(cmp: &str, source: &str, decided: bool) -> StoredConsent {
        StoredConsent {
            cmp: cmp.to_string(),
            source: source.to_string(),
            decided,
            implied: false,
            out_of_region: false,
            categories: BTreeMap::new(),
            tcf: None,
        }
    }

    /// Judges the stored choice.
    ///
    /// `Undecided` when no choice is recorded. A TC string is `Rejected` with no purpose and
    /// no vendor consent, `Accepted` when purpose 1 and every purpose 1–10 the string
    /// mentions (by consent or legitimate interest) are consented, `Partial` otherwise.
    /// Anything else is judged on its optional categories only (necessary-type ones are
    /// left out, see [`StoredConsent::is_necessary`]): all granted `Accepted`, none
    /// `Rejected`, some `Partial`, none known `Unknown` (e.g. Osano's opaque cookie,
    /// `cookieconsent_status=dismiss`).
    pub fn verdict(&self) -> Verdict {
        self.verdict_ignoring(&[])
    }

    /// Like [`verdict`](Self::verdict), also treating the categories named in
    /// `also_necessary` (case-insensitive) as necessary — for consent managers whose cookie
    /// does not say which services are required, such as Klaro (its config's `required: true`
    /// services) or Usercentrics (its essential services).
    pub fn verdict_ignoring(&self, also_necessary: &[&str]) -> Verdict {
        if !self.decided {
            return Verdict::Undecided;
        }
        if let Some(tc) = &self.tcf {
            return tcf_verdict(tc);
        }
        let optional: Vec<bool> = self
            .categories
            .iter()
            .filter(|(name, _)| {
                !self.is_necessary(name) && !also_necessary.iter().any(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|(_, granted)| *granted)
            .collect();
        if optional.is_empty() {
            Verdict::Unknown
        } else if optional.iter().all(|g| *g) {
            Verdict::Accepted
        } else if optional.iter().any(|g| *g) {
            Verdict::Partial
        } else {
            Verdict::Rejected
        }
    }

    /// The optional categories granted, in name order.
    pub fn granted(&self) -> Vec<String> {
        self.categories
            .iter()
            .filter(|(name, granted)| **granted && !self.is_necessary(name))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether `category` is a necessary-type category of this consent manager, which a
    /// visitor cannot refuse: `necessary`, `essential`, `required`, `strictly_necessary`
    /// for any; OneTrust `c0001` (and `1` of older tenants); Complianz `functional`.
    pub fn is_necessary(&self, category: &str) -> bool {
        let name = category.to_ascii_lowercase();
        matches!(
            name.as_str(),
            "necessary" | "essential" | "required" | "strictly_necessary" | "strictly-necessary"
        ) || (self.cmp == "onetrust" && (name == "c0001" || name == "1"))
            || (self.cmp == "complianz" && name == "functional")
    }

    /// One line for people, e.g. "CookieConsent (cookiebot): rejected".
    pub fn describe(&self) -> String {
        let verdict = format!("{:?}", self.verdict()).to_lowercase();
        let mut line = format!("{} ({}): {verdict}", self.source, self.cmp);
        if self.cmp == "osano" {
            line.push_str(", its value is opaque");
        }
        if self.implied {
            line.push_str(", consent implied without a choice");
        }
        let granted = self.granted();
        if !granted.is_empty() {
            line.push_str(&format!("; granted: {}", granted.join(", ")));
        }
        line
    }
}

/// The TCF judgement used by [`StoredConsent::verdict`].
fn tcf_verdict(tc: &TcString) -> Verdict {
    if tc.purpose_consents.is_empty() && tc.vendor_consents.is_empty() {
        return Verdict::Rejected;
    }
    let all_consented = tc
        .purpose_consents
        .iter()
        .chain(&tc.purpose_legitimate_interests)
        .filter(|p| (1..=10).contains(*p))
        .all(|p| tc.purpose_consents.contains(p));
    if tc.consents_to_storage() && all_consented {
        Verdict::Accepted
    } else {
        Verdict::Partial
    }
}

/// Reads one cookie of a known consent manager; `None` when the name is not one of theirs
/// or the value does not have their shape. Values may be URL-encoded and may be quoted.
pub fn read_cookie(name: &str, value: &str) -> Option<StoredConsent> {
    let value = unquote(value);
    match name {
        "CookieConsent" => cookiebot(name, value),
        "OptanonConsent" => onetrust(name, value),
        "OptanonAlertBoxClosed" => (!value.is_empty()).then(|| StoredConsent::new("onetrust", name, true)),
        "cookieyes-consent" => cookieyes(name, value),
        "klaro" => klaro(name, value),
        "cc_cookie" => orestbida(name, value),
        "cookieconsent_status" => osano_cookieconsent(name, value),
        "osano_consentmanager" => (!value.is_empty()).then(|| StoredConsent::new("osano", name, true)),
        "didomi_token" => didomi(name, value),
        "tarteaucitron" => tarteaucitron(name, value),
        "euconsent-v2" => tcf_cookie(name, value),
        _ if name.starts_with("cmplz_") => complianz(name, value),
        _ if is_iubenda_name(name) => iubenda(name, value),
        _ => None,
    }
}

/// Reads one web-storage (localStorage) entry of a known consent manager: Usercentrics
/// `uc_settings` (v2) and `ucData` (v3), and the entries some managers keep in either a
/// cookie or storage (`klaro`, `cc_cookie`, `didomi_token`, `euconsent-v2`,
/// `osano_consentmanager`). `None` otherwise.
pub fn read_storage(key: &str, value: &str) -> Option<StoredConsent> {
    match key {
        "uc_settings" => usercentrics_v2(key, value),
        "ucData" => usercentrics_v3(key, value),
        "klaro" | "cc_cookie" | "didomi_token" | "euconsent-v2" | "osano_consentmanager" => {
            read_cookie(key, value)
        }
        _ => None,
    }
}

/// Reads a set of cookies (name, value), merging the readings that belong together:
/// Complianz's one-cookie-per-category set becomes one reading, and OneTrust's
/// `OptanonAlertBoxClosed` is folded into its `OptanonConsent`. Other readings are kept
/// one per cookie, in input order.
pub fn read_cookies<'a, I>(cookies: I) -> Vec<StoredConsent>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut out: Vec<StoredConsent> = Vec::new();
    for (name, value) in cookies {
        let Some(reading) = read_cookie(name, value) else {
            continue;
        };
        let mergeable = matches!(reading.cmp.as_str(), "complianz" | "onetrust");
        match out.iter_mut().find(|r| mergeable && r.cmp == reading.cmp) {
            Some(existing) => {
                existing.source = format!("{}, {}", existing.source, reading.source);
                existing.decided |= reading.decided;
                existing.implied = (existing.implied || reading.implied) && !existing.decided;
                existing.categories.extend(reading.categories);
            }
            None => out.push(reading),
        }
    }
    out
}

/// Reads a `Cookie` header (or `document.cookie`): `name=value; name=value`, with
/// [`read_cookies`]'s merging.
pub fn read_cookie_header(header: &str) -> Vec<StoredConsent> {
    read_cookies(
        header
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name.trim(), value.trim())),
    )
}

// ---------------------------------------------------------------------------------------
// Cookiebot

fn cookiebot(source: &str, value: &str) -> Option<StoredConsent> {
    let text = percent_decode_fully(value);
    const CATEGORIES: [&str; 4] = ["necessary", "preferences", "statistics", "marketing"];
    if text == "-1" {
        // Outside the consent region: Cookiebot grants everything without asking.
        let mut consent = StoredConsent::new("cookiebot", source, false);
        consent.implied = true;
        consent.out_of_region = true;
        consent.categories = CATEGORIES.iter().map(|c| (c.to_string(), true)).collect();
        return Some(consent);
    }
    let fields = js_object_fields(&text)?;
    let mut consent = StoredConsent::new("cookiebot", source, false);
    let mut stamp = None;
    let mut method = None;
    for (key, raw) in &fields {
        let key = key.to_ascii_lowercase();
        if CATEGORIES.contains(&key.as_str()) {
            if let Some(granted) = parse_bool(raw) {
                consent.categories.insert(key, granted);
            }
        } else if key == "stamp" {
            stamp = Some(raw.clone());
        } else if key == "method" {
            method = Some(raw.to_ascii_lowercase());
        }
    }
    if stamp.is_none() && consent.categories.len() < 2 {
        return None;
    }
    let out_of_region = stamp.as_deref() == Some("-1");
    consent.out_of_region = out_of_region;
    match method.as_deref() {
        Some("implied") => consent.implied = true,
        _ if out_of_region => consent.implied = true,
        Some("explicit") => consent.decided = true,
        // Older values have no method: a real stamp means a response was recorded.
        _ => consent.decided = stamp.is_some(),
    }
    Some(consent)
}

/// Splits `{key:value,key:'value',…}` into (key, value) pairs, quotes removed from both.
/// `None` when the text is not wrapped in braces.
fn js_object_fields(text: &str) -> Option<Vec<(String, String)>> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut fields = Vec::new();
    for part in split_outside_quotes(inner, ',') {
        if let Some((key, raw)) = part.split_once(':') {
            fields.push((
                strip_quotes(key.trim()).to_string(),
                strip_quotes(raw.trim()).to_string(),
            ));
        }
    }
    Some(fields)
}

/// Splits at `separator` where it is not inside '…' or "…".
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == separator => {
                parts.push(text.get(start..index).unwrap_or_default());
                start = index + c.len_utf8();
            }
            None => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

// ---------------------------------------------------------------------------------------
// OneTrust

fn onetrust(source: &str, value: &str) -> Option<StoredConsent> {
    let mut groups = None;
    let mut interaction_count = None;
    let mut landing_path = None;
    let mut known_keys = false;
    for (key, v) in url::form_urlencoded::parse(value.as_bytes()) {
        match key.as_ref() {
            "groups" => groups = Some(v.into_owned()),
            "interactionCount" => interaction_count = v.trim().parse::<u64>().ok(),
            "landingPath" => landing_path = Some(v.into_owned()),
            "datestamp" | "version" | "consentId" | "isIABGlobal" | "isGpcEnabled" | "hosts" => {}
            _ => continue,
        }
        known_keys = true;
    }
    if !known_keys {
        return None;
    }
    let mut consent = StoredConsent::new("onetrust", source, false);
    for entry in groups.as_deref().unwrap_or_default().split(',') {
        let Some((id, state)) = entry.split_once(':') else {
            continue;
        };
        let id = id.trim().to_ascii_lowercase();
        let granted = match state.trim() {
            "1" => true,
            "0" => false,
            _ => continue,
        };
        if !id.is_empty() {
            consent.categories.insert(id, granted);
        }
    }
    consent.decided = match interaction_count {
        Some(count) => count >= 1,
        // Older values: `NotLandingPage` once the visitor moved on or chose.
        None => landing_path.as_deref() == Some("NotLandingPage") && !consent.categories.is_empty(),
    };
    consent.implied = !consent.decided && !consent.granted().is_empty();
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// CookieYes

fn cookieyes(source: &str, value: &str) -> Option<StoredConsent> {
    let text = percent_decode(value);
    let mut consent = StoredConsent::new("cookieyes", source, false);
    let mut recognised = false;
    for part in text.split(',') {
        let Some((key, v)) = part.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let v = v.trim();
        match key.as_str() {
            "action" => {
                recognised = true;
                consent.decided = v == "yes";
            }
            "consent" | "consentid" | "rev" => recognised = true,
            _ => match v {
                "yes" => {
                    consent.categories.insert(key, true);
                }
                "no" => {
                    consent.categories.insert(key, false);
                }
                _ => {}
            },
        }
    }
    if !recognised && consent.categories.is_empty() {
        return None;
    }
    consent.implied = !consent.decided && !consent.granted().is_empty();
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// Complianz

fn complianz(name: &str, value: &str) -> Option<StoredConsent> {
    let category = name.strip_prefix("cmplz_")?;
    let value = value.trim();
    if category == "banner-status" {
        return Some(StoredConsent::new("complianz", name, value == "dismissed"));
    }
    let granted = match value {
        "allow" => true,
        "deny" => false,
        _ => return None,
    };
    if category.is_empty() {
        return None;
    }
    let mut consent = StoredConsent::new("complianz", name, true);
    consent.categories.insert(category.to_ascii_lowercase(), granted);
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// Klaro

fn klaro(source: &str, value: &str) -> Option<StoredConsent> {
    let object = json_object(value)?;
    // Some versions nest the services under "consents".
    let services = match object.get("consents") {
        Some(Value::Object(inner)) => inner,
        _ => &object,
    };
    let mut consent = StoredConsent::new("klaro", source, true);
    for (service, granted) in services {
        if let Value::Bool(granted) = granted {
            consent.categories.insert(service.to_lowercase(), *granted);
        }
    }
    if consent.categories.is_empty() && !services.is_empty() {
        return None;
    }
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// orestbida CookieConsent

fn orestbida(source: &str, value: &str) -> Option<StoredConsent> {
    let object = json_object(value)?;
    let (cmp, accepted) = match (object.get("categories"), object.get("level")) {
        (Some(Value::Array(list)), _) => {
            let v2 = object.contains_key("level")
                && !["consentId", "services", "consentTimestamp"]
                    .iter()
                    .any(|k| object.contains_key(*k));
            (
                if v2 {
                    "cookieconsent-v2"
                } else {
                    "cookieconsent-v3"
                },
                list,
            )
        }
        (_, Some(Value::Array(list))) => ("cookieconsent-v2", list),
        _ => return None,
    };
    let mut consent = StoredConsent::new(cmp, source, true);
    for category in accepted.iter().filter_map(Value::as_str) {
        consent.categories.insert(category.to_lowercase(), true);
    }
    // v3 lists every category under `services` (accepted services per category), so a
    // category there but not accepted was rejected.
    if let Some(Value::Object(services)) = object.get("services") {
        for category in services.keys() {
            consent.categories.entry(category.to_lowercase()).or_insert(false);
        }
    }
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// Osano

fn osano_cookieconsent(source: &str, value: &str) -> Option<StoredConsent> {
    let mut consent = StoredConsent::new("osano-cookieconsent", source, true);
    match value.trim() {
        // The library has a single switch; it is recorded as the category "all".
        "allow" => {
            consent.categories.insert("all".to_string(), true);
        }
        "deny" => {
            consent.categories.insert("all".to_string(), false);
        }
        "dismiss" => {}
        _ => return None,
    }
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// tarteaucitron.js

/// `!service=true!other=false!third=wait`: one entry per service of the site; `wait` (or
/// `engage`, while a service loads) means not answered. tarteaucitron writes `true` at once
/// for the services that need no consent, so a `true` among `wait`s or `false`s may be one
/// of those: undecided while any entry waits; after the choice, the refused services are
/// the categories, and the granted ones only when every service is granted (accept all).
fn tarteaucitron(source: &str, value: &str) -> Option<StoredConsent> {
    let text = percent_decode(value);
    let entries: Vec<(&str, &str)> = text
        .strip_prefix('!')?
        .split('!')
        .map(|e| e.split_once('=').unwrap_or((e, "")))
        .collect();
    let known = |v: &str| matches!(v, "true" | "false" | "wait" | "engage");
    if entries.iter().any(|(k, v)| k.is_empty() || !known(v)) {
        return None;
    }
    let mut consent = StoredConsent::new("tarteaucitron", source, false);
    if entries.iter().any(|(_, v)| matches!(*v, "wait" | "engage")) {
        return Some(consent);
    }
    let all_granted = entries.iter().all(|(_, v)| *v == "true");
    for (service, state) in entries {
        match state {
            "false" => {
                consent.categories.insert(service.to_string(), false);
            }
            "true" if all_granted => {
                consent.categories.insert(service.to_string(), true);
            }
            _ => {}
        }
    }
    consent.decided = true;
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// iubenda

/// `_iub_cs-<digits>` exactly (not the `-uspr` or other companions).
fn is_iubenda_name(name: &str) -> bool {
    name.strip_prefix("_iub_cs-")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

const IUBENDA_PURPOSES: [(&str, &str); 5] = [
    ("1", "necessary"),
    ("2", "functionality"),
    ("3", "experience"),
    ("4", "measurement"),
    ("5", "marketing"),
];

fn iubenda(source: &str, value: &str) -> Option<StoredConsent> {
    let object = json_object(value)?;
    let mut consent = StoredConsent::new("iubenda", source, true);
    if let Some(Value::Object(purposes)) = object.get("purposes") {
        // An absent purpose is not granted.
        for (id, name) in IUBENDA_PURPOSES {
            let granted = purposes.get(id).and_then(Value::as_bool).unwrap_or(false);
            consent.categories.insert(name.to_string(), granted);
        }
        for (id, granted) in purposes {
            let known = IUBENDA_PURPOSES.iter().any(|(k, _)| k == id);
            if !known && let Some(granted) = granted.as_bool() {
                consent
                    .categories
                    .insert(format!("purpose_{}", id.to_lowercase()), granted);
            }
        }
    } else if let Some(all) = object.get("consent").and_then(Value::as_bool) {
        for (_, name) in IUBENDA_PURPOSES {
            consent.categories.insert(name.to_string(), all);
        }
    }
    // Neither field (e.g. a US-only configuration): present, but the choice is not readable.
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// Didomi

fn didomi(source: &str, value: &str) -> Option<StoredConsent> {
    let object = base64_json_object(value).or_else(|| json_object(value))?;
    if !["purposes", "vendors", "user_id"]
        .iter()
        .any(|k| object.contains_key(*k))
    {
        return None;
    }
    let mut consent = StoredConsent::new("didomi", source, false);
    let lists = |field: &str, state: &str| -> Vec<String> {
        object
            .get(field)
            .and_then(|v| v.get(state))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default()
    };
    for purpose in lists("purposes", "disabled") {
        consent.categories.insert(purpose, false);
    }
    for purpose in lists("purposes", "enabled") {
        consent.categories.insert(purpose, true);
    }
    let any_vendor = !lists("vendors", "enabled").is_empty() || !lists("vendors", "disabled").is_empty();
    consent.decided = !consent.categories.is_empty() || any_vendor;
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// TCF

fn tcf_cookie(source: &str, value: &str) -> Option<StoredConsent> {
    let decoded = tcf::decode(&percent_decode(value)).ok()?;
    let mut consent = StoredConsent::new("tcf", source, true);
    let purposes: u8 = if decoded.version == 1 { 5 } else { 10 };
    for purpose in 1..=purposes {
        consent.categories.insert(
            format!("purpose_{purpose}"),
            decoded.purpose_consents.contains(&purpose),
        );
    }
    consent.tcf = Some(decoded);
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// Usercentrics

/// v2 `uc_settings`: `{services: [{id, status, history: [{action, status, type}]}]}`.
/// A choice is recorded when a history entry is `explicit`. A service that stayed granted
/// through a deny-all (or has an `onEssentialChange` entry) is essential and left out.
fn usercentrics_v2(source: &str, value: &str) -> Option<StoredConsent> {
    let object = json_object(value)?;
    let services = object.get("services")?.as_array()?;
    let mut consent = StoredConsent::new("usercentrics", source, false);
    for service in services {
        let (Some(id), Some(status)) = (
            service.get("id").and_then(Value::as_str),
            service.get("status").and_then(Value::as_bool),
        ) else {
            continue;
        };
        let history: &[Value] = service
            .get("history")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let mut essential = false;
        for entry in history {
            let action = entry.get("action").and_then(Value::as_str).unwrap_or_default();
            let kind = entry.get("type").and_then(Value::as_str).unwrap_or_default();
            let granted = entry.get("status").and_then(Value::as_bool);
            if kind.eq_ignore_ascii_case("explicit") {
                consent.decided = true;
            }
            if action == "onEssentialChange" || (action == "onDenyAllServices" && granted == Some(true)) {
                essential = true;
            }
        }
        if !essential {
            consent.categories.insert(id.to_string(), status);
        }
    }
    consent.implied = !consent.decided && consent.categories.values().any(|g| *g);
    Some(consent)
}

/// v3 `ucData`: `{consent: {type?, services: {<id>: {name, consent: bool | {given, type}, essential?}}}}`.
/// A choice is recorded when a type says `EXPLICIT`; with no type anywhere, when services
/// are listed (a first visit writes an empty map).
fn usercentrics_v3(source: &str, value: &str) -> Option<StoredConsent> {
    let object = json_object(value)?;
    let record = object.get("consent")?.as_object()?;
    let services = record.get("services")?.as_object()?;
    let mut consent = StoredConsent::new("usercentrics", source, false);
    let mut types = Vec::new();
    if let Some(kind) = record.get("type").and_then(Value::as_str) {
        types.push(kind.to_string());
    }
    for (id, service) in services {
        let (granted, kind) = match service.get("consent") {
            Some(Value::Bool(granted)) => (Some(*granted), None),
            Some(Value::Object(detail)) => (
                detail.get("given").and_then(Value::as_bool),
                detail.get("type").and_then(Value::as_str),
            ),
            _ => (None, None),
        };
        types.extend(kind.map(str::to_string));
        let essential = service.get("essential").and_then(Value::as_bool) == Some(true);
        let Some(granted) = granted else { continue };
        if essential {
            continue;
        }
        let name = service
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
            .unwrap_or_else(|| id.clone());
        consent.categories.insert(name, granted);
    }
    consent.decided = if types.is_empty() {
        !services.is_empty()
    } else {
        types.iter().any(|t| t.eq_ignore_ascii_case("explicit"))
    };
    consent.implied = !consent.decided && consent.categories.values().any(|g| *g);
    Some(consent)
}

// ---------------------------------------------------------------------------------------
// Value helpers

/// Trims and removes one pair of surrounding double quotes (RFC 6265 quoted values).
fn unquote(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// Removes one pair of surrounding single or double quotes.
fn strip_quotes(text: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return inner;
        }
    }
    text
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Decodes `%XX` escapes (not `+`); a `%` not followed by two hex digits is kept as is.
/// Invalid UTF-8 is replaced.
/// Percent-decodes once (`+` stays `+`; an invalid escape stays as it is).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|c| char::from(*c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-decodes until nothing changes (values are sometimes encoded twice), at most
/// three times.
fn percent_decode_fully(value: &str) -> String {
    let mut text = value.trim().to_string();
    for _ in 0..3 {
        let next = percent_decode(&text).trim().to_string();
        if next == text {
            break;
        }
        text = next;
    }
    text
}

/// A JSON object, from the value as is or percent-decoded (once or twice).
fn json_object(value: &str) -> Option<Map<String, Value>> {
    let mut text = value.trim().to_string();
    for _ in 0..3 {
        if let Ok(Value::Object(object)) = serde_json::from_str(&text) {
            return Some(object);
        }
        let next = percent_decode(&text).trim().to_string();
        if next == text {
            return None;
        }
        text = next;
    }
    None
}

/// A JSON object encoded in base64 (standard or URL-safe, padded or not), possibly
/// percent-encoded.
fn base64_json_object(value: &str) -> Option<Map<String, Value>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let text = percent_decode(value.trim());
    let text = text.trim();
    let bytes = if text.contains(['-', '_']) {
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config).decode(text)
    } else {
        GeneralPurpose::new(&base64::alphabet::STANDARD, config).decode(text)
    }
    .ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Some(object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/declarations/consent_state_cookie_samples.txt"
    ));

    /// (cookie name, raw value) of the sample whose meaning column contains `needle`.
    fn sample(needle: &str) -> (&'static str, &'static str) {
        SAMPLES
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| line.split(" | ").collect::<Vec<_>>())
            .find(|fields| fields.len() == 4 && fields.get(3).is_some_and(|m| m.contains(needle)))
            .and_then(|fields| Some((*fields.get(1)?, *fields.get(2)?)))
            .unwrap_or_else(|| panic!("no sample means {needle:?}"))
    }

    fn read_sample(needle: &str) -> StoredConsent {
        let (name, value) = sample(needle);
        read_cookie(name, value).unwrap_or_else(|| panic!("{name} sample {needle:?} is not recognised"))
    }

    fn cats(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    const ALL_COOKIEBOT: [(&str, bool); 4] = [
        ("necessary", true),
        ("preferences", true),
        ("statistics", true),
        ("marketing", true),
    ];

    // --- reference samples ------------------------------------------------------------

    #[test]
    fn sample_cookiebot_explicit_reject() {
        let c = read_sample("explicit reject-all (necessary only)");
        assert_eq!(c.cmp, "cookiebot");
        assert_eq!(c.source, "CookieConsent");
        assert!(c.decided && !c.implied);
        assert_eq!(
            c.categories,
            cats(&[
                ("necessary", true),
                ("preferences", false),
                ("statistics", false),
                ("marketing", false)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Rejected);
        assert!(c.granted().is_empty());
        assert_eq!(c.tcf, None);
    }

    #[test]
    fn sample_cookiebot_explicit_accept() {
        let c = read_sample("explicit accept-all");
        assert!(c.decided && !c.implied && !c.out_of_region);
        assert_eq!(c.categories, cats(&ALL_COOKIEBOT));
        assert_eq!(c.verdict(), Verdict::Accepted);
        assert_eq!(c.granted(), ["marketing", "preferences", "statistics"]);
    }

    #[test]
    fn sample_cookiebot_without_method() {
        let c = read_sample("older format without method field");
        assert!(c.decided && !c.implied);
        assert_eq!(c.categories, cats(&ALL_COOKIEBOT));
        assert_eq!(c.verdict(), Verdict::Accepted);
    }

    #[test]
    fn sample_cookiebot_implied_out_of_region() {
        let c = read_sample("visitor outside consent region");
        assert!(!c.decided && c.implied && c.out_of_region);
        assert_eq!(c.categories, cats(&ALL_COOKIEBOT));
        assert_eq!(c.verdict(), Verdict::Undecided);
    }

    #[test]
    fn sample_cookiebot_legacy_minus_one() {
        let c = read_sample("legacy out-of-region marker");
        assert_eq!(c.cmp, "cookiebot");
        assert!(!c.decided && c.implied && c.out_of_region);
        assert_eq!(c.categories, cats(&ALL_COOKIEBOT));
        assert_eq!(c.verdict(), Verdict::Undecided);
    }

    #[test]
    fn sample_onetrust_reject_with_stacks() {
        let c = read_sample("reject-all incl. TCF stack");
        assert_eq!(c.cmp, "onetrust");
        assert!(c.decided && !c.implied);
        assert_eq!(
            c.categories,
            cats(&[
                ("c0001", true),
                ("c0002", false),
                ("c0003", false),
                ("c0004", false),
                ("c0005", false),
                ("v2stack42", false),
                ("c0015", false),
                ("c0035", false),
            ])
        );
        assert_eq!(c.verdict(), Verdict::Rejected);
    }

    #[test]
    fn sample_onetrust_gpc() {
        let c = read_sample("GPC honoured");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[
                ("c0001", true),
                ("c0002", false),
                ("c0004", false),
                ("stack42", false)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Rejected);
    }

    #[test]
    fn sample_onetrust_accept_all() {
        let c = read_sample("accept-all (group order is not fixed)");
        assert!(c.decided && !c.implied);
        assert_eq!(
            c.categories,
            cats(&[("c0001", true), ("c0002", true), ("c0003", true), ("c0004", true)])
        );
        assert_eq!(c.verdict(), Verdict::Accepted);
        assert_eq!(c.granted(), ["c0002", "c0003", "c0004"]);
    }

    #[test]
    fn sample_onetrust_empty_groups() {
        let c = read_sample("empty groups");
        assert!(!c.decided && !c.implied);
        assert!(c.categories.is_empty());
        assert_eq!(c.verdict(), Verdict::Undecided);
    }

    #[test]
    fn sample_onetrust_landing_path() {
        let c = read_sample("landingPath = URL");
        assert!(!c.decided && c.implied);
        assert_eq!(c.categories, cats(&[("c0001", true), ("c0002", true)]));
        assert_eq!(c.verdict(), Verdict::Undecided);
    }

    #[test]
    fn sample_onetrust_alert_box_closed() {
        let c = read_sample("ISO timestamp of banner dismissal");
        assert_eq!(
            (c.cmp.as_str(), c.source.as_str()),
            ("onetrust", "OptanonAlertBoxClosed")
        );
        assert!(c.decided && !c.implied);
        assert!(c.categories.is_empty());
        assert_eq!(c.verdict(), Verdict::Unknown);
    }

    #[test]
    fn sample_cookieyes_not_interacted() {
        let c = read_sample("banner not interacted (action empty)");
        assert_eq!(c.cmp, "cookieyes");
        assert!(!c.decided && !c.implied);
        assert_eq!(
            c.categories,
            cats(&[
                ("necessary", true),
                ("functional", false),
                ("analytics", false),
                ("performance", false),
                ("advertisement", false),
                ("other", false),
            ])
        );
        assert_eq!(c.verdict(), Verdict::Undecided);
    }

    #[test]
    fn sample_cookieyes_accept_all() {
        let (name, value) = SAMPLES
            .lines()
            .find(|l| l.starts_with("cookieyes") && l.ends_with("| explicit accept-all"))
            .and_then(|l| {
                let mut f = l.split(" | ").skip(1);
                Some((f.next()?, f.next()?))
            })
            .expect("cookieyes accept-all sample");
        let c = read_cookie(name, value).expect("recognised");
        assert!(c.decided);
        assert_eq!(c.categories.len(), 6);
        assert_eq!(c.verdict(), Verdict::Accepted);
        assert_eq!(
            c.granted(),
            ["advertisement", "analytics", "functional", "other", "performance"]
        );
    }

    #[test]
    fn sample_cookieyes_inconsistent() {
        // consent:no with every listed category yes: the categories are what the CMP applies.
        let c = read_sample("INCONSISTENT sample");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[
                ("necessary", true),
                ("functional", true),
                ("analytics", true),
                ("advertisement", true)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Accepted);
    }

    #[test]
    fn sample_klaro() {
        let c = read_sample("matomo+twitter denied");
        assert_eq!(c.cmp, "klaro");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[("matomo", false), ("twitter", false), ("cloudflare", true)])
        );
        // The cookie does not say cloudflare is required; the config does.
        assert_eq!(c.verdict(), Verdict::Partial);
        assert_eq!(c.verdict_ignoring(&["Cloudflare"]), Verdict::Rejected);
    }

    #[test]
    fn sample_tcf() {
        let c = read_sample("uBlock Origin Lite");
        assert_eq!((c.cmp.as_str(), c.source.as_str()), ("tcf", "euconsent-v2"));
        assert!(c.decided && !c.implied);
        let expected: BTreeMap<String, bool> = (1..=10).map(|p| (format!("purpose_{p}"), false)).collect();
        assert_eq!(c.categories, expected);
        let tc = c.tcf.as_ref().expect("decoded");
        assert_eq!(tc.cmp_id, 141);
        assert!(tc.purpose_consents.is_empty() && tc.vendor_consents.is_empty());
        assert_eq!(c.verdict(), Verdict::Rejected);
    }

    #[test]
    fn sample_addtl_consent_is_not_a_cmp_record() {
        let (name, value) = sample("Google Additional Consent Mode string");
        assert_eq!(read_cookie(name, value), None);
    }

    #[test]
    fn sample_complianz_banner_dismissed() {
        let c = read_sample("banner dismissed (autoconsent");
        assert_eq!(c.cmp, "complianz");
        assert!(c.decided);
        assert_eq!(c.verdict(), Verdict::Unknown);
    }

    #[test]
    fn sample_complianz_sets() {
        let (_, header) = sample("accept-all (each category its own cookie");
        let readings = read_cookie_header(header);
        assert_eq!(readings.len(), 1, "{readings:?}");
        let c = readings.first().expect("one reading");
        assert_eq!(c.cmp, "complianz");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[
                ("marketing", true),
                ("statistics", true),
                ("preferences", true),
                ("functional", true)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Accepted);
        assert_eq!(
            c.source,
            "cmplz_marketing, cmplz_statistics, cmplz_preferences, cmplz_functional, cmplz_banner-status"
        );

        let (_, header) = sample("partial: marketing+statistics denied");
        let readings = read_cookie_header(header);
        let c = readings.first().expect("one reading");
        assert_eq!(
            c.categories,
            cats(&[
                ("functional", true),
                ("marketing", false),
                ("preferences", true),
                ("statistics", false)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Partial);
        assert_eq!(c.granted(), ["preferences"]);
    }

    #[test]
    fn sample_iubenda_purposes() {
        let c = read_sample("here 1,3,4 granted, 5 not");
        assert_eq!(
            (c.cmp.as_str(), c.source.as_str()),
            ("iubenda", "_iub_cs-12345678")
        );
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[
                ("necessary", true),
                ("functionality", false),
                ("experience", true),
                ("measurement", true),
                ("marketing", false)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Partial);
        assert_eq!(c.granted(), ["experience", "measurement"]);
    }

    #[test]
    fn sample_iubenda_consent_true() {
        let c = read_sample("older non-granular form");
        assert_eq!(c.categories.len(), 5);
        assert!(c.categories.values().all(|g| *g));
        assert_eq!(c.verdict(), Verdict::Accepted);
    }

    #[test]
    fn sample_iubenda_id_only() {
        let c = read_sample("cookie present but no purposes/consent field");
        assert!(c.decided);
        assert!(c.categories.is_empty());
        assert_eq!(c.verdict(), Verdict::Unknown);
    }

    #[test]
    fn every_sample_line_is_handled_without_panicking() {
        let mut recognised = 0;
        for line in SAMPLES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let fields: Vec<&str> = line.split(" | ").collect();
            let (Some(name), Some(value)) = (fields.get(1), fields.get(2)) else {
                continue;
            };
            let readings = if name.contains('*') {
                read_cookie_header(value)
            } else {
                read_cookie(name, value).into_iter().collect()
            };
            for r in &readings {
                let _ = (r.verdict(), r.describe());
            }
            recognised += usize::from(!readings.is_empty());
        }
        // All but addtl_consent.
        assert_eq!(recognised, 22);
    }

    // --- own values, per consent manager ------------------------------------------------

    #[test]
    fn cookiebot_variants() {
        let plain = "{stamp:'abc+/==',necessary:true,preferences:true,statistics:false,marketing:false,method:'explicit',ver:2}";
        let c = read_cookie("CookieConsent", plain).expect("plain value");
        assert_eq!(c.verdict(), Verdict::Partial);
        assert_eq!(c.granted(), ["preferences"]);

        let quoted = format!("\"{}\"", plain.replace('\'', "%27").replace(',', "%2C"));
        assert_eq!(read_cookie("CookieConsent", &quoted), Some(c.clone()));
        let twice = plain
            .replace('{', "%257B")
            .replace('}', "%257D")
            .replace('\'', "%2527");
        assert_eq!(read_cookie("CookieConsent", &twice), Some(c));

        let json_like = r#"{"stamp":"x","necessary":true,"preferences":false,"statistics":false,"marketing":false,"method":"explicit"}"#;
        assert_eq!(
            read_cookie("CookieConsent", json_like).map(|c| c.verdict()),
            Some(Verdict::Rejected)
        );

        let implied =
            "{stamp:'abc',necessary:true,preferences:true,statistics:true,marketing:true,method:'implied'}";
        let c = read_cookie("CookieConsent", implied).expect("implied");
        assert!(!c.decided && c.implied);

        let stamp_only = read_cookie("CookieConsent", "{stamp:'abc'}").expect("stamp only");
        assert_eq!(stamp_only.verdict(), Verdict::Unknown);

        for other in [
            "true",
            "-2",
            "-3",
            "0",
            "{}",
            "{foo:bar}",
            "{necessary:true}",
            "",
            "%7B",
            "{stamp",
        ] {
            assert_eq!(read_cookie("CookieConsent", other), None, "{other:?}");
        }
    }

    #[test]
    fn onetrust_variants() {
        let c = read_cookie(
            "OptanonConsent",
            "groups=C0001:1,C0002:1,C0004:0&interactionCount=1",
        )
        .expect("plain");
        assert!(c.decided);
        assert_eq!(c.verdict(), Verdict::Partial);

        let c = read_cookie(
            "OptanonConsent",
            "groups=C0001%3A1%2CC0002%3A1&interactionCount=0&landingPath=NotLandingPage",
        )
        .expect("count 0");
        assert!(!c.decided && c.implied);

        let c = read_cookie(
            "OptanonConsent",
            "groups=1:1,2:0,3:0,junk,:1,C9:x&interactionCount=3",
        )
        .expect("old ids");
        assert_eq!(c.categories, cats(&[("1", true), ("2", false), ("3", false)]));
        assert_eq!(c.verdict(), Verdict::Rejected);

        assert_eq!(read_cookie("OptanonConsent", "foo=bar&baz=1"), None);
        assert_eq!(read_cookie("OptanonConsent", ""), None);
        assert_eq!(read_cookie("OptanonAlertBoxClosed", ""), None);
    }

    #[test]
    fn onetrust_cookies_are_merged() {
        let (_, consent) = sample("landingPath = URL");
        let (_, closed) = sample("ISO timestamp of banner dismissal");
        let readings = read_cookies([("OptanonConsent", consent), ("OptanonAlertBoxClosed", closed)]);
        assert_eq!(readings.len(), 1);
        let c = readings.first().expect("merged");
        assert_eq!(c.source, "OptanonConsent, OptanonAlertBoxClosed");
        assert!(c.decided && !c.implied);
        assert_eq!(c.verdict(), Verdict::Accepted);
    }

    #[test]
    fn cookieyes_variants() {
        let encoded =
            "consentid%3Aabc%2Cconsent%3Ayes%2Caction%3Ayes%2Cnecessary%3Ayes%2Canalytics%3Ano%2Crev%3A0";
        let c = read_cookie("cookieyes-consent", encoded).expect("encoded");
        assert_eq!(c.categories, cats(&[("necessary", true), ("analytics", false)]));
        assert_eq!(c.verdict(), Verdict::Rejected);
        // What the driver's tests build by hand.
        let mut built = StoredConsent::new("cookieyes", "c", true);
        built.categories = cats(&[("necessary", true), ("analytics", false)]);
        assert_eq!(built.verdict(), Verdict::Rejected);

        let c = read_cookie(
            "cookieyes-consent",
            "consent:yes,action:,necessary:yes,analytics:yes",
        )
        .expect("opt-out");
        assert!(!c.decided && c.implied);
        assert_eq!(read_cookie("cookieyes-consent", "hello"), None);
        assert_eq!(read_cookie("cookieyes-consent", "a:b,c:d"), None);
    }

    #[test]
    fn complianz_variants() {
        let c = read_cookie("cmplz_marketing", "allow").expect("allow");
        assert_eq!(c.verdict(), Verdict::Accepted);
        let c = read_cookie("cmplz_statistics", "deny").expect("deny");
        assert_eq!(c.verdict(), Verdict::Rejected);
        let c = read_cookie("cmplz_functional", "allow").expect("functional");
        assert_eq!(
            c.verdict(),
            Verdict::Unknown,
            "functional is Complianz's necessary category"
        );
        let c = read_cookie("cmplz_banner-status", "show").expect("banner shown");
        assert_eq!(c.verdict(), Verdict::Undecided);
        for (name, value) in [
            ("cmplz_policy_id", "38"),
            ("cmplz_consented_services", ""),
            ("cmplz_consent_mode", "analytics_storage"),
            ("cmplz_", "allow"),
        ] {
            assert_eq!(read_cookie(name, value), None, "{name}");
        }
    }

    #[test]
    fn klaro_variants() {
        let c = read_cookie("klaro", r#"{"googleAnalytics":true,"youtube":true}"#).expect("plain JSON");
        assert_eq!(
            c.categories,
            cats(&[("googleanalytics", true), ("youtube", true)])
        );
        assert_eq!(c.verdict(), Verdict::Accepted);
        let c = read_storage("klaro", r#"{"consents":{"matomo":false}}"#).expect("nested");
        assert_eq!(c.verdict(), Verdict::Rejected);
        for bad in ["%7B", "[true]", r#"{"a":"b"}"#, "true", ""] {
            assert_eq!(read_cookie("klaro", bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cookieconsent_v3_and_v2() {
        let v3 = r#"{"categories":["necessary","analytics"],"revision":0,"data":null,"consentTimestamp":"2024-05-01T10:00:00.000Z","consentId":"00000000-0000-0000-0000-000000000000","services":{"necessary":[],"analytics":["ga"],"ads":[]},"languageCode":"en"}"#;
        let c = read_cookie("cc_cookie", v3).expect("v3");
        assert_eq!(c.cmp, "cookieconsent-v3");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[("necessary", true), ("analytics", true), ("ads", false)])
        );
        assert_eq!(c.verdict(), Verdict::Partial);
        let encoded: String = v3
            .chars()
            .map(|ch| match ch {
                '{' => "%7B".to_string(),
                '}' => "%7D".to_string(),
                '"' => "%22".to_string(),
                ',' => "%2C".to_string(),
                ':' => "%3A".to_string(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(read_cookie("cc_cookie", &encoded), Some(c.clone()));
        let mut from_storage = c;
        from_storage.source = "cc_cookie".into();
        assert_eq!(read_storage("cc_cookie", v3), Some(from_storage));

        let rejected =
            r#"{"categories":["necessary"],"services":{"necessary":[],"analytics":[]},"consentId":"x"}"#;
        assert_eq!(
            read_cookie("cc_cookie", rejected).map(|c| c.verdict()),
            Some(Verdict::Rejected)
        );

        let v2 = r#"{"level":["necessary","analytics"],"revision":0,"data":null,"rfc_cookie":false}"#;
        let c = read_cookie("cc_cookie", v2).expect("v2");
        assert_eq!(c.cmp, "cookieconsent-v2");
        assert_eq!(c.verdict(), Verdict::Accepted);
        let only_necessary = read_cookie("cc_cookie", r#"{"level":["necessary"]}"#).expect("v2");
        assert_eq!(
            only_necessary.verdict(),
            Verdict::Unknown,
            "the rejected categories are not stored"
        );
        assert_eq!(read_cookie("cc_cookie", r#"{"categories":"x"}"#), None);
    }

    #[test]
    fn osano_variants() {
        let verdict = |v: &str| read_cookie("cookieconsent_status", v).map(|c| c.verdict());
        assert_eq!(verdict("allow"), Some(Verdict::Accepted));
        assert_eq!(verdict("deny"), Some(Verdict::Rejected));
        assert_eq!(verdict("dismiss"), Some(Verdict::Unknown));
        assert_eq!(verdict("maybe"), None);
        let c = read_cookie("osano_consentmanager", "dGhpcyBpcyBvcGFxdWU=").expect("opaque");
        assert_eq!((c.cmp.as_str(), c.decided), ("osano", true));
        assert_eq!(c.verdict(), Verdict::Unknown);
        assert!(c.describe().contains("opaque"), "{}", c.describe());
        assert_eq!(read_cookie("osano_consentmanager", ""), None);
        assert!(read_storage("osano_consentmanager", "xyz").is_some());
    }

    #[test]
    fn tarteaucitron_variants() {
        let read = |v: &str| read_cookie("tarteaucitron", v);
        let waiting = read("!lanternstats=wait").expect("waiting");
        assert!(!waiting.decided);
        assert_eq!(waiting.verdict(), Verdict::Undecided);
        let denied = read("!lanternstats=false!gtag=false").expect("denied");
        assert!(denied.decided);
        assert_eq!(denied.verdict(), Verdict::Rejected);
        assert!(denied.granted().is_empty());
        let all = read("%21lanternstats%3Dtrue%21gtag%3Dtrue").expect("URL-encoded");
        assert_eq!(all.verdict(), Verdict::Accepted);
        assert_eq!(all.granted(), ["gtag", "lanternstats"]);
        // A service that needs no consent is `true` from the first load on: not a choice.
        let exempt = read("!matomo=true!lanternstats=wait").expect("exempt before the choice");
        assert!(!exempt.decided && exempt.granted().is_empty());
        assert_eq!(exempt.verdict(), Verdict::Undecided);
        let refused = read("!matomo=true!lanternstats=false").expect("exempt after a rejection");
        assert!(refused.decided && refused.granted().is_empty());
        assert_eq!(refused.verdict(), Verdict::Rejected);
        for bad in ["", "!", "lanternstats=true", "!=true", "!a=maybe", "!a"] {
            assert_eq!(read(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn iubenda_variants() {
        let plain = r#"{"timestamp":"2025-01-01T00:00:00.000Z","purposes":{"1":true,"2":true,"3":true,"4":true,"5":true,"6":false},"id":1}"#;
        let c = read_cookie("_iub_cs-99", plain).expect("plain");
        assert_eq!(c.verdict(), Verdict::Partial, "purpose 6 denied");
        assert_eq!(c.categories.get("purpose_6"), Some(&false));
        let c = read_cookie("_iub_cs-99", r#"{"consent":false}"#).expect("consent false");
        assert_eq!(c.verdict(), Verdict::Rejected);
        for name in ["_iub_cs-99-uspr", "_iub_cs-", "_iub_cs-abc", "_iub_cs-99x"] {
            assert_eq!(read_cookie(name, r#"{"consent":true}"#), None, "{name}");
        }
        assert_eq!(read_cookie("_iub_cs-99", "1YN-"), None);
    }

    fn didomi_token(json: &str, engine: &base64::engine::GeneralPurpose) -> String {
        engine.encode(json.as_bytes())
    }

    #[test]
    fn didomi_variants() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let json = r#"{"user_id":"00000000-0000-0000-0000-000000000000","created":"2024-01-01T00:00:00.000Z","updated":"2024-01-01T00:00:00.000Z","vendors":{"enabled":["google","c:x-y"],"disabled":[]},"purposes":{"enabled":["cookies","analytics"],"disabled":["select_basic_ads"]},"version":2}"#;
        let token = didomi_token(json, &STANDARD);
        let c = read_cookie("didomi_token", &token).expect("standard base64");
        assert_eq!(c.cmp, "didomi");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[
                ("cookies", true),
                ("analytics", true),
                ("select_basic_ads", false)
            ])
        );
        assert_eq!(c.verdict(), Verdict::Partial);
        assert_eq!(
            read_cookie("didomi_token", &token.replace('=', "%3D")),
            Some(c.clone())
        );
        assert_eq!(
            read_cookie("didomi_token", &didomi_token(json, &URL_SAFE_NO_PAD)),
            Some(c.clone())
        );
        let mut stored = c;
        stored.source = "didomi_token".into();
        assert_eq!(read_storage("didomi_token", &token), Some(stored));

        let rejected = r#"{"user_id":"u","purposes":{"enabled":[],"disabled":["cookies","analytics"]},"vendors":{"enabled":[],"disabled":["google"]}}"#;
        let c = read_cookie("didomi_token", &didomi_token(rejected, &STANDARD)).expect("rejected");
        assert_eq!(c.verdict(), Verdict::Rejected);

        let empty = r#"{"user_id":"u","purposes":{"enabled":[],"disabled":[]},"vendors":{"enabled":[],"disabled":[]}}"#;
        let c = read_cookie("didomi_token", &didomi_token(empty, &STANDARD)).expect("empty");
        assert_eq!(c.verdict(), Verdict::Undecided);

        for bad in [
            "",
            "!!!",
            "e30=",
            "bm90IGpzb24=",
            &didomi_token("[1,2]", &STANDARD),
        ] {
            assert_eq!(read_cookie("didomi_token", bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tcf_verdicts() {
        let accept = "CO4VGswO4VGswAfZCBDEAzCsAP_AAH_AAAigGUNf_X9fb2vj-_599_t0eY1f9_63t-wzjheMs-8NyZ-X_J4Wv2MyvB34JqQKGRgkunLBAQdtHGncTQgBwIlViTLMY02MjzNKJrJEilsbe2dYGH9vn8XT_ZKZ70-_v__7v3___33_5Ayhr_6_r7e18f3_Pvv9ujzGr_v_W9v2GccLxln3huTPy_5PC1-xmV4O_BNSBQyMEl05YICDto407iaEAOBEqsSZZjGmxkeZpRNZIkUtjb2zrAw_t8_i6f7JTPen39___d-___--__ICgKAOAAcAA4AFAAjgB6AEYALcGACAW0AtoJAHAAOAAcACgARwA9ACMAFuFABALaAW0GgDgAHAAOABQAI4AegBGAC3DgAgFtALaEQBwADgAHAAoAEcAPQAjABbiQAQC2gFtCoA4ABwADgAUACOAHoARgAtxYAIBbQC2hkAcAA4ABwAKABHAD0AIwAW40AEAtoBbQ6AOAAcAA4AFAAjgB6AEYALceACAW0AtohAHAAOAAcACgARwA9ACMAFuRABALaAW0SgDgAHAAOABQAI4AegBGAC3JgAgFtALaKQBwADgAHAAoAEcAPQAjABblQAQC2gFtA";
        let c = read_cookie("euconsent-v2", accept).expect("decodes");
        assert_eq!(c.verdict(), Verdict::Accepted);
        assert_eq!(c.granted().len(), 10);

        let mut tc = c.tcf.clone().expect("decoded");
        let judged = |tc: &TcString| {
            let mut s = c.clone();
            s.tcf = Some(tc.clone());
            s.verdict()
        };
        tc.purpose_consents = vec![1, 2, 3];
        tc.purpose_legitimate_interests = vec![2, 3];
        assert_eq!(
            judged(&tc),
            Verdict::Accepted,
            "every mentioned purpose is consented"
        );
        tc.purpose_legitimate_interests = vec![2, 7, 11];
        assert_eq!(
            judged(&tc),
            Verdict::Partial,
            "purpose 7 only under legitimate interest"
        );
        tc.purpose_consents = vec![2, 3];
        tc.purpose_legitimate_interests = vec![];
        assert_eq!(judged(&tc), Verdict::Partial, "no storage consent");
        tc.purpose_consents = vec![];
        assert_eq!(judged(&tc), Verdict::Partial, "vendor consents remain");
        tc.vendor_consents = vec![];
        assert_eq!(judged(&tc), Verdict::Rejected);

        let v1 = "BO2e4qiO2e4qiB9ABADEDS-AAAAxKABgACBiQA";
        let c = read_cookie("euconsent-v2", v1).expect("v1 decodes");
        assert_eq!(c.categories.len(), 5);
        assert_eq!(read_cookie("euconsent-v2", "not a tc string"), None);
        assert_eq!(read_cookie("euconsent-v2", ""), None);
    }

    #[test]
    fn usercentrics_v2_settings() {
        let entry = |action: &str, kind: &str, status: bool| {
            format!(
                r#"{{"action":"{action}","language":"en","status":{status},"timestamp":1700000000000,"type":"{kind}","versions":{{}}}}"#
            )
        };
        let service = |id: &str, status: bool, history: &[String]| {
            format!(
                r#"{{"history":[{}],"id":"{id}","processorId":"p","status":{status}}}"#,
                history.join(",")
            )
        };
        let settings = |services: &[String]| {
            format!(
                r#"{{"controllerId":"c","id":"s","language":"en","services":[{}],"version":"1"}}"#,
                services.join(",")
            )
        };
        let initial = entry("onInitialPageLoad", "implicit", true);
        let initial_off = entry("onInitialPageLoad", "implicit", false);

        let accepted = settings(&[
            service(
                "cmpId1",
                true,
                &[initial.clone(), entry("onAcceptAllServices", "explicit", true)],
            ),
            service(
                "gaId2",
                true,
                &[
                    initial_off.clone(),
                    entry("onAcceptAllServices", "explicit", true),
                ],
            ),
        ]);
        let c = read_storage("uc_settings", &accepted).expect("accepted");
        assert_eq!(c.cmp, "usercentrics");
        assert!(c.decided);
        assert_eq!(c.categories, cats(&[("cmpId1", true), ("gaId2", true)]));
        assert_eq!(c.verdict(), Verdict::Accepted);

        let denied = settings(&[
            service(
                "cmpId1",
                true,
                &[initial.clone(), entry("onDenyAllServices", "explicit", true)],
            ),
            service(
                "gaId2",
                false,
                &[initial_off.clone(), entry("onDenyAllServices", "explicit", false)],
            ),
            service(
                "ytId3",
                false,
                &[initial_off.clone(), entry("onDenyAllServices", "explicit", false)],
            ),
        ]);
        let c = read_storage("uc_settings", &denied).expect("denied");
        assert_eq!(
            c.categories,
            cats(&[("gaId2", false), ("ytId3", false)]),
            "essential left out"
        );
        assert_eq!(c.verdict(), Verdict::Rejected);

        let untouched = settings(&[
            service("cmpId1", true, &[initial]),
            service("gaId2", false, &[initial_off]),
        ]);
        let c = read_storage("uc_settings", &untouched).expect("untouched");
        assert!(!c.decided && c.implied);
        assert_eq!(c.verdict(), Verdict::Undecided);

        let empty =
            read_storage("uc_settings", r#"{"controllerId":"c","id":"s","services":[]}"#).expect("empty");
        assert_eq!(empty.verdict(), Verdict::Undecided);
        for bad in ["", "{}", r#"{"services":{}}"#, "[]", "null"] {
            assert_eq!(read_storage("uc_settings", bad), None, "{bad:?}");
        }
        assert_eq!(
            read_cookie("uc_settings", &accepted),
            None,
            "a storage key, not a cookie"
        );
    }

    #[test]
    fn usercentrics_v3_data() {
        let partial = r#"{"gcm":{"adStorage":"denied","analyticsStorage":"granted"},"consent":{"services":{"HkocEodjb7":{"name":"Google Analytics","consent":true},"BJz7qNsdj-7":{"name":"YouTube Video","consent":false}}}}"#;
        let c = read_storage("ucData", partial).expect("partial");
        assert!(c.decided);
        assert_eq!(
            c.categories,
            cats(&[("google analytics", true), ("youtube video", false)])
        );
        assert_eq!(c.verdict(), Verdict::Partial);

        let first_visit = read_storage("ucData", r#"{"consent":{"services":{}}}"#).expect("first visit");
        assert_eq!(first_visit.verdict(), Verdict::Undecided);

        let typed = r#"{"consent":{"type":"IMPLICIT","services":{"a":{"name":"A","consent":{"given":true,"type":"IMPLICIT"}},"b":{"name":"B","essential":true,"consent":{"given":true,"type":"IMPLICIT"}}}}}"#;
        let c = read_storage("ucData", typed).expect("implicit");
        assert!(!c.decided && c.implied);
        assert_eq!(c.categories, cats(&[("a", true)]), "essential left out");

        let explicit = typed.replace("IMPLICIT", "EXPLICIT").replace(
            "\"given\":true,\"type\":\"EXPLICIT\"}},\"b\"",
            "\"given\":false,\"type\":\"EXPLICIT\"}},\"b\"",
        );
        let c = read_storage("ucData", &explicit).expect("explicit");
        assert!(c.decided);
        assert_eq!(c.verdict(), Verdict::Rejected);

        for bad in ["", "{}", r#"{"consent":{}}"#, r#"{"consent":{"services":[]}}"#] {
            assert_eq!(read_storage("ucData", bad), None, "{bad:?}");
        }
    }

    #[test]
    fn unknown_names_and_keys() {
        assert_eq!(read_cookie("_ga", "GA1.1.1.1"), None);
        assert_eq!(read_cookie("cookieconsent", "allow"), None);
        assert_eq!(read_storage("CookieConsent", "-1"), None);
        assert_eq!(read_storage("something", "{}"), None);
        assert!(read_cookie_header("").is_empty());
        assert!(read_cookie_header("a; b=; =c;;").is_empty());
    }

    #[test]
    fn mixed_header_keeps_separate_managers_apart() {
        let header = "OptanonAlertBoxClosed=2021-05-04T05:12:41.250Z; euconsent-v2=CPt3fQAPt3fQACNAFAENDLCgAAAAAAAAACiQAAAOCgDAB-AIsAZ8A6QDBAHBAAAA.YAAAAAAAAAAA; _ga=x; OptanonConsent=groups=C0001%3A1%2CC0002%3A0&interactionCount=1";
        let readings = read_cookie_header(header);
        let ids: Vec<&str> = readings.iter().map(|r| r.cmp.as_str()).collect();
        assert_eq!(ids, ["onetrust", "tcf"]);
        let onetrust = readings.first().expect("onetrust");
        assert_eq!(onetrust.source, "OptanonAlertBoxClosed, OptanonConsent");
        assert_eq!(onetrust.verdict(), Verdict::Rejected);
    }

    /// A small deterministic generator for fuzz-style tests.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(self.0 >> 33).unwrap_or(0)
        }
    }

    #[test]
    fn garbage_never_panics() {
        const NAMES: [&str; 17] = [
            "CookieConsent",
            "tarteaucitron",
            "OptanonConsent",
            "OptanonAlertBoxClosed",
            "cookieyes-consent",
            "cmplz_marketing",
            "cmplz_banner-status",
            "klaro",
            "cc_cookie",
            "cookieconsent_status",
            "osano_consentmanager",
            "_iub_cs-1",
            "didomi_token",
            "euconsent-v2",
            "uc_settings",
            "ucData",
            "unknown",
        ];
        const PIECES: [&str; 24] = [
            "{", "}", "[", "]", "'", "\"", ":", ",", "%", "%7B", "%2", "=", "&", "true", "false", "-1",
            "groups", "C0001:1", "yes", "no", "é", "\u{0}", "null", "purposes",
        ];
        let mut rng = Lcg(42);
        let mut values: Vec<String> = SAMPLES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split(" | ").nth(2))
            .map(str::to_string)
            .collect();
        for _ in 0..2000 {
            let len = rng.next() % 30;
            values.push(
                (0..len)
                    .map(|_| PIECES.get(rng.next() % PIECES.len()).copied().unwrap_or_default())
                    .collect(),
            );
        }
        // Truncations of the samples.
        let samples = values.clone();
        for value in samples.iter().take(30) {
            for end in (0..value.len()).filter(|e| value.is_char_boundary(*e)) {
                values.push(value.get(..end).unwrap_or_default().to_string());
            }
        }
        values.push("{".repeat(10_000));
        values.push("[".repeat(10_000));
        values.push(format!("{{\"level\":[{}]}}", "\"x\",".repeat(10_000) + "\"y\""));
        for value in &values {
            for name in NAMES {
                for reading in read_cookie(name, value)
                    .into_iter()
                    .chain(read_storage(name, value))
                {
                    let _ = (reading.verdict(), reading.granted(), reading.describe());
                }
            }
            let _ = read_cookie_header(value);
        }
    }

    #[test]
    fn serde_and_schema() {
        assert_eq!(
            serde_json::to_value(Verdict::Undecided).ok(),
            Some(Value::from("undecided"))
        );
        let c = read_sample("uBlock Origin Lite");
        let json = serde_json::to_string(&c).expect("serialises");
        let back: StoredConsent = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, c);
        let schema = serde_json::to_value(schemars::schema_for!(StoredConsent)).expect("schema");
        assert!(schema["properties"]["categories"].is_object());
        let _ = schemars::schema_for!(Verdict);
    }

    #[test]
    fn describe_is_one_line() {
        let c = read_sample("here 1,3,4 granted, 5 not");
        assert_eq!(
            c.describe(),
            "_iub_cs-12345678 (iubenda): partial; granted: experience, measurement"
        );
        let c = read_sample("landingPath = URL");
        assert_eq!(
            c.describe(),
            "OptanonConsent (onetrust): undecided, consent implied without a choice; granted: c0002"
        );
    }
}
