//! Name patterns for cookies and storage keys: exact, prefix (`name*`), Cookiebot-style
//! placeholders (`_ga_#`, `mp_#_mixpanel`) and regular expressions (`/^…$/`).
//!
//! Placeholders compile to literal pieces, not to a regex, so the common kinds stay
//! cheap to match; only `/regex/` patterns use the regex engine.

use regex::Regex;

/// A compiled name pattern.
#[derive(Debug, Clone)]
pub enum NamePattern {
    /// The whole name.
    Exact(String),
    /// Names that start with this.
    Prefix(String),
    /// `#` placeholders: literal pieces, each `#` between two pieces standing for one or
    /// more characters. `pieces[0]` is the required prefix and the last piece the required suffix.
    Placeholder { source: String, pieces: Vec<String> },
    /// A regular expression over the whole name.
    Regex(Regex),
}

/// Why a pattern string is not a valid pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("empty name pattern")]
    Empty,
    #[error(
        "`*` is only allowed once, at the end (a prefix); use `#` for a placeholder in the middle: {0:?}"
    )]
    MisplacedStar(String),
    #[error("a placeholder pattern needs some literal text: {0:?}")]
    OnlyPlaceholders(String),
    #[error("invalid regular expression {pattern:?}: {reason}")]
    Regex { pattern: String, reason: String },
}

impl NamePattern {
    /// Parses the pattern notation of the signature files.
    pub fn parse(s: &str) -> Result<NamePattern, PatternError> {
        if s.is_empty() {
            return Err(PatternError::Empty);
        }
        if s.len() >= 2 && s.starts_with('/') && s.ends_with('/') {
            let body = &s[1..s.len() - 1];
            if body.is_empty() {
                return Err(PatternError::Empty);
            }
            // Matched against the whole name.
            let anchored = format!("^(?:{body})$");
            return Regex::new(&anchored)
                .map(NamePattern::Regex)
                .map_err(|e| PatternError::Regex {
                    pattern: s.to_string(),
                    reason: e.to_string(),
                });
        }
        if let Some(prefix) = s.strip_suffix('*') {
            if prefix.contains('*') || prefix.contains('#') {
                return Err(PatternError::MisplacedStar(s.to_string()));
            }
            if prefix.is_empty() {
                return Err(PatternError::Empty);
            }
            return Ok(NamePattern::Prefix(prefix.to_string()));
        }
        if s.contains('*') {
            return Err(PatternError::MisplacedStar(s.to_string()));
        }
        if s.contains('#') {
            let pieces: Vec<String> = s.split('#').map(str::to_string).collect();
            if pieces.iter().all(String::is_empty) {
                return Err(PatternError::OnlyPlaceholders(s.to_string()));
            }
            return Ok(NamePattern::Placeholder {
                source: s.to_string(),
                pieces,
            });
        }
        Ok(NamePattern::Exact(s.to_string()))
    }

    /// The notation this pattern was written in.
    pub fn source(&self) -> String {
        match self {
            NamePattern::Exact(s) => s.clone(),
            NamePattern::Prefix(p) => format!("{p}*"),
            NamePattern::Placeholder { source, .. } => source.clone(),
            NamePattern::Regex(r) => {
                let s = r.as_str();
                let inner = s
                    .strip_prefix("^(?:")
                    .and_then(|x| x.strip_suffix(")$"))
                    .unwrap_or(s);
                format!("/{inner}/")
            }
        }
    }

    /// `exact`, `prefix`, `placeholder` or `regex`.
    pub fn kind(&self) -> &'static str {
        match self {
            NamePattern::Exact(_) => "exact",
            NamePattern::Prefix(_) => "prefix",
            NamePattern::Placeholder { .. } => "placeholder",
            NamePattern::Regex(_) => "regex",
        }
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(s) => s == name,
            NamePattern::Prefix(p) => name.starts_with(p.as_str()),
            NamePattern::Placeholder { pieces, .. } => placeholder_matches(pieces, name),
            NamePattern::Regex(r) => r.is_match(name),
        }
    }
}

/// `pieces` separated by placeholders of one or more characters each.
fn placeholder_matches(pieces: &[String], name: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return name == first;
    };
    let Some(mut tail) = name.strip_prefix(first.as_str()) else {
        return false;
    };
    for piece in middle {
        // The placeholder before this piece takes at least one character; the leftmost
        // occurrence after that leaves the most room for the rest.
        let mut chars = tail.chars();
        if chars.next().is_none() {
            return false;
        }
        let after = chars.as_str();
        match after.find(piece.as_str()) {
            Some(i) => tail = &after[i + piece.len()..],
            None => return false,
        }
    }
    // The last placeholder: at least one character, then the last piece at the very end.
    tail.len() > last.len() && tail.ends_with(last.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, n: &str) -> bool {
        NamePattern::parse(p).unwrap().matches(n)
    }

    #[test]
    fn exact() {
        assert!(m("_ga", "_ga"));
        assert!(!m("_ga", "_gat"));
        assert!(!m("_ga", "_GA"));
    }

    #[test]
    fn prefix() {
        assert!(m("_gat*", "_gat"));
        assert!(m("_gat*", "_gat_UA-1-1"));
        assert!(!m("_gat*", "_ga"));
        assert!(matches!(
            NamePattern::parse("a*b*"),
            Err(PatternError::MisplacedStar(_))
        ));
        assert!(matches!(
            NamePattern::parse("a*b"),
            Err(PatternError::MisplacedStar(_))
        ));
        assert!(matches!(NamePattern::parse("*"), Err(PatternError::Empty)));
    }

    #[test]
    fn placeholders() {
        assert!(m("_ga_#", "_ga_ABC123"));
        assert!(!m("_ga_#", "_ga_"));
        assert!(!m("_ga_#", "_ga"));
        assert!(m("mp_#_mixpanel", "mp_0123abcd_mixpanel"));
        assert!(!m("mp_#_mixpanel", "mp__mixpanel"));
        assert!(!m("mp_#_mixpanel", "mp_x_mixpanel_extra"));
        assert!(m("_sp_id.#", "_sp_id.1fff"));
        assert!(m("#_session", "abc_session"));
        assert!(!m("#_session", "_session"));
        assert!(m("a#b#c", "a1b2c"));
        assert!(!m("a#b#c", "abc"));
        assert!(m("_hjSession_#", "_hjSession_123456"));
        assert!(NamePattern::parse("#").is_err());
    }

    #[test]
    fn regexes() {
        assert!(m(r"/_gat_UA-\d+-\d+/", "_gat_UA-123-4"));
        assert!(
            !m(r"/_gat_UA-\d+-\d+/", "x_gat_UA-123-4"),
            "anchored at both ends"
        );
        assert!(matches!(
            NamePattern::parse("/(/"),
            Err(PatternError::Regex { .. })
        ));
        assert_eq!(NamePattern::parse(r"/^a\d$/").unwrap().source(), r"/^a\d$/");
    }

    #[test]
    fn kinds_and_sources() {
        for (p, kind) in [
            ("_ga", "exact"),
            ("_gat*", "prefix"),
            ("_ga_#", "placeholder"),
            ("/x+/", "regex"),
        ] {
            let pat = NamePattern::parse(p).unwrap();
            assert_eq!(pat.kind(), kind);
            assert_eq!(pat.source(), p);
        }
    }
}
