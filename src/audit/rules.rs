//! The rule book: every finding rule's id, title, severity and documentation, as printed
//! by `crumbs explain RULE`. Rule ids are stable; a rule's logic lives in the module named
//! in its `module` field.

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    /// How its severity is chosen.
    pub severity: &'static str,
    /// When it fires, precisely.
    pub fires_when: &'static str,
    /// Why it matters, and where the rule comes from.
    pub rationale: &'static str,
    pub module: &'static str,
}

/// Every rule, in id order.
pub const RULES: &[Rule] = &[
    Rule {
        id: "CNS-001",
        title: "Non-essential storage or tracker traffic before consent",
        severity: "high for items whose purpose is statistics or marketing and for advertising-type vendors; medium for preferences, unclassified and analytics-type vendors",
        fires_when: "in the initial pass (no interaction; or, when no initial pass ran, before the action of a verified pass) a cookie or storage item whose purpose is not necessary is stored, or a third-party request goes to a tracking vendor (advertising, social, analytics, session replay, A/B testing, marketing automation, fingerprinting). The purpose is the declared category, else the signature's purpose for the name, else the vendor category's; items of unknown purpose are not claimed",
        rationale: "Consent must come before non-essential storage (ePrivacy Directive art. 5(3), GDPR art. 6/7). CookieBlock (USENIX Security 2022) found implicit consent on 69.7 % of sites; Bouhoula et al. (USENIX Security 2024) found 73.4 % collecting data without any interaction.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-002",
        title: "Positive consent signal before any choice",
        severity: "high",
        fires_when: "in the initial pass, a consent cookie or storage entry of a known consent manager (Cookiebot, OneTrust, CookieYes, Complianz, Klaro, CookieConsent, iubenda, Didomi, Usercentrics) or the TCF string says optional purposes are granted although nobody chose",
        rationale: "Matte, Bielova and Santos (IEEE S&P 2020) found 141 of 1,426 TCF sites storing positive consent before any choice; downstream vendors act on that signal.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-003",
        title: "Storage set after a verified rejection",
        severity: "high",
        fires_when: "in the reject pass, whose rejection is verified, a cookie or storage item of non-necessary purpose is set or updated after the moment of the rejection (including after the reload)",
        rationale: "A rejection must be honoured. CookieBlock's M8 check (ignored choices) fired on 21.3 % of sites.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-004",
        title: "Positive consent signal after rejection",
        severity: "high",
        fires_when: "in the reject pass, whose rejection is verified by the consent manager's own state, a stored signal (a TCF string, a consent manager's cookie) still grants optional purposes at the end of the pass",
        rationale: "Matte et al. found 27 sites storing positive consent after an explicit opt-out; vendors reading the TC string then behave as if the visitor had accepted.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-005",
        title: "Tracker traffic after rejection",
        severity: "high for advertising-type vendors; medium for analytics-type vendors",
        fires_when: "in the reject pass, whose rejection is verified, a third-party request to a tracking vendor starts after the moment of the rejection",
        rationale: "Bouhoula et al. (USENIX Security 2024) found 65.4 % of sites offering a rejection still collecting data after it.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-006",
        title: "Google Consent Mode says granted without a grant",
        severity: "high",
        fires_when: "a Google request carries `gcs` or `gcd` saying ad_storage or analytics_storage is granted, in the initial pass or after a verified rejection",
        rationale: "Google's tags read Consent Mode to decide whether to store identifiers; a granted signal without a choice tells Google the visitor agreed.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-007",
        title: "No reject option on the first layer",
        severity: "medium",
        fires_when: "in the reject pass the banner shows an accept control on its first layer and no reject control (neither the consent manager rule's nor one the generic finder recognises)",
        rationale: "Refusing must be as easy as accepting (EDPB cookie banner taskforce report, 2023); Nouwens et al. (CHI 2025) found most banners not minimally compliant, mostly for a missing reject.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-008",
        title: "Pre-selected choices",
        severity: "medium",
        fires_when: "an enabled optional toggle (checkbox or switch) of the banner is on before the visitor chose",
        rationale: "Pre-ticked boxes are not consent (CJEU Planet49, C-673/17); Matte et al. found pre-selected purposes on 236 TCF sites.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-010",
        title: "Pre-consent cookies not removed after rejection",
        severity: "low",
        fires_when: "a non-necessary cookie present in the initial pass is still present at the end of the verified reject pass and was not set again after the rejection (that would be CNS-003)",
        rationale: "A rejection should remove what was stored without consent; a cookie left in place keeps identifying the visitor.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-090",
        title: "Consent action could not be verified",
        severity: "info",
        fires_when: "the reject or accept pass could not take its action (no banner, no control, a click that did nothing, a consent manager that threw, a page that never settled) or the stored state does not show the choice; the pass is kept but no consent finding is claimed from it",
        rationale: "A consent finding is only as good as the proof that the choice was made; crumbs says when it has none instead of guessing.",
        module: "audit::consent",
    },
    Rule {
        id: "CNS-091",
        title: "Consent not required in the scan's region",
        severity: "info",
        fires_when: "the TCF API says `gdprApplies` is false, or Cookiebot's consent cookie carries the out-of-region stamp `-1`; such a record is then not CNS-002 (an implied-consent record with a real stamp, inside the region, still is)",
        rationale: "Consent managers show no banner and grant everything outside the regions they are configured for; findings from such a scan say little about what visitors in those regions get. Scan from the region whose rules you audit (CookieBlock notes Cookiebot shows no banner from Switzerland).",
        module: "audit::consent",
    },
    Rule {
        id: "DCL-001",
        title: "Undeclared cookie",
        severity: "high when the cookie's signature purpose is statistics or marketing; medium when preferences or unknown; low when necessary",
        fires_when: "the site declares cookies (a consent manager's list, a cookie table, or a policy file) and a cookie observed in any pass matches no declared cookie name (exact, prefix, `#` placeholder or regex)",
        rationale: "Consent must be informed: a cookie the declaration does not list cannot have been consented to. CookieBlock (Bollinger et al., USENIX Security 2022) found undeclared cookies on 82.5 % of sites.",
        module: "audit::declaration",
    },
    Rule {
        id: "DCL-002",
        title: "Undeclared storage key",
        severity: "medium when the key's signature purpose is statistics or marketing; low otherwise",
        fires_when: "the site declares items and a localStorage or sessionStorage key observed matches no declared name",
        rationale: "Web storage is covered by the same consent rule as cookies (ePrivacy Directive art. 5(3)); declarations that list only cookies leave it undisclosed.",
        module: "audit::declaration",
    },
    Rule {
        id: "DCL-003",
        title: "Undeclared third party",
        severity: "high for advertising, social, session-replay and fingerprinting vendors; medium for analytics, tag managers, marketing automation, A/B testing and customer engagement; low for the rest and for unattributed domains",
        fires_when: "the site declares vendors or providers and a third party contacted (by its vendor, owner or domain) is named by none of them; the consent manager that publishes the declaration counts as declared",
        rationale: "Recipients of personal data must be disclosed (GDPR art. 13(1)(e)). Libert (WWW 2018) found fewer than 15 % of third-party data flows disclosed in policies.",
        module: "audit::declaration",
    },
    Rule {
        id: "DCL-010",
        title: "Declared in a more permissive category",
        severity: "high when a statistics or marketing item is declared necessary or preferences; medium otherwise",
        fires_when: "an observed cookie or storage key matches a declared entry whose category is lower in necessary < preferences < statistics < marketing than the purpose its tracker signature gives (e.g. `_ga` declared necessary)",
        rationale: "Items declared necessary are set without consent; a tracker in that category escapes the consent choice. CookieBlock's 'wrong purpose' class (8.2 % of sites).",
        module: "audit::declaration",
    },
    Rule {
        id: "DCL-012",
        title: "Unclassified item in use",
        severity: "medium",
        fires_when: "an observed cookie or storage key matches a declared entry in the Unclassified category (Cookiebot's 'Pending' purpose included)",
        rationale: "An unclassified item cannot be switched off by any consent choice; CookieBlock found them on 25.4 % of sites.",
        module: "audit::declaration",
    },
    Rule {
        id: "DCL-020",
        title: "Declared but never observed",
        severity: "info",
        fires_when: "a declared cookie or storage entry of this site matched nothing observed in any pass",
        rationale: "Stale declarations make the real list harder to read; it may also mean the scan did not reach the page that sets it.",
        module: "audit::declaration",
    },
    Rule {
        id: "EXP-001",
        title: "Lifetime longer than declared",
        severity: "high when the requested lifetime is at least 4 times the declared one; medium otherwise",
        fires_when: "an observed cookie's requested lifetime (from the raw Set-Cookie or document.cookie write, not the browser's 400-day-capped jar) exceeds the declared expiry by more than 1.5 times and by at least one day",
        rationale: "CookieBlock's expiry rule (M3): 13.5 % of sites set cookies that live longer than declared.",
        module: "audit::expiry",
    },
    Rule {
        id: "EXP-002",
        title: "Persistent cookie declared as session",
        severity: "medium",
        fires_when: "a cookie declared as a session cookie was set with Max-Age or Expires",
        rationale: "A persistent cookie survives the browser session and keeps identifying the visitor.",
        module: "audit::expiry",
    },
    Rule {
        id: "EXP-003",
        title: "Session cookie declared as persistent",
        severity: "low",
        fires_when: "a cookie declared with a duration was set without Max-Age or Expires",
        rationale: "Harmless for privacy, but the declaration is inaccurate.",
        module: "audit::expiry",
    },
    Rule {
        id: "EXP-005",
        title: "Lifetime beyond 13 months",
        severity: "low for statistics and marketing cookies; info otherwise",
        fires_when: "an observed cookie's requested lifetime exceeds 13 months (395 days), whether or not the browser capped it at 400 days",
        rationale: "Data-protection authorities (CNIL guidance on trackers) recommend at most 13 months for audience-measurement and advertising cookies.",
        module: "audit::expiry",
    },
    Rule {
        id: "POL-001",
        title: "Vendor not named in the privacy policy",
        severity: "medium for advertising, social, session-replay, fingerprinting and analytics vendors; low otherwise",
        fires_when: "a privacy policy text was read and a third-party vendor observed is named in it neither by its name, an alias nor its owner",
        rationale: "GDPR art. 13(1)(e): recipients or categories of recipients must be named. The check follows Libert (WWW 2018).",
        module: "audit::disclosure",
    },
    Rule {
        id: "POL-005",
        title: "Technology not named in the privacy policy",
        severity: "low",
        fires_when: "a privacy policy was read and a technology was observed that no source names: cookies, local storage, web beacons/pixels (a beacon or pixel request), session replay (a session-replay vendor)",
        rationale: "Policies must say which tracking technologies are used, not only 'cookies'.",
        module: "audit::disclosure",
    },
    Rule {
        id: "POL-006",
        title: "No policy found",
        severity: "info",
        fires_when: "no consent-manager data, no policy page and no policy file could be read for the site",
        rationale: "Without a declaration nothing can be checked; the scan could not find a link to a privacy or cookie policy.",
        module: "audit::disclosure",
    },
    Rule {
        id: "POL-010",
        title: "The policy says it does not do what it does",
        severity: "high",
        fires_when: "a negative statement ('we do not use advertising cookies', 'we do not use fingerprinting', 'we do not use cookies', 'no third-party cookies', 'we do not use web beacons') is contradicted by an observed item of that kind",
        rationale: "A misleading statement in a privacy policy is itself a transparency failure (GDPR art. 5(1)(a), art. 12).",
        module: "audit::disclosure",
    },
];

/// The rule with this id (case-insensitive).
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// The documentation of a rule, for `crumbs explain`.
pub fn explain(r: &Rule) -> String {
    format!(
        "{} — {}\n\nSeverity: {}\n\nFires when: {}\n\nWhy: {}\n\nImplemented in: {}\n",
        r.id, r.title, r.severity, r.fires_when, r.rationale, r.module
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_sorted() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert!(rule("dcl-001").is_some());
        assert!(explain(rule("EXP-001").unwrap()).contains("1.5 times"));
    }
}
