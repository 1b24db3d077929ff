//! Finding a site's declarations: which consent manager the page runs, which of its links
//! lead to a privacy or cookie policy, and turning everything read (in-page consent-manager
//! data, the pages' HTML and text, the owner's policy file) into one [`DeclaredPolicy`].

use super::model::*;
use crate::capture::model::{PageInfo, PolicyDocument};
use crate::signatures::SignatureIndex;

/// Consent managers recognised by their globals and script hosts: (id, globals, script URL fragments).
const CMPS: &[(&str, &[&str], &[&str])] = &[
    (
        "cookiebot",
        &["Cookiebot", "CookieConsentDialog"],
        &[
            "consent.cookiebot.com",
            "consent.cookiebot.eu",
            "consentcdn.cookiebot",
        ],
    ),
    (
        "onetrust",
        &["OneTrust", "Optanon", "OptanonActiveGroups"],
        &["cookielaw.org", "onetrust.com", "cookiepro.com", "otSDKStub"],
    ),
    (
        "usercentrics",
        &["UC_UI", "__ucCmp"],
        &["usercentrics.eu", "usercentrics.com"],
    ),
    ("didomi", &["Didomi"], &["sdk.privacy-center.org", "didomi.io"]),
    ("klaro", &["klaro", "klaroConfig"], &["klaro"]),
    ("osano", &["Osano"], &["osano.com"]),
    (
        "cookieyes",
        &["getCkyConsent", "cookieyes"],
        &["cdn-cookieyes.com", "cookieyes.com", "cookie-law-info"],
    ),
    ("complianz", &["complianz", "cmplz_banner"], &["complianz"]),
    ("termly", &["Termly"], &["app.termly.io"]),
    ("iubenda", &["_iub"], &["iubenda.com"]),
    ("cookiescript", &["CookieScript"], &["cookie-script.com"]),
    (
        "quantcast-choice",
        &[],
        &[
            "quantcast.mgr.consensu.org",
            "cmp.quantcast.com",
            "cmp.inmobi.com",
        ],
    ),
    ("cookieconsent-v3", &[], &["cookieconsent"]),
];

/// The consent manager the page runs, if one is recognised.
pub fn detect_cmp(info: &PageInfo) -> Option<String> {
    if info.cmp_data.iter().any(|(k, _)| k == "cookieconsent-v3")
        && !info.globals.iter().any(|g| g == "Cookiebot")
    {
        return Some("cookieconsent-v3".into());
    }
    for (id, globals, scripts) in CMPS {
        let by_global = globals.iter().any(|g| info.globals.iter().any(|x| x == g));
        let by_script = scripts
            .iter()
            .any(|s| info.scripts.iter().any(|x| x.to_lowercase().contains(s)));
        if by_global || by_script {
            return Some((*id).to_string());
        }
    }
    if info.globals.iter().any(|g| g == "__tcfapi" || g == "__cmp") {
        return Some("tcf".into());
    }
    None
}

const COOKIE_WORDS: &[&str] = &[
    "cookie",
    "cookies",
    "galleta",
    "témoin",
    "traceur",
    "ciasteczk",
    "cookie-richtlinie",
    "cookierichtlinie",
];
const PRIVACY_WORDS: &[&str] = &[
    "privacy",
    "privacidad",
    "privacidade",
    "privacité",
    "confidentialité",
    "confidentialite",
    "datenschutz",
    "privatsphäre",
    "riservatezza",
    "privacybeleid",
    "privacyverklaring",
    "prywatności",
    "prywatnosci",
    "integritet",
    "personuppgift",
    "tietosuoja",
    "ochrana osobních",
    "adatvédelm",
    "gizlilik",
    "конфиденциальност",
    "隐私",
    "隱私",
    "プライバシー",
    "개인정보",
    "data protection",
    "data-protection",
    "dataprivacy",
    "personal data",
];

/// Links that look like privacy or cookie policies, cookie policies first; at most `max`.
pub fn policy_links(info: &PageInfo, max: usize) -> Vec<String> {
    let mut cookie = Vec::new();
    let mut privacy = Vec::new();
    for (text, href) in &info.links {
        let h = href.to_lowercase();
        if !(h.starts_with("http://") || h.starts_with("https://")) {
            continue;
        }
        let base = h.split('#').next().unwrap_or(&h).to_string();
        let t = text.to_lowercase();
        let path = url::Url::parse(&base)
            .map(|u| u.path().to_lowercase())
            .unwrap_or_default();
        let settings = t.contains("settings")
            || t.contains("einstellungen")
            || t.contains("préférences")
            || t.contains("preferences");
        let is_cookie = COOKIE_WORDS
            .iter()
            .any(|w| path.contains(w) || (t.contains(w) && !settings));
        let is_privacy = PRIVACY_WORDS
            .iter()
            .any(|w| path.contains(&w.replace(' ', "-")) || t.contains(w));
        let list = if is_cookie {
            &mut cookie
        } else if is_privacy {
            &mut privacy
        } else {
            continue;
        };
        if !list.contains(&base) {
            list.push(base);
        }
    }
    let mut out: Vec<String> = Vec::new();
    for u in cookie.into_iter().take(1).chain(privacy.into_iter().take(1)) {
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out.truncate(max);
    out
}

/// Whether the scanned page itself is a policy page (its URL or title says so).
pub fn is_policy_page(url: &str, info: &PageInfo) -> bool {
    let u = url.to_lowercase();
    let t = info.title.to_lowercase();
    COOKIE_WORDS
        .iter()
        .chain(PRIVACY_WORDS)
        .any(|w| u.contains(&w.replace(' ', "-")) || t.contains(w))
}

/// Everything declarative found in one page or document.
fn from_page(info: &PageInfo, location: &str, prose: bool, index: &SignatureIndex) -> DeclaredPolicy {
    let mut policy = DeclaredPolicy::default();
    for (kind, json) in &info.cmp_data {
        let p = match kind.as_str() {
            "cookiebot-dialog" => super::cookiebot::from_dialog_json(json, location),
            "onetrust-domaindata" => super::onetrust::from_domain_data(json, location),
            "klaro" => super::cmps::from_klaro(json, location),
            "cookieconsent-v3" => super::cmps::from_cookieconsent_v3(json, location),
            "osano" => super::cmps::from_osano(json, location),
            "usercentrics" => super::cmps::from_usercentrics(json, location),
            _ => continue,
        };
        policy.merge(p);
    }
    let html = info.html.as_str();
    let mut table_read = false;
    if html.contains("CookieDeclaration") {
        policy.merge(super::cookiebot::from_declaration_html(html, location));
        table_read = true;
    }
    if html.contains("ot-sdk-cookie-policy") {
        policy.merge(super::onetrust::from_cookie_list_html(html, location));
        table_read = true;
    }
    if html.contains("cky-cookie-audit-table") || html.contains("cookielawinfo-table") {
        policy.merge(super::cmps::from_cookieyes_html(html, location));
        table_read = true;
    }
    if html.contains("cmplz") && html.contains("<table") {
        policy.merge(super::cmps::from_complianz_html(html, location));
        table_read = true;
    }
    if !table_read && html.contains("<table") {
        let p = super::tables::from_html_tables(html, location);
        if !p.items.is_empty() {
            policy.merge(p);
        }
    }
    if prose {
        let text = if info.text.trim().is_empty() {
            super::tables::html_to_text(html)
        } else {
            info.text.clone()
        };
        if super::cookiebot::detect_cookiebot_text(&text) && !table_read {
            policy.merge(super::cookiebot::from_declaration_text(&text, location));
        }
        if !text.trim().is_empty() {
            policy.merge(super::text::from_policy_text(&text, location, index));
        }
    }
    policy
}

/// The declared policy of a scanned page: its consent manager's data, the policy pages
/// loaded for it, and the owner's policy file, merged.
pub fn declared_policy(
    page_url: &str,
    page: Option<&PageInfo>,
    documents: &[PolicyDocument],
    file: Option<DeclaredPolicy>,
    index: &SignatureIndex,
) -> DeclaredPolicy {
    let mut policy = DeclaredPolicy::default();
    if let Some(info) = page {
        policy.consent_manager = detect_cmp(info);
        let prose = is_policy_page(page_url, info);
        policy.merge(from_page(info, page_url, prose, index));
    }
    for d in documents {
        policy.policy_pages.push(d.url.clone());
        match &d.error {
            Some(e) => policy.sources.push(PolicySource {
                kind: "policy-page".into(),
                location: d.url.clone(),
                items: 0,
                vendors: 0,
                statements: 0,
                problems: vec![format!("could not be loaded: {e}")],
            }),
            None if d.status.is_some_and(|s| s >= 400) => policy.sources.push(PolicySource {
                kind: "policy-page".into(),
                location: d.url.clone(),
                items: 0,
                vendors: 0,
                statements: 0,
                problems: vec![format!("answered HTTP {}", d.status.unwrap_or_default())],
            }),
            None => {
                if policy.consent_manager.is_none() {
                    policy.consent_manager = detect_cmp(&d.info);
                }
                policy.merge(from_page(&d.info, &d.url, true, index));
            }
        }
    }
    if let Some(f) = file {
        policy.merge(f);
    }
    // Sources that yielded nothing and had no problem are noise.
    policy
}
