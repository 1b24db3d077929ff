//! Classification of hosts: first or third party, by registrable domain.
//!
//! The registrable domain ("eTLD+1") comes from the public suffix list (`psl` crate),
//! so `shop.co.uk` and `cdn.shop.co.uk` are one party while `a.github.io` and
//! `b.github.io` are two. IP addresses and single-label hosts are their own party.

pub mod attribute;

use serde::{Deserialize, Serialize};

/// Whether a host belongs to the site that was scanned.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// Same registrable domain as the final document.
    First,
    /// Any other registrable domain.
    Third,
}

/// The registrable domain of `host` (lower-cased, without a trailing dot or port brackets).
pub fn registrable_domain(host: &str) -> String {
    let host = host
        .trim_end_matches('.')
        .trim_start_matches('.')
        .to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.parse::<std::net::IpAddr>().is_ok() || !host.contains('.') {
        return host.to_string();
    }
    match psl::domain_str(host) {
        Some(d) => d.to_string(),
        // The host is itself a public suffix (e.g. `github.io`): it is its own party.
        None => host.to_string(),
    }
}

/// The host of a URL, if it has one.
pub fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
    })
}

/// Decides first or third party against one site.
#[derive(Debug, Clone)]
pub struct PartyClassifier {
    site: String,
}

impl PartyClassifier {
    /// A classifier for the site whose document is at `host`.
    pub fn for_host(host: &str) -> Self {
        PartyClassifier {
            site: registrable_domain(host),
        }
    }

    /// The site's registrable domain.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The party of `host` (a cookie domain with a leading dot is fine).
    pub fn party(&self, host: &str) -> Party {
        if registrable_domain(host) == self.site {
            Party::First
        } else {
            Party::Third
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("www.example.com"), "example.com");
        assert_eq!(registrable_domain("a.b.shop.co.uk"), "shop.co.uk");
        assert_eq!(registrable_domain(".tracker.example"), "tracker.example");
        assert_eq!(registrable_domain("px.adloop.example"), "adloop.example");
        assert_eq!(registrable_domain("user.github.io"), "user.github.io");
        assert_eq!(registrable_domain("github.io"), "github.io");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain("WWW.Example.COM."), "example.com");
    }

    #[test]
    fn parties() {
        let c = PartyClassifier::for_host("www.shop.example");
        assert_eq!(c.party("cdn.shop.example"), Party::First);
        assert_eq!(c.party(".shop.example"), Party::First);
        assert_eq!(c.party("shop.example.evil.example"), Party::Third);
        assert_eq!(c.party("notshop.example"), Party::Third);
        let d = PartyClassifier::for_host("example.org");
        assert_eq!(d.party("example.org.uy"), Party::Third);
    }
}
