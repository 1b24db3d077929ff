//! The tracker signature database: format, loading and validation, the compiled index,
//! importers of standard lists, and filter lists (EasyPrivacy/EasyList).
//!
//! The built-in database is the project's own `signatures/` folder, compiled into the
//! binary (see `signatures/README.md` for the format). Users add sources at run time with
//! `--signatures FILE` (our TOML, DuckDuckGo TDS, Disconnect `services.json`, Ghostery
//! TrackerDB, the Open Cookie Database CSV) and `--list FILE` (Adblock Plus syntax).

pub mod cli;
pub mod import;
pub mod index;
pub mod lists;
pub mod load;
pub mod model;
pub mod pattern;

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

pub use index::{BeaconMatch, HostMatch, NameMatch, SignatureIndex};
pub use load::LoadError;
pub use model::{Category, Origin, Purpose, Scope, Vendor};

use crate::error::Error;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_signatures.rs"));
}

/// Version of the built-in signature database (`signatures/meta.toml`).
pub const DB_VERSION: &str = env!("CRUMBS_SIGDB_VERSION");

/// The built-in signature files: (path, contents).
pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
    builtin::FILES
}

/// Parses the built-in signature files.
pub fn builtin_vendors() -> Result<Vec<Vendor>, Vec<LoadError>> {
    let mut seen = HashSet::new();
    let mut vendors = Vec::new();
    let mut errors = Vec::new();
    // Hand-written files first, so they win ties over imported ones.
    let mut files: Vec<&(&str, &str)> = builtin_files().iter().collect();
    files.sort_by_key(|(path, _)| (path.contains("/imported/"), *path));
    for (path, text) in files {
        match load::parse_file(path, text, "built-in", &mut seen) {
            Ok(v) => vendors.extend(v),
            Err(e) => errors.extend(e),
        }
    }
    for v in &vendors {
        if v.reference
            .as_deref()
            .is_none_or(|r| !r.starts_with("https://") && !r.starts_with("http://"))
        {
            errors.push(LoadError {
                file: v.origin.file.to_string(),
                line: v.origin.line,
                message: format!("vendor {:?}: a built-in vendor needs a `reference` URL", v.id),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    load::merge_same_as(vendors)
}

/// The built-in index, compiled once per process.
pub fn builtin_index() -> Result<&'static SignatureIndex, Error> {
    static INDEX: OnceLock<Result<SignatureIndex, String>> = OnceLock::new();
    INDEX
        .get_or_init(|| match builtin_vendors() {
            Ok(v) => Ok(SignatureIndex::new(v, DB_VERSION)),
            Err(e) => Err(e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")),
        })
        .as_ref()
        .map_err(|e| Error::Other(format!("the built-in signature database is invalid:\n{e}")))
}

/// The built-in vendors plus the user's extra sources (`--signatures FILE`), compiled.
/// Built-in entries win over imported ones.
pub fn load_index(extra: &[impl AsRef<Path>]) -> Result<SignatureIndex, Error> {
    load_index_with(extra, &[])
}

/// [`load_index`] plus signature files given as text: (name, TOML in crumbs' format).
pub fn load_index_with(extra: &[impl AsRef<Path>], texts: &[(&str, &str)]) -> Result<SignatureIndex, Error> {
    let mut vendors = builtin_vendors().map_err(|e| {
        Error::Other(format!(
            "the built-in signature database is invalid:\n{}",
            e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        ))
    })?;
    let mut seen: HashSet<String> = vendors.iter().map(|v| v.id.clone()).collect();
    for path in extra {
        let path = path.as_ref();
        let imported = import::load_file(path, &mut seen)?;
        vendors.extend(imported);
    }
    for (name, text) in texts {
        let v = load::parse_file(name, text, name, &mut seen)
            .map_err(|e| Error::Other(e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
        vendors.extend(v);
    }
    let vendors = load::merge_same_as(vendors)
        .map_err(|e| Error::Other(e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
    let version = if extra.is_empty() {
        DB_VERSION.to_string()
    } else {
        format!("{DB_VERSION}+{}", extra.len())
    };
    Ok(SignatureIndex::new(vendors, &version))
}

/// DNS aliases (first-party host, CNAME target) a user-supplied file carries (DuckDuckGo
/// TDS has a `cnames` map); empty for other files.
pub fn cnames_of(path: &Path) -> Vec<(String, String)> {
    import::cnames_of(path)
}
