//! The site owner's own policy file (`--policy FILE`): a machine-readable declaration in
//! TOML or JSON, for sites whose consent manager crumbs cannot read, or to check a site
//! against what its owner *means* to declare.
//!
//! ```toml
//! format = 1
//! site = "shop.example"                       # optional, informational
//! technologies = ["cookies", "local-storage", "web-beacons"]
//!
//! [[cookie]]
//! name = "_ga"                                # exact, `prefix*`, `with_#_placeholder`, `/regex/`
//! category = "statistics"                     # necessary | preferences | statistics | marketing | unclassified
//! expiry = "2 years"                          # `session`, `persistent`, or a duration in words
//! provider = "Google"
//! purpose = "Distinguishes visitors"
//! kind = "cookie"                             # cookie (default) | storage | pixel
//!
//! [[vendor]]
//! name = "Google Analytics"
//!
//! [[retention]]
//! subject = "server logs"
//! duration = "6 months"
//!
//! [[denies]]                                  # things the site says it does not do
//! what = "fingerprinting"
//! ```
//!
//! JSON uses the same keys (`{"format": 1, "cookie": [...], "vendor": [...], ...}`). Errors
//! name the line (and column) of the problem.

use serde::Deserialize;
use toml::Spanned;

use super::model::*;
use crate::signatures::pattern::NamePattern;

/// A policy file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct PolicyFileError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format: Spanned<u32>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    technologies: Vec<Spanned<String>>,
    #[serde(default)]
    cookie: Vec<Spanned<CookieDoc>>,
    #[serde(default)]
    vendor: Vec<Spanned<VendorDoc>>,
    #[serde(default)]
    retention: Vec<Spanned<RetentionDoc>>,
    #[serde(default)]
    denies: Vec<Spanned<DenyDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CookieDoc {
    name: String,
    category: String,
    expiry: Option<String>,
    provider: Option<String>,
    purpose: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorDoc {
    name: String,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionDoc {
    subject: String,
    duration: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DenyDoc {
    what: String,
}

/// Technologies a policy file may list.
pub const TECHNOLOGIES: &[&str] = &[
    "cookies",
    "web-beacons",
    "pixels",
    "local-storage",
    "session-storage",
    "indexeddb",
    "fingerprinting",
    "session-replay",
    "sdk",
    "server-logs",
];

/// Reads a policy file (TOML, or JSON when it starts with `{`).
pub fn parse(text: &str, file: &str) -> Result<DeclaredPolicy, Vec<PolicyFileError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = crate::signatures::load::LineIndex::new(text);
    let err = |line: u32, message: String| PolicyFileError {
        file: file.to_string(),
        line,
        message,
    };
    let doc: Doc = if text.trim_start().starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| vec![err(e.line() as u32, format!("column {}: {e}", e.column()))])?;
        // Spanned needs TOML: convert JSON to TOML text so the same rules apply; lines then
        // refer to the JSON only approximately, so check the JSON shape first.
        let toml_text = toml::to_string(&json)
            .map_err(|e| vec![err(1, format!("the JSON cannot be read as a policy file: {e}"))])?;
        toml::from_str(&toml_text).map_err(|e| vec![err(1, e.message().trim().to_string())])?
    } else {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            vec![err(line, e.message().trim().to_string())]
        })?
    };
    let mut errors = Vec::new();
    if *doc.format.get_ref() != 1 {
        errors.push(err(
            lines.line(doc.format.span().start),
            format!(
                "format {} is not supported: write `format = 1`",
                doc.format.get_ref()
            ),
        ));
    }
    let mut policy = DeclaredPolicy::default();
    let mut source = PolicySource {
        kind: "policy-file".into(),
        location: file.to_string(),
        items: 0,
        vendors: 0,
        statements: 0,
        problems: Vec::new(),
    };
    for t in &doc.technologies {
        let line = lines.line(t.span().start);
        if TECHNOLOGIES.contains(&t.get_ref().as_str()) {
            policy.technologies.push(DeclaredTechnology {
                technology: t.get_ref().clone(),
                source: 0,
                quote: None,
            });
        } else {
            errors.push(err(
                line,
                format!(
                    "unknown technology {:?} (one of: {})",
                    t.get_ref(),
                    TECHNOLOGIES.join(", ")
                ),
            ));
        }
    }
    for c in &doc.cookie {
        let line = lines.line(c.span().start);
        let d = c.get_ref();
        if let Err(e) = NamePattern::parse(&d.name) {
            errors.push(err(line, format!("cookie {:?}: {e}", d.name)));
            continue;
        }
        let category = match d.category.as_str() {
            "necessary" => DeclaredCategory::Necessary,
            "preferences" => DeclaredCategory::Preferences,
            "statistics" => DeclaredCategory::Statistics,
            "marketing" => DeclaredCategory::Marketing,
            "unclassified" => DeclaredCategory::Unclassified,
            other => {
                errors.push(err(
                    line,
                    format!("cookie {:?}: unknown category {other:?} (necessary, preferences, statistics, marketing, unclassified)", d.name),
                ));
                continue;
            }
        };
        let kind = match d.kind.as_deref() {
            None | Some("cookie") => ItemKind::Cookie,
            Some("storage") => ItemKind::Storage,
            Some("pixel") => ItemKind::Pixel,
            Some(other) => {
                errors.push(err(
                    line,
                    format!(
                        "cookie {:?}: unknown kind {other:?} (cookie, storage, pixel)",
                        d.name
                    ),
                ));
                continue;
            }
        };
        let (expiry_secs, session) = match &d.expiry {
            None => (None, None),
            Some(e) => {
                let parsed = parse_expiry(e);
                if parsed == (None, None) {
                    errors.push(err(line, format!("cookie {:?}: expiry {e:?} is not `session`, `persistent` or a duration such as `13 months`", d.name)));
                    continue;
                }
                parsed
            }
        };
        policy.items.push(DeclaredItem {
            name: d.name.clone(),
            kind,
            provider: d.provider.clone(),
            category,
            category_label: Some(d.category.clone()),
            purpose: d.purpose.clone(),
            expiry_text: d.expiry.clone(),
            expiry_secs,
            session,
            count: 1,
            source: 0,
            location: Some(format!("line {line}")),
        });
    }
    for v in &doc.vendor {
        let d = v.get_ref();
        policy.vendors.push(DeclaredVendor {
            name: d.name.clone(),
            vendor: d.id.clone(),
            source: 0,
            quote: None,
        });
    }
    for r in &doc.retention {
        let line = lines.line(r.span().start);
        let d = r.get_ref();
        match parse_expiry(&d.duration) {
            (Some(secs), _) if secs > 0 => policy.retention.push(RetentionStatement {
                subject: d.subject.clone(),
                duration_secs: secs,
                quote: format!("{}: {}", d.subject, d.duration),
                source: 0,
            }),
            _ => errors.push(err(
                line,
                format!(
                    "retention {:?}: duration {:?} is not a duration such as `6 months`",
                    d.subject, d.duration
                ),
            )),
        }
    }
    for n in &doc.denies {
        policy.negatives.push(NegativeStatement {
            denies: n.get_ref().what.clone(),
            quote: format!("denies {}", n.get_ref().what),
            source: 0,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let _ = doc.site;
    source.items = policy.items.len();
    source.vendors = policy.vendors.len();
    source.statements = policy.technologies.len() + policy.retention.len() + policy.negatives.len();
    policy.sources.push(source);
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format = 1
site = "shop.example"
technologies = ["cookies", "local-storage"]

[[cookie]]
name = "_ga"
category = "statistics"
expiry = "2 years"
provider = "Google"

[[cookie]]
name = "cart_#"
category = "necessary"
expiry = "session"
kind = "storage"

[[vendor]]
name = "Google Analytics"
id = "google-analytics"

[[retention]]
subject = "server logs"
duration = "6 months"

[[denies]]
what = "fingerprinting"
"#;

    #[test]
    fn a_good_file() {
        let p = parse(GOOD, "policy.toml").unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.items[0].expiry_secs, Some(2 * 365 * 86_400));
        assert_eq!(p.items[0].location.as_deref(), Some("line 5"));
        assert_eq!(p.items[1].session, Some(true));
        assert_eq!(p.items[1].kind, ItemKind::Storage);
        assert_eq!(p.vendors[0].vendor.as_deref(), Some("google-analytics"));
        assert_eq!(p.retention[0].duration_secs, 180 * 86_400);
        assert_eq!(p.negatives[0].denies, "fingerprinting");
        assert_eq!(p.technologies.len(), 2);
        assert_eq!(p.sources[0].items, 2);
    }

    #[test]
    fn json_form() {
        let json = r#"{"format": 1, "cookie": [{"name": "_ga", "category": "statistics", "expiry": "2 years"}], "technologies": ["cookies"]}"#;
        let p = parse(json, "policy.json").unwrap();
        assert_eq!(p.items[0].name, "_ga");
        let e = parse("{\"format\": 1,\n \"cookie\": [}", "p.json").unwrap_err();
        assert_eq!(e[0].line, 2);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse(&GOOD.replace("\"statistics\"", "\"stats\""), "p.toml").unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "p.toml:5: cookie \"_ga\": unknown category \"stats\" (necessary, preferences, statistics, marketing, unclassified)"
        );
        let e = parse(
            &GOOD.replace("expiry = \"2 years\"", "expiry = \"soon\""),
            "p.toml",
        )
        .unwrap_err();
        assert_eq!(e[0].line, 5);
        let e = parse(&GOOD.replace("\"local-storage\"", "\"telepathy\""), "p.toml").unwrap_err();
        assert_eq!(e[0].line, 3);
        let e = parse(&GOOD.replace("provider =", "providr ="), "p.toml").unwrap_err();
        assert!(e[0].message.contains("unknown field"), "{}", e[0]);
        let e = parse(
            "format = 1\n[[cookie]]\nname = \"a*b\"\ncategory = \"necessary\"\n",
            "p.toml",
        )
        .unwrap_err();
        assert_eq!(e[0].line, 2);
        let e = parse("format = 2\n", "p.toml").unwrap_err();
        assert!(e[0].message.contains("format 2"));
        assert!(parse("\u{0}\u{1}binary", "p.toml").is_err());
    }
}
