//! The signature model: vendors and their patterns, as loaded from any source.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::pattern::NamePattern;

/// Where an entry was defined: `signatures/vendors/analytics.toml:42`, or an import.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }
        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name used in files and reports.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            /// Parses the name used in files.
            pub fn parse(s: &str) -> Option<Self> { match s { $($text => Some($name::$variant),)+ _ => None } }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

string_enum!(
    /// What a vendor does.
    Category {
        Advertising = "advertising",
        Analytics = "analytics",
        Social = "social",
        SessionReplay = "session-replay",
        Fingerprinting = "fingerprinting",
        ConsentManagement = "consent-management",
        TagManager = "tag-manager",
        CustomerEngagement = "customer-engagement",
        MarketingAutomation = "marketing-automation",
        AbTesting = "ab-testing",
        Monitoring = "monitoring",
        Security = "security",
        Cdn = "cdn",
        EmbeddedContent = "embedded-content",
        Payments = "payments",
        Platform = "platform",
        Other = "other",
    }
);

string_enum!(
    /// The purpose of a cookie or storage key, in consent managers' terms.
    Purpose {
        Necessary = "necessary",
        Preferences = "preferences",
        Statistics = "statistics",
        Marketing = "marketing",
        Unclassified = "unclassified",
    }
);

/// Where a cookie or storage pattern applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The name identifies the vendor wherever it is stored.
    #[default]
    Any,
    /// Only when the cookie's domain (or the storage origin) is one of the vendor's domains.
    Vendor,
}

/// A cookie or storage-key pattern of a vendor.
#[derive(Debug, Clone)]
pub struct NameSignature {
    pub pattern: NamePattern,
    pub purpose: Purpose,
    /// Typical lifetime in seconds; `Some(0)` is a session cookie.
    pub lifetime: Option<u64>,
    pub scope: Scope,
    pub note: Option<String>,
    pub origin: Origin,
}

/// A pixel or beacon endpoint of a vendor.
#[derive(Debug, Clone)]
pub struct BeaconSignature {
    /// `None`: a path prefix on any of the vendor's domains.
    pub host: Option<String>,
    pub path_prefix: String,
    pub origin: Origin,
}

/// One vendor.
#[derive(Debug, Clone)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub category: Category,
    /// Registrable domains or hosts, normalised, each with the line that declared it.
    pub domains: Vec<(String, Origin)>,
    pub aliases: Vec<String>,
    /// Set by importers: this entry's patterns belong to the vendor with this id.
    pub same_as: Option<String>,
    pub reference: Option<String>,
    pub cookies: Vec<NameSignature>,
    pub storage: Vec<NameSignature>,
    pub beacons: Vec<BeaconSignature>,
    pub origin: Origin,
    /// The source this vendor came from: `built-in`, or the user's file.
    pub source: String,
}

/// Parses a lifetime such as `session`, `30min`, `13mo`, `2y` into seconds (`session` = 0).
pub fn parse_lifetime(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("session") {
        return Some(0);
    }
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let unit_secs = match unit {
        "s" => 1,
        "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "mo" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(unit_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("session"), Some(0));
        assert_eq!(parse_lifetime("30min"), Some(1800));
        assert_eq!(parse_lifetime("2y"), Some(2 * 365 * 86_400));
        assert_eq!(parse_lifetime("13mo"), Some(13 * 30 * 86_400));
        assert_eq!(parse_lifetime("1d"), Some(86_400));
        assert_eq!(parse_lifetime("2 years"), None);
        assert_eq!(parse_lifetime("y"), None);
        assert_eq!(parse_lifetime("5m"), None);
    }

    #[test]
    fn enums_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Purpose::parse("marketing"), Some(Purpose::Marketing));
        assert_eq!(Purpose::parse("Marketing"), None);
    }
}
