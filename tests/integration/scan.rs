//! A fixture page with every kind of item the scanner records: each must appear in the
//! report exactly once, with the right attributes.

use crumbs::demo::server::{Request, Response};
use serde_json::Value;

use crate::support::*;

const HOSTS: &[&str] = &[
    "www.shop.test",
    "static.shop.test",
    "pixel.tracker.test",
    "beacon.other.test",
    "widget.frame.test",
    "cdn.redirect.test",
    "slow.hang.test",
];

const PAGE: &str = r#"<!doctype html><html><head><title>Fixture shop</title>
<link rel="stylesheet" href="https://static.shop.test/s.css">
<script src="https://www.shop.test/r1.js"></script>
</head><body><h1>Fixture shop</h1>
<script>
document.cookie = "fp_js=1; max-age=86400; path=/";
localStorage.setItem("fp_local", "abcdef");
sessionStorage.setItem("fp_session_store", "xyz");
navigator.sendBeacon("https://beacon.other.test/collect?e=view&cid=42", "payload");
fetch("https://slow.hang.test/never").catch(() => {});
</script>
<img src="https://pixel.tracker.test/p.gif?uid=123&ev=pv" width="1" height="1" alt="">
<iframe src="https://widget.frame.test/w" width="200" height="100"></iframe>
</body></html>"#;

const WIDGET: &str = r#"<!doctype html><html><body>widget
<script>
document.cookie = "w_js=1; secure; samesite=none; max-age=600";
localStorage.setItem("w_local", "1234567");
</script></body></html>"#;

fn fixture(r: &Request) -> Response {
    match (r.host.as_str(), r.path.as_str()) {
        ("www.shop.test", "/") => Response::html(PAGE).header(
            "Set-Cookie",
            "fp_session=s1; Path=/; HttpOnly; Secure; SameSite=Lax",
        ),
        ("static.shop.test", "/s.css") => Response::css("h1 { color: green }"),
        ("www.shop.test", "/r1.js") => Response::redirect(302, "https://cdn.redirect.test/r2.js"),
        ("cdn.redirect.test", "/r2.js") => Response::redirect(301, "https://cdn.redirect.test/final.js"),
        ("cdn.redirect.test", "/final.js") => Response::js("window.fixtureLoaded = true;"),
        ("pixel.tracker.test", "/p.gif") => Response::gif_1x1()
            .header(
                "Set-Cookie",
                "tp_uid=u-123; Max-Age=63072000; Path=/; Secure; SameSite=None",
            )
            .header("Set-Cookie", "tp_insecure=1; Path=/; SameSite=None"),
        ("beacon.other.test", "/collect") => Response::empty(204),
        ("widget.frame.test", "/w") => Response::html(WIDGET)
            .header("Set-Cookie", "w_sess=1; Path=/; Secure; SameSite=None")
            .header(
                "Set-Cookie",
                "w_part=1; Path=/; Secure; SameSite=None; Partitioned",
            ),
        ("slow.hang.test", "/never") => Response::never_ending(),
        _ => Response::not_found(),
    }
}

fn scan_fixture(extra: &[&str]) -> (Run, Vec<Request>, tempfile::TempDir) {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, fixture);
    let tmp = tempdir();
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--consent".into(),
        "initial".into(),
        "https://www.shop.test/".into(),
        "--wait".into(),
        "1".into(),
    ];
    args.extend(chrome_args(&server));
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = run(&args, tmp.path());
    let log = server.requests();
    (out, log, tmp)
}

#[test]
fn fixture_page_items_are_each_reported_once_with_their_attributes() {
    let (out, log, tmp) = scan_fixture(&[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let r = out.json();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["scan"]["final_url"], "https://www.shop.test/");
    assert_eq!(r["scan"]["first_party"], "shop.test");
    let v = &r["scan"]["validity"];
    assert_eq!(v["ok"], true);
    assert_eq!(v["document_status"], 200);
    assert_eq!(v["load_event"], true);
    assert_eq!(v["timeout_hit"], false);
    let b = &r["scan"]["browser"];
    assert!(!b["user_agent"].as_str().unwrap().contains("Headless"));
    assert_eq!(b["seen_by_page"]["webdriver"], false);
    assert!(
        !b["seen_by_page"]["user_agent"]
            .as_str()
            .unwrap()
            .contains("Headless")
    );
    let brands = b["seen_by_page"]["brands"].as_array().unwrap();
    assert!(
        brands.iter().all(|x| !x.as_str().unwrap().contains("Headless")),
        "{brands:?}"
    );
    assert!(brands.iter().any(|x| x == "Chromium"), "{brands:?}");

    let p = &r["passes"][0];
    assert_eq!(p["name"], "initial");

    // Requests: each hop once.
    let reqs = &p["requests"];
    let doc = one(reqs, "url", "https://www.shop.test/");
    assert_eq!(doc["resource_type"], "Document");
    assert_eq!(doc["status"], 200);
    assert_eq!(doc["party"], "first");
    assert_eq!(doc["time_ms"], 0.0);
    assert_eq!(
        doc["set_cookies"],
        serde_json::json!(["fp_session=[redacted]; Path=/; HttpOnly; Secure; SameSite=Lax"])
    );

    let hop1 = one(reqs, "url", "https://www.shop.test/r1.js");
    assert_eq!(hop1["status"], 302);
    assert_eq!(hop1["redirect_to"], "https://cdn.redirect.test/r2.js");
    assert_eq!(hop1["initiator"]["kind"], "parser");
    assert_eq!(hop1["initiator"]["url"], "https://www.shop.test/");
    // The Cookie header actually sent (ExtraInfo events are not lost).
    assert_eq!(hop1["cookies_sent"], serde_json::json!(["fp_session"]));
    let hop2 = one(reqs, "url", "https://cdn.redirect.test/r2.js");
    assert_eq!(hop2["status"], 301);
    assert_eq!(
        hop2["redirect_chain"],
        serde_json::json!(["https://www.shop.test/r1.js"])
    );
    let fin = one(reqs, "url", "https://cdn.redirect.test/final.js");
    assert_eq!(fin["status"], 200);
    assert_eq!(fin["resource_type"], "Script");
    assert_eq!(
        fin["redirect_chain"],
        serde_json::json!(["https://www.shop.test/r1.js", "https://cdn.redirect.test/r2.js"])
    );
    assert_eq!(fin["party"], "third");
    assert!(
        fin["content_type"]
            .as_str()
            .unwrap()
            .starts_with("application/javascript")
    );

    let never = one(reqs, "url", "https://slow.hang.test/never");
    assert_eq!(never["finished"], false);
    assert_eq!(never["initiator"]["kind"], "script");
    assert_eq!(never["resource_type"], "Fetch");

    let px = one(reqs, "url", "https://pixel.tracker.test/p.gif?uid=123&ev=pv");
    assert_eq!(px["resource_type"], "Image");
    assert_eq!(px["status"], 200);
    assert!(px["transfer_bytes"].as_u64().unwrap() > 43);

    let bc = one(reqs, "url", "https://beacon.other.test/collect?e=view&cid=42");
    assert_eq!(bc["resource_type"], "Ping");
    assert_eq!(bc["method"], "POST");
    assert_eq!(bc["initiator"]["kind"], "script");

    // The cross-site iframe's own document and its process.
    let w = one(reqs, "url", "https://widget.frame.test/w");
    assert_eq!(w["resource_type"], "Document");
    let frames = p["frames"].as_array().unwrap();
    let wf = frames
        .iter()
        .find(|f| f["url"] == "https://widget.frame.test/w")
        .expect("iframe frame");
    assert_eq!(wf["out_of_process"], true);

    // Every request the server saw was reported (except the favicon, which Chromium may skip or not).
    for seen in log
        .iter()
        .filter(|q| HOSTS.contains(&q.host.as_str()) && q.path != "/favicon.ico")
    {
        let url = match &seen.query {
            Some(q) => format!("https://{}{}?{}", seen.host, seen.path, q),
            None => format!("https://{}{}", seen.host, seen.path),
        };
        assert_eq!(
            find(reqs, "url", &url).len(),
            1,
            "server saw {url} but the report has it {} times",
            find(reqs, "url", &url).len()
        );
    }

    // Cookies.
    let cookies = &p["cookies"];
    let fps = one(cookies, "name", "fp_session");
    assert_eq!(fps["domain"], "www.shop.test");
    assert_eq!(fps["party"], "first");
    assert_eq!(fps["source"], "http");
    assert_eq!(fps["session"], true);
    assert_eq!(fps["http_only"], true);
    assert_eq!(fps["secure"], true);
    assert_eq!(fps["same_site"], "Lax");
    assert_eq!(fps["value"], Value::Null);
    assert_eq!(fps["value_length"], 2);
    assert_eq!(fps["set_by"], "https://www.shop.test/");
    assert_eq!(fps["set_by_request"], doc["id"]);

    let js = one(cookies, "name", "fp_js");
    assert_eq!(js["source"], "js");
    assert_eq!(js["set_by"], "https://www.shop.test/");
    assert_eq!(js["lifetime_requested_secs"], 86400);
    let stored = js["lifetime_stored_secs"].as_i64().unwrap();
    assert!((86390..=86400).contains(&stored), "{stored}");

    let tp = one(cookies, "name", "tp_uid");
    assert_eq!(tp["party"], "third");
    assert_eq!(tp["domain"], "pixel.tracker.test");
    assert_eq!(tp["source"], "http");
    assert_eq!(tp["same_site"], "None");
    assert_eq!(tp["lifetime_requested_secs"], 63_072_000);
    let capped = tp["lifetime_stored_secs"].as_i64().unwrap();
    assert!(
        (400 * 86400 - 10..=400 * 86400).contains(&capped),
        "Chromium caps at 400 days: {capped}"
    );
    assert_eq!(tp["set_by"], "https://pixel.tracker.test/p.gif?uid=123&ev=pv");

    let ws = one(cookies, "name", "w_sess");
    assert_eq!(ws["party"], "third");
    assert_eq!(ws["partition_key"], Value::Null);
    let wp = one(cookies, "name", "w_part");
    assert_eq!(wp["partition_key"], "https://shop.test");
    let wj = one(cookies, "name", "w_js");
    assert_eq!(wj["source"], "js");
    assert_eq!(wj["set_by"], "https://widget.frame.test/w");
    assert_eq!(cookies.as_array().unwrap().len(), 6, "{cookies:#}");

    // The blocked third-party cookie, with Chromium's reason.
    let blocked = one(&p["blocked_cookies"], "name", "tp_insecure");
    assert_eq!(blocked["reasons"], serde_json::json!(["SameSiteNoneInsecure"]));
    assert_eq!(blocked["line"], "tp_insecure=[redacted]; Path=/; SameSite=None");
    assert_eq!(blocked["request"], px["id"]);

    // Storage, with the writing script, including the iframe's partitioned storage.
    let storage = &p["storage"];
    let fl = one(storage, "key", "fp_local");
    assert_eq!(fl["area"], "local");
    assert_eq!(fl["origin"], "https://www.shop.test");
    assert_eq!(fl["partition"], Value::Null);
    assert_eq!(fl["value_length"], 6);
    assert_eq!(fl["written_by"], "https://www.shop.test/");
    let fs = one(storage, "key", "fp_session_store");
    assert_eq!(fs["area"], "session");
    let wl = one(storage, "key", "w_local");
    assert_eq!(wl["origin"], "https://widget.frame.test");
    assert_eq!(wl["partition"], "https://shop.test");
    assert_eq!(wl["party"], "third");
    assert_eq!(wl["written_by"], "https://widget.frame.test/w");
    assert_eq!(storage.as_array().unwrap().len(), 3, "{storage:#}");

    // Beacons and pixels, each with reasons.
    let beacons = &p["beacons"];
    assert_eq!(beacons.as_array().unwrap().len(), 2, "{beacons:#}");
    let pb = one(beacons, "kind", "pixel");
    assert_eq!(pb["request"], px["id"]);
    assert_eq!(
        pb["reasons"],
        serde_json::json!([
            "1×1 image",
            "sent to third party tracker.test",
            "query parameters: uid, ev"
        ])
    );
    let bb = one(beacons, "kind", "beacon");
    assert_eq!(bb["request"], bc["id"]);

    // Hosts and parties.
    let hosts = &p["hosts"];
    assert_eq!(one(hosts, "host", "static.shop.test")["party"], "first");
    assert_eq!(one(hosts, "host", "pixel.tracker.test")["cookies_set"], 1);
    assert_eq!(p["summary"]["third_party_domains"], 5);

    // No temporary folders are left behind.
    assert_eq!(leftovers(tmp.path()), Vec::<std::path::PathBuf>::new());
}

#[test]
fn show_values_keeps_values_and_text_format_summarises() {
    let (out, _, _tmp) = scan_fixture(&["--show-values", "--wait", "0"]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let r = out.json();
    let p = &r["passes"][0];
    assert_eq!(one(&p["cookies"], "name", "fp_session")["value"], "s1");
    assert_eq!(one(&p["storage"], "key", "fp_local")["value"], "abcdef");
    assert_eq!(
        one(&p["blocked_cookies"], "name", "tp_insecure")["line"],
        "tp_insecure=1; Path=/; SameSite=None"
    );

    let (text, _, _tmp2) = scan_fixture(&["--format", "text", "--wait", "0"]);
    assert_eq!(text.code, 0, "stderr: {}", text.stderr);
    assert!(text.stdout.contains("tracker.test"), "{}", text.stdout);
    assert!(text.stdout.contains("fp_session"), "{}", text.stdout);
    assert!(
        serde_json::from_str::<Value>(&text.stdout).is_err(),
        "text output must not be JSON"
    );
}

#[test]
fn har_and_screenshot_are_written() {
    let dir = tempdir();
    let har = dir.path().join("capture.har");
    let png = dir.path().join("shot.png");
    let (out, _, _tmp) = scan_fixture(&[
        "--wait",
        "0",
        "--har",
        har.to_str().unwrap(),
        "--screenshot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let report = out.json();
    let h: Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    assert_eq!(h["log"]["version"], "1.2");
    let entries = h["log"]["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        report["passes"][0]["requests"].as_array().unwrap().len()
    );
    let doc = entries
        .iter()
        .find(|e| e["request"]["url"] == "https://www.shop.test/")
        .unwrap();
    assert_eq!(doc["response"]["status"], 200);
    let sc = doc["response"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"].as_str().unwrap().eq_ignore_ascii_case("set-cookie"))
        .unwrap();
    assert_eq!(
        sc["value"],
        "fp_session=[redacted]; Path=/; HttpOnly; Secure; SameSite=Lax"
    );
    let redirect = entries
        .iter()
        .find(|e| e["request"]["url"] == "https://www.shop.test/r1.js")
        .unwrap();
    assert_eq!(
        redirect["response"]["redirectURL"],
        "https://cdn.redirect.test/r2.js"
    );

    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (w, h) = crumbs::capture::page::image_size(&bytes).unwrap();
    assert_eq!(w, 1366);
    assert!(h > 500 && h <= 900, "{h}");
    // The report carries the same picture, for the HTML report.
    use base64::Engine as _;
    let shot = &report["scan"]["screenshot"];
    assert_eq!(shot["width"], 1366);
    let embedded = base64::engine::general_purpose::STANDARD
        .decode(shot["png_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(embedded, bytes);
}
