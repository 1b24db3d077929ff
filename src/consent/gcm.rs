//! Google Consent Mode signals carried by Google requests (GA4 `/g/collect`, Google Ads,
//! Floodlight): the `gcs` and `gcd` query parameters, with `gcu`, `npa` and `dma`, read from
//! a request URL or a form-encoded POST body and turned into one state per consent type.
//!
//! * `gcs=G1xy`: x is `ad_storage`, y is `analytics_storage`; 1 granted, 0 denied.
//! * `gcd=11p1p1p1p5` (Consent Mode v2): two leading characters, then one letter each for
//!   `ad_storage`, `analytics_storage`, `ad_user_data` and `ad_personalization`, separated
//!   by single characters, then a trailing character. Letters: `l` not set; `p` denied by
//!   default; `q` denied by default and update; `t` granted by default; `r` denied by
//!   default, granted by update; `m` denied by update (no default); `n` granted by update
//!   (no default); `u` granted by default, denied by update; `v` granted by default and
//!   update. The effective state is the update's when there is one, else the default's.
//!
//! `gcd` is the more precise of the two, so when it is readable it decides all four
//! signals; `gcs` fills `ad_storage` and `analytics_storage` only when `gcd` is absent or
//! malformed.

use serde::{Deserialize, Serialize};

/// The state of one consent type as a request reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// The consent type is granted.
    Granted,
    /// The consent type is denied.
    Denied,
    /// The request does not say (no parameter, `l`, or an unreadable value).
    NotSet,
}

impl Signal {
    /// `granted`, `denied` or `not set`, for sentences.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Granted => "granted",
            Signal::Denied => "denied",
            Signal::NotSet => "not set",
        }
    }

    /// The signal a `gcd` letter stands for; `None` for a letter that is not one.
    pub fn from_gcd_letter(letter: char) -> Option<Signal> {
        match letter {
            't' | 'r' | 'n' | 'v' => Some(Signal::Granted),
            'p' | 'q' | 'm' | 'u' => Some(Signal::Denied),
            'l' => Some(Signal::NotSet),
            _ => None,
        }
    }
}

/// The Google Consent Mode state one request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GoogleConsent {
    /// The raw `gcs` value, when present.
    pub gcs: Option<String>,
    /// The raw `gcd` value, when present.
    pub gcd: Option<String>,
    /// The raw `gcu` value (`1`: consent was just updated), when present.
    pub gcu: Option<String>,
    /// The raw `npa` value (`1`: non-personalised ads), when present.
    pub npa: Option<String>,
    /// The raw `dma` value (`1`: the request is subject to the EU Digital Markets Act), when present.
    pub dma: Option<String>,
    /// Storage of advertising identifiers (cookies).
    pub ad_storage: Signal,
    /// Storage of analytics identifiers (cookies).
    pub analytics_storage: Signal,
    /// Sending user data to Google for advertising (from `gcd` only).
    pub ad_user_data: Signal,
    /// Personalised advertising (from `gcd` only).
    pub ad_personalization: Signal,
    /// A `gcd` letter says a consent type was granted by default, before any choice
    /// (`t`, `u` or `v`). In the EEA that default is itself a finding.
    pub default_granted: bool,
    /// The consent state was updated after the default: a `gcd` letter carrying an update
    /// (`q`, `r`, `m`, `n`, `u`, `v`) or `gcu=1`.
    pub update_seen: bool,
}

impl GoogleConsent {
    /// Whether `ad_storage` or `analytics_storage` is granted.
    pub fn granted_any_storage(&self) -> bool {
        self.ad_storage == Signal::Granted || self.analytics_storage == Signal::Granted
    }

    /// Whether any of the four consent types is granted.
    pub fn granted_any(&self) -> bool {
        self.signals().iter().any(|(_, s)| *s == Signal::Granted)
    }

    /// The four consent types with their state, in the order `gcd` lists them.
    pub fn signals(&self) -> [(&'static str, Signal); 4] {
        [
            ("ad_storage", self.ad_storage),
            ("analytics_storage", self.analytics_storage),
            ("ad_user_data", self.ad_user_data),
            ("ad_personalization", self.ad_personalization),
        ]
    }

    /// One line for people, e.g. "gcs=G111: ad_storage granted, analytics_storage granted".
    pub fn describe(&self) -> String {
        let mut sources = Vec::new();
        if let Some(gcs) = &self.gcs {
            sources.push(format!("gcs={gcs}"));
        }
        if let Some(gcd) = &self.gcd {
            sources.push(format!("gcd={gcd}"));
        }
        let listed: Vec<String> = if self.gcd.as_deref().and_then(parse_gcd).is_some() {
            self.signals()
                .iter()
                .map(|(name, s)| format!("{name} {}", s.as_str()))
                .collect()
        } else {
            self.signals()
                .iter()
                .take(2)
                .filter(|(_, s)| *s != Signal::NotSet)
                .map(|(name, s)| format!("{name} {}", s.as_str()))
                .collect()
        };
        let mut line = format!("{}: ", sources.join(", "));
        if listed.is_empty() {
            line.push_str("no readable consent signal");
        } else {
            line.push_str(&listed.join(", "));
        }
        if self.default_granted {
            line.push_str("; granted by default");
        }
        if self.update_seen {
            line.push_str("; updated");
        }
        line
    }
}

/// Reads the Consent Mode parameters of a request URL (absolute, or a path with a query).
/// `None` when neither `gcs` nor `gcd` is present.
pub fn from_url(url: &str) -> Option<GoogleConsent> {
    let without_fragment = url.split_once('#').map_or(url, |(u, _)| u);
    let (_, query) = without_fragment.split_once('?')?;
    from_query(query)
}

/// Reads the Consent Mode parameters of a query string or a form-encoded POST body
/// (`a=1&b=2`, with or without a leading `?`; a batched GA4 body with one hit per line is
/// read line by line). The first occurrence of a parameter wins. `None` when neither
/// `gcs` nor `gcd` is present.
pub fn from_query(query: &str) -> Option<GoogleConsent> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut params: [Option<String>; 5] = Default::default();
    const NAMES: [&str; 5] = ["gcs", "gcd", "gcu", "npa", "dma"];
    for line in query.split(['\n', '\r']) {
        for (key, value) in url::form_urlencoded::parse(line.as_bytes()) {
            if let Some(slot) = NAMES
                .iter()
                .position(|name| *name == key)
                .and_then(|i| params.get_mut(i))
                && slot.is_none()
            {
                *slot = Some(value.into_owned());
            }
        }
    }
    let [gcs, gcd, gcu, npa, dma] = params;
    if gcs.is_none() && gcd.is_none() {
        return None;
    }
    let mut consent = GoogleConsent {
        gcs,
        gcd,
        gcu,
        npa,
        dma,
        ad_storage: Signal::NotSet,
        analytics_storage: Signal::NotSet,
        ad_user_data: Signal::NotSet,
        ad_personalization: Signal::NotSet,
        default_granted: false,
        update_seen: false,
    };
    if let Some(letters) = consent.gcd.as_deref().and_then(parse_gcd) {
        let [ad, analytics, user_data, personalization] =
            letters.map(|l| Signal::from_gcd_letter(l).unwrap_or(Signal::NotSet));
        consent.ad_storage = ad;
        consent.analytics_storage = analytics;
        consent.ad_user_data = user_data;
        consent.ad_personalization = personalization;
        consent.default_granted = letters.iter().any(|l| matches!(l, 't' | 'u' | 'v'));
        consent.update_seen = letters
            .iter()
            .any(|l| matches!(l, 'q' | 'r' | 'm' | 'n' | 'u' | 'v'));
    } else if let Some((ad, analytics)) = consent.gcs.as_deref().and_then(parse_gcs) {
        consent.ad_storage = ad;
        consent.analytics_storage = analytics;
    }
    if consent.gcu.as_deref() == Some("1") {
        consent.update_seen = true;
    }
    Some(consent)
}

/// `G1xy` → (ad_storage, analytics_storage); `None` when the value is not of that shape.
fn parse_gcs(gcs: &str) -> Option<(Signal, Signal)> {
    let bit = |c: char| match c {
        '1' => Some(Signal::Granted),
        '0' => Some(Signal::Denied),
        '-' => Some(Signal::NotSet),
        _ => None,
    };
    let mut chars = gcs.trim().chars();
    if chars.next()? != 'G' || chars.next()? != '1' {
        return None;
    }
    let ad = bit(chars.next()?)?;
    let analytics = bit(chars.next()?)?;
    if chars.next().is_some() {
        return None;
    }
    Some((ad, analytics))
}

/// The four letters of a `gcd` value (at positions 3, 5, 7 and 9); `None` when the value
/// is too short or a letter is not a `gcd` letter.
fn parse_gcd(gcd: &str) -> Option<[char; 4]> {
    let chars: Vec<char> = gcd.trim().chars().collect();
    if chars.len() < 9 {
        return None;
    }
    let mut letters = ['l'; 4];
    for (slot, index) in letters.iter_mut().zip([2usize, 4, 6, 8]) {
        let letter = *chars.get(index)?;
        Signal::from_gcd_letter(letter)?;
        *slot = letter;
    }
    Some(letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gcs(value: &str) -> GoogleConsent {
        from_query(&format!("gcs={value}")).expect("gcs is present")
    }

    fn gcd(value: &str) -> GoogleConsent {
        from_query(&format!("gcd={value}")).expect("gcd is present")
    }

    #[test]
    fn every_gcs_value() {
        use Signal::{Denied, Granted};
        for (value, ad, analytics) in [
            ("G100", Denied, Denied),
            ("G101", Denied, Granted),
            ("G110", Granted, Denied),
            ("G111", Granted, Granted),
        ] {
            let c = gcs(value);
            assert_eq!((c.ad_storage, c.analytics_storage), (ad, analytics), "{value}");
            assert_eq!(c.ad_user_data, Signal::NotSet);
            assert_eq!(c.ad_personalization, Signal::NotSet);
            assert_eq!(c.gcs.as_deref(), Some(value));
            assert!(!c.default_granted && !c.update_seen);
            assert_eq!(c.granted_any_storage(), value != "G100");
            assert_eq!(c.granted_any(), value != "G100");
        }
        assert_eq!(
            gcs("G111").describe(),
            "gcs=G111: ad_storage granted, analytics_storage granted"
        );
        assert_eq!(
            gcs("G100").describe(),
            "gcs=G100: ad_storage denied, analytics_storage denied"
        );
        assert_eq!(gcs("G1--").ad_storage, Signal::NotSet);
    }

    #[test]
    fn malformed_gcs_leaves_signals_unset() {
        for value in ["", "G1", "G12", "G1111", "X111", "g111", "G2 11", "G1é1"] {
            let c = gcs(value);
            assert_eq!(c.ad_storage, Signal::NotSet, "{value:?}");
            assert_eq!(c.analytics_storage, Signal::NotSet, "{value:?}");
            assert!(!c.granted_any());
        }
        assert_eq!(gcs("G9").describe(), "gcs=G9: no readable consent signal");
    }

    #[test]
    fn gcd_all_denied_by_default() {
        let c = gcd("11p1p1p1p5");
        assert_eq!(
            c.signals().map(|(_, s)| s),
            [Signal::Denied, Signal::Denied, Signal::Denied, Signal::Denied]
        );
        assert!(!c.default_granted);
        assert!(!c.update_seen);
        assert!(!c.granted_any());
        assert_eq!(
            c.describe(),
            "gcd=11p1p1p1p5: ad_storage denied, analytics_storage denied, ad_user_data denied, \
             ad_personalization denied"
        );
    }

    #[test]
    fn gcd_not_set() {
        let c = gcd("13l3l3l3l1");
        assert!(c.signals().iter().all(|(_, s)| *s == Signal::NotSet));
        assert!(!c.default_granted && !c.update_seen && !c.granted_any());
    }

    #[test]
    fn gcd_granted_by_update() {
        let c = gcd("13r3r3r2r5");
        assert!(c.signals().iter().all(|(_, s)| *s == Signal::Granted));
        assert!(!c.default_granted);
        assert!(c.update_seen);
        assert!(c.granted_any_storage());
    }

    #[test]
    fn gcd_granted_by_default() {
        let c = gcd("11t1t1t1t5");
        assert!(c.signals().iter().all(|(_, s)| *s == Signal::Granted));
        assert!(c.default_granted);
        assert!(!c.update_seen);
        assert!(
            c.describe()
                .ends_with("ad_personalization granted; granted by default")
        );
    }

    #[test]
    fn gcd_granted_by_default_and_update() {
        let c = gcd("13v3v3v3v5");
        assert!(c.signals().iter().all(|(_, s)| *s == Signal::Granted));
        assert!(c.default_granted && c.update_seen);
    }

    #[test]
    fn gcd_mixed_letters() {
        let c = gcd("13u3q3m3n5");
        assert_eq!(
            c.signals().map(|(_, s)| s),
            [Signal::Denied, Signal::Denied, Signal::Denied, Signal::Granted]
        );
        assert!(c.default_granted, "u is granted by default");
        assert!(c.update_seen);
        assert!(c.granted_any());
        assert!(!c.granted_any_storage());
    }

    #[test]
    fn malformed_gcd_falls_back_on_gcs() {
        for bad in ["", "11", "11p1p1", "11x1p1p1p5", "11P1p1p1p5", "11é1p1p1p5"] {
            let c = from_query(&format!("gcs=G110&gcd={bad}")).expect("present");
            assert_eq!(c.ad_storage, Signal::Granted, "{bad:?}");
            assert_eq!(c.analytics_storage, Signal::Denied, "{bad:?}");
            assert_eq!(c.ad_user_data, Signal::NotSet, "{bad:?}");
            assert!(!c.default_granted);
        }
        let c = gcd("11x1p1p1p5");
        assert!(c.signals().iter().all(|(_, s)| *s == Signal::NotSet));
        assert_eq!(c.describe(), "gcd=11x1p1p1p5: no readable consent signal");
    }

    #[test]
    fn gcd_wins_over_gcs() {
        let c = from_query("gcs=G111&gcd=11p1p1p1p5").expect("present");
        assert_eq!(c.ad_storage, Signal::Denied);
        assert_eq!(c.analytics_storage, Signal::Denied);
        assert_eq!(
            c.describe(),
            "gcs=G111, gcd=11p1p1p1p5: ad_storage denied, analytics_storage denied, \
             ad_user_data denied, ad_personalization denied"
        );
    }

    #[test]
    fn urls() {
        let c = from_url(
            "https://region1.google-analytics.com/g/collect?v=2&tid=G-XXXX&gcs=G101&gcd=13p3r3p2r5&gcu=1&npa=0&dma=1&dma_cps=-&en=page_view#frag",
        )
        .expect("consent parameters");
        assert_eq!(c.gcs.as_deref(), Some("G101"));
        assert_eq!(c.gcd.as_deref(), Some("13p3r3p2r5"));
        assert_eq!(c.gcu.as_deref(), Some("1"));
        assert_eq!(c.npa.as_deref(), Some("0"));
        assert_eq!(c.dma.as_deref(), Some("1"));
        assert_eq!(c.ad_storage, Signal::Denied);
        assert_eq!(c.analytics_storage, Signal::Granted);
        assert!(c.update_seen);

        // Percent-encoded names and values, relative URL.
        let c = from_url("/ccm/collect?en=x&%67cs=G%3111&gcd=11%741t1t1t5").expect("present");
        assert_eq!(c.gcs.as_deref(), Some("G111"));
        assert_eq!(c.gcd.as_deref(), Some("11t1t1t1t5"));
        assert!(c.default_granted);

        assert_eq!(
            from_url("https://www.google-analytics.com/g/collect?v=2&tid=G-X"),
            None
        );
        assert_eq!(from_url("https://example.com/page"), None);
        assert_eq!(from_url("https://example.com/#gcs=G111"), None);
        assert_eq!(from_url("https://example.com/#x?gcs=G111"), None);
        assert_eq!(from_url("not a url at all"), None);
        assert_eq!(from_url(""), None);
        // The first occurrence wins.
        assert_eq!(
            from_url("/x?gcs=G100&gcs=G111").map(|c| c.ad_storage),
            Some(Signal::Denied)
        );
    }

    #[test]
    fn post_bodies() {
        let body = "en=page_view&_et=12\nen=scroll&gcs=G100&gcd=13p3p3p3p5";
        let c = from_query(body).expect("second hit carries consent");
        assert_eq!(c.gcs.as_deref(), Some("G100"));
        assert!(!c.granted_any());
        assert!(from_query("?gcs=G111").is_some());
        assert_eq!(from_query("en=page_view"), None);
        assert_eq!(from_query(""), None);
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "?&&&=&=",
            "gcs",
            "gcd",
            "gcs=%",
            "gcd=%ZZ%",
            "gcd=\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}",
            "gcs=G1\u{0}\u{0}",
        ] {
            let _ = from_query(s);
            let _ = from_url(&format!("https://x/?{s}"));
            if let Some(c) = from_query(s) {
                let _ = c.describe();
            }
        }
        let long = format!("gcd={}", "1".repeat(100_000));
        assert_eq!(from_query(&long).map(|c| c.granted_any()), Some(false));
    }

    #[test]
    fn serde_names() {
        let c = gcs("G110");
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(json["ad_storage"], "granted");
        assert_eq!(json["analytics_storage"], "denied");
        assert_eq!(json["ad_user_data"], "notset");
        let back: GoogleConsent = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, c);
        let _ = schemars::schema_for!(GoogleConsent);
    }
}
