//! `--pages N`: after the first page, a pass visits more pages of the same site in its
//! tab (policy pages first, then links in document order) and every item names the page
//! it was seen on. A fixture site of links of every kind, and a page that never answers.

use crumbs::demo::server::{Request, Response};
use serde_json::{Value, json};

use crate::support::*;

const HOSTS: &[&str] = &[
    "www.crawl.test",
    "other-site.test",
    "www.google-analytics.com",
    "connect.facebook.net",
    "www.hang.test",
];

const HOME: &str = "https://www.crawl.test/";
const ABOUT: &str = "https://www.crawl.test/about";
const PRIVACY: &str = "https://www.crawl.test/privacy";
const PRODUCTS: &str = "https://www.crawl.test/products";

const HOME_PAGE: &str = r#"<!doctype html><html><head><title>Crawl home</title>
<script src="/home.js"></script></head><body><h1>Crawl home</h1>
<a href="/about">About us</a>
<a href="https://other-site.test/x">Elsewhere</a>
<a href="/files/menu.pdf">Menu</a>
<a href="/products">Products</a>
<a href="/privacy">Privacy policy</a>
<a href="/about#team">Our team</a>
<a href="mailto:a@b.c">Write to us</a>
</body></html>"#;

const ABOUT_PAGE: &str = r#"<!doctype html><html><head><title>About</title></head><body>
<h1>About us</h1>
<script>
document.cookie = "about_seen=1; path=/; max-age=3600";
fetch("https://www.google-analytics.com/collect?x=1", {mode: "no-cors"}).catch(() => {});
</script></body></html>"#;

const PRODUCTS_PAGE: &str = r#"<!doctype html><html><head><title>Products</title>
<script src="https://connect.facebook.net/en_US/fbevents.js"></script></head>
<body><h1>Products</h1></body></html>"#;

const PRIVACY_PAGE: &str = r#"<!doctype html><html><head><title>Privacy policy</title></head>
<body><h1>Privacy policy</h1><p>We use a cookie to remember that you saw the about page,
and Google Analytics to count visits. Write to a@b.c to ask what we keep.</p></body></html>"#;

const HANG_HOME: &str = r#"<!doctype html><html><head><title>Hang home</title></head><body>
<a href="/slow">Slow page</a> <a href="/next">Next page</a></body></html>"#;

const NEXT_PAGE: &str = r#"<!doctype html><html><head><title>Next</title>
<script src="/next.js"></script></head><body>next</body></html>"#;

fn site(r: &Request) -> Response {
    match (r.host.as_str(), r.path.as_str()) {
        ("www.crawl.test", "/") => Response::html(HOME_PAGE),
        ("www.crawl.test", "/home.js") => Response::js("window.home = 1;"),
        ("www.crawl.test", "/about") => Response::html(ABOUT_PAGE),
        ("www.crawl.test", "/products") => Response::html(PRODUCTS_PAGE),
        ("www.crawl.test", "/privacy") => Response::html(PRIVACY_PAGE),
        ("www.crawl.test", "/files/menu.pdf") => Response::bytes("application/pdf", b"%PDF-1.4\n".to_vec()),
        ("other-site.test", _) => Response::html("<p>another site</p>"),
        ("www.google-analytics.com", _) => Response::empty(204),
        ("connect.facebook.net", _) => Response::js("window.fbq = function () {};"),
        ("www.hang.test", "/") => Response::html(HANG_HOME),
        ("www.hang.test", "/slow") => Response::hang(),
        ("www.hang.test", "/next") => Response::html(NEXT_PAGE),
        ("www.hang.test", "/next.js") => Response::js("window.next = 1;"),
        _ => Response::not_found(),
    }
}

/// Scans `url` with `--consent initial --no-policy-pages` and `extra`; returns the report
/// and what the server saw (host, path).
fn scan(url: &str, extra: &[&str]) -> (Value, Vec<(String, String)>) {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, site);
    let tmp = tempdir();
    let mut args: Vec<String> = vec![
        "scan".into(),
        url.into(),
        "--consent".into(),
        "initial".into(),
        "--no-policy-pages".into(),
        "--wait".into(),
        "0.5".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(chrome_args(&server));
    let out = run(&args, tmp.path());
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let seen = server.requests().into_iter().map(|r| (r.host, r.path)).collect();
    (out.json(), seen)
}

/// The `url` of every visit of the first pass.
fn visited(report: &Value) -> Vec<&str> {
    report["passes"][0]["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| p["url"].as_str().expect("url"))
        .collect()
}

fn asked(seen: &[(String, String)], host: &str, path: &str) -> bool {
    seen.iter().any(|(h, p)| h == host && p == path)
}

/// The validity of a scan is the first page's, whatever the crawl met.
fn assert_first_page_validity(r: &Value, url: &str) {
    assert_eq!(r["scan"]["final_url"], url);
    let v = &r["scan"]["validity"];
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["document_status"], 200);
    assert_eq!(v["navigation_error"], Value::Null);
    assert_eq!(v["timeout_hit"], false);
}

#[test]
fn three_pages_are_the_home_page_the_policy_page_and_the_first_link() {
    let har_dir = tempdir();
    let har = har_dir.path().join("crawl.har");
    let (r, seen) = scan(HOME, &["--pages", "3", "--har", har.to_str().unwrap()]);
    assert_eq!(visited(&r), [HOME, PRIVACY, ABOUT]);
    assert_first_page_validity(&r, HOME);
    let p = &r["passes"][0];
    assert_eq!(p["name"], "initial");
    for (visit, url) in p["pages"].as_array().unwrap().iter().zip([HOME, PRIVACY, ABOUT]) {
        assert_eq!(visit["final_url"], url, "{visit:#}");
        assert_eq!(visit["status"], 200, "{visit:#}");
        assert_eq!(visit["error"], Value::Null, "{visit:#}");
        assert_eq!(visit["timed_out"], false, "{visit:#}");
    }
    assert_eq!(p["pages"][0]["start_ms"], 0.0);

    // The items of each page carry it.
    let reqs = &p["requests"];
    assert_eq!(one(reqs, "url", HOME)["page"], HOME);
    assert_eq!(one(reqs, "url", "https://www.crawl.test/home.js")["page"], HOME);
    assert_eq!(one(reqs, "url", PRIVACY)["page"], PRIVACY);
    assert_eq!(one(reqs, "url", ABOUT)["page"], ABOUT);
    let ga = one(reqs, "url", "https://www.google-analytics.com/collect?x=1");
    assert_eq!(ga["page"], ABOUT);
    let cookie = one(&p["cookies"], "name", "about_seen");
    assert_eq!(cookie["source"], "js");
    assert_eq!(cookie["page"], ABOUT);
    for r in reqs.as_array().unwrap() {
        assert!(r["page"].is_string(), "a request without its page: {r:#}");
    }

    // The HAR has one page per visit, and each entry points at the page it was made on.
    let doc: Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    let pages: Vec<(&str, &str)> = doc["log"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["title"].as_str().unwrap()))
        .collect();
    assert_eq!(pages, [("page_1", HOME), ("page_2", PRIVACY), ("page_3", ABOUT)]);
    let entries = doc["log"]["entries"].as_array().unwrap();
    let pageref = |url: &str| {
        let e = entries.iter().find(|e| e["request"]["url"] == url);
        e.map(|e| e["pageref"].as_str().unwrap().to_string())
    };
    assert_eq!(pageref(HOME).as_deref(), Some("page_1"));
    assert_eq!(
        pageref("https://www.crawl.test/home.js").as_deref(),
        Some("page_1")
    );
    assert_eq!(pageref(PRIVACY).as_deref(), Some("page_2"));
    assert_eq!(pageref(ABOUT).as_deref(), Some("page_3"));
    assert_eq!(
        pageref("https://www.google-analytics.com/collect?x=1").as_deref(),
        Some("page_3")
    );

    // The fourth page was not visited.
    assert!(find(reqs, "host", "connect.facebook.net").is_empty(), "{reqs:#}");
    assert!(!asked(&seen, "www.crawl.test", "/products"), "{seen:?}");
    assert!(!asked(&seen, "connect.facebook.net", "/en_US/fbevents.js"));

    // The reports for people list the pages.
    let dir = tempdir();
    let file = dir.path().join("r.json");
    std::fs::write(&file, serde_json::to_vec(&r).unwrap()).unwrap();
    let render = |format: &str| {
        run(
            &[
                "report".into(),
                file.display().to_string(),
                "--format".into(),
                format.into(),
            ],
            dir.path(),
        )
        .stdout
    };
    let md = render("md");
    assert!(
        md.contains("Pages visited in each pass (3):\n\n- https://www.crawl.test/ (200)\n- https://www.crawl.test/privacy (200)\n- https://www.crawl.test/about (200)\n"),
        "{md}"
    );
    let html = render("html");
    assert!(
        html.contains("<h2>Pages visited (3)</h2><ol>\n<li>https://www.crawl.test/ (200, at 0 ms)</li>"),
        "{html}"
    );
    assert!(render("text").contains("  Pages visited (3):\n    https://www.crawl.test/ (200, at 0 ms)\n"));
}

#[test]
fn the_declared_policy_is_read_from_the_first_page_not_the_last() {
    // The last page visited (the policy page) has no links: the policy page is found only
    // if the capture kept the first page's links.
    let rt = runtime();
    let server = https_server(&rt, HOSTS, site);
    let tmp = tempdir();
    let mut args: Vec<String> = [
        "scan",
        HOME,
        "--consent",
        "initial",
        "--wait",
        "0.5",
        "--pages",
        "2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(chrome_args(&server));
    let out = run(&args, tmp.path());
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let r = out.json();
    assert_eq!(visited(&r), [HOME, PRIVACY]);
    assert_eq!(
        r["declared"]["policy_pages"],
        json!([PRIVACY]),
        "{:#}",
        r["declared"]
    );
}

#[test]
fn ten_pages_are_every_same_site_page_and_nothing_else() {
    let (r, seen) = scan(HOME, &["--pages", "10"]);
    assert_eq!(visited(&r), [HOME, PRIVACY, ABOUT, PRODUCTS]);
    assert_first_page_validity(&r, HOME);
    let p = &r["passes"][0];
    let fb = one(
        &p["requests"],
        "url",
        "https://connect.facebook.net/en_US/fbevents.js",
    );
    assert_eq!(fb["page"], PRODUCTS);
    assert_eq!(fb["party"], "third");
    // Not the PDF, the other site, the mailto link or the duplicate with a fragment.
    assert!(!asked(&seen, "www.crawl.test", "/files/menu.pdf"), "{seen:?}");
    assert!(!asked(&seen, "other-site.test", "/x"), "{seen:?}");
    let abouts = seen
        .iter()
        .filter(|(h, path)| h == "www.crawl.test" && path == "/about")
        .count();
    assert_eq!(abouts, 1, "{seen:?}");
    let visits: Vec<&Value> = p["pages"].as_array().unwrap().iter().collect();
    assert!(
        visits
            .iter()
            .all(|v| v["status"] == 200 && v["timed_out"] == false)
    );
    // Visits start one after the other in the pass's time base.
    let starts: Vec<f64> = visits.iter().map(|v| v["start_ms"].as_f64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
}

#[test]
fn a_page_that_never_answers_is_recorded_and_the_crawl_goes_on() {
    let home = "https://www.hang.test/";
    let (r, seen) = scan(home, &["--pages", "3", "--timeout", "5"]);
    assert_eq!(
        visited(&r),
        [home, "https://www.hang.test/slow", "https://www.hang.test/next"]
    );
    assert_first_page_validity(&r, home);
    let p = &r["passes"][0];
    let slow = &p["pages"][1];
    assert_eq!(slow["timed_out"], true, "{slow:#}");
    assert_eq!(slow["status"], Value::Null, "{slow:#}");
    let next = &p["pages"][2];
    assert_eq!(
        (&next["status"], &next["timed_out"], &next["error"]),
        (&json!(200), &json!(false), &Value::Null),
        "{next:#}"
    );
    assert!(asked(&seen, "www.hang.test", "/slow"));
    let next_js = one(&p["requests"], "url", "https://www.hang.test/next.js");
    assert_eq!(next_js["page"], "https://www.hang.test/next");
    let slow_doc = one(&p["requests"], "url", "https://www.hang.test/slow");
    assert_eq!(slow_doc["page"], "https://www.hang.test/slow");
    assert_eq!(slow_doc["status"], Value::Null);
    let problems = r["scan"]["validity"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|x| x.as_str().unwrap().contains("https://www.hang.test/slow")),
        "{problems:?}"
    );
}

#[test]
fn every_pass_visits_the_same_pages() {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, site);
    let tmp = tempdir();
    let mut args: Vec<String> = [
        "scan",
        HOME,
        "--consent",
        "all",
        "--no-policy-pages",
        "--wait",
        "0.5",
        "--pages",
        "3",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(chrome_args(&server));
    let out = run(&args, tmp.path());
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let r = out.json();
    let passes = r["passes"].as_array().unwrap();
    let names: Vec<&str> = passes.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["initial", "reject", "accept"]);
    for p in passes {
        let urls: Vec<&str> = p["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["url"].as_str().unwrap())
            .collect();
        assert_eq!(urls, [HOME, PRIVACY, ABOUT], "{} pass", p["name"]);
        assert_eq!(one(&p["cookies"], "name", "about_seen")["page"], ABOUT);
    }
}
