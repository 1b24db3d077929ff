//! Consent passes against fixture sites of the project's own (stand-ins for real consent
//! managers, one behaviour each) and against real consent managers installed from npm
//! (`scripts/fetch-cmps.sh`): the exact outcome of the initial, reject and accept passes.

use std::path::PathBuf;

use crumbs::demo::server::{Request, Response};
use serde_json::Value;

use crate::support::*;

const HOSTS: &[&str] = &[
    "www.fixture.test",
    "www.google-analytics.com",
    "connect.facebook.net",
    "cmp.consent-vendor.test",
];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/consent")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") | Some("mjs") => "text/javascript",
        Some("css") => "text/css",
        Some("json") => "application/json",
        _ => "text/html; charset=utf-8",
    }
}

/// Serves `page` (a file under tests/fixtures/consent) as the home page of www.fixture.test.
fn site(page: &'static str) -> impl Fn(&Request) -> Response + Send + Sync + 'static {
    let root = fixtures();
    move |r: &Request| match (r.host.as_str(), r.path.as_str()) {
        ("www.fixture.test", "/") | ("www.fixture.test", "/page2") => {
            match std::fs::read_to_string(root.join(page)) {
                Ok(t) => Response::html(t),
                Err(_) => Response::not_found(),
            }
        }
        ("www.fixture.test", p) if p.starts_with("/npm/") => {
            let rel = &p["/npm/".len()..];
            if rel.contains("..") {
                return Response::not_found();
            }
            match std::fs::read(root.join("npm/node_modules").join(rel)) {
                Ok(b) => Response::bytes(content_type(rel), b),
                Err(_) => Response::not_found(),
            }
        }
        ("www.fixture.test", _) => Response::not_found(),
        ("www.google-analytics.com", "/analytics.js") => Response::js("window.ga = function () {};"),
        ("www.google-analytics.com", _) => Response::empty(204),
        ("connect.facebook.net", _) => Response::js("window.fbq = function () {};"),
        ("cmp.consent-vendor.test", "/frame") => {
            match std::fs::read_to_string(root.join("sites/iframe-cmp.html")) {
                Ok(t) => Response::html(t),
                Err(_) => Response::not_found(),
            }
        }
        _ => Response::not_found(),
    }
}

/// Scans `page` with `--consent all` (plus `extra`) and returns the report.
fn scan(page: &'static str, extra: &[&str]) -> Value {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, site(page));
    let tmp = tempdir();
    let mut args: Vec<String> = vec![
        "scan".into(),
        "https://www.fixture.test/".into(),
        "--no-policy-pages".into(),
        "--wait".into(),
        "1".into(),
        "--timeout".into(),
        "15".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(chrome_args(&server));
    let out = run(&args, tmp.path());
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}\n{}",
        out.code,
        out.stderr
    );
    if let Ok(dir) = std::env::var("CRUMBS_TEST_DUMP") {
        let _ = std::fs::write(format!("{dir}/{}.json", page.replace('/', "_")), &out.stdout);
    }
    out.json()
}

fn pass<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["passes"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no pass {name}"))
}

/// (rule, pass) of every consent finding, sorted.
fn consent_findings(r: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"].as_str().is_some_and(|x| x.starts_with("CNS-")))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["pass"].as_str().unwrap_or_default().to_string(),
                f["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn has_cookie(p: &Value, name: &str) -> bool {
    p["cookies"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["name"] == name)
}

fn contacted(p: &Value, domain: &str) -> bool {
    p["third_parties"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["domain"] == domain)
}

/// The consent summary of a pass: (how, verified, cmp).
fn consent(p: &Value) -> (String, bool, String) {
    let c = &p["consent"];
    (
        c["how"].as_str().unwrap_or_default().to_string(),
        c["verified"].as_bool().unwrap_or(false),
        c["cmp"].as_str().unwrap_or_default().to_string(),
    )
}

/// A correctly gated site with a real consent manager: nothing before a choice, nothing
/// after "reject all", the tracker after "accept all"; both actions through the banner's
/// first layer and verified; no consent finding.
fn real_cmp(page: &'static str, cmp: &str) {
    let r = scan(page, &[]);
    let names: Vec<&str> = r["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["initial", "reject", "accept"]);
    let (initial, reject, accept) = (pass(&r, "initial"), pass(&r, "reject"), pass(&r, "accept"));
    let dump = || {
        serde_json::to_string_pretty(
            &r["passes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| &p["consent"])
                .collect::<Vec<_>>(),
        )
        .unwrap()
    };
    assert_eq!(
        consent(initial),
        ("no interaction".into(), true, cmp.into()),
        "{}",
        dump()
    );
    assert_eq!(
        consent(reject),
        ("ui: first layer".into(), true, cmp.into()),
        "{}",
        dump()
    );
    assert_eq!(
        consent(accept),
        ("ui: first layer".into(), true, cmp.into()),
        "{}",
        dump()
    );
    for p in [initial, reject] {
        assert!(!has_cookie(p, "_ga"), "{}", p["name"]);
        assert!(!contacted(p, "google-analytics.com"), "{}", p["name"]);
    }
    assert!(has_cookie(accept, "_ga"));
    assert!(contacted(accept, "google-analytics.com"));
    // The tracker fired after the choice, and again after the reload.
    let ga: Vec<f64> = accept["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["host"] == "www.google-analytics.com")
        .map(|q| q["consent_ms"].as_f64().unwrap())
        .collect();
    assert!(ga.len() >= 4 && ga.iter().all(|t| *t > 0.0), "{ga:?}");
    assert!(accept["consent"]["action_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(consent_findings(&r), vec![]);
}

#[test]
fn real_klaro_from_npm() {
    real_cmp("real/klaro.html", "klaro");
}

#[test]
fn real_vanilla_cookieconsent_from_npm() {
    real_cmp("real/cookieconsent-v3.html", "cookieconsent-v3");
}

#[test]
fn real_osano_cookieconsent_from_npm() {
    real_cmp("real/osano-cookieconsent.html", "osano-cookieconsent");
}
