//! Writes vendors in the project's TOML signature format (`format = 1`, see
//! `signatures/README.md`): one `[[vendor]]` table each, one cookie or storage pattern per
//! line, so that [`super::super::load::parse_file`] reads back the same vendors.

use std::fmt::Write as _;

use super::super::model::{NameSignature, Scope, Vendor};

/// Units a lifetime is written in, largest first (the loader's: a month is 30 days, a year 365).
const UNITS: [(u64, &str); 7] = [
    (365 * 86_400, "y"),
    (30 * 86_400, "mo"),
    (7 * 86_400, "w"),
    (86_400, "d"),
    (3600, "h"),
    (60, "min"),
    (1, "s"),
];

/// Lists longer than this, or with more items than [`INLINE_ITEMS`], get one item per line.
const INLINE_WIDTH: usize = 90;
const INLINE_ITEMS: usize = 4;

/// Writes `vendors` as a signature file; `header_comment` becomes `#` comment lines at the top.
pub fn to_toml(vendors: &[Vendor], header_comment: &str) -> String {
    let mut out = String::new();
    for line in header_comment.lines() {
        if line.trim().is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    out.push_str("format = 1\n");
    for v in vendors {
        out.push_str("\n[[vendor]]\n");
        let _ = writeln!(out, "id = {}", quote(&v.id));
        let _ = writeln!(out, "name = {}", quote(&v.name));
        let _ = writeln!(out, "owner = {}", quote(&v.owner));
        let _ = writeln!(out, "category = {}", quote(v.category.as_str()));
        if let Some(s) = &v.same_as {
            let _ = writeln!(out, "same_as = {}", quote(s));
        }
        list(&mut out, "domains", v.domains.iter().map(|(d, _)| d.clone()));
        list(&mut out, "aliases", v.aliases.iter().cloned());
        if let Some(r) = &v.reference {
            let _ = writeln!(out, "reference = {}", quote(r));
        }
        list(
            &mut out,
            "beacons",
            v.beacons.iter().map(|b| match &b.host {
                Some(h) => format!("{h}{}", b.path_prefix),
                None => b.path_prefix.clone(),
            }),
        );
        names(&mut out, "cookies", &v.cookies);
        names(&mut out, "storage", &v.storage);
    }
    out
}

fn list(out: &mut String, key: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.map(|s| quote(&s)).collect();
    if items.is_empty() {
        return;
    }
    let inline = format!("{key} = [{}]", items.join(", "));
    if items.len() <= INLINE_ITEMS && inline.len() <= INLINE_WIDTH {
        let _ = writeln!(out, "{inline}");
    } else {
        let _ = writeln!(out, "{key} = [");
        for it in items {
            let _ = writeln!(out, "  {it},");
        }
        out.push_str("]\n");
    }
}

fn names(out: &mut String, key: &str, list: &[NameSignature]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "{key} = [");
    for n in list {
        let _ = write!(
            out,
            "  {{ name = {}, purpose = {}",
            quote(&n.pattern.source()),
            quote(n.purpose.as_str())
        );
        if let Some(l) = n.lifetime {
            let _ = write!(out, ", lifetime = {}", quote(&lifetime(l)));
        }
        if n.scope == Scope::Vendor {
            out.push_str(", on = \"vendor\"");
        }
        if let Some(note) = &n.note {
            let _ = write!(out, ", note = {}", quote(note));
        }
        out.push_str(" },\n");
    }
    out.push_str("]\n");
}

/// A lifetime in seconds in the format's notation: `session`, or the largest unit that
/// divides it (`2y`, `13mo`, `30min`).
fn lifetime(secs: u64) -> String {
    if secs == 0 {
        return "session".to_string();
    }
    let (size, unit) = UNITS
        .iter()
        .copied()
        .find(|(size, _)| secs.is_multiple_of(*size))
        .unwrap_or((1, "s"));
    format!("{}{unit}", secs / size)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04X}", u32::from(c));
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::super::super::model::parse_lifetime;
    use super::*;

    #[test]
    fn lifetimes_round_trip() {
        for (secs, text) in [
            (0, "session"),
            (2 * 365 * 86_400, "2y"),
            (13 * 30 * 86_400, "13mo"),
            (14 * 86_400, "2w"),
            (389 * 86_400, "389d"),
            (86_400, "1d"),
            (1800, "30min"),
            (90, "90s"),
            (3 * 3600, "3h"),
        ] {
            assert_eq!(lifetime(secs), text);
            assert_eq!(parse_lifetime(text), Some(secs));
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        let v: toml::Value = toml::from_str(&format!("x = {}", quote("tab\there \"q\" \u{7f} é"))).unwrap();
        assert_eq!(v["x"].as_str(), Some("tab\there \"q\" \u{7f} é"));
    }
}
