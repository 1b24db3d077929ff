//! `crumbs scan --from-har`: every shared HAR (WebPagetest, Chrome, Firefox, Firebug,
//! Fiddler, 2010–2022) runs through the whole pipeline; vendors verified by hand against
//! the hosts in five of them are found; a site without trackers gets none.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::*;

const HARS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/har/");

fn from_har(file: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "-q".to_string(),
        "scan".into(),
        "--from-har".into(),
        format!("{HARS}{file}"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let tmp = tempdir();
    let out = run(&args, tmp.path());
    assert_eq!(out.code, 0, "{file}: {}", out.stderr);
    out.json()
}

fn vendors(r: &Value) -> BTreeSet<String> {
    r["passes"][0]["third_parties"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t["vendors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn every_shared_har_runs_through_the_pipeline() {
    // (file, entries, first party) — entries as the README of the folder lists them.
    let files = [
        ("aftonbladet.se_2015_wpt.har", 212, "aftonbladet.se"),
        ("arcelormittal.com_2018_chrome-har.har", 40, "arcelormittal.com"),
        ("assa.se_2017_chrome-har.har", 127, "assa.se"),
        ("cnet.com_2018_chrome-har.har", 258, "cnet.com"),
        ("cnn.com_2015_firebug.har", 145, "cnn.com"),
        ("cnn.com_2017_chrome-har-capturer.har", 292, "cnn.com"),
        ("en.wikipedia.org_2015_wpt.har", 102, "wikipedia.org"),
        ("expressen.se_2018_wpt.har", 607, "expressen.se"),
        ("ferguson.com_2022_chrome-har.har", 174, "ferguson.com"),
        (
            "interiordesignshow.com_2016_firefox.har",
            354,
            "interiordesignshow.com",
        ),
        ("lansstyrelsen.se_2016_firefox.har", 222, "lansstyrelsen.se"),
        ("linkedin.com_2016_firefox.har", 23, "linkedin.com"),
        ("mousel.lu_2018_chrome-har.har", 21, "brasseriedeluxembourg.lu"),
        ("mytoys.de_2017_chrome-har.har", 50, "mytoys.de"),
        ("nytimes.com_2015_wpt.har", 328, "nytimes.com"),
        ("ryanair.com_2016_wpt.har", 304, "ryanair.com"),
        ("softwareishard.com_2010_firebug.har", 40, "softwareishard.com"),
        (
            "verizonwireless.com_2018_chrome-har.har",
            169,
            "verizonwireless.com",
        ),
        ("widex.com_2011_fiddler.har", 87, "widex.com"),
        ("yahoo.com_2018_chrome-har.har", 107, "yahoo.com"),
    ];
    let on_disk = std::fs::read_dir(HARS)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "har"))
        .count();
    assert_eq!(
        on_disk,
        files.len(),
        "a HAR was added to or removed from the shared folder"
    );
    for (file, entries, first_party) in files {
        let r = from_har(file, &[]);
        assert_eq!(r["scan"]["source"], "har", "{file}");
        assert_eq!(r["scan"]["first_party"], first_party, "{file}");
        assert_eq!(
            r["passes"][0]["requests"].as_array().unwrap().len(),
            entries,
            "{file}"
        );
        assert_eq!(r["scan"]["browser"], Value::Null);
    }
}

#[test]
fn hand_verified_vendors_in_five_hars() {
    // Each vendor below serves a host that appears in the HAR (checked by reading its
    // entries), e.g. cnn.com 2017: static.chartbeat.com, cdn.optimizely.com, ib.adnxs.com.
    let cases: [(&str, &[&str]); 5] = [
        (
            "cnn.com_2017_chrome-har-capturer.har",
            &[
                "meta-pixel",
                "chartbeat",
                "optimizely",
                "xandr",
                "the-trade-desk",
                "openx",
                "magnite",
                "amazon-ads",
                "quantcast",
                "comscore",
                "nielsen",
                "outbrain",
                "oracle-bluekai",
                "adobe-audience-manager",
                "microsoft-advertising",
                "mediamath",
            ],
        ),
        (
            "nytimes.com_2015_wpt.har",
            &[
                "google-analytics",
                "google-adsense",
                "google-doubleclick",
                "index-exchange",
                "openx",
                "chartbeat",
                "new-relic-browser",
                "dynamic-yield",
                "ensighten",
                "comscore",
                "bidswitch",
                "oracle-moat",
                "magnite",
            ],
        ),
        (
            "expressen.se_2018_wpt.har",
            &[
                "google-analytics",
                "criteo",
                "pubmatic",
                "magnite",
                "tapad",
                "xandr",
                "the-trade-desk",
                "meta-pixel",
            ],
        ),
        (
            "ferguson.com_2022_chrome-har.har",
            &[
                "google-tag-manager",
                "google-analytics",
                "linkedin-insight",
                "meta-pixel",
                "crazy-egg",
                "appdynamics",
                "decibel",
                "oracle-bluekai",
                "oracle-maxymiser",
                "the-trade-desk",
            ],
        ),
        (
            "linkedin.com_2016_firefox.har",
            &["comscore", "google-analytics", "linkedin-insight"],
        ),
    ];
    for (file, expected) in cases {
        let r = from_har(file, &[]);
        let got = vendors(&r);
        let missing: Vec<&&str> = expected.iter().filter(|v| !got.contains(**v)).collect();
        assert!(missing.is_empty(), "{file}: missing {missing:?}; got {got:?}");
    }
    // LinkedIn's own CDN is a third party by domain, owned by the same company as the site.
    let r = from_har("linkedin.com_2016_firefox.har", &[]);
    assert_eq!(r["scan"]["site_owner"], "Microsoft Corporation");
    let licdn = one(&r["passes"][0]["third_parties"], "domain", "licdn.com");
    assert_eq!(licdn["same_owner_as_site"], true);
    // `_ga` was only sent in Cookie headers (set by JavaScript before the capture).
    let ga = one(&r["passes"][0]["cookies"], "name", "_ga");
    assert_eq!(ga["source"], "request");
    assert_eq!(ga["vendor"]["vendor"], "google-analytics");
    assert_eq!(ga["vendor"]["evidence"][0]["kind"], "cookie-name");
    // A third-party cookie from a Set-Cookie header, attributed by name and domain.
    let r = from_har("cnn.com_2017_chrome-har-capturer.har", &[]);
    let ide = one(&r["passes"][0]["cookies"], "name", "IDE");
    assert_eq!(ide["domain"], ".doubleclick.net");
    assert_eq!(ide["source"], "http");
    assert_eq!(ide["vendor"]["vendor"], "google-doubleclick");
}

#[test]
fn a_site_without_trackers_gets_none() {
    let r = from_har("en.wikipedia.org_2015_wpt.har", &[]);
    let p = &r["passes"][0];
    assert_eq!(r["scan"]["site_owner"], "Wikimedia Foundation, Inc.");
    for t in p["third_parties"].as_array().unwrap() {
        assert_eq!(t["same_owner_as_site"], true, "{t}");
    }
    assert_eq!(p["summary"]["pixels"], 0);
    assert_eq!(p["summary"]["beacons"], 0);
    let trackers: Vec<&Value> = p["requests"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p["cookies"].as_array().unwrap())
        .filter(|x| x["vendor"]["vendor"].as_str().is_some_and(|v| v != "wikimedia"))
        .collect();
    assert!(trackers.is_empty(), "{trackers:#?}");
}

#[test]
fn easyprivacy_hits_name_the_rule() {
    let list = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/easylist/easyprivacy.txt"
    );
    let r = from_har("expressen.se_2018_wpt.har", &["--list", list]);
    let p = &r["passes"][0];
    let ga: Vec<&Value> = p["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["host"] == "www.google-analytics.com")
        .collect();
    assert_eq!(ga.len(), 9);
    for q in &ga {
        let hit = &q["lists"][0];
        assert_eq!(hit["list"], "easyprivacy.txt", "{q:#}");
        assert!(
            hit["rule"].as_str().unwrap().contains("google-analytics"),
            "{hit}"
        );
        assert!(hit["line"].as_u64().unwrap() > 1);
    }
    let first_party_hits = p["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["host"] == "www.expressen.se" && !q["lists"].as_array().unwrap().is_empty())
        .count();
    assert!(
        first_party_hits < 10,
        "{first_party_hits} first-party requests hit EasyPrivacy"
    );
    assert_eq!(
        r["scan"]["signatures"]["lists"],
        serde_json::json!(["easyprivacy.txt"])
    );
}

#[test]
fn malformed_hars_are_one_clear_error() {
    let dir = tempdir();
    for (name, text, needle) in [
        (
            "notjson.har",
            "{\"log\": ",
            "notjson.har: line 1, column 8: not valid JSON",
        ),
        (
            "nolog.har",
            "{\"x\": 1}",
            "nolog.har: not a HAR file: no `log` object",
        ),
        (
            "badurl.har",
            "{\"log\": {\"entries\": [{\"startedDateTime\": \"2020-01-01T00:00:00Z\", \"time\": 1,\n \"request\": {\"method\": \"GET\", \"url\": 42}, \"response\": {\"status\": 200}}]}}",
            "badurl.har: line 2, column",
        ),
        (
            "empty.har",
            "{\"log\": {\"entries\": []}}",
            "empty.har: the HAR has no entries",
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = run(
            &["scan".into(), "--from-har".into(), p.to_str().unwrap().into()],
            dir.path(),
        );
        assert_eq!(out.code, 2, "{name}");
        assert!(out.stderr.contains(needle), "{name}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    let out = run(
        &["scan".into(), "--from-har".into(), "/nonexistent/x.har".into()],
        dir.path(),
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("/nonexistent/x.har"), "{}", out.stderr);
}

#[test]
fn cname_cloaked_first_party_hosts_are_flagged() {
    let dir = tempdir();
    let tds = dir.path().join("tds.json");
    std::fs::write(
        &tds,
        r#"{"trackers": {"trackco.net": {"domain": "trackco.net", "owner": {"name": "TrackCo Inc", "displayName": "TrackCo"},
            "prevalence": 0.02, "categories": ["Analytics"], "default": "block"}},
           "entities": {"TrackCo Inc": {"domains": ["trackco.net"], "displayName": "TrackCo", "prevalence": 1}},
           "domains": {"trackco.net": "TrackCo Inc"},
           "cnames": {"metrics.shopfixture.com": "shopfixture.collect.trackco.net"}}"#,
    )
    .unwrap();
    let har = dir.path().join("site.har");
    std::fs::write(
        &har,
        r#"{"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
          "pages": [{"id": "p1", "startedDateTime": "2024-01-01T10:00:00.000Z", "title": "https://www.shopfixture.com/", "pageTimings": {"onLoad": 500}}],
          "entries": [
            {"pageref": "p1", "startedDateTime": "2024-01-01T10:00:00.000Z", "time": 50,
             "request": {"method": "GET", "url": "https://www.shopfixture.com/", "headers": []},
             "response": {"status": 200, "statusText": "OK", "headers": [{"name": "Content-Type", "value": "text/html"}], "content": {"mimeType": "text/html"}}},
            {"pageref": "p1", "startedDateTime": "2024-01-01T10:00:00.100Z", "time": 20,
             "request": {"method": "GET", "url": "https://metrics.shopfixture.com/b/ss?v=1", "headers": []},
             "response": {"status": 200, "statusText": "OK", "headers": [{"name": "Set-Cookie", "value": "s_ecid=abc; Max-Age=63072000; Path=/"}], "content": {"mimeType": "image/gif"}}}
          ]}}"#,
    )
    .unwrap();
    let out = run(
        &[
            "scan".into(),
            "--from-har".into(),
            har.to_str().unwrap().into(),
            "--signatures".into(),
            tds.to_str().unwrap().into(),
        ],
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = out.json();
    let hosts = &r["passes"][0]["hosts"];
    let metrics = one(hosts, "host", "metrics.shopfixture.com");
    assert_eq!(metrics["party"], "first");
    assert_eq!(metrics["cname_cloaking"]["owner"], "TrackCo Inc");
    assert_eq!(metrics["cname_cloaking"]["evidence"][0]["kind"], "cname");
    assert_eq!(
        metrics["cname_cloaking"]["evidence"][0]["matched"],
        "metrics.shopfixture.com → shopfixture.collect.trackco.net"
    );
    assert_eq!(
        one(hosts, "host", "www.shopfixture.com")["cname_cloaking"],
        Value::Null
    );
}
