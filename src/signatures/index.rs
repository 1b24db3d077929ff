//! The compiled, immutable signature index.
//!
//! Built once from all loaded vendors: hosts are keyed by registrable domain (so a lookup
//! is one public-suffix computation and one hash probe), cookie and storage names by exact
//! name, by prefix (one probe per distinct prefix length), by the first literal piece of a
//! `#` placeholder, and by one `RegexSet` for the few true regexes. Every match names the
//! vendor and the file and line of the entry that matched.

use std::collections::HashMap;

use regex::RegexSet;

use super::model::*;
use super::pattern::NamePattern;
use crate::classify::registrable_domain;

/// A host matched to a vendor.
#[derive(Debug, Clone, Copy)]
pub struct HostMatch<'a> {
    pub vendor: &'a Vendor,
    /// The domain entry that matched.
    pub entry: &'a str,
    pub origin: &'a Origin,
}

/// A cookie or storage name matched to a vendor's pattern.
#[derive(Debug, Clone, Copy)]
pub struct NameMatch<'a> {
    pub vendor: &'a Vendor,
    pub signature: &'a NameSignature,
}

/// A pixel or beacon endpoint matched.
#[derive(Debug, Clone, Copy)]
pub struct BeaconMatch<'a> {
    pub vendor: &'a Vendor,
    pub beacon: &'a BeaconSignature,
}

type Ref = (u32, u32); // (vendor index, pattern index)

#[derive(Debug, Default)]
struct NameIndex {
    exact: HashMap<String, Vec<Ref>>,
    prefix: HashMap<String, Vec<Ref>>,
    prefix_lens: Vec<usize>,
    placeholder_by_first: HashMap<String, Vec<Ref>>,
    placeholder_lens: Vec<usize>,
    placeholder_rest: Vec<Ref>,
    regexes: Vec<Ref>,
    regex_set: Option<RegexSet>,
}

impl NameIndex {
    fn build(vendors: &[Vendor], pick: fn(&Vendor) -> &[NameSignature]) -> NameIndex {
        let mut ix = NameIndex::default();
        let mut regex_src = Vec::new();
        for (vi, v) in vendors.iter().enumerate() {
            for (pi, s) in pick(v).iter().enumerate() {
                let r = (vi as u32, pi as u32);
                match &s.pattern {
                    NamePattern::Exact(n) => ix.exact.entry(n.clone()).or_default().push(r),
                    NamePattern::Prefix(p) => ix.prefix.entry(p.clone()).or_default().push(r),
                    NamePattern::Placeholder { pieces, .. } => {
                        let first = pieces.first().cloned().unwrap_or_default();
                        if first.is_empty() {
                            ix.placeholder_rest.push(r);
                        } else {
                            ix.placeholder_by_first.entry(first).or_default().push(r);
                        }
                    }
                    NamePattern::Regex(re) => {
                        ix.regexes.push(r);
                        regex_src.push(re.as_str().to_string());
                    }
                }
            }
        }
        ix.prefix_lens = sorted_lens(ix.prefix.keys());
        ix.placeholder_lens = sorted_lens(ix.placeholder_by_first.keys());
        ix.regex_set = RegexSet::new(&regex_src).ok();
        ix
    }

    /// Candidate patterns for `name`, most specific first: exact, longest prefix,
    /// placeholders, regexes.
    fn candidates(
        &self,
        name: &str,
        vendors: &[Vendor],
        pick: fn(&Vendor) -> &[NameSignature],
        out: &mut Vec<Ref>,
    ) {
        if let Some(v) = self.exact.get(name) {
            out.extend(v);
        }
        for &len in &self.prefix_lens {
            if len <= name.len()
                && name.is_char_boundary(len)
                && let Some(v) = self.prefix.get(&name[..len])
            {
                out.extend(v);
            }
        }
        let check = |r: &Ref| pick(&vendors[r.0 as usize])[r.1 as usize].pattern.matches(name);
        for &len in &self.placeholder_lens {
            if len < name.len()
                && name.is_char_boundary(len)
                && let Some(v) = self.placeholder_by_first.get(&name[..len])
            {
                out.extend(v.iter().filter(|r| check(r)));
            }
        }
        out.extend(self.placeholder_rest.iter().filter(|r| check(r)));
        if let Some(set) = &self.regex_set
            && !self.regexes.is_empty()
        {
            out.extend(set.matches(name).iter().map(|i| self.regexes[i]));
        }
    }

    fn len(&self) -> usize {
        self.exact.values().map(Vec::len).sum::<usize>()
            + self.prefix.values().map(Vec::len).sum::<usize>()
            + self.placeholder_by_first.values().map(Vec::len).sum::<usize>()
            + self.placeholder_rest.len()
            + self.regexes.len()
    }
}

fn sorted_lens<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<usize> {
    let mut lens: Vec<usize> = keys.map(String::len).collect();
    lens.sort_unstable_by(|a, b| b.cmp(a));
    lens.dedup();
    lens
}

/// All signatures, compiled for lookups.
#[derive(Debug)]
pub struct SignatureIndex {
    vendors: Vec<Vendor>,
    by_id: HashMap<String, usize>,
    /// registrable domain -> (entry, vendor index, domain index), longest entry first
    hosts: HashMap<String, Vec<(String, u32, u32)>>,
    cookies: NameIndex,
    storage: NameIndex,
    /// host -> beacons declared with a host
    beacon_hosts: HashMap<String, Vec<(u32, u32)>>,
    version: String,
}

impl SignatureIndex {
    /// Compiles `vendors` (earlier vendors win ties) under the database `version`.
    pub fn new(vendors: Vec<Vendor>, version: &str) -> SignatureIndex {
        let mut hosts: HashMap<String, Vec<(String, u32, u32)>> = HashMap::new();
        let mut beacon_hosts: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (vi, v) in vendors.iter().enumerate() {
            by_id.entry(v.id.clone()).or_insert(vi);
            for (di, (d, _)) in v.domains.iter().enumerate() {
                hosts
                    .entry(registrable_domain(d))
                    .or_default()
                    .push((d.clone(), vi as u32, di as u32));
            }
            for (bi, b) in v.beacons.iter().enumerate() {
                if let Some(h) = &b.host {
                    beacon_hosts
                        .entry(h.clone())
                        .or_default()
                        .push((vi as u32, bi as u32));
                }
            }
        }
        for list in hosts.values_mut() {
            // Longest entry first; stable, so earlier vendors win ties.
            list.sort_by_key(|e| std::cmp::Reverse(e.0.len()));
        }
        let cookies = NameIndex::build(&vendors, |v| &v.cookies);
        let storage = NameIndex::build(&vendors, |v| &v.storage);
        SignatureIndex {
            vendors,
            by_id,
            hosts,
            cookies,
            storage,
            beacon_hosts,
            version: version.to_string(),
        }
    }

    /// An empty index.
    pub fn empty() -> SignatureIndex {
        SignatureIndex::new(Vec::new(), "none")
    }

    /// The database version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every vendor, in load order.
    pub fn vendors(&self) -> &[Vendor] {
        &self.vendors
    }

    /// The vendor with this id.
    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.by_id.get(id).map(|&i| &self.vendors[i])
    }

    /// Number of cookie patterns and of storage patterns.
    pub fn pattern_counts(&self) -> (usize, usize) {
        (self.cookies.len(), self.storage.len())
    }

    /// The vendor serving `host` (lower case), by its most specific domain entry.
    pub fn match_host(&self, host: &str) -> Option<HostMatch<'_>> {
        let host = host.trim_end_matches('.').trim_start_matches('.');
        let list = self.hosts.get(&registrable_domain(host))?;
        list.iter()
            .find(|(entry, _, _)| host_within(host, entry))
            .map(|(entry, vi, di)| {
                let v = &self.vendors[*vi as usize];
                HostMatch {
                    vendor: v,
                    entry,
                    origin: &v.domains[*di as usize].1,
                }
            })
    }

    /// Every vendor whose domains cover `host`, most specific first.
    pub fn match_host_all(&self, host: &str) -> Vec<HostMatch<'_>> {
        let host = host.trim_end_matches('.').trim_start_matches('.');
        self.hosts
            .get(&registrable_domain(host))
            .map(|list| {
                list.iter()
                    .filter(|(entry, _, _)| host_within(host, entry))
                    .map(|(entry, vi, di)| {
                        let v = &self.vendors[*vi as usize];
                        HostMatch {
                            vendor: v,
                            entry,
                            origin: &v.domains[*di as usize].1,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The pixel or beacon endpoint `host` + `path` hits, if any.
    pub fn match_beacon(&self, host: &str, path: &str) -> Option<BeaconMatch<'_>> {
        if let Some(list) = self.beacon_hosts.get(host) {
            for &(vi, bi) in list {
                let v = &self.vendors[vi as usize];
                let b = &v.beacons[bi as usize];
                if path.starts_with(b.path_prefix.as_str()) {
                    return Some(BeaconMatch { vendor: v, beacon: b });
                }
            }
        }
        let hm = self.match_host(host)?;
        hm.vendor
            .beacons
            .iter()
            .find(|b| b.host.is_none() && path_has_prefix(path, &b.path_prefix))
            .map(|b| BeaconMatch {
                vendor: hm.vendor,
                beacon: b,
            })
    }

    /// The best signature for a cookie `name` stored for `domain` (the cookie's domain).
    pub fn match_cookie(&self, name: &str, domain: &str) -> Option<NameMatch<'_>> {
        self.best(&self.cookies, |v| &v.cookies, name, domain)
    }

    /// Every cookie signature matching `name` (ignoring domain scopes), most specific first.
    pub fn match_cookie_all(&self, name: &str) -> Vec<NameMatch<'_>> {
        self.all(&self.cookies, |v| &v.cookies, name)
    }

    /// The best signature for a storage key `key` of the origin host `host`.
    pub fn match_storage(&self, key: &str, host: &str) -> Option<NameMatch<'_>> {
        self.best(&self.storage, |v| &v.storage, key, host)
    }

    /// Every storage signature matching `key`, most specific first.
    pub fn match_storage_all(&self, key: &str) -> Vec<NameMatch<'_>> {
        self.all(&self.storage, |v| &v.storage, key)
    }

    /// Orders candidates: exact names before patterns; within each, hand-written
    /// signatures before imported ones (the Open Cookie Database, the user's files).
    fn rank(&self, refs: &mut [Ref], pick: fn(&Vendor) -> &[NameSignature]) {
        refs.sort_by_key(|&(vi, pi)| {
            let v = &self.vendors[vi as usize];
            let s = &pick(v)[pi as usize];
            let exact = matches!(s.pattern, NamePattern::Exact(_));
            let imported = v.source != "built-in" || s.origin.file.contains("imported/");
            (u8::from(!exact), u8::from(imported))
        });
    }

    fn all(&self, ix: &NameIndex, pick: fn(&Vendor) -> &[NameSignature], name: &str) -> Vec<NameMatch<'_>> {
        let mut refs = Vec::new();
        ix.candidates(name, &self.vendors, pick, &mut refs);
        self.rank(&mut refs, pick);
        refs.iter()
            .map(|&(vi, pi)| {
                let v = &self.vendors[vi as usize];
                NameMatch {
                    vendor: v,
                    signature: &pick(v)[pi as usize],
                }
            })
            .collect()
    }

    fn best(
        &self,
        ix: &NameIndex,
        pick: fn(&Vendor) -> &[NameSignature],
        name: &str,
        domain: &str,
    ) -> Option<NameMatch<'_>> {
        let mut refs = Vec::with_capacity(4);
        ix.candidates(name, &self.vendors, pick, &mut refs);
        if refs.is_empty() {
            return None;
        }
        if refs.len() > 1 {
            self.rank(&mut refs, pick);
        }
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        let on_vendor_domain = |v: &Vendor| v.domains.iter().any(|(d, _)| host_within(&domain, d));
        // A vendor that owns the cookie's domain wins; then the first applicable candidate.
        let mut first_any = None;
        for &(vi, pi) in &refs {
            let v = &self.vendors[vi as usize];
            let s = &pick(v)[pi as usize];
            let home = on_vendor_domain(v);
            if home {
                return Some(NameMatch {
                    vendor: v,
                    signature: s,
                });
            }
            if s.scope == Scope::Any && first_any.is_none() {
                first_any = Some(NameMatch {
                    vendor: v,
                    signature: s,
                });
            }
        }
        first_any
    }
}

/// `host` is `entry` or a subdomain of it.
pub fn host_within(host: &str, entry: &str) -> bool {
    host == entry
        || (host.len() > entry.len()
            && host.ends_with(entry)
            && host.as_bytes()[host.len() - entry.len() - 1] == b'.')
}

/// `path` starts with `prefix` at a path boundary or anywhere a prefix ends in a separator.
fn path_has_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?', ';', '&']),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signatures::load::parse_file;
    use std::collections::HashSet;

    const DB: &str = r#"format = 1
[[vendor]]
id = "acme-ads"
name = "Acme Ads"
owner = "Acme Inc."
category = "advertising"
domains = ["acme.example", "ads.shared.example"]
beacons = ["/px", "track.acme.example/t/"]
cookies = [
  { name = "acme_id", purpose = "marketing" },
  { name = "acme_*", purpose = "marketing" },
  { name = "uid", purpose = "marketing", on = "vendor" },
  { name = "ac_#_v", purpose = "marketing" },
  { name = "/ac\\d{3}/", purpose = "marketing" },
]
storage = [{ name = "acme_state", purpose = "marketing" }]

[[vendor]]
id = "shared-analytics"
name = "Shared Analytics"
owner = "Shared Ltd."
category = "analytics"
domains = ["shared.example"]
cookies = [
  { name = "uid", purpose = "statistics", on = "vendor" },
  { name = "acme_id", purpose = "statistics" },
]
"#;

    fn index() -> SignatureIndex {
        let v = parse_file("db.toml", DB, "test", &mut HashSet::new()).unwrap();
        SignatureIndex::new(v, "test")
    }

    #[test]
    fn hosts_by_most_specific_entry() {
        let ix = index();
        assert_eq!(ix.match_host("px.acme.example").unwrap().vendor.id, "acme-ads");
        assert_eq!(ix.match_host("acme.example").unwrap().entry, "acme.example");
        assert_eq!(
            ix.match_host("a.ads.shared.example").unwrap().vendor.id,
            "acme-ads"
        );
        assert_eq!(
            ix.match_host("www.shared.example").unwrap().vendor.id,
            "shared-analytics"
        );
        assert_eq!(
            ix.match_host("ads.shared.example").unwrap().origin.to_string(),
            "db.toml:7"
        );
        assert!(ix.match_host("notacme.example").is_none());
        assert!(ix.match_host("acme.example.evil.test").is_none());
    }

    #[test]
    fn cookies_by_kind_and_scope() {
        let ix = index();
        let m = ix.match_cookie("acme_id", "www.site.test").unwrap();
        assert_eq!(
            (m.vendor.id.as_str(), m.signature.pattern.kind()),
            ("acme-ads", "exact")
        );
        // The vendor whose domain holds the cookie wins a tie.
        assert_eq!(
            ix.match_cookie("acme_id", ".shared.example").unwrap().vendor.id,
            "shared-analytics"
        );
        assert_eq!(
            ix.match_cookie("acme_zz", "site.test")
                .unwrap()
                .signature
                .pattern
                .kind(),
            "prefix"
        );
        assert_eq!(
            ix.match_cookie("ac_12_v", "site.test")
                .unwrap()
                .signature
                .pattern
                .kind(),
            "placeholder"
        );
        assert_eq!(
            ix.match_cookie("ac123", "site.test")
                .unwrap()
                .signature
                .pattern
                .kind(),
            "regex"
        );
        assert!(ix.match_cookie("ac12", "site.test").is_none());
        // Generic names only on the vendor's own domains.
        assert!(ix.match_cookie("uid", "site.test").is_none());
        assert_eq!(
            ix.match_cookie("uid", ".acme.example").unwrap().vendor.id,
            "acme-ads"
        );
        assert_eq!(
            ix.match_cookie("uid", "shared.example").unwrap().vendor.id,
            "shared-analytics"
        );
        assert_eq!(
            ix.match_cookie_all("acme_id").len(),
            3,
            "exact twice and the prefix"
        );
        assert_eq!(
            ix.match_storage("acme_state", "www.site.test")
                .unwrap()
                .signature
                .origin
                .line,
            16
        );
        assert_eq!(ix.pattern_counts(), (7, 1));
    }

    #[test]
    fn beacons() {
        let ix = index();
        assert_eq!(
            ix.match_beacon("www.acme.example", "/px")
                .unwrap()
                .beacon
                .path_prefix,
            "/px"
        );
        assert!(ix.match_beacon("www.acme.example", "/px?x=1").is_some());
        assert!(ix.match_beacon("www.acme.example", "/pxl").is_none());
        assert!(ix.match_beacon("www.acme.example", "/px.js").is_none());
        assert!(ix.match_beacon("track.acme.example", "/t/abc").is_some());
        assert!(ix.match_beacon("www.site.test", "/px").is_none());
    }

    #[test]
    fn host_within_is_label_aware() {
        assert!(host_within("a.b.example", "b.example"));
        assert!(host_within("b.example", "b.example"));
        assert!(!host_within("ab.example", "b.example"));
    }
}
