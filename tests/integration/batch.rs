//! `crumbs batch`: failures recorded while the others complete (a hanging site, an
//! unreachable one, a browser killed mid-scan), resume after an interruption, shards,
//! and a baseline diff with a planted new tracker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crumbs::demo::server::{Request, Response};
use serde_json::Value;

use crate::support::*;

const HOSTS: &[&str] = &[
    "a.batch.test",
    "b.batch.test",
    "c.batch.test",
    "d.batch.test",
    "hang.batch.test",
    "kill.batch.test",
    "www.google-analytics.com",
];

fn page(title: &str, tracker: bool) -> Response {
    let t = if tracker {
        "<script>navigator.sendBeacon('https://www.google-analytics.com/g/collect?v=2&tid=G-B&cid=1.1');</script>"
    } else {
        ""
    };
    Response::html(format!(
        "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>\
         <script>document.cookie = 'visit=1; max-age=3600; path=/';</script>{t}</body></html>"
    ))
}

/// Flags that reach `server` for every host but `dead.batch.test`, which does not resolve.
fn flags(server: &crumbs::demo::server::SiteServer) -> Vec<String> {
    let mut v = vec![format!(
        "--chrome-arg=--host-resolver-rules=MAP dead.batch.test ~NOTFOUND, {}",
        server.resolver_rule()
    )];
    if let Some(h) = server.spki_hash() {
        v.push(format!("--chrome-arg=--ignore-certificate-errors-spki-list={h}"));
    }
    v
}

fn batch_args(seeds: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "batch".into(),
        seeds.display().to_string(),
        "-o".into(),
        out.display().to_string(),
        "--consent".into(),
        "initial".into(),
        "--no-policy-pages".into(),
        "--wait".into(),
        "0.3".into(),
    ];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn summary(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary.json")).expect("JSON")
}

/// (site, status, attempts) per site.
fn statuses(s: &Value) -> Vec<(String, String, u64)> {
    s["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["site"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
                e["attempts"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn error_of<'a>(s: &'a Value, site: &str) -> &'a str {
    s["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["site"] == site)
        .and_then(|e| e["error"].as_str())
        .unwrap_or("")
}

/// The Chromium main processes started with a profile under `tmp` (this test's own).
fn browsers_under(tmp: &Path) -> Vec<u32> {
    let needle = tmp.display().to_string();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(&needle) && cmd.contains("--user-data-dir") && !cmd.contains("--type=") {
            out.push(pid);
        }
    }
    out
}

#[test]
fn failures_are_recorded_and_a_killed_browser_is_restarted_without_losing_a_site() {
    let rt = runtime();
    let tmp = tempdir();
    let tmp_path = tmp.path().to_path_buf();
    let killed = Arc::new(AtomicBool::new(false));
    let k = killed.clone();
    let server = https_server(&rt, HOSTS, move |r: &Request| match r.host.as_str() {
        "hang.batch.test" => Response::hang(),
        "kill.batch.test" if r.path == "/" && !k.swap(true, Ordering::SeqCst) => {
            // The browser dies while this page loads.
            for pid in browsers_under(&tmp_path) {
                let _ = std::process::Command::new("kill")
                    .arg("-9")
                    .arg(pid.to_string())
                    .status();
            }
            Response::hang()
        }
        "www.google-analytics.com" => Response::empty(204),
        h if r.path == "/" => page(h, false),
        _ => Response::not_found(),
    });
    let work = tempdir();
    let seeds = work.path().join("seeds.txt");
    std::fs::write(
        &seeds,
        "# sites of the batch test\nhttps://a.batch.test/\nhttps://kill.batch.test/\nhttps://hang.batch.test/\n\
         https://dead.batch.test/\nhttps://b.batch.test/\nnot a url at all\nhttps://c.batch.test/\n",
    )
    .unwrap();
    let out = work.path().join("out");
    let mut args = batch_args(&seeds, &out, &["--concurrency", "2", "--timeout", "4"]);
    args.extend(flags(&server));
    let run = run(&args, tmp.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(killed.load(Ordering::SeqCst));
    let s = summary(&out);
    assert_eq!(s["finished"], true);
    assert_eq!(s["total"], 7);
    assert_eq!(
        (s["ok"].as_u64(), s["failed"].as_u64()),
        (Some(4), Some(3)),
        "{s:#}"
    );
    assert_eq!(s["browser_starts"], 2, "{s:#}");
    let st: BTreeMap<String, (String, u64)> = statuses(&s).into_iter().map(|(a, b, c)| (a, (b, c))).collect();
    for site in [
        "https://a.batch.test/",
        "https://b.batch.test/",
        "https://c.batch.test/",
    ] {
        assert_eq!(st[site].0, "ok", "{site}: {s:#}");
    }
    // The site under which the browser died was scanned again, on a new browser.
    assert_eq!(st["https://kill.batch.test/"], ("ok".to_string(), 2));
    assert_eq!(st["https://hang.batch.test/"].0, "failed");
    assert!(
        error_of(&s, "https://hang.batch.test/").contains("no document arrived"),
        "{s:#}"
    );
    assert!(
        error_of(&s, "https://dead.batch.test/").contains("ERR_NAME_NOT_RESOLVED"),
        "{s:#}"
    );
    assert!(error_of(&s, "not a url at all").contains("seeds.txt:7:"), "{s:#}");
    // One report per scanned site, written where the summary says.
    for e in s["sites"].as_array().unwrap() {
        if let Some(f) = e["report"].as_str() {
            let r: Value = serde_json::from_slice(&std::fs::read(out.join(f)).unwrap()).unwrap();
            assert_eq!(r["scan"]["requested_url"], e["site"]);
        }
    }
    assert!(out.join("a.batch.test.json").is_file());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("7 sites: 4 ok, 3 failed"), "{md}");
    assert!(browsers_under(tmp.path()).is_empty(), "no browser left running");
}

#[test]
fn an_interrupted_batch_resumes_without_redoing_finished_sites() {
    let rt = runtime();
    let hits: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let h = hits.clone();
    let server = https_server(&rt, HOSTS, move |r: &Request| {
        if r.path == "/"
            && let Ok(mut m) = h.lock()
        {
            *m.entry(r.host.clone()).or_default() += 1;
        }
        match (r.host.as_str(), r.path.as_str()) {
            // Slow enough to be interrupted while it loads.
            ("c.batch.test", "/") => page("c", false).delay(Duration::from_secs(4)),
            (host, "/") => page(host, false),
            _ => Response::not_found(),
        }
    });
    let work = tempdir();
    let seeds = work.path().join("seeds.txt");
    std::fs::write(
        &seeds,
        "https://a.batch.test/\nhttps://b.batch.test/\nhttps://c.batch.test/\nhttps://d.batch.test/\n",
    )
    .unwrap();
    let out = work.path().join("out");
    let mut args = batch_args(&seeds, &out, &["--concurrency", "1"]);
    args.extend(flags(&server));
    let tmp = tempdir();
    let mut child = crumbs()
        .args(&args)
        .env("TMPDIR", tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once a and b are done and c is loading.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(out.join("b.batch.test.json").is_file() && hits.lock().unwrap().contains_key("c.batch.test")) {
        assert!(Instant::now() < deadline, "the batch did not get to c");
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("the batch ended early ({status}): {err}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let s = summary(&out);
    assert_eq!(s["finished"], false);
    assert_eq!(
        statuses(&s),
        [
            ("https://a.batch.test/".to_string(), "ok".to_string(), 1),
            ("https://b.batch.test/".to_string(), "ok".to_string(), 1)
        ]
    );
    assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));

    let before = hits.lock().unwrap().clone();
    let mut args = batch_args(&seeds, &out, &["--concurrency", "1", "--resume"]);
    args.extend(flags(&server));
    let again = run(&args, tmp.path());
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("resuming: 2 site(s) already done"),
        "{}",
        again.stderr
    );
    let after = hits.lock().unwrap().clone();
    assert_eq!(
        after["a.batch.test"], before["a.batch.test"],
        "a was scanned again"
    );
    assert_eq!(
        after["b.batch.test"], before["b.batch.test"],
        "b was scanned again"
    );
    assert_eq!(after["d.batch.test"], 1);
    let s = summary(&out);
    assert_eq!(s["finished"], true);
    assert_eq!(s["ok"], 4);
}

#[test]
fn shards_cover_every_site_exactly_once() {
    let work = tempdir();
    let seeds = work.path().join("seeds.txt");
    let all: Vec<String> = (0..30).map(|i| format!("https://site{i}.example/")).collect();
    std::fs::write(&seeds, all.join("\n")).unwrap();
    let mut seen: Vec<String> = Vec::new();
    for i in 0..3 {
        let r = run(
            &[
                "batch".into(),
                seeds.display().to_string(),
                "--shard".into(),
                format!("{i}/3"),
                "--list-sites".into(),
            ],
            work.path(),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let part: Vec<String> = r.stdout.lines().map(str::to_string).collect();
        assert!(!part.is_empty() && part.len() < 30, "shard {i}: {part:?}");
        seen.extend(part);
    }
    seen.sort();
    let mut want = all.clone();
    want.sort();
    assert_eq!(seen, want);
    let bad = run(
        &[
            "batch".into(),
            seeds.display().to_string(),
            "--shard".into(),
            "3/3".into(),
        ],
        work.path(),
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("0 ≤ I < N"), "{}", bad.stderr);
}

#[test]
fn a_baseline_diff_reports_a_planted_new_tracker() {
    let rt = runtime();
    let plant = Arc::new(AtomicBool::new(false));
    let p = plant.clone();
    let server = https_server(&rt, HOSTS, move |r: &Request| {
        match (r.host.as_str(), r.path.as_str()) {
            ("www.google-analytics.com", _) => Response::empty(204),
            ("b.batch.test", "/") => page("b", p.load(Ordering::SeqCst)),
            (host, "/") => page(host, false),
            _ => Response::not_found(),
        }
    });
    let work = tempdir();
    let seeds = work.path().join("seeds.txt");
    std::fs::write(&seeds, "https://a.batch.test/\nhttps://b.batch.test/\n").unwrap();
    let night1: PathBuf = work.path().join("night1");
    let night2: PathBuf = work.path().join("night2");
    let mut args = batch_args(&seeds, &night1, &[]);
    args.extend(flags(&server));
    let first = run(&args, work.path());
    assert_eq!(first.code, 0, "{}", first.stderr);
    plant.store(true, Ordering::SeqCst);
    let base = night1.display().to_string();
    let mut args = batch_args(&seeds, &night2, &["--baseline", &base, "--fail-on", "medium"]);
    args.extend(flags(&server));
    let second = run(&args, work.path());
    assert_eq!(
        second.code, 1,
        "new high finding: {}\n{}",
        second.stdout, second.stderr
    );
    assert!(
        second.stdout.contains("google-analytics.com"),
        "{}",
        second.stdout
    );
    let d: Value = serde_json::from_slice(&std::fs::read(night2.join("diff.json")).unwrap()).unwrap();
    let changed: Vec<(&str, &Value)> = d["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["new_third_parties"].as_array().unwrap().is_empty())
        .map(|s| (s["site"].as_str().unwrap(), &s["new_third_parties"]))
        .collect();
    assert_eq!(
        changed,
        [(
            "https://b.batch.test/",
            &serde_json::json!(["google-analytics.com (google-analytics)"])
        )],
        "{d:#}"
    );
}

/// `--browser-ws`: a Chromium started by someone else is driven, and left running.
#[test]
fn a_remote_browser_is_driven_and_left_running() {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, |r: &Request| {
        match (r.host.as_str(), r.path.as_str()) {
            (host, "/") => page(host, false),
            _ => Response::not_found(),
        }
    });
    let chrome = crumbs::capture::browser::find_chrome(None).expect("chromium");
    let profile = tempdir();
    let mut child = std::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--remote-debugging-port=0",
            "--disable-gpu",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--host-resolver-rules={}", server.resolver_rule()),
            &format!(
                "--ignore-certificate-errors-spki-list={}",
                server.spki_hash().unwrap()
            ),
            "about:blank",
        ])
        // Its temporary files (the single-instance socket) go with its profile.
        .env("TMPDIR", profile.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Chromium prints "DevTools listening on ws://…" on stderr.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut ws = String::new();
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap_or(0) > 0 {
        if let Some(i) = line.find("ws://") {
            ws = line[i..].trim().to_string();
            break;
        }
        line.clear();
    }
    assert!(ws.starts_with("ws://"), "no DevTools URL from Chromium");
    let work = tempdir();
    let out = work.path().join("out");
    let seeds = work.path().join("seeds.txt");
    std::fs::write(&seeds, "https://a.batch.test/\nhttps://b.batch.test/\n").unwrap();
    let args = batch_args(&seeds, &out, &["--browser-ws", &ws]);
    let r = run(&args, work.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&out);
    assert_eq!(s["ok"], 2, "{s:#}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("a.batch.test.json")).unwrap()).unwrap();
    assert_eq!(
        report["scan"]["browser"]["executable"],
        format!("remote browser at {ws}")
    );
    // crumbs did not close the browser it did not start.
    assert_eq!(child.try_wait().unwrap(), None, "the remote browser was closed");
    // The debugging address, as given to --remote-debugging-port, finds the websocket;
    // named by a name (asked by its address: Chromium refuses other Host names), the
    // websocket keeps the name.
    let port = ws["ws://".len()..]
        .split('/')
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap();
    let http = format!("http://localhost:{port}");
    let named_ws = ws.replacen("127.0.0.1", "localhost", 1);
    let one = work.path().join("one.txt");
    std::fs::write(&one, "https://a.batch.test/\n").unwrap();
    let by_http = run(
        &batch_args(&one, &work.path().join("out-http"), &["--browser-ws", &http]),
        work.path(),
    );
    assert_eq!(by_http.code, 0, "{}", by_http.stderr);
    let report: Value = serde_json::from_slice(
        &std::fs::read(work.path().join("out-http").join("a.batch.test.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        report["scan"]["browser"]["executable"],
        format!("remote browser at {named_ws}")
    );
    assert_eq!(child.try_wait().unwrap(), None, "the remote browser was closed");
    let _ = child.kill();
    let _ = child.wait();
    for (url, says) in [
        ("http://127.0.0.1:1/", "cannot connect"),
        ("chrome.test:9222", "websocket URL (ws://… or wss://…)"),
    ] {
        let bad = run(
            &batch_args(&seeds, &work.path().join("out2"), &["--browser-ws", url]),
            work.path(),
        );
        assert_eq!(bad.code, 2, "{url}");
        assert!(
            bad.stderr.contains(&format!("--browser-ws {url}: ")) && bad.stderr.contains(says),
            "{url}: {}",
            bad.stderr
        );
    }
}

/// On a terminal the batch draws an indicatif bar on stderr (sites done, failed, ETA); off
/// a terminal, plain lines and no bar. The terminal is a pseudo-terminal from util-linux's
/// `script`.
#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, |r: &Request| {
        match (r.host.as_str(), r.path.as_str()) {
            (host, "/") => page(host, false),
            _ => Response::not_found(),
        }
    });
    let work = tempdir();
    let seeds = work.path().join("seeds.txt");
    // The failure comes first, so the bar shows it while the other two are scanned.
    std::fs::write(
        &seeds,
        "https://dead.batch.test/\nhttps://a.batch.test/\nhttps://b.batch.test/\n",
    )
    .unwrap();
    let args = |out: &str| {
        let mut v = batch_args(&seeds, &work.path().join(out), &["--concurrency", "1"]);
        v.extend(flags(&server));
        v
    };
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_crumbs").to_string())
        .chain(args("tty"))
        .map(|a| quote(&a))
        .collect();
    let tty = std::process::Command::new("script")
        .args(["-q", "-e", "-f", "-c", &line.join(" "), "/dev/null"])
        .env("TMPDIR", work.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("util-linux script");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert_eq!(tty.status.code(), Some(2), "{shown}");
    assert!(shown.contains("/3 sites · 1 failed · ETA "), "{shown}");
    assert!(
        shown.contains("crumbs: https://dead.batch.test/: failed: "),
        "{shown}"
    );
    let s = summary(&work.path().join("tty"));
    let mut got: Vec<(String, String)> = statuses(&s).into_iter().map(|x| (x.0, x.1)).collect();
    got.sort();
    let want = [
        ("https://a.batch.test/", "ok"),
        ("https://b.batch.test/", "ok"),
        ("https://dead.batch.test/", "failed"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));

    let plain = run(&args("plain"), work.path());
    assert_eq!(plain.code, 2, "{}", plain.stderr);
    assert!(!plain.stderr.contains("ETA"), "{}", plain.stderr);
    assert!(
        plain
            .stderr
            .contains("crumbs: https://dead.batch.test/: failed: "),
        "{}",
        plain.stderr
    );
}
