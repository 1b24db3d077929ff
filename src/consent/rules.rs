//! Consent-manager rules: the data (`consent/cmps.toml`, built in, plus the user's
//! `--consent-rules` files) that says how to detect a consent manager, which controls
//! accept or reject, how to reach a reject hidden in a second layer, which JavaScript
//! API to fall back on and how to verify the stored choice. The format is documented in
//! `consent/README.md`; this module parses and validates it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The built-in rules.
pub const BUILTIN: &str = include_str!("../../consent/cmps.toml");

/// One consent manager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CmpRule {
    pub name: String,
    pub title: String,
    pub detect_globals: Vec<String>,
    pub detect_scripts: Vec<String>,
    pub detect_selectors: Vec<String>,
    pub banner: Vec<String>,
    pub accept: Vec<String>,
    pub reject: Vec<String>,
    pub settings: Vec<String>,
    pub settings_reject: Vec<String>,
    pub toggles: Vec<String>,
    pub save: Vec<String>,
    pub api_accept: Option<String>,
    pub api_reject: Option<String>,
    pub verify_js: Option<String>,
    pub verify_cookie: Option<String>,
    pub verify_rejected: Option<String>,
    pub verify_accepted: Option<String>,
}

/// The words of one language for the generic finder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Words {
    pub banner: Vec<String>,
    pub accept: Vec<String>,
    pub reject: Vec<String>,
    pub settings: Vec<String>,
    pub save: Vec<String>,
}

/// The generic, language-aware finder's data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Generic {
    pub banner_hints: Vec<String>,
    pub words: BTreeMap<String, Words>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: u32,
    #[serde(default)]
    cmp: Vec<CmpRule>,
    #[serde(default)]
    generic: Option<Generic>,
}

/// The rules in force: consent managers in the order they are tried, and the generic finder.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleSet {
    pub cmps: Vec<CmpRule>,
    pub generic: Generic,
    /// Where the rules came from (`built-in`, then the user's files).
    pub sources: Vec<String>,
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<RuleSet, String> {
        let mut set = RuleSet::default();
        set.add(BUILTIN, "consent/cmps.toml (built in)")?;
        Ok(set)
    }

    /// Adds the rules of one file. A rule named like an existing one replaces it (in its
    /// place); new rules are tried before the built-in ones. A `[generic]` table adds its
    /// words to the languages' lists.
    pub fn add(&mut self, text: &str, name: &str) -> Result<(), String> {
        let file: File = toml::from_str(text).map_err(|e| format!("{name}: {}", toml_error(&e, text)))?;
        if file.format != 1 {
            return Err(format!(
                "{name}: format {} is not supported (this crumbs reads format 1)",
                file.format
            ));
        }
        let builtin = self.sources.is_empty();
        let mut new = Vec::new();
        for (i, rule) in file.cmp.into_iter().enumerate() {
            validate(&rule)
                .map_err(|e| format!("{name}: [[cmp]] number {} ({:?}): {e}", i + 1, rule.name))?;
            match self.cmps.iter_mut().find(|r| r.name == rule.name) {
                Some(old) => *old = rule,
                None => new.push(rule),
            }
        }
        if builtin {
            self.cmps.extend(new);
        } else {
            new.extend(std::mem::take(&mut self.cmps));
            self.cmps = new;
        }
        if let Some(g) = file.generic {
            self.generic.banner_hints.extend(g.banner_hints);
            for (lang, w) in g.words {
                let e = self.generic.words.entry(lang).or_default();
                e.banner.extend(w.banner);
                e.accept.extend(w.accept);
                e.reject.extend(w.reject);
                e.settings.extend(w.settings);
                e.save.extend(w.save);
            }
        }
        self.sources.push(name.to_string());
        Ok(())
    }

    /// The built-in rules plus the user's files.
    pub fn load(paths: &[std::path::PathBuf]) -> Result<RuleSet, crate::Error> {
        let mut set = RuleSet::builtin().map_err(crate::Error::Other)?;
        for p in paths {
            let text = std::fs::read_to_string(p).map_err(|e| crate::Error::io(p, e))?;
            set.add(&text, &p.display().to_string())
                .map_err(|reason| crate::Error::Parse {
                    path: "--consent-rules".into(),
                    reason,
                })?;
        }
        Ok(set)
    }

    /// The rule named `name`.
    pub fn get(&self, name: &str) -> Option<&CmpRule> {
        self.cmps.iter().find(|r| r.name == name)
    }
}

fn toml_error(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

fn validate(rule: &CmpRule) -> Result<(), String> {
    if rule.name.is_empty()
        || !rule
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("`name` must be lowercase letters, digits and `-`".into());
    }
    for (field, re) in [
        ("verify_rejected", &rule.verify_rejected),
        ("verify_accepted", &rule.verify_accepted),
    ] {
        if let Some(re) = re {
            regex::Regex::new(re).map_err(|e| format!("`{field}` is not a valid regular expression: {e}"))?;
        }
    }
    if (rule.verify_rejected.is_some() || rule.verify_accepted.is_some()) && rule.verify_cookie.is_none() {
        return Err("`verify_rejected`/`verify_accepted` need `verify_cookie`".into());
    }
    let detects = !(rule.detect_globals.is_empty()
        && rule.detect_scripts.is_empty()
        && rule.detect_selectors.is_empty());
    if !detects && rule.banner.is_empty() {
        return Err("a rule needs a way to detect it: `detect_*` or `banner`".into());
    }
    Ok(())
}

/// Whether the cookie `name` is the rule's consent cookie (`verify_cookie`: exact, or a prefix ending in `*`).
pub fn cookie_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_cover_the_consent_managers() {
        let set = RuleSet::builtin().unwrap();
        for name in [
            "cookiebot",
            "onetrust",
            "klaro",
            "cookieconsent-v3",
            "osano-cookieconsent",
            "osano",
            "didomi",
            "usercentrics",
            "quantcast",
            "tcf",
            "cookieyes",
            "complianz",
            "termly",
            "iubenda",
        ] {
            assert!(set.get(name).is_some(), "no rule for {name}");
        }
        assert_eq!(set.cmps.last().map(|r| r.name.as_str()), Some("tcf"));
        for lang in ["en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv"] {
            let w = &set.generic.words[lang];
            assert!(!w.accept.is_empty() && !w.reject.is_empty(), "{lang}");
        }
    }

    #[test]
    fn user_rules_replace_by_name_and_come_first() {
        let mut set = RuleSet::builtin().unwrap();
        let n = set.cmps.len();
        set.add(
            "format = 1\n[[cmp]]\nname = \"klaro\"\nbanner = [\".mine\"]\n[[cmp]]\nname = \"acme\"\ndetect_globals = [\"Acme\"]\n[generic.words.en]\nreject = [\"nope\"]\n",
            "mine.toml",
        )
        .unwrap();
        assert_eq!(set.cmps.len(), n + 1);
        assert_eq!(set.cmps[0].name, "acme");
        assert_eq!(set.get("klaro").unwrap().banner, vec![".mine"]);
        assert!(set.generic.words["en"].reject.contains(&"nope".to_string()));
    }

    #[test]
    fn errors_name_the_file_line_and_rule() {
        let mut set = RuleSet::builtin().unwrap();
        let e = set
            .add("format = 1\n\n[[cmp]]\nname = \"x\"\nbaner = [\"a\"]\n", "r.toml")
            .unwrap_err();
        assert!(e.starts_with("r.toml: line 5:"), "{e}");
        assert!(e.contains("baner"), "{e}");
        let e = set
            .add(
                "format = 1\n[[cmp]]\nname = \"x\"\nbanner = [\"a\"]\nverify_cookie = \"c\"\nverify_rejected = \"(\"\n",
                "r.toml",
            )
            .unwrap_err();
        assert!(
            e.contains("number 1 (\"x\")") && e.contains("verify_rejected"),
            "{e}"
        );
        let e = set.add("format = 2\n", "r.toml").unwrap_err();
        assert!(e.contains("format 2"), "{e}");
        let e = set
            .add(
                "format = 1\n[[cmp]]\nname = \"Bad Name\"\nbanner=[\"a\"]\n",
                "r.toml",
            )
            .unwrap_err();
        assert!(e.contains("lowercase"), "{e}");
    }

    #[test]
    fn cookie_patterns() {
        assert!(cookie_matches("_iub_cs-*", "_iub_cs-123"));
        assert!(cookie_matches("CookieConsent", "CookieConsent"));
        assert!(!cookie_matches("CookieConsent", "CookieConsentBulkTicket"));
    }
}
