//! Importers of standard tracker lists into signatures ([`Vendor`]s), and the writer of the
//! project's TOML format ([`to_toml`]).
//!
//! | format | file | licence | what becomes a vendor |
//! | --- | --- | --- | --- |
//! | [`Format::Ocd`] | Open Cookie Database CSV | Apache-2.0 (bundled, see `signatures/imported/`) | one per platform, with cookie and storage-key patterns ([`ocd`](mod@ocd)) |
//! | [`Format::Tds`] | DuckDuckGo `tds.json` | CC BY-NC-SA 4.0 (the user's copy only) | one per entity, with its tracker domains ([`tds`](mod@tds)) |
//! | [`Format::Disconnect`] | Disconnect `services.json` | CC BY-NC-SA 4.0 (the user's copy only) | one per organisation ([`disconnect`](mod@disconnect)) |
//! | [`Format::Ghostery`] | Ghostery TrackerDB: the `db/` folder of `.eno` files, or one JSON file of patterns | CC BY-NC-SA 4.0 (the user's copy only) | one per pattern ([`ghostery`](mod@ghostery)) |
//!
//! Rules common to every importer:
//! - ids are `<format>-<slug>` (lower-case ASCII letters and digits, single dashes), made
//!   unique by appending `-2`, `-3`… on a clash with each other or with ids already loaded;
//! - domains go through [`normalise_domain`]; entries that are not host names are skipped
//!   and counted in [`ImportStats::invalid_domains`];
//! - `source` is the file path; each [`Origin`] points to the CSV line of the row, or for
//!   JSON to the line where the record's key (or the domain string) first appears after
//!   the previous record — found by a forward text search, so it costs one pass;
//! - errors name the file and the place: the line for CSV and `.eno`, the line and JSON
//!   path for JSON (`tds.json: trackers["a.com"].owner: expected an object`).
//!
//! The non-commercial lists are never bundled: `crumbs --signatures FILE` reads the user's
//! copy at run time ([`load_file`]), and `crumbs signatures import` ([`import_command`])
//! converts any of them to TOML (only OCD's output belongs in the repository).

mod csv;
pub mod disconnect;
pub mod ghostery;
pub mod ocd;
pub mod tds;
mod toml_out;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

pub use disconnect::{disconnect, disconnect_with_stats};
pub use ghostery::{GhosteryInput, ghostery, ghostery_with_stats};
pub use ocd::{ocd, ocd_with_stats, parse_retention};
pub use tds::{tds, tds_cnames, tds_with_stats};
pub use toml_out::to_toml;

use super::load::LineIndex;
use super::load::{self, normalise_domain};
use super::model::{Category, Origin, Vendor};
use crate::error::Error;

/// A signature file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The project's own TOML (`format = 1`).
    Crumbs,
    /// Open Cookie Database CSV.
    Ocd,
    /// DuckDuckGo tracker blocklist (`tds.json`).
    Tds,
    /// Disconnect `services.json`.
    Disconnect,
    /// Ghostery TrackerDB (a `db/` folder or JSON of patterns).
    Ghostery,
}

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = &[
        Format::Crumbs,
        Format::Ocd,
        Format::Tds,
        Format::Disconnect,
        Format::Ghostery,
    ];

    /// The name used on the command line (`crumbs signatures import <name> FILE`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Crumbs => "crumbs",
            Format::Ocd => "ocd",
            Format::Tds => "tds",
            Format::Disconnect => "disconnect",
            Format::Ghostery => "ghostery",
        }
    }

    /// Parses a command-line name (case-insensitive).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A problem in an imported file: the file, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub file: String,
    /// The line (CSV, `.eno`, and JSON where it could be found).
    pub line: Option<u32>,
    /// The JSON path of the value (`categories.Advertising[3]`).
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(path) = &self.path {
            write!(f, ": {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl ImportError {
    fn at_line(file: &str, line: u32, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_string(),
            line: Some(line),
            path: None,
            message: message.into(),
        }
    }

    fn at_path(file: &str, line: Option<u32>, path: &str, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_string(),
            line,
            path: Some(if path.is_empty() {
                "(top level)".to_string()
            } else {
                path.to_string()
            }),
            message: message.into(),
        }
    }

    fn json(file: &str, e: &serde_json::Error) -> Self {
        ImportError::at_line(
            file,
            u32::try_from(e.line()).unwrap_or(u32::MAX),
            format!("not valid JSON: {e}"),
        )
    }
}

/// What an import read, wrote and left out; the generated file's header reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Records read: CSV rows, trackers, category entries or patterns.
    pub records: usize,
    /// Records left out (empty names, test trackers, patterns without anything to keep).
    pub skipped: usize,
    /// Vendors written.
    pub vendors: usize,
    /// Vendors that join a hand-written vendor (`same_as`).
    pub same_as: usize,
    /// Domains written.
    pub domains: usize,
    /// Cookie and storage-key patterns written.
    pub patterns: usize,
    /// Beacon (URL prefix) patterns written.
    pub beacons: usize,
    /// Domain entries (or domain hints) that are not host names.
    pub invalid_domains: usize,
    /// Domain hints of a `same_as` entry that the hand-written vendor does not list.
    pub unconfirmed_domains: usize,
    /// Names that could not be made into a pattern.
    pub invalid_patterns: usize,
    /// Generic names (`id`, `uid`, two letters…) dropped because their vendor has no domains.
    pub dropped_generic: usize,
    /// The same pattern listed twice for one vendor (one kept).
    pub duplicate_patterns: usize,
}

/// Vendors and the counts of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    pub vendors: Vec<Vendor>,
    pub stats: ImportStats,
}

impl Imported {
    /// Fills in the counts that follow from the vendors themselves.
    fn finish(vendors: Vec<Vendor>, mut stats: ImportStats) -> Imported {
        stats.vendors = vendors.len();
        stats.same_as = vendors.iter().filter(|v| v.same_as.is_some()).count();
        stats.domains = vendors.iter().map(|v| v.domains.len()).sum();
        stats.patterns = vendors.iter().map(|v| v.cookies.len() + v.storage.len()).sum();
        stats.beacons = vendors.iter().map(|v| v.beacons.len()).sum();
        Imported { vendors, stats }
    }
}

/// Detects the format of a signature file from its name and contents: TOML with
/// `format =` → [`Format::Crumbs`]; a CSV whose header starts with
/// `ID,Platform,Category,Cookie / Data Key name` → [`Format::Ocd`]; JSON with `trackers`,
/// `entities` and `domains` → [`Format::Tds`]; JSON with `patterns`, or a map or array of
/// pattern records, or a TrackerDB folder with `patterns/*.eno` → [`Format::Ghostery`]; JSON
/// whose `categories` hold arrays → [`Format::Disconnect`]. A file whose contents do not
/// tell (broken JSON, say) is recognised by its name (`*.toml`, `*.csv`, `*tds*`,
/// `services*`, `*trackerdb*`…), so that its importer can say what is wrong.
pub fn detect(path: &Path, text: &str) -> Option<Format> {
    if path.is_dir() {
        return ghostery::db_dir(path).map(|_| Format::Ghostery);
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if (body.starts_with('{') || body.starts_with('['))
        && let Ok(v) = serde_json::from_str::<Value>(body)
        && let Some(f) = detect_json(&v)
    {
        return Some(f);
    }
    let first_line = body.lines().next().unwrap_or("");
    if first_line.starts_with("ID,Platform,Category,Cookie / Data Key name") {
        return Some(Format::Ocd);
    }
    let is_toml = body.lines().any(|l| {
        l.trim_start()
            .strip_prefix("format")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    if is_toml {
        return Some(Format::Crumbs);
    }
    detect_by_name(path)
}

fn detect_json(v: &Value) -> Option<Format> {
    match v {
        Value::Object(m) => {
            if m.contains_key("trackers") && m.contains_key("entities") && m.contains_key("domains") {
                return Some(Format::Tds);
            }
            if m.get("patterns").is_some_and(|p| p.is_object() || p.is_array()) {
                return Some(Format::Ghostery);
            }
            if let Some(Value::Object(c)) = m.get("categories")
                && c.values().next().is_some_and(Value::is_array)
            {
                return Some(Format::Disconnect);
            }
            let pattern_like = |r: &Value| {
                r.get("category").is_some() && (r.get("domains").is_some() || r.get("filters").is_some())
            };
            if m.values().next().is_some_and(pattern_like) {
                return Some(Format::Ghostery);
            }
            None
        }
        Value::Array(a) => {
            let first = a.first()?;
            (first.get("name").is_some() && first.get("category").is_some()).then_some(Format::Ghostery)
        }
        _ => None,
    }
}

fn detect_by_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".toml") {
        Some(Format::Crumbs)
    } else if name.ends_with(".csv") {
        Some(Format::Ocd)
    } else if name.contains("tds") {
        Some(Format::Tds)
    } else if name.contains("services") || name.contains("disconnect") {
        Some(Format::Disconnect)
    } else if name.contains("trackerdb") || name.contains("ghostery") || name.ends_with(".eno") {
        Some(Format::Ghostery)
    } else {
        None
    }
}

fn unknown_format(file: &str) -> Error {
    Error::Other(format!(
        "{file}: cannot tell the signature format: expected crumbs TOML (`format = 1`), an Open Cookie \
         Database CSV, DuckDuckGo tds.json, Disconnect services.json, or Ghostery TrackerDB \
         (JSON of patterns, or the db/ folder)"
    ))
}

fn load_errors(errors: Vec<load::LoadError>) -> Error {
    Error::Other(
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Loads vendors from a user-supplied file (or Ghostery `db/` folder), detecting its format.
/// Ids already in `seen` are not reused (an imported vendor becomes `<id>-2`); the ids of
/// the loaded vendors are added to `seen`. OCD platforms that are hand-written vendors get
/// `same_as`, to be folded in by [`load::merge_same_as`].
pub fn load_file(path: &Path, seen: &mut HashSet<String>) -> Result<Vec<Vendor>, Error> {
    let file = path.display().to_string();
    let is_dir = path.is_dir();
    let text = if is_dir {
        String::new()
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?
    };
    let format = detect(path, &text).ok_or_else(|| unknown_format(&file))?;
    let imported = match format {
        Format::Crumbs => return load::parse_file(&file, &text, &file, seen).map_err(load_errors),
        Format::Ocd => ocd(&text, &file, &hand_written_vendors()?),
        Format::Tds => tds(&text, &file),
        Format::Disconnect => disconnect(&text, &file),
        Format::Ghostery => ghostery(
            if is_dir {
                GhosteryInput::Dir(path)
            } else {
                GhosteryInput::Json(&text)
            },
            &file,
        ),
    }
    .map_err(|e| Error::Other(e.to_string()))?;
    Ok(reserve_ids(imported, seen))
}

/// The DNS aliases (first-party host, CNAME target) a user-supplied file lists: the
/// `cnames` map of a DuckDuckGo `tds.json`; nothing for other formats or unreadable files
/// (their errors are reported when the file is loaded as signatures).
pub fn cnames_of(path: &Path) -> Vec<(String, String)> {
    if path.is_dir() {
        return Vec::new();
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    if detect(path, &text) != Some(Format::Tds) {
        return Vec::new();
    }
    tds_cnames(&text).unwrap_or_default()
}

/// The hand-written built-in vendors (everything under `signatures/` except
/// `signatures/imported/`), which OCD platforms may join with `same_as`. Read from the
/// files rather than through [`super::builtin_vendors`], so that a stale or broken
/// generated file cannot stop it from being regenerated.
fn hand_written_vendors() -> Result<Vec<Vendor>, Error> {
    let mut seen = HashSet::new();
    let mut vendors = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in super::builtin_files() {
        if path.contains("imported/") {
            continue;
        }
        match load::parse_file(path, text, "built-in", &mut seen) {
            Ok(v) => vendors.extend(v),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Other(format!(
            "the built-in signature database is invalid:\n{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    vendors.retain(|v| v.same_as.is_none());
    Ok(vendors)
}

/// The TOML text of `crumbs signatures import FORMAT FILE` (`ocd`, `tds`, `disconnect` or
/// `ghostery`; for Ghostery FILE may be the TrackerDB `db/` folder). OCD platforms that are
/// hand-written vendors get `same_as`. The header comment names the source, its licence and
/// the counts.
pub fn import_command(format: &str, path: &Path) -> Result<String, Error> {
    let fmt = Format::parse(format)
        .filter(|f| *f != Format::Crumbs)
        .ok_or_else(|| {
            Error::Other(format!(
                "unknown import format {format:?}: use ocd, tds, disconnect or ghostery"
            ))
        })?;
    let file = path.display().to_string();
    let file_name = path
        .file_name()
        .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned());
    let read = || std::fs::read_to_string(path).map_err(|e| Error::io(path, e));
    let imported = match fmt {
        Format::Ocd => ocd_with_stats(&read()?, &file, &hand_written_vendors()?),
        Format::Tds => tds_with_stats(&read()?, &file),
        Format::Disconnect => disconnect_with_stats(&read()?, &file),
        Format::Ghostery if path.is_dir() => ghostery_with_stats(GhosteryInput::Dir(path), &file),
        Format::Ghostery | Format::Crumbs => ghostery_with_stats(GhosteryInput::Json(&read()?), &file),
    }
    .map_err(|e| Error::Other(e.to_string()))?;
    Ok(to_toml(
        &imported.vendors,
        &header(fmt, &file_name, &imported.stats),
    ))
}

/// The header comment of a generated file.
fn header(fmt: Format, file_name: &str, s: &ImportStats) -> String {
    let nc = |what: &str, repo: &str| {
        format!(
            "Generated by `crumbs signatures import {fmt}` from {what} ({repo}), licensed CC BY-NC-SA 4.0 \
             by its publisher.\nFor your own non-commercial use: do not commit this file to the crumbs \
             repository or redistribute it.\nDo not edit by hand."
        )
    };
    let (title, record) = match fmt {
        Format::Ocd => (
            "Generated by `crumbs signatures import ocd` from the Open Cookie Database \
             (https://github.com/jkwakman/Open-Cookie-Database), Apache License 2.0. Do not edit by hand."
                .to_string(),
            "rows",
        ),
        Format::Tds => (
            nc(
                "the DuckDuckGo tracker blocklist",
                "https://github.com/duckduckgo/tracker-blocklists",
            ),
            "trackers",
        ),
        Format::Disconnect => (
            nc(
                "the Disconnect tracking-protection list",
                "https://github.com/disconnectme/disconnect-tracking-protection",
            ),
            "category entries",
        ),
        Format::Ghostery | Format::Crumbs => (
            nc("Ghostery TrackerDB", "https://github.com/ghostery/trackerdb"),
            "patterns",
        ),
    };
    let mut lines = vec![
        title,
        String::new(),
        format!(
            "Source: {file_name}: {} {record} read, {} skipped.",
            s.records, s.skipped
        ),
        format!(
            "Written: {} vendors ({} joining another vendor with same_as), {} domains, {} cookie/storage patterns, {} beacons.",
            s.vendors, s.same_as, s.domains, s.patterns, s.beacons
        ),
    ];
    if fmt == Format::Ocd {
        lines.push(format!(
            "Left out: {} generic names (on = \"vendor\") of vendors without domains, {} duplicate patterns, \
             {} names that are not patterns,",
            s.dropped_generic, s.duplicate_patterns, s.invalid_patterns
        ));
        lines.push(format!(
            "{} domain hints that are not host names, {} domain hints the hand-written vendor does not list.",
            s.invalid_domains, s.unconfirmed_domains
        ));
    } else {
        lines.push(format!(
            "Left out: {} domain entries that are not host names.",
            s.invalid_domains
        ));
    }
    lines.join("\n")
}

/// Gives vendors ids not in `seen` (appending `-2`, `-3`…), adds them to `seen`, and
/// points `same_as` links between the vendors at their new ids.
fn reserve_ids(mut vendors: Vec<Vendor>, seen: &mut HashSet<String>) -> Vec<Vendor> {
    let mut taken: HashSet<String> = seen.iter().cloned().collect();
    taken.extend(vendors.iter().map(|v| v.id.clone()));
    let mut renamed = HashMap::new();
    for v in &mut vendors {
        if seen.contains(&v.id) {
            let new = unique_id(&v.id, &mut taken);
            renamed.insert(v.id.clone(), new.clone());
            v.id = new;
        }
        seen.insert(v.id.clone());
    }
    for v in &mut vendors {
        if let Some(new) = v.same_as.as_ref().and_then(|t| renamed.get(t)) {
            v.same_as = Some(new.clone());
        }
    }
    vendors
}

/// `base` if it is free, else `base-2`, `base-3`…; the result is added to `taken`.
fn unique_id(base: &str, taken: &mut HashSet<String>) -> String {
    if taken.insert(base.to_string()) {
        return base.to_string();
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|c| taken.insert(c.clone()))
        .unwrap_or_else(|| base.to_string())
}

/// An id fragment: lower-case ASCII letters and digits, other runs of characters as one
/// dash (`Bing / Microsoft` → `bing-microsoft`); `unnamed` when nothing is left.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "unnamed".to_string()
    } else {
        out.to_string()
    }
}

/// A name compared case-insensitively and without punctuation or spaces
/// (`Hubspot` = `HubSpot`, `Yandex.Metrica` = `Yandex Metrica`).
fn name_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// `s` trimmed if it is an http(s) URL without spaces.
fn http_url(s: &str) -> Option<&str> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    (!rest.is_empty() && !s.chars().any(char::is_whitespace)).then_some(s)
}

/// A vendor with no domains or patterns yet.
fn new_vendor(
    id: String,
    name: &str,
    owner: &str,
    category: Category,
    origin: Origin,
    source: &str,
) -> Vendor {
    Vendor {
        id,
        name: name.trim().to_string(),
        owner: owner.trim().to_string(),
        category,
        domains: Vec::new(),
        aliases: Vec::new(),
        same_as: None,
        reference: None,
        cookies: Vec::new(),
        storage: Vec::new(),
        beacons: Vec::new(),
        origin,
        source: source.to_string(),
    }
}

/// Adds a normalised domain unless the vendor has it; `false` if it is not a host name.
fn add_domain(v: &mut Vendor, raw: &str, origin: Origin) -> bool {
    match normalise_domain(raw) {
        Ok(d) => {
            if !v.domains.iter().any(|(x, _)| *x == d) {
                v.domains.push((d, origin));
            }
            true
        }
        Err(_) => false,
    }
}

/// Finds the lines of JSON keys and strings by searching the text forward from a cursor:
/// records are visited in file order (serde_json keeps it), so one pass finds them all.
struct Locator<'a> {
    text: &'a str,
    lines: LineIndex,
    pos: usize,
}

/// How far past the cursor a string value is looked for.
const VALUE_WINDOW: usize = 64 * 1024;

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Locator {
            text,
            lines: LineIndex::new(text),
            pos: 0,
        }
    }

    /// The line of the next `"key":` after the cursor, moving the cursor past it.
    fn key(&mut self, key: &str) -> Option<u32> {
        let needle = serde_json::to_string(key).ok()?;
        let mut from = self.pos;
        while let Some(i) = self.text.get(from..)?.find(&needle) {
            let end = from + i + needle.len();
            let rest = self.text.get(end..)?.trim_start();
            if rest.starts_with(':') {
                self.pos = end;
                return Some(self.lines.line(from + i));
            }
            from = end;
        }
        None
    }

    /// The line of the next `"value"` shortly after the cursor (the cursor stays).
    fn value(&self, value: &str) -> Option<u32> {
        let needle = serde_json::to_string(value).ok()?;
        let mut end = (self.pos + VALUE_WINDOW).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let i = self.text.get(self.pos..end)?.find(&needle)?;
        Some(self.lines.line(self.pos + i))
    }
}

/// `parent.key`, or `parent["key"]` when the key is not a plain word.
fn path_key(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", serde_json::to_string(key).unwrap_or_default()),
    }
}

/// An origin in `file`.
fn origin(file: &Arc<str>, line: u32) -> Origin {
    Origin {
        file: Arc::clone(file),
        line,
    }
}

#[cfg(test)]
mod tests;
