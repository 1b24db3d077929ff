//! `crumbs demo`: the built-in demo web, scanned end to end, gives exactly what the demo
//! is documented to produce (the lists in `crumbs::demo::site`).

use crumbs::demo::site::{DEMO_COOKIES, DEMO_REQUESTS, DEMO_STORAGE, SetBy};
use serde_json::Value;

use crate::support::*;

#[test]
fn demo_scans_the_demo_web_and_reports_every_item() {
    let tmp = tempdir();
    let report_path = tmp.path().join("out").join("demo.json");
    std::fs::create_dir_all(report_path.parent().unwrap()).unwrap();
    let work = tempdir();
    let out = run(
        &[
            "demo".into(),
            "-o".into(),
            report_path.to_str().unwrap().into(),
            "--wait".into(),
            "1.5".into(),
        ],
        work.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("JSON report written to {}", report_path.display())),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("adloop.example"),
        "the summary names the third parties:\n{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Before consent / after reject / after accept: third parties"),
        "{}",
        out.stdout
    );
    let r: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let p = &r["passes"][0];
    // The shop's banner is answered by the generic finder; the shop ignores the rejection.
    let names: Vec<&str> = r["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["initial", "reject", "accept"]);
    for p in &r["passes"].as_array().unwrap()[1..] {
        assert_eq!(p["consent"]["verified"], true, "{}", p["consent"]);
        assert_eq!(p["consent"]["how"], "generic finder: first layer");
    }
    let ignored: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CNS-005")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ignored,
        [
            "CNS-005:vendor:demo-adloop",
            "CNS-005:vendor:demo-chatterbox",
            "CNS-005:vendor:demo-datamesh",
            "CNS-005:vendor:demo-heatmapr",
            "CNS-005:vendor:demo-tagpulse"
        ]
    );
    assert_eq!(r["scan"]["validity"]["ok"], true);
    assert_eq!(r["scan"]["first_party"], "brightbasket.example");

    let cookies = &p["cookies"];
    assert_eq!(
        cookies.as_array().unwrap().len(),
        DEMO_COOKIES.len(),
        "{cookies:#}"
    );
    for c in DEMO_COOKIES {
        let got = one(cookies, "name", c.name);
        assert_eq!(got["domain"], c.host, "{}", c.name);
        assert_eq!(
            got["party"],
            if c.third_party { "third" } else { "first" },
            "{}",
            c.name
        );
        let source = match c.set_by {
            SetBy::Http => "http",
            SetBy::Script => "js",
        };
        assert_eq!(got["source"], source, "{}", c.name);
        assert_eq!(got["lifetime_requested_secs"].as_u64(), c.max_age, "{}", c.name);
        assert_eq!(got["secure"], c.secure, "{}", c.name);
        assert_eq!(got["http_only"], c.http_only, "{}", c.name);
        assert_eq!(got["partition_key"].is_string(), c.partitioned, "{}", c.name);
    }

    for (origin, area, key) in DEMO_STORAGE {
        if *area == "indexedDB" {
            let db = one(&p["indexeddb"], "name", key);
            assert_eq!(db["origin"], *origin);
        } else {
            let item = one(&p["storage"], "key", key);
            assert_eq!(item["origin"], *origin);
            assert_eq!(
                item["area"],
                if *area == "localStorage" {
                    "local"
                } else {
                    "session"
                }
            );
        }
    }

    let reqs = p["requests"].as_array().unwrap();
    assert_eq!(
        reqs.len(),
        DEMO_REQUESTS.len(),
        "{:#?}",
        reqs.iter().map(|r| &r["url"]).collect::<Vec<_>>()
    );
    for (method, host, path) in DEMO_REQUESTS {
        let n = reqs
            .iter()
            .filter(|r| {
                r["method"] == *method
                    && r["host"] == *host
                    && url::Url::parse(r["url"].as_str().unwrap()).unwrap().path() == *path
            })
            .count();
        assert_eq!(n, 1, "{method} {host}{path}");
    }
    // The cookie-sync chain, hop by hop.
    let last = reqs
        .iter()
        .find(|r| r["url"] == "https://px.adloop.example/p2.gif?synced=1")
        .unwrap();
    assert_eq!(last["redirect_chain"].as_array().unwrap().len(), 2);
    let sync = p["beacons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["url"] == "https://px.adloop.example/p2.gif?synced=1")
        .unwrap();
    assert_eq!(
        sync["reasons"].as_array().unwrap().last().unwrap(),
        "reached through 2 redirects from px.adloop.example"
    );
    let mut kinds: Vec<(&str, &str)> = p["beacons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["kind"].as_str().unwrap(), b["host"].as_str().unwrap()))
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        vec![
            ("beacon", "collect.tagpulse.example"),
            ("beacon", "in.heatmapr.example"),
            ("pixel", "in.heatmapr.example"),
            ("pixel", "px.adloop.example"),
            ("pixel", "px.adloop.example"),
        ]
    );
    // Every beacon is attributed to its (invented) vendor; the shop's own cookies are not.
    for b in p["beacons"].as_array().unwrap() {
        assert!(
            b["vendor"]["vendor"].as_str().unwrap().starts_with("demo-"),
            "{b:#}"
        );
    }
    assert_eq!(
        one(cookies, "name", "_tp_id")["vendor"]["vendor"],
        "demo-tagpulse"
    );
    assert_eq!(
        one(cookies, "name", "_tp_id")["vendor"]["evidence"][0]["kind"],
        "cookie-name"
    );
    assert_eq!(one(cookies, "name", "bb_session")["vendor"], Value::Null);
    let tps: Vec<&str> = p["third_parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(tps.len(), 6);
    assert!(tps.contains(&"demo-heatmapr"));
    assert_eq!(leftovers(work.path()), Vec::<std::path::PathBuf>::new());
}
