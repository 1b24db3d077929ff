//! Disconnect `services.json` (CC BY-NC-SA 4.0: only ever read from the user's copy) →
//! one vendor per organisation, with all the domains it lists under any category.
//!
//! Schema: `{"categories": {"<Category>": [{"<Organisation>": {"<homepage URL>": [domains…],
//! "<flag>": "true"}}]}}`. The vendor is `disconnect-<slug>`, named and owned by the
//! organisation, with its homepage as reference (the repository when it is not http(s)).
//! A listed "domain" with a path (`yandex.ru/clck/click`) becomes a beacon (`host/path`
//! prefix) instead.
//!
//! | Disconnect category | category |
//! | --- | --- |
//! | Advertising | `advertising` |
//! | Analytics | `analytics` |
//! | Social | `social` |
//! | FingerprintingInvasive, FingerprintingGeneral | `fingerprinting` |
//! | Cryptomining | `other` |
//! | Email, EmailAggressive | `marketing-automation` |
//! | Content | `embedded-content` |
//! | Anti-fraud | `security` |
//! | ConsentManagers | `consent-management` |
//! | anything else | `other` |
//!
//! An organisation listed in several categories keeps the first (in file order) that is
//! neither Content nor Email/EmailAggressive: the file lists the Email categories first,
//! and they hold ad and analytics companies whose email pixels are tracked (Adform,
//! Adobe), so they are used only when nothing else is; Content comes last. An organisation
//! flagged `"session-replay": "true"` is `session-replay`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::super::model::{BeaconSignature, Category, Vendor};
use super::{
    ImportError, ImportStats, Imported, Locator, add_domain, http_url, new_vendor, normalise_domain, origin,
    path_key, slug, unique_id,
};

/// Where the list lives; the reference of organisations without an http(s) homepage.
pub const DISCONNECT_REPOSITORY: &str = "https://github.com/disconnectme/disconnect-tracking-protection";

/// The category of a Disconnect category name.
fn category(name: &str) -> Category {
    match name.trim() {
        "Advertising" => Category::Advertising,
        "Analytics" => Category::Analytics,
        "Social" => Category::Social,
        "FingerprintingInvasive" | "FingerprintingGeneral" => Category::Fingerprinting,
        "Email" | "EmailAggressive" => Category::MarketingAutomation,
        "Content" => Category::EmbeddedContent,
        "Anti-fraud" => Category::Security,
        "ConsentManagers" => Category::ConsentManagement,
        _ => Category::Other,
    }
}

/// One organisation, gathered over the categories.
struct Org {
    name: String,
    homepage: Option<String>,
    categories: Vec<String>,
    session_replay: bool,
    domains: Vec<(String, u32)>,
    line: u32,
}

/// Imports a Disconnect `services.json`. See the [module documentation](self) for the rules.
pub fn disconnect(json: &str, file: &str) -> Result<Vec<Vendor>, ImportError> {
    disconnect_with_stats(json, file).map(|i| i.vendors)
}

/// [`disconnect`], with the counts.
pub fn disconnect_with_stats(json: &str, file: &str) -> Result<Imported, ImportError> {
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::json(file, &e))?;
    let mut loc = Locator::new(json);
    let cat_line = loc.key("categories");
    let categories = root.get("categories").and_then(Value::as_object).ok_or_else(|| {
        ImportError::at_path(
            file,
            cat_line,
            "categories",
            "expected an object of category → list of organisations",
        )
    })?;
    let mut stats = ImportStats::default();
    let mut orgs: Vec<Org> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (cat, list) in categories {
        let cline = loc.key(cat);
        let cpath = path_key("categories", cat);
        let list = list
            .as_array()
            .ok_or_else(|| ImportError::at_path(file, cline, &cpath, "expected an array of organisations"))?;
        for (i, entry) in list.iter().enumerate() {
            let epath = format!("{cpath}[{i}]");
            let entry = entry.as_object().ok_or_else(|| {
                ImportError::at_path(
                    file,
                    cline,
                    &epath,
                    "expected an object: {\"<organisation>\": {…}}",
                )
            })?;
            stats.records += 1;
            for (name, body) in entry {
                let oline = loc.key(name);
                let opath = path_key(&epath, name);
                let body = body.as_object().ok_or_else(|| {
                    ImportError::at_path(
                        file,
                        oline,
                        &opath,
                        "expected an object: {\"<homepage>\": [domains…]}",
                    )
                })?;
                let k = *by_name.entry(name.clone()).or_insert_with(|| {
                    orgs.push(Org {
                        name: name.clone(),
                        homepage: None,
                        categories: Vec::new(),
                        session_replay: false,
                        domains: Vec::new(),
                        line: oline.or(cline).unwrap_or(1),
                    });
                    orgs.len() - 1
                });
                let Some(org) = orgs.get_mut(k) else { continue };
                org.categories.push(cat.clone());
                for (key, value) in body {
                    match value {
                        Value::Array(domains) => {
                            let hline = loc.key(key);
                            if org.homepage.is_none() {
                                org.homepage = http_url(key).map(str::to_string);
                            }
                            for (j, d) in domains.iter().enumerate() {
                                let d = d.as_str().ok_or_else(|| {
                                    ImportError::at_path(
                                        file,
                                        hline,
                                        &format!("{}[{j}]", path_key(&opath, key)),
                                        "expected a domain string",
                                    )
                                })?;
                                if !org.domains.iter().any(|(x, _)| x == d) {
                                    let line = loc.value(d).or(hline).unwrap_or(org.line);
                                    org.domains.push((d.to_string(), line));
                                }
                            }
                        }
                        Value::String(flag) if key == "session-replay" && flag.trim() == "true" => {
                            org.session_replay = true;
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    let file_arc: Arc<str> = Arc::from(file);
    let mut taken = std::collections::HashSet::new();
    let mut vendors = Vec::new();
    for org in &orgs {
        let main = |skip: &[&str]| org.categories.iter().find(|c| !skip.contains(&c.as_str()));
        let chosen = main(&["Content", "Email", "EmailAggressive"])
            .or_else(|| main(&["Content"]))
            .or_else(|| org.categories.first());
        let category = if org.session_replay {
            Category::SessionReplay
        } else {
            chosen.map_or(Category::Other, |c| category(c))
        };
        let id = unique_id(&format!("disconnect-{}", slug(&org.name)), &mut taken);
        let mut v = new_vendor(
            id,
            &org.name,
            &org.name,
            category,
            origin(&file_arc, org.line),
            file,
        );
        v.reference = Some(
            org.homepage
                .clone()
                .unwrap_or_else(|| DISCONNECT_REPOSITORY.to_string()),
        );
        for (d, l) in &org.domains {
            let o = origin(&file_arc, *l);
            match d.split_once('/') {
                Some((host, path)) => match normalise_domain(host) {
                    Ok(host) => {
                        let path_prefix = format!("/{path}");
                        let known = v.beacons.iter().any(|b| {
                            b.host.as_deref() == Some(host.as_str()) && b.path_prefix == path_prefix
                        });
                        if !known {
                            v.beacons.push(BeaconSignature {
                                host: Some(host),
                                path_prefix,
                                origin: o,
                            });
                        }
                    }
                    Err(_) => stats.invalid_domains += 1,
                },
                None => {
                    if !add_domain(&mut v, d, o) {
                        stats.invalid_domains += 1;
                    }
                }
            }
        }
        vendors.push(v);
    }
    Ok(Imported::finish(vendors, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny file in the services.json schema (made up; nothing from the real list).
    const SAMPLE: &str = r#"{
  "license": "synthetic",
  "categories": {
    "Email": [
      {"AdCo": {"https://adco.com/": ["adco-mail.com"]}}
    ],
    "Advertising": [
      {"AdCo": {"https://adco.com/": ["adco.com", "adco-mail.com", "bad domain", "adco.com/px/", "bad host/x"]}},
      {"Widgets": {"widgets.example": ["widgets-cdn.net"]}}
    ],
    "Content": [
      {"Widgets": {"widgets.example": ["widgets.net"]}},
      {"VideoHost": {"https://video.host/": ["video.host", "VIDEO-cdn.net"]}}
    ],
    "Analytics": [
      {"Replayer": {"https://replayer.io/": ["replayer.io"], "session-replay": "true"}}
    ],
    "EmailAggressive": [
      {"Mailer": {"https://mailer.com": ["mailer.com"], "dnt": "eff"}}
    ]
  }
}"#;

    #[test]
    fn synthetic_file() {
        let imported = disconnect_with_stats(SAMPLE, "services.json").unwrap();
        let v = &imported.vendors;
        let summary: Vec<_> = v.iter().map(|v| (v.id.as_str(), v.category)).collect();
        assert_eq!(
            summary,
            [
                ("disconnect-adco", Category::Advertising),
                ("disconnect-widgets", Category::Advertising),
                ("disconnect-videohost", Category::EmbeddedContent),
                ("disconnect-replayer", Category::SessionReplay),
                ("disconnect-mailer", Category::MarketingAutomation),
            ]
        );
        let adco = &v[0];
        assert_eq!((adco.name.as_str(), adco.owner.as_str()), ("AdCo", "AdCo"));
        assert_eq!(adco.reference.as_deref(), Some("https://adco.com/"));
        assert_eq!(
            adco.domains
                .iter()
                .map(|d| (d.0.as_str(), d.1.line))
                .collect::<Vec<_>>(),
            [("adco-mail.com", 5), ("adco.com", 8)]
        );
        assert_eq!(adco.origin.line, 5);
        assert_eq!(
            adco.beacons
                .iter()
                .map(|b| (b.host.as_deref(), b.path_prefix.as_str(), b.origin.line))
                .collect::<Vec<_>>(),
            [(Some("adco.com"), "/px/", 8)]
        );
        assert_eq!(v[1].reference.as_deref(), Some(DISCONNECT_REPOSITORY));
        assert_eq!(
            v[1].domains.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
            ["widgets-cdn.net", "widgets.net"]
        );
        assert_eq!(v[2].domains[1].0, "video-cdn.net");
        assert_eq!(
            imported.stats,
            ImportStats {
                records: 7,
                vendors: 5,
                domains: 8,
                beacons: 1,
                invalid_domains: 2,
                ..ImportStats::default()
            }
        );
    }

    #[test]
    fn malformed_files_are_located() {
        let e = disconnect(
            "{\"categories\": {\"Advertising\": [\n{\"A\": [\"a.com\"]}]}}",
            "services.json",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "services.json:2: categories.Advertising[0].A: expected an object: {\"<homepage>\": [domains…]}"
        );
        let e = disconnect("{\"categories\": {\"Advertising\": {}}}", "services.json").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("categories.Advertising"));
        let e = disconnect(
            "{\"categories\": {\"Advertising\": [{\"A\": {\"https://a.com\": [\"a.com\", 7]}}]}}",
            "services.json",
        )
        .unwrap_err();
        assert_eq!(
            e.path.as_deref(),
            Some("categories.Advertising[0].A[\"https://a.com\"][1]")
        );
        let e = disconnect("{\"license\": \"x\"}", "services.json").unwrap_err();
        assert!(e.to_string().contains("categories: expected an object"), "{e}");
    }
}
