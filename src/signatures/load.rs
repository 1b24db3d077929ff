//! Loading signature files in the project's own TOML format (see `signatures/README.md`),
//! with validation that names the file and line of every problem.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::model::*;
use super::pattern::NamePattern;

/// The signature format version this build reads.
pub const FORMAT: u32 = 1;

/// A problem in a signature file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LoadError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    format: Spanned<u32>,
    #[serde(default)]
    vendor: Vec<Spanned<VendorDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorDoc {
    id: Spanned<String>,
    name: String,
    owner: String,
    category: Spanned<String>,
    #[serde(default)]
    domains: Vec<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<String>,
    same_as: Option<String>,
    reference: Option<String>,
    #[serde(default)]
    beacons: Vec<Spanned<String>>,
    #[serde(default)]
    cookies: Vec<Spanned<NameDoc>>,
    #[serde(default)]
    storage: Vec<Spanned<NameDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameDoc {
    name: String,
    purpose: String,
    lifetime: Option<String>,
    on: Option<String>,
    note: Option<String>,
}

/// Byte offsets of line starts, to turn byte offsets into 1-based line numbers.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        LineIndex(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }
    pub(crate) fn line(&self, offset: usize) -> u32 {
        u32::try_from(self.0.partition_point(|&s| s <= offset).max(1)).unwrap_or(u32::MAX)
    }
}

/// Normalises a domain entry (lower case, no leading `.` or `*.`), or says why it is not one.
pub fn normalise_domain(raw: &str) -> Result<String, String> {
    let d = raw.trim().to_ascii_lowercase();
    let d = d
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_string();
    if d.is_empty() {
        return Err("empty domain".into());
    }
    if d.contains("://") || d.contains('/') || d.contains(':') {
        return Err(format!(
            "{raw:?} is not a domain: write the host name only (no scheme, port or path)"
        ));
    }
    if !d.contains('.') {
        return Err(format!("{raw:?} is not a domain: it has no dot"));
    }
    let ok_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !d.split('.').all(ok_label) {
        return Err(format!("{raw:?} is not a valid host name"));
    }
    Ok(d)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Parses one signature file. `seen_ids` carries ids across files so duplicates are caught.
pub fn parse_file(
    file: &str,
    text: &str,
    source: &str,
    seen_ids: &mut HashSet<String>,
) -> Result<Vec<Vendor>, Vec<LoadError>> {
    let lines = LineIndex::new(text);
    let file_arc: Arc<str> = Arc::from(file);
    let err = |line: u32, message: String| LoadError {
        file: file.to_string(),
        line,
        message,
    };
    let doc: FileDoc = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            return Err(vec![err(line, e.message().trim().to_string())]);
        }
    };
    let mut errors = Vec::new();
    if *doc.format.get_ref() != FORMAT {
        errors.push(err(
            lines.line(doc.format.span().start),
            format!(
                "format {} is not supported: this build reads format {FORMAT}",
                doc.format.get_ref()
            ),
        ));
        return Err(errors);
    }
    let origin = |offset: usize| Origin {
        file: Arc::clone(&file_arc),
        line: lines.line(offset),
    };
    let mut vendors = Vec::new();
    for v in doc.vendor {
        let vline = lines.line(v.span().start);
        let v = v.into_inner();
        let id = v.id.get_ref().clone();
        let id_line = lines.line(v.id.span().start);
        if !valid_id(&id) {
            errors.push(err(
                id_line,
                format!("vendor id {id:?} must be lower-case letters, digits and single dashes"),
            ));
        }
        if !seen_ids.insert(id.clone()) {
            errors.push(err(id_line, format!("vendor id {id:?} is used twice")));
        }
        if v.name.trim().is_empty() || v.owner.trim().is_empty() {
            errors.push(err(
                vline,
                format!("vendor {id:?}: name and owner must not be empty"),
            ));
        }
        let category = match Category::parse(v.category.get_ref()) {
            Some(c) => c,
            None => {
                errors.push(err(
                    lines.line(v.category.span().start),
                    format!(
                        "vendor {id:?}: unknown category {:?} (one of: {})",
                        v.category.get_ref(),
                        Category::ALL
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                Category::Other
            }
        };
        let mut domains = Vec::new();
        for d in &v.domains {
            match normalise_domain(d.get_ref()) {
                Ok(n) => domains.push((n, origin(d.span().start))),
                Err(m) => errors.push(err(lines.line(d.span().start), format!("vendor {id:?}: {m}"))),
            }
        }
        let mut beacons = Vec::new();
        for b in &v.beacons {
            let text = b.get_ref().trim();
            let o = origin(b.span().start);
            if let Some(path) = text.strip_prefix('/').map(|_| text) {
                beacons.push(BeaconSignature {
                    host: None,
                    path_prefix: path.to_string(),
                    origin: o,
                });
            } else if let Some((host, path)) = text.split_once('/') {
                match normalise_domain(host) {
                    Ok(h) => beacons.push(BeaconSignature {
                        host: Some(h),
                        path_prefix: format!("/{path}"),
                        origin: o,
                    }),
                    Err(m) => errors.push(err(o.line, format!("vendor {id:?}: beacon {text:?}: {m}"))),
                }
            } else {
                errors.push(err(
                    o.line,
                    format!("vendor {id:?}: beacon {text:?} must be `/path` or `host/path`"),
                ));
            }
        }
        let mut names = |list: &[Spanned<NameDoc>], what: &str| -> Vec<NameSignature> {
            let mut out = Vec::new();
            for n in list {
                let line = lines.line(n.span().start);
                let doc = n.get_ref();
                let pattern = match NamePattern::parse(&doc.name) {
                    Ok(p) => p,
                    Err(e) => {
                        errors.push(err(line, format!("vendor {id:?}: {what} pattern: {e}")));
                        continue;
                    }
                };
                let Some(purpose) = Purpose::parse(&doc.purpose) else {
                    errors.push(err(
                        line,
                        format!(
                            "vendor {id:?}: {what} {:?}: unknown purpose {:?} (necessary, preferences, statistics, marketing, unclassified)",
                            doc.name, doc.purpose
                        ),
                    ));
                    continue;
                };
                let lifetime = match &doc.lifetime {
                    None => None,
                    Some(l) => match parse_lifetime(l) {
                        Some(s) => Some(s),
                        None => {
                            errors.push(err(
                                line,
                                format!("vendor {id:?}: {what} {:?}: lifetime {l:?} is not `session` or a number with s, min, h, d, w, mo or y", doc.name),
                            ));
                            continue;
                        }
                    },
                };
                let scope = match doc.on.as_deref() {
                    None | Some("any") => Scope::Any,
                    Some("vendor") => Scope::Vendor,
                    Some(o) => {
                        errors.push(err(
                            line,
                            format!(
                                "vendor {id:?}: {what} {:?}: `on` must be \"any\" or \"vendor\", not {o:?}",
                                doc.name
                            ),
                        ));
                        continue;
                    }
                };
                out.push(NameSignature {
                    pattern,
                    purpose,
                    lifetime,
                    scope,
                    note: doc.note.clone(),
                    origin: Origin {
                        file: Arc::clone(&file_arc),
                        line,
                    },
                });
            }
            out
        };
        let cookies = names(&v.cookies, "cookie");
        let storage = names(&v.storage, "storage");
        if scope_needs_domains(&cookies, &storage) && domains.is_empty() {
            errors.push(err(
                vline,
                format!("vendor {id:?}: patterns with on = \"vendor\" need the vendor's domains"),
            ));
        }
        vendors.push(Vendor {
            id,
            name: v.name,
            owner: v.owner,
            category,
            domains,
            aliases: v.aliases,
            same_as: v.same_as,
            reference: v.reference,
            cookies,
            storage,
            beacons,
            origin: Origin {
                file: Arc::clone(&file_arc),
                line: vline,
            },
            source: source.to_string(),
        });
    }
    if errors.is_empty() {
        Ok(vendors)
    } else {
        Err(errors)
    }
}

/// Folds every vendor with `same_as = "<id>"` into the vendor it names (importers use it to
/// add patterns to a hand-written vendor); the folded entries keep their own origins.
pub fn merge_same_as(vendors: Vec<Vendor>) -> Result<Vec<Vendor>, Vec<LoadError>> {
    let (extensions, mut base): (Vec<Vendor>, Vec<Vendor>) =
        vendors.into_iter().partition(|v| v.same_as.is_some());
    let mut errors = Vec::new();
    for ext in extensions {
        let target = ext.same_as.clone().unwrap_or_default();
        match base.iter_mut().find(|v| v.id == target) {
            Some(t) => {
                for d in ext.domains {
                    if !t.domains.iter().any(|(x, _)| *x == d.0) {
                        t.domains.push(d);
                    }
                }
                let have = |list: &[NameSignature], s: &NameSignature| {
                    list.iter().any(|x| x.pattern.source() == s.pattern.source())
                };
                for c in ext.cookies {
                    if !have(&t.cookies, &c) {
                        t.cookies.push(c);
                    }
                }
                for c in ext.storage {
                    if !have(&t.storage, &c) {
                        t.storage.push(c);
                    }
                }
                t.beacons.extend(ext.beacons);
                for a in ext.aliases {
                    if !t.aliases.contains(&a) {
                        t.aliases.push(a);
                    }
                }
            }
            None => errors.push(LoadError {
                file: ext.origin.file.to_string(),
                line: ext.origin.line,
                message: format!(
                    "vendor {:?}: same_as names {target:?}, which is not a loaded vendor",
                    ext.id
                ),
            }),
        }
    }
    if errors.is_empty() { Ok(base) } else { Err(errors) }
}

fn scope_needs_domains(cookies: &[NameSignature], storage: &[NameSignature]) -> bool {
    cookies.iter().chain(storage).any(|n| n.scope == Scope::Vendor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Vendor>, Vec<LoadError>> {
        parse_file("t.toml", text, "test", &mut HashSet::new())
    }

    const GOOD: &str = r#"format = 1

[[vendor]]
id = "acme-analytics"
name = "Acme Analytics"
owner = "Acme Inc."
category = "analytics"
domains = ["acme.example", ".CDN.Acme-Static.example"]
reference = "https://acme.example/cookies"
beacons = ["/collect", "px.acme.example/p"]
cookies = [
  { name = "_acme", purpose = "statistics", lifetime = "2y" },
  { name = "uid", purpose = "marketing", on = "vendor" },
]
storage = [{ name = "acme_#", purpose = "statistics" }]
"#;

    #[test]
    fn a_good_file_loads_with_lines() {
        let v = parse(GOOD).unwrap();
        assert_eq!(v.len(), 1);
        let a = &v[0];
        assert_eq!(a.origin.line, 3);
        assert_eq!(
            a.domains.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
            ["acme.example", "cdn.acme-static.example"]
        );
        assert_eq!(a.cookies[0].origin.to_string(), "t.toml:12");
        assert_eq!(a.cookies[0].lifetime, Some(2 * 365 * 86400));
        assert_eq!(a.cookies[1].scope, Scope::Vendor);
        assert_eq!(a.storage[0].origin.line, 15);
        assert_eq!(a.beacons[1].host.as_deref(), Some("px.acme.example"));
        assert_eq!(a.beacons[1].path_prefix, "/p");
    }

    #[test]
    fn errors_name_the_line() {
        let bad = GOOD.replace(
            "\"statistics\", lifetime = \"2y\"",
            "\"stats\", lifetime = \"2y\"",
        );
        let e = parse(&bad).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 12);
        assert!(e[0].message.contains("unknown purpose \"stats\""), "{}", e[0]);

        let e = parse(&GOOD.replace("lifetime = \"2y\"", "lifetime = \"2 years\"")).unwrap_err();
        assert!(e[0].message.contains("lifetime \"2 years\""), "{}", e[0]);
        let e = parse(&GOOD.replace("\"_acme\"", "\"a*b\"")).unwrap_err();
        assert!(e[0].message.contains("`*` is only allowed once"), "{}", e[0]);
        let e = parse(&GOOD.replace("\"_acme\"", "\"/(/\"")).unwrap_err();
        assert!(e[0].message.contains("invalid regular expression"), "{}", e[0]);
        let e = parse(&GOOD.replace("\"acme.example\",", "\"https://acme.example/\",")).unwrap_err();
        assert!(e[0].message.contains("no scheme"), "{}", e[0]);
        assert_eq!(e[0].line, 8);
        let e = parse(&GOOD.replace("category = \"analytics\"", "category = \"analytic\"")).unwrap_err();
        assert!(e[0].message.contains("unknown category"), "{}", e[0]);
        let e = parse(&GOOD.replace("id = \"acme-analytics\"", "id = \"Acme\"")).unwrap_err();
        assert!(e[0].message.contains("lower-case"), "{}", e[0]);
        let e = parse(&GOOD.replace("reference =", "referer =")).unwrap_err();
        assert!(e[0].message.contains("unknown field"), "{}", e[0]);
        let e = parse(&GOOD.replace("format = 1", "format = 2")).unwrap_err();
        assert!(e[0].message.contains("format 2 is not supported"), "{}", e[0]);
        let e = parse("format = 1\n[[vendor]]\nid = \"x\"\n").unwrap_err();
        assert!(e[0].message.contains("missing field"), "{}", e[0]);
        let e = parse("format = 1\n\n[[vendor]\n").unwrap_err();
        assert_eq!(e[0].line, 3, "{}", e[0]);
    }

    #[test]
    fn duplicate_ids_across_files() {
        let mut seen = HashSet::new();
        parse_file("a.toml", GOOD, "test", &mut seen).unwrap();
        let e = parse_file("b.toml", GOOD, "test", &mut seen).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "b.toml:4: vendor id \"acme-analytics\" is used twice"
        );
    }
}
