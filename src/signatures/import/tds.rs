//! DuckDuckGo tracker blocklist (`tds.json`, CC BY-NC-SA 4.0: only ever read from the
//! user's copy) → one vendor per entity (the trackers' `owner.name`), with the domains of
//! the trackers it owns; no cookie patterns (TDS has none) and no URL rules.
//!
//! The vendor is `tds-<slug of the entity>`, named by the owner's `displayName` (the entity
//! name becomes an alias and the owner), with the first http(s) `privacyPolicy` or `url` of
//! its trackers as reference (else the blocklist repository). Its category is the one most
//! of its trackers carry — each tracker votes once for each category its labels map to —
//! with ties going to the earlier category in this table:
//!
//! | TDS labels | category |
//! | --- | --- |
//! | Session Replay | `session-replay` |
//! | Tag Manager | `tag-manager` |
//! | Social Network, Social - Comment, Social - Share | `social` |
//! | Support Chat Widget | `customer-engagement` |
//! | Online Payment | `payments` |
//! | Advertising, Ad Motivated Tracking, Action Pixels | `advertising` |
//! | Analytics, Audience Measurement, Third-Party Analytics Marketing | `analytics` |
//! | Embedded Content, Badge | `embedded-content` |
//! | CDN, Content Delivery | `cdn` |
//! | Ad Fraud | `security` |
//! | anything else (Federated Login, SSO, …) | `other` |
//! | Obscure Ownership, Malware, Unknown High Risk Behavior | no vote (they say nothing of what it does) |
//!
//! A vendor with no votes is `other`.
//!
//! **Test trackers.** The file carries demo entries for DuckDuckGo's and the EFF's test
//! pages (all with prevalence 0.1). A tracker is dropped, and counted as skipped, when its
//! domain is under a reserved top-level domain (`.example`, `.test`, `.invalid`,
//! `.localhost`) or is, or is under, one of [`TEST_DOMAINS`]; an entity left with no
//! trackers is not written.
//!
//! [`tds_cnames`] returns the `cnames` map (first-party host → CNAME target), for spotting
//! CNAME cloaking.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::super::model::{Category, Vendor};
use super::{
    ImportError, ImportStats, Imported, Locator, add_domain, http_url, new_vendor, origin, path_key, slug,
    unique_id,
};

/// Where the blocklist lives; the reference of entities without a URL.
pub const TDS_REPOSITORY: &str = "https://github.com/duckduckgo/tracker-blocklists";

/// Domains of tracker-blocking test pages listed in the file as trackers.
pub const TEST_DOMAINS: &[&str] = &[
    "third-party.site",
    "ad-company.site",
    "eviltracker.net",
    "trackersimulator.org",
    "do-not-tracker.org",
];

/// Top-level domains reserved for tests and examples (RFC 2606).
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid", "localhost"];

/// Categories in tie-break order.
const ORDER: [Category; 11] = [
    Category::SessionReplay,
    Category::TagManager,
    Category::Social,
    Category::CustomerEngagement,
    Category::Payments,
    Category::Advertising,
    Category::Analytics,
    Category::EmbeddedContent,
    Category::Cdn,
    Category::Security,
    Category::Other,
];

/// The category of a TDS label; `None` for labels that say nothing of what a vendor does.
fn label_category(label: &str) -> Option<Category> {
    Some(match label.trim() {
        "Session Replay" => Category::SessionReplay,
        "Tag Manager" => Category::TagManager,
        "Social Network" | "Social - Comment" | "Social - Share" => Category::Social,
        "Support Chat Widget" => Category::CustomerEngagement,
        "Online Payment" => Category::Payments,
        "Advertising" | "Ad Motivated Tracking" | "Action Pixels" => Category::Advertising,
        "Analytics" | "Audience Measurement" | "Third-Party Analytics Marketing" => Category::Analytics,
        "Embedded Content" | "Badge" => Category::EmbeddedContent,
        "CDN" | "Content Delivery" => Category::Cdn,
        "Ad Fraud" => Category::Security,
        "Obscure Ownership" | "Malware" | "Unknown High Risk Behavior" => return None,
        _ => Category::Other,
    })
}

/// Whether a tracker domain belongs to a test page (see the [module documentation](self)).
pub fn is_test_domain(domain: &str) -> bool {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let under = |base: &str| d == base || d.strip_suffix(base).is_some_and(|r| r.ends_with('.'));
    RESERVED_TLDS.iter().any(|t| under(t)) || TEST_DOMAINS.iter().any(|t| under(t))
}

/// One entity's trackers.
struct Entity {
    name: String,
    display: Option<String>,
    reference: Option<String>,
    votes: [usize; ORDER.len()],
    domains: Vec<(String, u32)>,
    first_line: u32,
}

fn parse_root<'a>(root: &'a Value, file: &str) -> Result<&'a Map<String, Value>, ImportError> {
    root.as_object().ok_or_else(|| {
        ImportError::at_path(
            file,
            None,
            "",
            "expected a JSON object with `trackers`, `entities` and `domains`",
        )
    })
}

/// Imports a DuckDuckGo `tds.json`. See the [module documentation](self) for the rules.
pub fn tds(json: &str, file: &str) -> Result<Vec<Vendor>, ImportError> {
    tds_with_stats(json, file).map(|i| i.vendors)
}

/// [`tds`], with the counts.
pub fn tds_with_stats(json: &str, file: &str) -> Result<Imported, ImportError> {
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::json(file, &e))?;
    let obj = parse_root(&root, file)?;
    let mut loc = Locator::new(json);
    let trackers_line = loc.key("trackers");
    let trackers = obj.get("trackers").and_then(Value::as_object).ok_or_else(|| {
        ImportError::at_path(file, trackers_line, "trackers", "expected an object of trackers")
    })?;
    let domain_owners = obj.get("domains").and_then(Value::as_object);
    let mut stats = ImportStats::default();
    let mut entities: Vec<Entity> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (domain, t) in trackers {
        let line = loc.key(domain);
        let path = path_key("trackers", domain);
        let t = t
            .as_object()
            .ok_or_else(|| ImportError::at_path(file, line, &path, "expected an object"))?;
        stats.records += 1;
        if is_test_domain(domain) {
            stats.skipped += 1;
            continue;
        }
        let owner = match t.get("owner") {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                return Err(ImportError::at_path(
                    file,
                    line,
                    &format!("{path}.owner"),
                    "expected an object",
                ));
            }
        };
        let owner_str = |k: &str| {
            owner
                .and_then(|o| o.get(k))
                .and_then(Value::as_str)
                .map(str::trim)
        };
        let entity_name = owner_str("name")
            .filter(|n| !n.is_empty())
            .or_else(|| domain_owners.and_then(|d| d.get(domain)).and_then(Value::as_str))
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let Some(entity_name) = entity_name else {
            stats.skipped += 1;
            continue;
        };
        let labels: Vec<&str> = match t.get("categories") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(_) => {
                return Err(ImportError::at_path(
                    file,
                    line,
                    &format!("{path}.categories"),
                    "expected an array of strings",
                ));
            }
        };
        let i = *by_name.entry(entity_name.to_string()).or_insert_with(|| {
            entities.push(Entity {
                name: entity_name.to_string(),
                display: None,
                reference: None,
                votes: [0; ORDER.len()],
                domains: Vec::new(),
                first_line: line.unwrap_or(1),
            });
            entities.len() - 1
        });
        let Some(e) = entities.get_mut(i) else { continue };
        if e.display.is_none() {
            e.display = owner_str("displayName")
                .filter(|n| !n.is_empty())
                .map(str::to_string);
        }
        if e.reference.is_none() {
            e.reference = owner_str("privacyPolicy")
                .and_then(http_url)
                .or_else(|| owner_str("url").and_then(http_url))
                .map(str::to_string);
        }
        let mut voted = [false; ORDER.len()];
        for c in labels.iter().filter_map(|l| label_category(l)) {
            if let Some(slot) = ORDER.iter().position(|x| *x == c).and_then(|k| voted.get_mut(k)) {
                *slot = true;
            }
        }
        for (n, v) in e.votes.iter_mut().zip(voted) {
            *n += usize::from(v);
        }
        e.domains.push((domain.clone(), line.unwrap_or(e.first_line)));
    }

    // The line of each entity in the `entities` map, and display names from it.
    let entity_map = obj.get("entities").and_then(Value::as_object);
    let mut entity_lines: HashMap<&str, u32> = HashMap::new();
    if let Some(m) = entity_map {
        let mut loc = Locator::new(json);
        loc.key("entities");
        for name in m.keys() {
            if let Some(l) = loc.key(name) {
                entity_lines.insert(name.as_str(), l);
            }
        }
    }

    let file_arc: Arc<str> = Arc::from(file);
    let mut taken = std::collections::HashSet::new();
    let mut vendors = Vec::new();
    for e in &entities {
        let display = e.display.clone().or_else(|| {
            entity_map
                .and_then(|m| m.get(&e.name))
                .and_then(|x| x.get("displayName"))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
        });
        let name = display.unwrap_or_else(|| e.name.clone());
        let line = entity_lines.get(e.name.as_str()).copied().unwrap_or(e.first_line);
        let id = unique_id(&format!("tds-{}", slug(&e.name)), &mut taken);
        let max = e.votes.iter().copied().max().unwrap_or(0);
        let category = if max == 0 {
            Category::Other
        } else {
            ORDER
                .iter()
                .zip(e.votes)
                .find(|(_, n)| *n == max)
                .map_or(Category::Other, |(c, _)| *c)
        };
        let mut v = new_vendor(id, &name, &e.name, category, origin(&file_arc, line), file);
        if v.name != v.owner {
            v.aliases.push(v.owner.clone());
        }
        v.reference = Some(e.reference.clone().unwrap_or_else(|| TDS_REPOSITORY.to_string()));
        for (d, l) in &e.domains {
            if !add_domain(&mut v, d, origin(&file_arc, *l)) {
                stats.invalid_domains += 1;
            }
        }
        vendors.push(v);
    }
    Ok(Imported::finish(vendors, stats))
}

/// The `cnames` map of a `tds.json`: (first-party host, CNAME target), lower-cased, in file
/// order; empty when the file has none.
pub fn tds_cnames(json: &str) -> Result<Vec<(String, String)>, ImportError> {
    const FILE: &str = "tds.json";
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::json(FILE, &e))?;
    let obj = parse_root(&root, FILE)?;
    match obj.get("cnames") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(host, target)| {
                target
                    .as_str()
                    .map(|t| (host.trim().to_ascii_lowercase(), t.trim().to_ascii_lowercase()))
                    .ok_or_else(|| {
                        ImportError::at_path(
                            FILE,
                            None,
                            &path_key("cnames", host),
                            "expected a string (the CNAME target)",
                        )
                    })
            })
            .collect(),
        Some(_) => Err(ImportError::at_path(
            FILE,
            None,
            "cnames",
            "expected an object of host → CNAME target",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny file in the TDS schema (made up; nothing from the real list).
    const SAMPLE: &str = r#"{
  "readme": "synthetic",
  "trackers": {
    "replay-co.com": {
      "domain": "replay-co.com",
      "owner": {"name": "Replay Co Ltd", "displayName": "Replay Co", "privacyPolicy": "https://replay-co.com/privacy", "url": "https://replay-co.com"},
      "prevalence": 0.01,
      "categories": ["Analytics", "Audience Measurement", "Session Replay"],
      "default": "block"
    },
    "replay-co.io": {
      "domain": "replay-co.io",
      "owner": {"name": "Replay Co Ltd", "displayName": "Replay Co"},
      "categories": ["Session Replay", "Malware"],
      "default": "block"
    },
    "ads.example": {
      "domain": "ads.example",
      "owner": {"name": "Ad Company Example"},
      "prevalence": 0.1,
      "categories": [],
      "default": "block"
    },
    "eviltracker.net": {
      "domain": "eviltracker.net",
      "owner": {"name": "EFF Test Trackers"},
      "prevalence": 0.1,
      "default": "block"
    },
    "adnet.com": {
      "domain": "adnet.com",
      "owner": {"name": "AdNet", "url": "ftp://adnet.com"},
      "categories": ["Ad Motivated Tracking", "Advertising", "Obscure Ownership"],
      "default": "ignore"
    },
    "nolabels.net": {
      "domain": "nolabels.net",
      "default": "ignore"
    }
  },
  "entities": {
    "AdNet": {"domains": ["adnet.com"], "displayName": "AdNet"},
    "Replay Co Ltd": {"domains": ["replay-co.com", "replay-co.io"], "displayName": "Replay Co"},
    "Quiet Corp": {"domains": ["nolabels.net"], "displayName": "Quiet"}
  },
  "domains": {"adnet.com": "AdNet", "nolabels.net": "Quiet Corp"},
  "cnames": {"Metrics.Shop.com": "shop.com.replay-co.com", "t.blog.org": "adnet.com"}
}"#;

    #[test]
    fn synthetic_file() {
        let imported = tds_with_stats(SAMPLE, "tds.json").unwrap();
        let v = &imported.vendors;
        let summary: Vec<_> = v
            .iter()
            .map(|v| (v.id.as_str(), v.name.as_str(), v.owner.as_str(), v.category))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "tds-replay-co-ltd",
                    "Replay Co",
                    "Replay Co Ltd",
                    Category::SessionReplay
                ),
                ("tds-adnet", "AdNet", "AdNet", Category::Advertising),
                ("tds-quiet-corp", "Quiet", "Quiet Corp", Category::Other),
            ]
        );
        let replay = &v[0];
        assert_eq!(replay.aliases, ["Replay Co Ltd"]);
        assert_eq!(replay.reference.as_deref(), Some("https://replay-co.com/privacy"));
        assert_eq!(
            replay
                .domains
                .iter()
                .map(|d| (d.0.as_str(), d.1.line))
                .collect::<Vec<_>>(),
            [("replay-co.com", 4), ("replay-co.io", 11)]
        );
        assert_eq!(replay.origin.line, 43, "the entity's line in `entities`");
        assert_eq!(
            v[1].reference.as_deref(),
            Some(TDS_REPOSITORY),
            "ftp is not a reference"
        );
        assert_eq!(v[1].aliases, Vec::<String>::new());
        assert!(v.iter().all(|v| v.cookies.is_empty() && v.storage.is_empty()));
        assert_eq!(
            imported.stats,
            ImportStats {
                records: 6,
                skipped: 2,
                vendors: 3,
                domains: 4,
                ..ImportStats::default()
            }
        );
        assert_eq!(
            tds_cnames(SAMPLE).unwrap(),
            [
                (
                    "metrics.shop.com".to_string(),
                    "shop.com.replay-co.com".to_string()
                ),
                ("t.blog.org".to_string(), "adnet.com".to_string())
            ]
        );
    }

    #[test]
    fn test_domains() {
        for d in [
            "ad-company.example",
            "bad.third-party.site",
            "broken.third-party.site",
            "third-party.site",
            "ad-company.site",
            "eviltracker.net",
            "trackersimulator.org",
            "do-not-tracker.org",
            "x.test",
        ] {
            assert!(is_test_domain(d), "{d}");
        }
        for d in [
            "stackadapt.com",
            "example.com",
            "my-third-party.site",
            "notexample",
        ] {
            assert!(!is_test_domain(d), "{d}");
        }
    }

    #[test]
    fn malformed_files_are_located() {
        let e = tds(
            "{\"trackers\": {\n\"a.com\": 3}, \"entities\": {}, \"domains\": {}}",
            "tds.json",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "tds.json:2: trackers[\"a.com\"]: expected an object"
        );
        let e = tds(
            "{\"trackers\": {\"a.com\": {\"owner\": {\"name\": \"A\"}, \"categories\": \"Advertising\"}}}",
            "tds.json",
        )
        .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("trackers[\"a.com\"].categories"));
        let e = tds("{\"trackers\": [], \"entities\": {}}", "tds.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tds.json:1: trackers: expected an object of trackers"
        );
        let e = tds("{\"trackers\": {\n,}}", "tds.json").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.starts_with("not valid JSON"), "{e}");
        let e = tds("[1]", "tds.json").unwrap_err();
        assert!(e.message.contains("expected a JSON object"), "{e}");
        let e = tds_cnames("{\"cnames\": {\"a.com\": 1}}").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("cnames[\"a.com\"]"));
    }
}
