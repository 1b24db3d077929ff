//! The normalised declared policy: what a site says it stores, who it shares with, which
//! technologies it uses, how long it keeps things, and what it says it does *not* do —
//! from every source found (consent-manager data, cookie tables, policy text, a policy file).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A consent manager's category, normalised (CookieBlock's model: the least privacy-friendly
/// category wins when a declaration is ambiguous).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeclaredCategory {
    Necessary,
    Preferences,
    Statistics,
    Marketing,
    Unclassified,
    /// A category name crumbs could not map.
    Unknown,
}

impl DeclaredCategory {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DeclaredCategory::Necessary => "necessary",
            DeclaredCategory::Preferences => "preferences",
            DeclaredCategory::Statistics => "statistics",
            DeclaredCategory::Marketing => "marketing",
            DeclaredCategory::Unclassified => "unclassified",
            DeclaredCategory::Unknown => "unknown",
        }
    }

    /// Rank in the order necessary < preferences < statistics < marketing (None for the others).
    pub fn strictness(self) -> Option<u8> {
        match self {
            DeclaredCategory::Necessary => Some(0),
            DeclaredCategory::Preferences => Some(1),
            DeclaredCategory::Statistics => Some(2),
            DeclaredCategory::Marketing => Some(3),
            _ => None,
        }
    }

    /// Maps a category label in many languages and CMP dialects (Cookiebot, OneTrust group
    /// names, CookieYes, Termly, Klaro purposes, iubenda purpose ids, OCD) to the model.
    /// Advertising words are tested first, so the least privacy-friendly reading wins.
    pub fn from_label(label: &str) -> DeclaredCategory {
        let l = label.trim().to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
        if l.is_empty() {
            return DeclaredCategory::Unknown;
        }
        if has(&[
            "advertis",
            "marketing",
            "targeting",
            "targeted",
            "retarget",
            "tracking",
            "tracker",
            "social",
            "werbung",
            "publicit",
            "publicidad",
            "pubblicit",
            "reklam",
            "sale of personal",
            "personalised ads",
            "personalized ads",
            "fingerprint",
            "ads",
            "advertisement",
            "c0004",
            "c0005",
        ]) {
            return DeclaredCategory::Marketing;
        }
        if has(&[
            "statistic",
            "statyst",
            "analytic",
            "measurement",
            "performance",
            "statistik",
            "analyse",
            "mesure",
            "estad",
            "statistiche",
            "anonym",
            "research",
            "c0002",
        ]) {
            return DeclaredCategory::Statistics;
        }
        if has(&[
            "unclassified",
            "uncategori",
            "nicht klassifiziert",
            "non classé",
            "sin clasificar",
            "pending",
            "nieklasyfik",
            "other",
        ]) {
            return DeclaredCategory::Unclassified;
        }
        if has(&[
            "preference",
            "preferencj",
            "functional",
            "functionality",
            "personali",
            "präferenz",
            "funktion",
            "préférence",
            "fonctionnel",
            "preferencia",
            "funcional",
            "preferenze",
            "funzional",
            "experience",
            "video",
            "c0003",
        ]) {
            return DeclaredCategory::Preferences;
        }
        if has(&[
            "necessary",
            "essential",
            "required",
            "mandatory",
            "strictly",
            "notwendig",
            "erforderlich",
            "nécessaire",
            "necesari",
            "necessari",
            "niezbędne",
            "security",
            "c0001",
            "technical",
            "technisch",
        ]) {
            return DeclaredCategory::Necessary;
        }
        DeclaredCategory::Unknown
    }
}

/// What kind of item a declaration row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// An HTTP or JavaScript cookie.
    Cookie,
    /// localStorage, sessionStorage or IndexedDB ("HTML Local Storage").
    Storage,
    /// A pixel or beacon ("Pixel Tracker"); the name is a URL path.
    Pixel,
}

/// Where a declaration came from, and what it yielded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicySource {
    /// `cookiebot-ccjs`, `cookiebot-dialog`, `cookiebot-declaration`, `cookiebot-text`,
    /// `onetrust-domaindata`, `onetrust-cookie-list`, `klaro`, `cookieconsent-v3`, `osano`,
    /// `cookieyes`, `complianz`, `usercentrics`, `termly`, `html-table`, `policy-text`, `policy-file`.
    pub kind: String,
    /// URL or file it was read from (or `page` for in-page objects).
    pub location: String,
    /// Items declared by this source.
    pub items: usize,
    /// Vendors named, technologies and statements found by this source.
    pub vendors: usize,
    pub statements: usize,
    /// Problems while reading it, in words (a malformed config, an unparseable row, …).
    pub problems: Vec<String>,
}

impl PolicySource {
    /// Records a problem; past `cap` problems, one line says that more were not listed.
    pub fn add_problem(&mut self, problem: String, cap: usize) {
        let n = self.problems.len();
        if n < cap {
            self.problems.push(problem);
        } else if n == cap {
            self.problems.push("further problems not listed".to_string());
        }
    }
}

/// A declared cookie, storage key or pixel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeclaredItem {
    /// As written: `_ga`, `_ga_#`, `SESS*`, `/^_gat(_.+)*$/`, `collect`.
    pub name: String,
    pub kind: ItemKind,
    /// The provider (domain or company) as declared.
    pub provider: Option<String>,
    pub category: DeclaredCategory,
    /// The category label as the source wrote it.
    pub category_label: Option<String>,
    pub purpose: Option<String>,
    /// The expiry as written (`2 years`, `Session`, `400 dni`).
    pub expiry_text: Option<String>,
    /// Parsed expiry in seconds; 0 for a session item; null when unknown or "persistent".
    pub expiry_secs: Option<u64>,
    /// Declared as a session item.
    pub session: Option<bool>,
    /// How many times the declaration counts this row (Cookiebot's `[xN]`).
    pub count: u32,
    /// Index into `sources`.
    pub source: usize,
    /// Where in the source: a line, a row, a JSON path.
    pub location: Option<String>,
}

/// A vendor the site names (in a CMP's provider list or in its policy text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeclaredVendor {
    /// The name as found.
    pub name: String,
    /// The signature id it resolves to, when known.
    pub vendor: Option<String>,
    pub source: usize,
    /// The sentence or cell it was found in (shortened).
    pub quote: Option<String>,
}

/// A technology the site says it uses: `cookies`, `web-beacons`, `pixels`, `local-storage`,
/// `session-storage`, `indexeddb`, `fingerprinting`, `session-replay`, `sdk`, `server-logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeclaredTechnology {
    pub technology: String,
    pub source: usize,
    pub quote: Option<String>,
}

/// "kept for 6 months": a retention period and what it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetentionStatement {
    /// What the period applies to, as far as the sentence says (`server logs`, `_ga`, `cookies`).
    pub subject: String,
    pub duration_secs: u64,
    pub quote: String,
    pub source: usize,
}

/// "we do not use advertising cookies": what the site says it does not do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NegativeStatement {
    /// A technology (`fingerprinting`, `web-beacons`, …) or a category (`marketing`, `statistics`).
    pub denies: String,
    pub quote: String,
    pub source: usize,
}

/// Everything a site declares, merged from all its sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeclaredPolicy {
    /// The consent manager found on the page (`cookiebot`, `onetrust`, `klaro`, …).
    pub consent_manager: Option<String>,
    /// Policy pages found from the page's links.
    pub policy_pages: Vec<String>,
    pub sources: Vec<PolicySource>,
    pub items: Vec<DeclaredItem>,
    pub vendors: Vec<DeclaredVendor>,
    pub technologies: Vec<DeclaredTechnology>,
    pub retention: Vec<RetentionStatement>,
    pub negatives: Vec<NegativeStatement>,
}

impl DeclaredPolicy {
    /// Adds the items and statements of `other`, renumbering its source indices.
    pub fn merge(&mut self, other: DeclaredPolicy) {
        let base = self.sources.len();
        self.sources.extend(other.sources);
        self.items.extend(other.items.into_iter().map(|mut i| {
            i.source += base;
            i
        }));
        self.vendors.extend(other.vendors.into_iter().map(|mut v| {
            v.source += base;
            v
        }));
        self.technologies
            .extend(other.technologies.into_iter().map(|mut t| {
                t.source += base;
                t
            }));
        self.retention.extend(other.retention.into_iter().map(|mut r| {
            r.source += base;
            r
        }));
        self.negatives.extend(other.negatives.into_iter().map(|mut n| {
            n.source += base;
            n
        }));
        if self.consent_manager.is_none() {
            self.consent_manager = other.consent_manager;
        }
        for p in other.policy_pages {
            if !self.policy_pages.contains(&p) {
                self.policy_pages.push(p);
            }
        }
    }

    /// Declared items per category, with `[xN]` multiplicities counted N times.
    pub fn category_counts(&self) -> std::collections::BTreeMap<DeclaredCategory, u32> {
        let mut m = std::collections::BTreeMap::new();
        for i in &self.items {
            *m.entry(i.category).or_insert(0) += i.count;
        }
        m
    }
}

/// Parses an expiry text in several languages into seconds: `Session` → 0, `2 years`,
/// `13 months`, `400 dni`, `1 Tag`, `364 Days`, `A few seconds` (60), `Persistent` → None.
pub fn parse_expiry(text: &str) -> (Option<u64>, Option<bool>) {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return (None, None);
    }
    const SESSION: &[&str] = &[
        "session",
        "sitzung",
        "sesyjn",
        "sesión",
        "sessione",
        "séance",
        "sessie",
        "browsersitzung",
    ];
    if SESSION.iter().any(|w| t.contains(w)) {
        return (Some(0), Some(true));
    }
    if ["persistent", "stałe", "dauerhaft", "permanent", "persistente"]
        .iter()
        .any(|w| t.contains(w))
    {
        return (None, Some(false));
    }
    if t.contains("few seconds") {
        return (Some(60), Some(false));
    }
    let words: &[(&[&str], u64)] = &[
        (&["second", "sekund", "seconde", "segund", "secondi"], 1),
        (&["minute", "minut", "minuto"], 60),
        (&["hour", "stunde", "godzin", "heure", "hora", "ore", "uur"], 3600),
        (
            &["day", "tag", "dni", "dzień", "jour", "día", "dia", "giorn", "dag"],
            86_400,
        ),
        (
            &[
                "week", "woche", "tydzie", "tygodni", "semaine", "semana", "settiman",
            ],
            7 * 86_400,
        ),
        (
            &["month", "monat", "miesi", "mois", "mes", "mese", "maand"],
            30 * 86_400,
        ),
        (
            &["year", "jahr", "rok", "lat", "an", "año", "anno", "ann", "jaar"],
            365 * 86_400,
        ),
    ];
    let numbers: &[(&str, u64)] = &[
        ("one", 1),
        ("a", 1),
        ("an", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("eleven", 11),
        ("twelve", 12),
        ("thirteen", 13),
        ("fourteen", 14),
        ("fifteen", 15),
        ("eighteen", 18),
        ("twenty", 20),
        ("twenty-four", 24),
        ("thirty", 30),
    ];
    let tokens: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|s| !s.is_empty())
        .collect();
    let mut total: u64 = 0;
    let mut found = false;
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        // "2years", "30d" written together
        let (num_part, unit_part) = match tok.find(|c: char| !c.is_ascii_digit()) {
            Some(0) | None => (tok, ""),
            Some(p) => (&tok[..p], &tok[p..]),
        };
        let n = num_part
            .parse::<u64>()
            .ok()
            .or_else(|| numbers.iter().find(|(w, _)| *w == tok).map(|(_, n)| *n));
        if let Some(n) = n {
            let unit_tok = if unit_part.is_empty() {
                tokens.get(i + 1).copied().unwrap_or("")
            } else {
                unit_part
            };
            if let Some((_, secs)) = words
                .iter()
                .find(|(ws, _)| ws.iter().any(|w| unit_tok.starts_with(w)))
            {
                total = total.saturating_add(n.saturating_mul(*secs));
                found = true;
                i += if unit_part.is_empty() { 2 } else { 1 };
                continue;
            }
        }
        i += 1;
    }
    if found {
        (Some(total), Some(false))
    } else {
        (None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_texts() {
        let cases: &[(&str, Option<u64>, Option<bool>)] = &[
            ("Session", Some(0), Some(true)),
            ("Sesyjne", Some(0), Some(true)),
            ("Persistent", None, Some(false)),
            ("Stałe", None, Some(false)),
            ("1 day", Some(86_400), Some(false)),
            ("2 years", Some(2 * 365 * 86_400), Some(false)),
            ("13 miesięcy", Some(13 * 30 * 86_400), Some(false)),
            ("400 dni", Some(400 * 86_400), Some(false)),
            ("364 Days", Some(364 * 86_400), Some(false)),
            ("A few seconds", Some(60), Some(false)),
            ("95752 months", Some(95_752 * 30 * 86_400), Some(false)),
            ("1 year 1 month", Some(365 * 86_400 + 30 * 86_400), Some(false)),
            ("six months", Some(6 * 30 * 86_400), Some(false)),
            ("30 Minuten", Some(1800), Some(false)),
            ("", None, None),
            ("various", None, None),
        ];
        for (text, secs, session) in cases {
            assert_eq!(parse_expiry(text), (*secs, *session), "{text:?}");
        }
    }

    #[test]
    fn category_labels() {
        use DeclaredCategory::*;
        for (label, want) in [
            ("Necessary", Necessary),
            ("Strictly Necessary Cookies", Necessary),
            ("Preferences", Preferences),
            ("Functional Cookies", Preferences),
            ("Statistics", Statistics),
            ("Performance Cookies", Statistics),
            ("Marketing", Marketing),
            ("Targeting Cookies", Marketing),
            ("Social Media Cookies", Marketing),
            ("Unclassified", Unclassified),
            ("Notwendig", Necessary),
            ("Statystyka", Statistics),
            ("advertisement", Marketing),
            ("Werbung", Marketing),
            ("Unknown group", Unknown),
        ] {
            assert_eq!(DeclaredCategory::from_label(label), want, "{label}");
        }
    }
}
