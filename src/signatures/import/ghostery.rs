//! Ghostery TrackerDB (CC BY-NC-SA 4.0: only ever read from the user's copy) → one vendor
//! per pattern, with its domains; its Adblock Plus filters are not imported.
//!
//! Two inputs ([`GhosteryInput`]):
//! - the repository's `db/` folder (or a folder holding `db/`): `patterns/<key>.eno` and
//!   `organizations/<key>.eno`, in the eno text format — `key: value` lines, `- item` list
//!   lines, `> comments`, bare `flag` lines, and blocks between two `--- name` lines
//!   (`--- domains`); only an unclosed or nameless block is an error;
//! - one JSON file: `{"organizations": {<key>: {name, website_url, …}}, "patterns": {<key>:
//!   {name, category, organization, website_url, domains: […], alias?}}}` (the shape of
//!   a one-file conversion of the folder), or just the `patterns` map, or an array of
//!   pattern records each with a `key`.
//!
//! The vendor is `ghostery-<slug of the key>`, named by the pattern, owned by its
//! organisation's name (else the organisation key, else the pattern name), with the
//! pattern's (else the organisation's) http(s) website as reference. A pattern with
//! `alias: <other key>` is an old name of another pattern: it gets `same_as` that pattern
//! (following chains) and its name as an alias, so its domains and name join it.
//!
//! | Ghostery category | category |
//! | --- | --- |
//! | advertising, pornvertising | `advertising` |
//! | site_analytics | `analytics` |
//! | customer_interaction | `customer-engagement` |
//! | social_media | `social` |
//! | audio_video_player | `embedded-content` |
//! | consent | `consent-management` |
//! | hosting | `cdn` |
//! | utilities, misc, extensions, anything else | `other` |

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::super::model::{Category, Vendor};
use super::{
    ImportError, ImportStats, Imported, Locator, add_domain, http_url, new_vendor, origin, path_key, slug,
    unique_id,
};

/// Where TrackerDB lives; the reference of patterns without a website.
pub const TRACKERDB_REPOSITORY: &str = "https://github.com/ghostery/trackerdb";

/// What to import.
#[derive(Debug, Clone, Copy)]
pub enum GhosteryInput<'a> {
    /// The text of a JSON file of patterns.
    Json(&'a str),
    /// The TrackerDB `db/` folder, or a folder that holds `db/`.
    Dir(&'a Path),
}

/// The category of a Ghostery category key.
fn category(key: &str) -> Category {
    match key.trim() {
        "advertising" | "pornvertising" => Category::Advertising,
        "site_analytics" => Category::Analytics,
        "customer_interaction" => Category::CustomerEngagement,
        "social_media" => Category::Social,
        "audio_video_player" => Category::EmbeddedContent,
        "consent" => Category::ConsentManagement,
        "hosting" => Category::Cdn,
        _ => Category::Other,
    }
}

/// The `db/` folder at or under `path`, if it has `patterns/`.
pub(super) fn db_dir(path: &Path) -> Option<PathBuf> {
    [path.to_path_buf(), path.join("db")]
        .into_iter()
        .find(|p| p.join("patterns").is_dir())
}

/// A pattern, from either input.
struct Pattern {
    key: String,
    name: String,
    category: String,
    website_url: String,
    organization: Option<String>,
    alias: Option<String>,
    domains: Vec<(String, u32)>,
    file: Arc<str>,
    line: u32,
}

/// An organisation.
#[derive(Default)]
struct Organization {
    name: String,
    website_url: String,
    privacy_policy_url: String,
}

/// Imports Ghostery TrackerDB. See the [module documentation](self) for the rules.
pub fn ghostery(input: GhosteryInput<'_>, file: &str) -> Result<Vec<Vendor>, ImportError> {
    ghostery_with_stats(input, file).map(|i| i.vendors)
}

/// [`ghostery`], with the counts.
pub fn ghostery_with_stats(input: GhosteryInput<'_>, file: &str) -> Result<Imported, ImportError> {
    let (patterns, orgs) = match input {
        GhosteryInput::Json(text) => from_json(text, file)?,
        GhosteryInput::Dir(dir) => from_dir(dir, file)?,
    };
    Ok(build(patterns, &orgs, file))
}

fn build(patterns: Vec<Pattern>, orgs: &HashMap<String, Organization>, source: &str) -> Imported {
    let mut stats = ImportStats {
        records: patterns.len(),
        ..ImportStats::default()
    };
    let mut taken = HashSet::new();
    let ids: Vec<String> = patterns
        .iter()
        .map(|p| unique_id(&format!("ghostery-{}", slug(&p.key)), &mut taken))
        .collect();
    let index: HashMap<&str, usize> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| (p.key.as_str(), i))
        .collect();
    // The pattern an alias finally points to (none for a missing target or a cycle).
    let resolve = |start: usize| -> Option<usize> {
        let mut at = start;
        for _ in 0..=patterns.len() {
            let next = patterns
                .get(at)?
                .alias
                .as_deref()
                .and_then(|a| index.get(a).copied());
            match next {
                Some(n) if n != start => at = n,
                Some(_) => return None,
                None => return (at != start).then_some(at),
            }
        }
        None
    };
    let mut vendors = Vec::new();
    for (i, (p, id)) in patterns.iter().zip(&ids).enumerate() {
        let org = p.organization.as_deref().and_then(|o| orgs.get(o));
        let owner = org
            .map(|o| o.name.trim())
            .filter(|n| !n.is_empty())
            .or(p.organization.as_deref().map(str::trim).filter(|n| !n.is_empty()))
            .unwrap_or(&p.name);
        let name = if p.name.trim().is_empty() { &p.key } else { &p.name };
        let mut v = new_vendor(
            id.clone(),
            name,
            owner,
            category(&p.category),
            origin(&p.file, p.line),
            source,
        );
        v.reference = Some(
            http_url(&p.website_url)
                .or_else(|| org.and_then(|o| http_url(&o.website_url)))
                .or_else(|| org.and_then(|o| http_url(&o.privacy_policy_url)))
                .unwrap_or(TRACKERDB_REPOSITORY)
                .to_string(),
        );
        if p.alias.is_some()
            && let Some(target) = resolve(i).and_then(|t| ids.get(t))
        {
            v.same_as = Some(target.clone());
            v.aliases.push(v.name.clone());
        }
        for (d, l) in &p.domains {
            if !add_domain(&mut v, d, origin(&p.file, *l)) {
                stats.invalid_domains += 1;
            }
        }
        vendors.push(v);
    }
    Imported::finish(vendors, stats)
}

// ---------------------------------------------------------------------------------------
// JSON

fn from_json(text: &str, file: &str) -> Result<(Vec<Pattern>, HashMap<String, Organization>), ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError::json(file, &e))?;
    let file_arc: Arc<str> = Arc::from(file);
    let mut loc = Locator::new(text);
    let mut orgs = HashMap::new();
    if let Some(m) = root.get("organizations") {
        let m = m
            .as_object()
            .ok_or_else(|| ImportError::at_path(file, None, "organizations", "expected an object"))?;
        for (key, o) in m {
            let path = path_key("organizations", key);
            let o = o
                .as_object()
                .ok_or_else(|| ImportError::at_path(file, None, &path, "expected an object"))?;
            let s = |k: &str| string(o, k, &path, file, None);
            orgs.insert(
                key.clone(),
                Organization {
                    name: s("name")?.unwrap_or_default(),
                    website_url: s("website_url")?.unwrap_or_default(),
                    privacy_policy_url: s("privacy_policy_url")?.unwrap_or_default(),
                },
            );
        }
    }
    let (list, base): (&Value, &str) = match root.get("patterns") {
        Some(p) => {
            loc.key("patterns");
            (p, "patterns")
        }
        None => (&root, ""),
    };
    let mut patterns = Vec::new();
    match list {
        Value::Object(m) => {
            for (key, rec) in m {
                let line = loc.key(key);
                let path = path_key(base, key);
                patterns.push(json_pattern(key, rec, &path, line, &loc, &file_arc)?);
            }
        }
        Value::Array(a) => {
            for (i, rec) in a.iter().enumerate() {
                let path = format!("{base}[{i}]");
                let line = loc.key("name");
                let key = rec
                    .get("key")
                    .or_else(|| rec.get("id"))
                    .and_then(Value::as_str)
                    .or_else(|| rec.get("name").and_then(Value::as_str))
                    .ok_or_else(|| {
                        ImportError::at_path(file, line, &path, "expected a pattern with a `key` or `name`")
                    })?;
                patterns.push(json_pattern(key, rec, &path, line, &loc, &file_arc)?);
            }
        }
        _ => {
            return Err(ImportError::at_path(
                file,
                None,
                base,
                "expected an object or array of patterns",
            ));
        }
    }
    Ok((patterns, orgs))
}

/// A string field of a JSON record: `None` when absent or null, an error for other types.
fn string(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
    file: &str,
    line: Option<u32>,
) -> Result<Option<String>, ImportError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(_) => Err(ImportError::at_path(
            file,
            line,
            &path_key(path, key),
            "expected a string",
        )),
    }
}

fn json_pattern(
    key: &str,
    rec: &Value,
    path: &str,
    line: Option<u32>,
    loc: &Locator<'_>,
    file: &Arc<str>,
) -> Result<Pattern, ImportError> {
    let o = rec
        .as_object()
        .ok_or_else(|| ImportError::at_path(file, line, path, "expected a pattern object"))?;
    let s = |k: &str| string(o, k, path, file, line);
    let domains = match o.get("domains") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(j, d)| {
                d.as_str()
                    .map(|d| (d.to_string(), loc.value(d).or(line).unwrap_or(1)))
                    .ok_or_else(|| {
                        ImportError::at_path(
                            file,
                            line,
                            &format!("{path}.domains[{j}]"),
                            "expected a domain string",
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ImportError::at_path(
                file,
                line,
                &format!("{path}.domains"),
                "expected an array of domains",
            ));
        }
    };
    Ok(Pattern {
        key: key.to_string(),
        name: s("name")?.unwrap_or_default(),
        category: s("category")?.unwrap_or_default(),
        website_url: s("website_url")?.unwrap_or_default(),
        organization: s("organization")?.filter(|x| !x.is_empty()),
        alias: s("alias")?.filter(|x| !x.is_empty()),
        domains,
        file: Arc::clone(file),
        line: line.unwrap_or(1),
    })
}

// ---------------------------------------------------------------------------------------
// The db/ folder of .eno files

/// The parts of an eno document the importer reads.
#[derive(Debug, Default)]
struct Eno {
    /// `key: value` fields with their lines.
    fields: Vec<(String, String, u32)>,
    /// `--- name` blocks: name and non-empty lines with their numbers.
    blocks: Vec<(String, Vec<(String, u32)>)>,
}

impl Eno {
    fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn field_line(&self, key: &str) -> Option<u32> {
        self.fields.iter().find(|(k, _, _)| k == key).map(|(_, _, l)| *l)
    }

    fn block(&self, name: &str) -> impl Iterator<Item = &(String, u32)> {
        self.blocks
            .iter()
            .filter(move |(n, _)| n == name)
            .flat_map(|(_, lines)| lines)
    }
}

/// Parses the subset of eno that TrackerDB uses.
fn parse_eno(text: &str, file: &str) -> Result<Eno, ImportError> {
    let lines: Vec<&str> = text.lines().collect();
    let number = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);
    let dashes = |l: &str| l.chars().take_while(|&c| c == '-').count();
    let mut doc = Eno::default();
    let mut i = 0;
    while let Some(raw) = lines.get(i) {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('>') || line.starts_with('#') {
            i += 1;
            continue;
        }
        let n = dashes(line);
        if n >= 2 {
            let name = line.get(n..).unwrap_or("").trim();
            if name.is_empty() {
                return Err(ImportError::at_line(
                    file,
                    number(i),
                    "a `---` block needs a name",
                ));
            }
            let close = lines.iter().skip(i + 1).position(|l| {
                let t = l.trim();
                dashes(t) == n && t.get(n..).is_some_and(|rest| rest.trim() == name)
            });
            let Some(c) = close else {
                return Err(ImportError::at_line(
                    file,
                    number(i),
                    format!("the block `{line}` is never closed (a second `{line}` line ends it)"),
                ));
            };
            let body = lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .take(c)
                .map(|(j, l)| (l.trim().to_string(), number(j)))
                .filter(|(l, _)| !l.is_empty())
                .collect();
            doc.blocks.push((name.to_string(), body));
            i += c + 2;
            continue;
        }
        if line.starts_with('-') || line.starts_with('|') || line.starts_with('\\') {
            // A list item or a continuation of the previous field: nothing the importer reads.
            i += 1;
            continue;
        }
        // `key: value`; a bare `key` (an empty element, e.g. `archived`) and fieldset
        // entries (`key = value`) carry nothing the importer reads.
        if let Some((k, v)) = line.split_once(':') {
            doc.fields
                .push((k.trim().to_string(), v.trim().to_string(), number(i)));
        }
        i += 1;
    }
    Ok(doc)
}

/// The `.eno` files of a folder, sorted by name (none if the folder does not exist).
fn eno_files(dir: &Path, file: &str) -> Result<Vec<PathBuf>, ImportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let io = |e: std::io::Error| ImportError {
        file: dir.display().to_string(),
        line: None,
        path: None,
        message: format!("cannot read the folder: {e} (importing {file})"),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let p = entry.map_err(io)?.path();
        if p.extension().is_some_and(|x| x == "eno") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

fn read_eno(path: &Path) -> Result<(String, Eno), ImportError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ImportError {
        file: file.clone(),
        line: None,
        path: None,
        message: format!("cannot read: {e}"),
    })?;
    let doc = parse_eno(&text, &file)?;
    let key = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((key, doc))
}

fn from_dir(dir: &Path, file: &str) -> Result<(Vec<Pattern>, HashMap<String, Organization>), ImportError> {
    let db = db_dir(dir).ok_or_else(|| ImportError {
        file: file.to_string(),
        line: None,
        path: None,
        message: "not a Ghostery TrackerDB folder: expected `patterns/*.eno` in it or in its `db/`".into(),
    })?;
    let mut orgs = HashMap::new();
    for path in eno_files(&db.join("organizations"), file)? {
        let (key, doc) = read_eno(&path)?;
        let s = |k: &str| doc.field(k).unwrap_or_default().to_string();
        orgs.insert(
            key,
            Organization {
                name: s("name"),
                website_url: s("website_url"),
                privacy_policy_url: s("privacy_policy_url"),
            },
        );
    }
    let mut patterns = Vec::new();
    for path in eno_files(&db.join("patterns"), file)? {
        let (key, doc) = read_eno(&path)?;
        let file_arc: Arc<str> = Arc::from(path.display().to_string());
        let s = |k: &str| doc.field(k).map(str::to_string);
        patterns.push(Pattern {
            name: s("name").unwrap_or_else(|| key.clone()),
            key,
            category: s("category").unwrap_or_default(),
            website_url: s("website_url").unwrap_or_default(),
            organization: s("organization"),
            alias: s("alias"),
            domains: doc.block("domains").cloned().collect(),
            line: doc.field_line("name").unwrap_or(1),
            file: file_arc,
        });
    }
    Ok((patterns, orgs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny file in the derived-JSON schema (made up; nothing from the real database).
    const SAMPLE: &str = r#"{
  "categories": {"site_analytics": {"name": "Site Analytics"}},
  "organizations": {
    "heatco": {"name": "HeatCo Ltd", "website_url": "https://heatco.com/", "privacy_policy_url": ""},
    "nourl": {"name": "", "website_url": "", "privacy_policy_url": "https://nourl.org/privacy"}
  },
  "patterns": {
    "heatco": {
      "category": "site_analytics",
      "domains": ["heatco.com", "heatco.io"],
      "filters": ["||heatco.com^$third-party"],
      "name": "HeatCo",
      "organization": "heatco",
      "website_url": "https://www.heatco.com/"
    },
    "heatco_old": {"alias": "heatco_mid", "category": "site_analytics", "name": "HeatCo Classic", "organization": "heatco", "website_url": ""},
    "heatco_mid": {"alias": "heatco", "category": "site_analytics", "domains": ["old.heatco.com"], "name": "HeatCo Mid", "website_url": ""},
    "chat_box": {"category": "customer_interaction", "domains": ["chat-box.net", "not a domain"], "name": "Chat Box", "organization": "nourl", "website_url": "ftp://x"},
    "loose": {"category": "hosting", "domains": [], "name": "Loose", "organization": "unknown_org", "website_url": ""},
    "lonely_alias": {"alias": "missing", "category": "pornvertising", "name": "Lonely", "website_url": ""}
  }
}"#;

    #[test]
    fn synthetic_json() {
        let imported = ghostery_with_stats(GhosteryInput::Json(SAMPLE), "trackerdb.json").unwrap();
        let v = &imported.vendors;
        let summary: Vec<_> = v
            .iter()
            .map(|v| (v.id.as_str(), v.owner.as_str(), v.category, v.same_as.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("ghostery-heatco", "HeatCo Ltd", Category::Analytics, None),
                (
                    "ghostery-heatco-old",
                    "HeatCo Ltd",
                    Category::Analytics,
                    Some("ghostery-heatco")
                ),
                (
                    "ghostery-heatco-mid",
                    "HeatCo Mid",
                    Category::Analytics,
                    Some("ghostery-heatco")
                ),
                ("ghostery-chat-box", "nourl", Category::CustomerEngagement, None),
                ("ghostery-loose", "unknown_org", Category::Cdn, None),
                ("ghostery-lonely-alias", "Lonely", Category::Advertising, None),
            ]
        );
        let heat = &v[0];
        assert_eq!(heat.name, "HeatCo");
        assert_eq!(heat.reference.as_deref(), Some("https://www.heatco.com/"));
        assert_eq!(heat.origin.line, 8);
        assert_eq!(
            heat.domains
                .iter()
                .map(|d| (d.0.as_str(), d.1.line))
                .collect::<Vec<_>>(),
            [("heatco.com", 10), ("heatco.io", 10)]
        );
        assert_eq!(v[1].aliases, ["HeatCo Classic"]);
        assert_eq!(
            v[1].reference.as_deref(),
            Some("https://heatco.com/"),
            "the organisation's website"
        );
        assert_eq!(v[3].reference.as_deref(), Some("https://nourl.org/privacy"));
        assert_eq!(v[4].reference.as_deref(), Some(TRACKERDB_REPOSITORY));
        assert_eq!(
            imported.stats,
            ImportStats {
                records: 6,
                vendors: 6,
                same_as: 2,
                domains: 4,
                invalid_domains: 1,
                ..ImportStats::default()
            }
        );
        // The bare patterns map and an array of records are read too.
        let bare = r#"{"a": {"category": "advertising", "domains": ["a.com"], "name": "A"}}"#;
        let v = ghostery(GhosteryInput::Json(bare), "p.json").unwrap();
        assert_eq!((v[0].id.as_str(), v[0].domains.len()), ("ghostery-a", 1));
        let arr = r#"[{"key": "b_b", "category": "consent", "domains": ["b.com"], "name": "B"}]"#;
        let v = ghostery(GhosteryInput::Json(arr), "p.json").unwrap();
        assert_eq!(
            (v[0].id.as_str(), v[0].category),
            ("ghostery-b-b", Category::ConsentManagement)
        );
    }

    #[test]
    fn alias_cycles_are_not_followed() {
        let text = r#"{"patterns": {"a": {"alias": "b", "category": "misc", "name": "A"}, "b": {"alias": "a", "category": "misc", "name": "B"}}}"#;
        let v = ghostery(GhosteryInput::Json(text), "p.json").unwrap();
        assert!(v.iter().all(|v| v.same_as.is_none()));
    }

    #[test]
    fn eno_documents() {
        let text = "name: Heat Co\ncategory: site_analytics\nwebsite_url: https://heatco.com/\n\
                    organization: heatco\n> a comment\ntags:\n- beta\n\n--- domains\nheatco.com\n\n\
                    heatco.io\n--- domains\n\n--- filters\n||heatco.com^\n--- filters\n";
        let doc = parse_eno(text, "heatco.eno").unwrap();
        assert_eq!(doc.field("name"), Some("Heat Co"));
        assert_eq!(doc.field("website_url"), Some("https://heatco.com/"));
        assert_eq!(doc.field("tags"), None);
        assert_eq!(
            doc.block("domains").cloned().collect::<Vec<_>>(),
            [("heatco.com".to_string(), 10), ("heatco.io".to_string(), 12)]
        );
        assert_eq!(doc.block("filters").count(), 1);
        let e = parse_eno("name: x\n--- domains\na.com\n", "x.eno").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.eno:2: the block `--- domains` is never closed (a second `--- domains` line ends it)"
        );
        let doc = parse_eno("name: x\narchived\nk = v\n", "x.eno").unwrap();
        assert_eq!(
            doc.fields.len(),
            1,
            "empty elements and fieldset entries are skipped"
        );
        let e = parse_eno("name: x\n\n---\n", "x.eno").unwrap_err();
        assert_eq!(e.to_string(), "x.eno:3: a `---` block needs a name");
    }

    #[test]
    fn a_db_folder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db");
        std::fs::create_dir_all(db.join("patterns")).unwrap();
        std::fs::create_dir_all(db.join("organizations")).unwrap();
        std::fs::write(
            db.join("patterns/heatco.eno"),
            "name: HeatCo\ncategory: site_analytics\nwebsite_url: https://www.heatco.com/\norganization: heatco\n\n--- domains\nheatco.com\nheatco.io\n--- domains\n",
        )
        .unwrap();
        std::fs::write(
            db.join("patterns/heatco_connect.eno"),
            "name: HeatCo Connect\ncategory: social_media\nwebsite_url: \norganization: heatco\nalias: heatco\n",
        )
        .unwrap();
        std::fs::write(db.join("patterns/notes.txt"), "ignored").unwrap();
        std::fs::write(
            db.join("organizations/heatco.eno"),
            "name: HeatCo Ltd\nwebsite_url: https://heatco.com/\n",
        )
        .unwrap();
        for input in [dir.path(), db.as_path()] {
            let v = ghostery(GhosteryInput::Dir(input), "db").unwrap();
            assert_eq!(v.len(), 2);
            assert_eq!(v[0].id, "ghostery-heatco");
            assert_eq!(v[0].owner, "HeatCo Ltd");
            assert_eq!(v[0].domains[1].1.line, 8);
            assert!(v[0].domains[1].1.file.ends_with("heatco.eno"));
            assert_eq!(v[1].same_as.as_deref(), Some("ghostery-heatco"));
            assert_eq!(v[1].category, Category::Social);
        }
        std::fs::write(db.join("patterns/broken.eno"), "name: B\n--- domains\nb.com\n").unwrap();
        let e = ghostery(GhosteryInput::Dir(dir.path()), "db").unwrap_err();
        assert!(
            e.to_string().ends_with(
                "broken.eno:2: the block `--- domains` is never closed (a second `--- domains` line ends it)"
            ),
            "{e}"
        );
        let e = ghostery(GhosteryInput::Dir(&db.join("patterns")), "x").unwrap_err();
        assert!(e.message.contains("not a Ghostery TrackerDB folder"), "{e}");
    }

    #[test]
    fn malformed_json_is_located() {
        let e = ghostery(
            GhosteryInput::Json("{\"patterns\": {\n\"a\": {\"name\": 3}}}"),
            "p.json",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "p.json:2: patterns.a.name: expected a string");
        let e = ghostery(
            GhosteryInput::Json("{\"patterns\": {\"a\": {\"domains\": \"a.com\"}}}"),
            "p.json",
        )
        .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("patterns.a.domains"));
        let e = ghostery(GhosteryInput::Json("{\"patterns\": 3}"), "p.json").unwrap_err();
        assert!(
            e.to_string().contains("patterns: expected an object or array"),
            "{e}"
        );
    }
}
