//! Bad input: each case gives a report with the problem under `validity`, or one clear
//! error line and exit code 2 — never a hang or a panic.

use std::time::{Duration, Instant};

use crumbs::demo::server::{Request, Response};
use serde_json::Value;

use crate::support::*;

fn site(r: &Request) -> Response {
    match (r.host.as_str(), r.path.as_str()) {
        ("ok.bad.test", "/") => Response::html("<h1>ok</h1>"),
        ("ok.bad.test", "/missing") => Response::html("<h1>gone</h1>").status(404),
        ("ok.bad.test", "/error") => Response::html("<h1>oops</h1>").status(503),
        ("ok.bad.test", "/loop") => Response::redirect(302, "https://ok.bad.test/loop"),
        ("ok.bad.test", "/hang") => Response::hang(),
        ("ok.bad.test", "/busy") => Response::html(
            "<h1>busy</h1><script>setInterval(() => fetch('/ping?' + Math.random()), 150);</script>",
        ),
        ("ok.bad.test", "/ping") => Response::text("pong"),
        ("ok.bad.test", "/alert") => Response::html(
            "<h1>alert</h1><script>alert('hello'); confirm('sure?'); document.title='done'</script>",
        ),
        ("ok.bad.test", "/popup") => Response::html(
            "<h1>popup</h1><script>window.open('https://ok.bad.test/', '_blank', 'popup');</script>",
        ),
        _ => Response::not_found(),
    }
}

struct Fixture {
    _rt: tokio::runtime::Runtime,
    server: crumbs::demo::server::SiteServer,
    tmp: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let rt = runtime();
    let server = https_server(&rt, &["ok.bad.test"], site);
    Fixture {
        _rt: rt,
        server,
        tmp: tempdir(),
    }
}

impl Fixture {
    fn scan(&self, url: &str, extra: &[&str]) -> Run {
        let mut args: Vec<String> = vec![
            "scan".into(),
            "--consent".into(),
            "initial".into(),
            url.into(),
            "--wait".into(),
            "0".into(),
        ];
        args.extend(chrome_args(&self.server));
        args.extend(extra.iter().map(|s| s.to_string()));
        run(&args, self.tmp.path())
    }
}

fn validity(r: &Run) -> Value {
    r.json()["scan"]["validity"].clone()
}

#[test]
fn invalid_urls_and_schemes_fail_fast_with_one_line() {
    let tmp = tempdir();
    for (url, needle) in [
        ("http://exa mple.test/", "invalid URL"),
        ("ftp://example.test/", "unsupported scheme `ftp:`"),
        ("file:///etc/passwd", "unsupported scheme `file:`"),
        ("http://", "invalid URL"),
    ] {
        let t = Instant::now();
        let out = run(
            &["scan".into(), "--consent".into(), "initial".into(), url.into()],
            tmp.path(),
        );
        assert_eq!(out.code, 2, "{url}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{url}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{url}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "no browser is started for a bad URL"
        );
    }
}

#[test]
fn missing_chromium_is_one_clear_error() {
    let tmp = tempdir();
    let out = run(
        &[
            "scan".into(),
            "--consent".into(),
            "initial".into(),
            "https://ok.bad.test/".into(),
            "--chrome".into(),
            "/nonexistent/chromium".into(),
        ],
        tmp.path(),
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--chrome /nonexistent/chromium: no such file"),
        "{}",
        out.stderr
    );
    // Something that is not Chromium.
    let out = run(
        &[
            "scan".into(),
            "--consent".into(),
            "initial".into(),
            "https://ok.bad.test/".into(),
            "--chrome".into(),
            "/bin/false".into(),
        ],
        tmp.path(),
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot start Chromium: /bin/false"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn unreachable_host_dns_failure_and_tls_error_are_reported() {
    let f = fixture();
    // Connection refused: a port nothing listens on (mapped before the catch-all rule).
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--consent".into(),
        "initial".into(),
        "https://dead.bad.test/".into(),
        "https://nx.bad.test/".into(),
        "--wait".into(),
        "0".into(),
        format!(
            "--chrome-arg=--host-resolver-rules=MAP dead.bad.test 127.0.0.1:9, MAP nx.bad.test ~NOTFOUND, {}",
            f.server.resolver_rule()
        ),
    ];
    args.push("https://ok.bad.test/".into()); // no certificate pin: a TLS error
    let out = run(&args, f.tmp.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    let reports = out.json();
    let reports = reports.as_array().expect("several URLs give an array");
    assert_eq!(reports.len(), 3, "every URL keeps its report");
    let errs: Vec<String> = reports
        .iter()
        .map(|r| {
            r["scan"]["validity"]["navigation_error"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(errs[0], "net::ERR_CONNECTION_REFUSED");
    assert_eq!(errs[1], "net::ERR_NAME_NOT_RESOLVED");
    assert!(errs[2].starts_with("net::ERR_CERT_"), "{}", errs[2]);
    for r in reports {
        assert_eq!(r["scan"]["validity"]["ok"], false);
    }
    assert!(
        out.stderr
            .contains("https://dead.bad.test/: the page could not be loaded: net::ERR_CONNECTION_REFUSED")
    );
    assert!(
        out.stderr
            .contains("https://nx.bad.test/: the page could not be loaded: net::ERR_NAME_NOT_RESOLVED")
    );
    assert_eq!(leftovers(f.tmp.path()), Vec::<std::path::PathBuf>::new());
}

#[test]
fn http_error_documents_are_reported_with_exit_2() {
    let f = fixture();
    let out = f.scan("https://ok.bad.test/missing", &[]);
    assert_eq!(out.code, 2);
    let v = validity(&out);
    assert_eq!(v["document_status"], 404);
    assert_eq!(v["ok"], false);
    assert_eq!(v["load_event"], true);
    assert!(
        out.stderr.contains("the server answered HTTP 404"),
        "{}",
        out.stderr
    );
    let out = f.scan("https://ok.bad.test/error", &[]);
    assert_eq!(validity(&out)["document_status"], 503);
}

#[test]
fn endless_redirect_is_a_navigation_error() {
    let f = fixture();
    let out = f.scan("https://ok.bad.test/loop", &[]);
    assert_eq!(out.code, 2);
    assert_eq!(validity(&out)["navigation_error"], "net::ERR_TOO_MANY_REDIRECTS");
    let hops = out.json()["passes"][0]["requests"].as_array().unwrap().len();
    assert!(hops >= 20, "the redirect hops are evidence: {hops}");
}

#[test]
fn the_hard_timeout_holds_for_a_hanging_document_and_a_busy_page() {
    let f = fixture();
    let t = Instant::now();
    let out = f.scan("https://ok.bad.test/hang", &["--timeout", "3"]);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(out.code, 2, "{}", out.stderr);
    let v = validity(&out);
    assert_eq!(v["timeout_hit"], true);
    assert_eq!(v["ok"], false);

    // A page that never goes quiet: the report is kept, marked incomplete, exit 0 with a warning.
    let t = Instant::now();
    let out = f.scan("https://ok.bad.test/busy", &["--timeout", "3"]);
    assert!(t.elapsed() < Duration::from_secs(20));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = validity(&out);
    assert_eq!(v["timeout_hit"], true);
    assert_eq!(v["ok"], true);
    assert!(out.stderr.contains("did not settle"), "{}", out.stderr);
    let pings = out.json()["passes"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["url"].as_str().unwrap().contains("/ping?"))
        .count();
    assert!(pings >= 5, "{pings}");
}

#[test]
fn dialogs_and_popups_are_dismissed_and_recorded() {
    let f = fixture();
    let out = f.scan("https://ok.bad.test/alert", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = validity(&out);
    let dialogs = v["dialogs"].as_array().unwrap();
    assert_eq!(dialogs.len(), 2);
    assert_eq!(dialogs[0]["kind"], "alert");
    assert_eq!(dialogs[0]["message"], "hello");
    assert_eq!(dialogs[1]["kind"], "confirm");
    assert_eq!(v["load_event"], true);

    // Chromium's pop-up blocker stops window.open without a user gesture, as for a visitor.
    let out = f.scan("https://ok.bad.test/popup", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(validity(&out)["popups"], serde_json::json!([]));
    // With the blocker off, the pop-up opens, is recorded and closed.
    let out = f.scan(
        "https://ok.bad.test/popup",
        &["--chrome-arg=--disable-popup-blocking"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let popups = validity(&out)["popups"].clone();
    assert_eq!(popups.as_array().unwrap().len(), 1, "{popups}");
}

#[test]
fn ctrl_c_exits_130_and_leaves_nothing_behind() {
    let f = fixture();
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--consent".into(),
        "initial".into(),
        "https://ok.bad.test/hang".into(),
        "--timeout".into(),
        "60".into(),
    ];
    args.extend(chrome_args(&f.server));
    let child = crumbs()
        .args(&args)
        .env("TMPDIR", f.tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the browser is loading the page.
    let t = Instant::now();
    while !f.server.requests().iter().any(|r| r.path == "/hang") {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the scan never reached the page"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert!(t.elapsed() < Duration::from_secs(20));
    assert_eq!(leftovers(f.tmp.path()), Vec::<std::path::PathBuf>::new());
}
