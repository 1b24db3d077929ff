//! Filter lists in Adblock Plus syntax (EasyPrivacy, EasyList, or the user's own),
//! matched with Brave's `adblock` crate.
//!
//! Lists are read at run time from files the user supplies (`--list FILE`); none ships
//! with crumbs. Each hit names the list file, the line and the rule that matched, and an
//! exception rule (`@@…`) if one applied. Chromium's resource types are mapped to the
//! list syntax's: `Fetch` counts as `xmlhttprequest` (lists have no `fetch` type), `Ping`
//! as `ping`, and a `Document` loaded in a child frame as `subdocument`.

use std::path::Path;

use adblock::Engine;
use adblock::lists::{FilterSet, ParseOptions, RuleTypes};
use adblock::request::Request;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A filter-list rule that matched a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListHit {
    /// The list file's name.
    pub list: String,
    /// Line number in the list (1-based), when known.
    pub line: Option<u32>,
    /// The rule as written in the list.
    pub rule: String,
    /// An exception rule (`@@…`) that also matched: the list does not block the request.
    pub exception: Option<String>,
}

/// Compiled filter lists.
pub struct FilterLists {
    engine: Engine,
    names: Vec<String>,
    rules: usize,
}

impl std::fmt::Debug for FilterLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterLists")
            .field("names", &self.names)
            .field("rules", &self.rules)
            .finish()
    }
}

/// The list syntax's request type for a Chromium resource type.
pub fn list_request_type(cdp_type: &str, child_frame: bool) -> &'static str {
    match cdp_type {
        "Document" if child_frame => "subdocument",
        "Document" => "document",
        "Script" => "script",
        "Image" => "image",
        "Stylesheet" => "stylesheet",
        "Font" => "font",
        "Media" => "media",
        "XHR" | "Fetch" => "xmlhttprequest",
        "Ping" => "ping",
        "WebSocket" => "websocket",
        "CSPViolationReport" => "csp_report",
        _ => "other",
    }
}

impl FilterLists {
    /// Compiles lists given as (name, text).
    pub fn from_texts(lists: &[(String, String)]) -> FilterLists {
        let mut set = FilterSet::new(true);
        let mut names = Vec::new();
        let mut rules = 0;
        for (name, text) in lists {
            let opts = ParseOptions {
                rule_types: RuleTypes::NetworkOnly,
                ..ParseOptions::default()
            };
            set.add_filter_list(text.clone(), opts);
            rules += text.lines().filter(|l| is_network_rule(l)).count();
            names.push(name.clone());
        }
        FilterLists {
            engine: Engine::new_with_filter_set(set),
            names,
            rules,
        }
    }

    /// Reads and compiles list files.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<FilterLists, Error> {
        let mut lists = Vec::new();
        for p in paths {
            let p = p.as_ref();
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Parse {
                path: p.display().to_string(),
                reason: "not UTF-8 text: give a filter list in Adblock Plus syntax (e.g. easyprivacy.txt)"
                    .into(),
            })?;
            if !text.lines().any(is_network_rule) {
                return Err(Error::Parse {
                    path: p.display().to_string(),
                    reason: "no network filter rules found: give a filter list in Adblock Plus syntax".into(),
                });
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            lists.push((name, text));
        }
        Ok(FilterLists::from_texts(&lists))
    }

    /// Names of the loaded lists.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of network rules loaded (approximately: lines that look like rules).
    pub fn rule_count(&self) -> usize {
        self.rules
    }

    /// Checks one request; `third_party` is decided by the caller (public suffix list).
    pub fn check(
        &self,
        url: &str,
        host: &str,
        page_host: &str,
        request_type: &str,
        third_party: bool,
        method: &str,
    ) -> Option<ListHit> {
        if !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with("ws")) {
            return None;
        }
        let req = Request::preparsed(url, host, page_host, request_type, third_party, method);
        let r = self.engine.check_network_request(&req);
        let filter = r.filter?;
        let (list, line) = match &filter.source_location {
            Some(loc) => (
                self.names
                    .get(loc.source_index as usize)
                    .cloned()
                    .unwrap_or_default(),
                Some(loc.line_number + 1),
            ),
            None => (self.names.first().cloned().unwrap_or_default(), None),
        };
        Some(ListHit {
            list,
            line,
            rule: filter.raw_line.clone().unwrap_or_default(),
            exception: r.exception.and_then(|e| e.raw_line),
        })
    }
}

fn is_network_rule(line: &str) -> bool {
    let l = line.trim();
    !l.is_empty() && !l.starts_with('!') && !l.starts_with('[') && !l.contains("##") && !l.contains("#@#")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists() -> FilterLists {
        FilterLists::from_texts(&[
            (
                "mini-privacy.txt".into(),
                "! a list written for this test\n||tracker.example^\n/collect?$image\n||cdn.example^$script,third-party\n@@||tracker.example/allowed^\n".into(),
            ),
            ("mini-ads.txt".into(), "||ads.example^$xmlhttprequest\n".into()),
        ])
    }

    #[test]
    fn hits_name_list_line_and_rule() {
        let l = lists();
        let h = l
            .check(
                "https://t.tracker.example/p.gif",
                "t.tracker.example",
                "www.shop.test",
                "image",
                true,
                "GET",
            )
            .unwrap();
        assert_eq!(
            h,
            ListHit {
                list: "mini-privacy.txt".into(),
                line: Some(2),
                rule: "||tracker.example^".into(),
                exception: None
            }
        );
        let h = l
            .check(
                "https://x.test/collect?v=1",
                "x.test",
                "www.shop.test",
                "image",
                true,
                "GET",
            )
            .unwrap();
        assert_eq!(h.rule, "/collect?$image");
        assert!(
            l.check(
                "https://x.test/collect?v=1",
                "x.test",
                "www.shop.test",
                "script",
                true,
                "GET"
            )
            .is_none()
        );
        let h = l
            .check(
                "https://tracker.example/allowed/x",
                "tracker.example",
                "www.shop.test",
                "image",
                true,
                "GET",
            )
            .unwrap();
        assert_eq!(h.exception.as_deref(), Some("@@||tracker.example/allowed^"));
        // First-party use of a third-party-only rule does not match.
        assert!(
            l.check(
                "https://cdn.example/a.js",
                "cdn.example",
                "www.cdn.example",
                "script",
                false,
                "GET"
            )
            .is_none()
        );
        assert_eq!(l.names(), ["mini-privacy.txt", "mini-ads.txt"]);
        assert_eq!(l.rule_count(), 5);
    }

    #[test]
    fn fetch_counts_as_xmlhttprequest() {
        let l = lists();
        let t = list_request_type("Fetch", false);
        assert_eq!(t, "xmlhttprequest");
        let h = l
            .check(
                "https://ads.example/bid",
                "ads.example",
                "www.shop.test",
                t,
                true,
                "POST",
            )
            .unwrap();
        assert_eq!(h.list, "mini-ads.txt");
        assert_eq!(h.line, Some(1));
        assert_eq!(list_request_type("Document", true), "subdocument");
        assert_eq!(list_request_type("Ping", false), "ping");
    }

    #[test]
    fn bad_list_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.txt");
        std::fs::write(&p, "! only a comment\n").unwrap();
        let e = FilterLists::load(&[&p]).unwrap_err().to_string();
        assert!(e.contains("no network filter rules found"), "{e}");
        let p2 = dir.path().join("bin.txt");
        std::fs::write(&p2, [0xff, 0xfe, 0x00]).unwrap();
        assert!(
            FilterLists::load(&[&p2])
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
        assert!(
            FilterLists::load(&[dir.path().join("missing.txt")])
                .unwrap_err()
                .to_string()
                .contains("missing.txt")
        );
    }
}
