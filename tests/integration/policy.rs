//! Declared policy against observed behaviour: fixture sites of the project's own, one per
//! consent-manager family, each planting one mismatch of every rule kind the family can
//! express; every planted mismatch is found exactly once with the right rule. A control
//! site that declares everything correctly gets no finding above info.

use std::collections::BTreeSet;
use std::sync::Arc;

use crumbs::demo::server::{Request, Response};
use serde_json::{Value, json};

use crate::support::*;

const HOSTS: &[&str] = &[
    "www.fixture.test",
    "www.google-analytics.com",
    "connect.facebook.net",
    "consent.cookiebot.com",
    "cdn.cookielaw.org",
];

/// The behaviour every fixture site shares.
const BEHAVIOUR: &str = r#"<script>
document.cookie = "_ga=GA1.1.123.456; max-age=63072000; path=/";
document.cookie = "_gid=GA1.1.789; max-age=86400; path=/";
document.cookie = "lang_pref=en; max-age=2592000; path=/";
document.cookie = "promo_seen=1; path=/";
document.cookie = "ab_bucket=b; path=/";
document.cookie = "_fbp=fb.1.123.456; max-age=7776000; path=/";
localStorage.setItem("ajs_anonymous_id", "abc");
navigator.sendBeacon("https://www.google-analytics.com/g/collect?v=2&tid=G-TEST&cid=123", "");
</script>
<script src="https://connect.facebook.net/en_US/fbevents.js"></script>"#;

const PRIVACY: &str = "<html><head><title>Privacy policy</title></head><body><h1>Privacy policy</h1>\
<p>We use cookies and local storage to run this shop.</p>\
<p>We use Google Analytics to understand how visitors use the site.</p>\
<p>We do not use advertising cookies.</p>\
<p>Server logs are kept for 6 months.</p></body></html>";

/// (name, provider, category label, expiry text, session)
const DECLARED: &[(&str, &str, &str, &str)] = &[
    ("sess_id", "fixture.test", "Necessary", "Session"),
    ("_ga", "Google", "Necessary", "1 day"),
    ("old_cookie", "fixture.test", "Necessary", "1 year"),
    ("_gid", "Google", "Statistics", "1 day"),
    ("lang_pref", "fixture.test", "Preferences", "Session"),
    ("promo_seen", "fixture.test", "Marketing", "30 days"),
    ("ab_bucket", "fixture.test", "Unclassified", "Session"),
];

fn page(head: &str, links: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Fixture shop</title>{head}</head><body><h1>Fixture shop</h1>{links}{BEHAVIOUR}</body></html>"
    )
}

fn cookiebot_dialog() -> String {
    let mut tables: serde_json::Map<String, Value> = serde_json::Map::new();
    for (key, label) in [
        ("necessary", "Necessary"),
        ("preference", "Preferences"),
        ("statistics", "Statistics"),
        ("advertising", "Marketing"),
        ("unclassified", "Unclassified"),
    ] {
        let rows: Vec<Value> = DECLARED
            .iter()
            .filter(|d| d.2 == label)
            .map(|(n, p, _, e)| json!([n, p, "A purpose", e, "HTTP", "1", "", "www.fixture.test"]))
            .collect();
        tables.insert(key.into(), Value::Array(rows));
    }
    format!(
        "window.Cookiebot = {{ dialog: {{ cookieTableNecessary: {}, cookieTablePreference: {}, cookieTableStatistics: {}, cookieTableAdvertising: {}, cookieTableUnclassified: {} }} }};",
        tables["necessary"],
        tables["preference"],
        tables["statistics"],
        tables["advertising"],
        tables["unclassified"]
    )
}

fn onetrust_domain_data() -> String {
    let group = |name: &str, label: &str| {
        let cookies: Vec<Value> = DECLARED
            .iter()
            .filter(|d| d.2 == label)
            .map(|(n, _, _, e)| {
                let session = *e == "Session";
                let days = if session {
                    "0".to_string()
                } else {
                    crumbs::policy::parse_expiry(e)
                        .0
                        .map(|s| (s / 86_400).to_string())
                        .unwrap_or_default()
                };
                json!({"Name": n, "Host": "www.fixture.test", "IsSession": session, "Length": days})
            })
            .collect();
        json!({"GroupName": name, "OptanonGroupId": name, "Status": "active", "FirstPartyCookies": cookies, "Hosts": []})
    };
    let mut groups = vec![
        group("Strictly Necessary Cookies", "Necessary"),
        group("Performance Cookies", "Statistics"),
        group("Functional Cookies", "Preferences"),
        group("Targeting Cookies", "Marketing"),
        group("Unclassified Cookies", "Unclassified"),
    ];
    groups[1]["Hosts"] =
        json!([{"HostName": "google-analytics.com", "DisplayName": "Google", "Cookies": []}]);
    format!(
        "window.OneTrust = {{ GetDomainData: function () {{ return {}; }} }};",
        json!({"Groups": groups})
    )
}

fn cookie_table_page() -> String {
    let rows: String = DECLARED
        .iter()
        .map(|(n, p, c, e)| {
            format!("<tr><td>{n}</td><td>{p}</td><td>A purpose</td><td>{e}</td><td>{c}</td></tr>")
        })
        .collect();
    format!(
        "<html><head><title>Cookie policy</title></head><body><h1>Cookie policy</h1><table><thead><tr><th>Name</th><th>Provider</th><th>Purpose</th><th>Expiry</th><th>Category</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
}

/// A fixture site whose home page carries `head` and `links`.
fn site(
    head: String,
    links: &'static str,
    extra: Vec<(&'static str, String)>,
) -> impl Fn(&Request) -> Response + Send + Sync + 'static {
    let home = page(&head, links);
    let extra = Arc::new(extra);
    move |r: &Request| match (r.host.as_str(), r.path.as_str()) {
        ("www.fixture.test", "/") => {
            Response::html(home.clone()).header("Set-Cookie", "sess_id=s1; Path=/; Secure; HttpOnly")
        }
        ("www.fixture.test", "/privacy") => Response::html(PRIVACY),
        ("www.fixture.test", path) => match extra.iter().find(|(p, _)| *p == path) {
            Some((_, body)) => Response::html(body.clone()),
            None => Response::not_found(),
        },
        ("www.google-analytics.com", _) => Response::empty(204),
        ("connect.facebook.net", _) => Response::js("window.fbq = function () {};"),
        ("consent.cookiebot.com", _) | ("cdn.cookielaw.org", _) => {
            Response::js("/* fixture consent manager */")
        }
        _ => Response::not_found(),
    }
}

fn scan(handler: impl Fn(&Request) -> Response + Send + Sync + 'static, extra_args: &[String]) -> Value {
    let rt = runtime();
    let server = https_server(&rt, HOSTS, handler);
    let tmp = tempdir();
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--consent".into(),
        "initial".into(),
        "https://www.fixture.test/".into(),
        "--wait".into(),
        "0.5".into(),
    ];
    args.extend(chrome_args(&server));
    args.extend(extra_args.iter().cloned());
    let out = run(&args, tmp.path());
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    out.json()
}

fn findings(r: &Value) -> BTreeSet<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected(rules: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    rules
        .iter()
        .map(|(r, s)| (r.to_string(), format!("{r}:{s}")))
        .collect()
}

/// Every mismatch the shared behaviour plants against the shared declaration.
const PLANTED: &[(&str, &str)] = &[
    ("DCL-001", "cookie:_fbp@www.fixture.test"),
    ("DCL-002", "storage:local:ajs_anonymous_id@www.fixture.test"),
    ("DCL-003", "third-party:meta-pixel"),
    ("DCL-010", "cookie:_ga@www.fixture.test"),
    ("DCL-012", "cookie:ab_bucket@www.fixture.test"),
    ("DCL-020", "declared:old_cookie"),
    ("EXP-001", "cookie:_ga@www.fixture.test"),
    ("EXP-002", "cookie:lang_pref@www.fixture.test"),
    ("EXP-003", "cookie:promo_seen@www.fixture.test"),
    ("EXP-005", "cookie:_ga@www.fixture.test"),
    ("POL-001", "vendor:meta-pixel"),
    ("POL-005", "technology:web-beacons"),
    ("POL-010", "denies:marketing"),
    // The behaviour runs before any consent (the fixtures have no banner): every item of a
    // non-necessary purpose, by its declared category (so not `_ga`, declared necessary)
    // or else its signature, and every tracker contacted.
    ("CNS-001", "cookie:_fbp@www.fixture.test"),
    ("CNS-001", "cookie:_gid@www.fixture.test"),
    ("CNS-001", "cookie:ab_bucket@www.fixture.test"),
    ("CNS-001", "cookie:lang_pref@www.fixture.test"),
    ("CNS-001", "cookie:promo_seen@www.fixture.test"),
    ("CNS-001", "storage:ajs_anonymous_id@https://www.fixture.test"),
    ("CNS-001", "vendor:google-analytics"),
    ("CNS-001", "vendor:meta-pixel"),
];

fn check_family(r: &Value, cmp: Option<&str>, source_kind: &str, planted: &[(&str, &str)]) {
    let d = &r["declared"];
    assert_eq!(d["consent_manager"].as_str(), cmp, "{d:#}");
    assert!(
        d["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == source_kind),
        "{d:#}"
    );
    let got = findings(r);
    let want = expected(planted);
    assert_eq!(
        got,
        want,
        "unexpected: {:?}\nmissing: {:?}\nsources: {:#}",
        got.difference(&want).collect::<Vec<_>>(),
        want.difference(&got).collect::<Vec<_>>(),
        r["declared"]["sources"]
    );
    // Severities of a few, and the evidence carries both sides.
    let f = r["findings"].as_array().unwrap();
    let dcl010 = f.iter().find(|f| f["rule"] == "DCL-010").unwrap();
    assert_eq!(dcl010["severity"], "high");
    assert_eq!(dcl010["evidence"]["declared"]["category"], "necessary");
    assert_eq!(dcl010["evidence"]["signature"]["vendor"], "google-analytics");
    if let Some(exp) = f.iter().find(|f| f["rule"] == "EXP-001") {
        assert_eq!(exp["evidence"]["details"]["requested_secs"], "63072000");
        assert_eq!(exp["evidence"]["details"]["declared_secs"], "86400");
        assert_eq!(exp["severity"], "high");
    }
    let dcl001 = f.iter().find(|f| f["rule"] == "DCL-001").unwrap();
    assert_eq!(dcl001["severity"], "high");
    assert_eq!(
        r["findings_summary"]["high"].as_u64().unwrap() as usize,
        f.iter().filter(|x| x["severity"] == "high").count()
    );
}

#[test]
fn cookiebot_family() {
    let head = format!(
        "<script>{}</script><script src=\"https://consent.cookiebot.com/uc.js\" data-cbid=\"x\"></script>",
        cookiebot_dialog()
    );
    let r = scan(site(head, "<a href=\"/privacy\">Privacy policy</a>", vec![]), &[]);
    check_family(&r, Some("cookiebot"), "cookiebot-dialog", PLANTED);
}

#[test]
fn onetrust_family() {
    let head = format!(
        "<script>{}</script><script src=\"https://cdn.cookielaw.org/scripttemplates/otSDKStub.js\"></script>",
        onetrust_domain_data()
    );
    let r = scan(site(head, "<a href=\"/privacy\">Privacy policy</a>", vec![]), &[]);
    check_family(&r, Some("onetrust"), "onetrust-domaindata", PLANTED);
}

/// Klaro declares services with cookie patterns and purposes, but no expiry: the EXP rules
/// that compare with a declared lifetime cannot fire.
const PLANTED_NO_EXPIRY: &[(&str, &str)] = &[
    ("DCL-001", "cookie:_fbp@www.fixture.test"),
    ("DCL-002", "storage:local:ajs_anonymous_id@www.fixture.test"),
    ("DCL-003", "third-party:meta-pixel"),
    ("DCL-010", "cookie:_ga@www.fixture.test"),
    ("DCL-012", "cookie:ab_bucket@www.fixture.test"),
    ("DCL-020", "declared:old_cookie"),
    ("EXP-005", "cookie:_ga@www.fixture.test"),
    ("POL-001", "vendor:meta-pixel"),
    ("POL-005", "technology:web-beacons"),
    ("POL-010", "denies:marketing"),
    ("CNS-001", "cookie:_fbp@www.fixture.test"),
    ("CNS-001", "cookie:_gid@www.fixture.test"),
    ("CNS-001", "cookie:ab_bucket@www.fixture.test"),
    ("CNS-001", "cookie:lang_pref@www.fixture.test"),
    ("CNS-001", "cookie:promo_seen@www.fixture.test"),
    ("CNS-001", "storage:ajs_anonymous_id@https://www.fixture.test"),
    ("CNS-001", "vendor:google-analytics"),
    ("CNS-001", "vendor:meta-pixel"),
];

#[test]
fn klaro_family() {
    let config = json!({
        "services": [
            {"name": "shop", "title": "Shop essentials", "purposes": ["necessary"], "required": true,
             "cookies": ["sess_id", "_ga", "old_cookie"]},
            {"name": "google-analytics", "title": "Google Analytics", "purposes": ["analytics"], "cookies": [{"regex": "^_gid$", "flags": ""}]},
            {"name": "prefs", "title": "Preferences", "purposes": ["functional"], "cookies": ["lang_pref"]},
            {"name": "promo", "title": "Promotions", "purposes": ["marketing"], "cookies": ["promo_seen"]},
            {"name": "ab", "title": "Experiments", "purposes": ["unclassified"], "cookies": ["ab_bucket"]}
        ]
    });
    // Klaro configs hold RegExps; the fixture writes one as a real RegExp.
    let js = config
        .to_string()
        .replace(r#"{"flags":"","regex":"^_gid$"}"#, "/^_gid$/");
    let head = format!(
        "<script>window.klaroConfig = {js};</script><script src=\"https://www.fixture.test/klaro.js\"></script>"
    );
    let r = scan(site(head, "<a href=\"/privacy\">Privacy policy</a>", vec![]), &[]);
    check_family(&r, Some("klaro"), "klaro", PLANTED_NO_EXPIRY);
}

#[test]
fn cookieconsent_v3_family() {
    let table = |cat: &str| {
        let body: Vec<Value> = DECLARED
            .iter()
            .filter(|d| d.2 == cat)
            .map(|(n, p, _, e)| json!({"name": n, "domain": p, "desc": "A purpose", "expiration": e}))
            .collect();
        json!({"headers": {"name": "Name", "domain": "Service", "desc": "Description", "expiration": "Expiration"}, "body": body})
    };
    let config = json!({
        "categories": {
            "necessary": {"readOnly": true, "enabled": true},
            "functionality": {}, "analytics": {}, "marketing": {}, "unclassified": {}
        },
        "language": {"default": "en", "translations": {"en": {"preferencesModal": {"sections": [
            {"title": "Strictly necessary", "linkedCategory": "necessary", "cookieTable": table("Necessary")},
            {"title": "Functionality", "linkedCategory": "functionality", "cookieTable": table("Preferences")},
            {"title": "Analytics", "linkedCategory": "analytics", "cookieTable": table("Statistics")},
            {"title": "Marketing", "linkedCategory": "marketing", "cookieTable": table("Marketing")},
            {"title": "Unclassified", "linkedCategory": "unclassified", "cookieTable": table("Unclassified")}
        ]}}}}
    });
    let head = format!(
        "<script>const __cfg = {config}; window.CookieConsent = {{ getConfig: function (k) {{ return k ? __cfg[k] : __cfg; }} }};</script>"
    );
    let r = scan(site(head, "<a href=\"/privacy\">Privacy policy</a>", vec![]), &[]);
    check_family(&r, Some("cookieconsent-v3"), "cookieconsent-v3", PLANTED);
}

/// CookieYes tables have no provider column; the vendors the privacy text names are the
/// declared third parties, so Meta is still undeclared (DCL-003).
#[test]
fn cookieyes_family() {
    let section = |title: &str, label: &str| {
        let rows: String = DECLARED
            .iter()
            .filter(|d| d.2 == label)
            .map(|(n, _, _, e)| format!("<tr><td>{n}</td><td>{e}</td><td>A purpose</td></tr>"))
            .collect();
        format!(
            "<h3>{title}</h3><div class=\"cky-table-wrapper\"><table class=\"cky-cookie-audit-table\"><thead><tr><th>Cookie</th><th>Duration</th><th>Description</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let body: String = [
        ("Necessary", "Necessary"),
        ("Functional", "Preferences"),
        ("Analytics", "Statistics"),
        ("Advertisement", "Marketing"),
        ("Other", "Unclassified"),
    ]
    .iter()
    .map(|(t, l)| section(t, l))
    .collect();
    let policy = format!(
        "<html><head><title>Cookie Policy</title></head><body><h1>Cookie Policy</h1><div class=\"cky-audit-table-element\">{body}</div></body></html>"
    );
    let head = "<script src=\"https://cdn-cookieyes.com/client_data/abc/script.js\"></script>".to_string();
    let r = scan(
        site(
            head,
            "<a href=\"/cookie-policy\">Cookie policy</a> <a href=\"/privacy\">Privacy</a>",
            vec![("/cookie-policy", policy)],
        ),
        &[],
    );
    check_family(&r, Some("cookieyes"), "cookieyes", PLANTED);
}

#[test]
fn cookie_table_family() {
    let r = scan(
        site(
            String::new(),
            "<a href=\"/cookie-policy\">Cookie policy</a> <a href=\"/privacy\">Privacy</a>",
            vec![("/cookie-policy", cookie_table_page())],
        ),
        &["--fail-on".into(), "high".into()],
    );
    check_family(&r, None, "html-table", PLANTED);
    assert_eq!(
        r["declared"]["policy_pages"],
        json!([
            "https://www.fixture.test/cookie-policy",
            "https://www.fixture.test/privacy"
        ])
    );
}

#[test]
fn policy_file_family_and_fail_on() {
    let dir = tempdir();
    let mut toml = String::from(
        "format = 1\ntechnologies = [\"cookies\", \"local-storage\"]\n\n[[vendor]]\nname = \"Google\"\n\n[[denies]]\nwhat = \"marketing\"\n",
    );
    for (n, p, c, e) in DECLARED {
        toml.push_str(&format!(
            "\n[[cookie]]\nname = \"{n}\"\ncategory = \"{}\"\nexpiry = \"{e}\"\nprovider = \"{p}\"\n",
            c.to_lowercase()
        ));
    }
    let file = dir.path().join("policy.toml");
    std::fs::write(&file, toml).unwrap();
    let rt = runtime();
    let server = https_server(&rt, HOSTS, site(String::new(), "", vec![]));
    let tmp = tempdir();
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--consent".into(),
        "initial".into(),
        "https://www.fixture.test/".into(),
        "--wait".into(),
        "0.5".into(),
        "--policy".into(),
        file.to_str().unwrap().into(),
        "--fail-on".into(),
        "high".into(),
    ];
    args.extend(chrome_args(&server));
    let out = run(&args, tmp.path());
    assert_eq!(
        out.code, 1,
        "findings at or above --fail-on give exit 1: {}",
        out.stderr
    );
    let r = out.json();
    // The file names Google as its vendor and the technologies; web beacons are not named.
    check_family(&r, None, "policy-file", PLANTED);
    let dcl010 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "DCL-010")
        .unwrap();
    assert!(
        dcl010["evidence"]["declared"]["location"]
            .as_str()
            .unwrap()
            .contains("policy.toml (line "),
        "{dcl010:#}"
    );

    // A policy file with an error: the line is reported, the scan is still reported, exit 2.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "format = 1\n\n[[cookie]]\nname = \"_ga\"\ncategory = \"stats\"\n",
    )
    .unwrap();
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--consent".into(),
        "initial".into(),
        "https://www.fixture.test/".into(),
        "--wait".into(),
        "0".into(),
        "--policy".into(),
        bad.to_str().unwrap().into(),
        "--no-policy-pages".into(),
    ];
    args.extend(chrome_args(&server));
    let out = run(&args, tmp.path());
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("bad.toml:3: cookie \"_ga\": unknown category \"stats\""),
        "{}",
        out.stderr
    );
    let r = out.json();
    assert_eq!(r["passes"][0]["name"], "initial");
}

#[test]
fn control_site_declares_everything_and_gets_no_finding_above_info() {
    let correct: &[(&str, &str, &str, &str)] = &[
        ("sess_id", "fixture.test", "Necessary", "Session"),
        ("_ga", "Google", "Statistics", "2 years"),
        ("_gid", "Google", "Statistics", "1 day"),
        ("lang_pref", "fixture.test", "Preferences", "30 days"),
        ("promo_seen", "fixture.test", "Marketing", "Session"),
        ("ab_bucket", "fixture.test", "Preferences", "Session"),
        ("_fbp", "Meta", "Marketing", "3 months"),
        ("ajs_anonymous_id", "fixture.test", "Statistics", "Persistent"),
    ];
    let rows: String = correct
        .iter()
        .map(|(n, p, c, e)| {
            format!("<tr><td>{n}</td><td>{p}</td><td>A purpose</td><td>{e}</td><td>{c}</td></tr>")
        })
        .collect();
    let table = format!(
        "<html><head><title>Cookie policy</title></head><body><table><tr><th>Name</th><th>Provider</th><th>Purpose</th><th>Expiry</th><th>Category</th></tr>{rows}</table></body></html>"
    );
    let privacy = "<html><head><title>Privacy policy</title></head><body><p>We use cookies, local storage and web beacons.</p>\
        <p>We use Google Analytics for statistics and the Meta Pixel (Facebook) for advertising.</p></body></html>";
    let home = page(
        "",
        "<a href=\"/cookie-policy\">Cookie policy</a> <a href=\"/privacy-notice\">Privacy notice</a>",
    );
    let handler = move |r: &Request| match (r.host.as_str(), r.path.as_str()) {
        ("www.fixture.test", "/") => Response::html(home.replace("max-age=63072000", "max-age=34128000"))
            .header("Set-Cookie", "sess_id=s1; Path=/; Secure; HttpOnly"),
        ("www.fixture.test", "/cookie-policy") => Response::html(table.clone()),
        ("www.fixture.test", "/privacy-notice") => Response::html(privacy),
        ("www.google-analytics.com", _) => Response::empty(204),
        ("connect.facebook.net", _) => Response::js("window.fbq = function () {};"),
        _ => Response::not_found(),
    };
    let r = scan(handler, &["--fail-on".into(), "low".into()]);
    let above_info: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        // No banner: what it does before consent is the consent tests' subject.
        .filter(|f| !f["rule"].as_str().unwrap_or_default().starts_with("CNS-"))
        .collect();
    assert!(above_info.is_empty(), "{above_info:#?}");
    let table_items = r["declared"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["source"] == 0)
        .count();
    assert_eq!(r["declared"]["sources"][0]["kind"], "html-table");
    assert_eq!(table_items, correct.len());
}

#[test]
fn a_site_without_any_policy_gets_pol_006_only() {
    let home = "<!doctype html><html><body><h1>No policy here</h1><script>document.cookie = \"pref=1; max-age=600; path=/\";</script></body></html>";
    let r = scan(
        move |r: &Request| {
            if r.path == "/" {
                Response::html(home)
            } else {
                Response::not_found()
            }
        },
        &[],
    );
    assert_eq!(findings(&r), expected(&[("POL-006", "site:fixture.test")]));
    assert_eq!(r["findings"][0]["severity"], "info");
    assert_eq!(r["declared"], Value::Null);
}

#[test]
fn explain_prints_every_rule() {
    let out = crumbs().args(["explain"]).output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    for rule in crumbs::audit::rules::RULES {
        assert!(list.contains(rule.id), "{list}");
        let out = crumbs().args(["explain", rule.id]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("{} — {}", rule.id, rule.title)),
            "{text}"
        );
        assert!(text.contains("Fires when:"));
    }
    let out = crumbs().args(["explain", "NOPE-1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn crumbs_policy_reads_files_of_every_kind() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/");
    let run_policy = |path: &str| -> (i32, Value, String) {
        let out = crumbs().args(["policy", path]).output().unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (
            out.status.code().unwrap_or(-1),
            json,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let counts = |p: &Value| -> Vec<(String, u64)> {
        let mut m = std::collections::BTreeMap::new();
        for i in p["items"].as_array().unwrap() {
            *m.entry(i["category"].as_str().unwrap().to_string()).or_insert(0) +=
                i["count"].as_u64().unwrap();
        }
        m.into_iter().collect()
    };
    // The flattened Cookiebot declaration of the seed: 139 rows, its own category counts.
    let (code, p, err) = run_policy(&format!("{shared}seeds/000_1d3e92ae33ea1a38.txt"));
    assert_eq!(code, 0, "{err}");
    let rows = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| p["sources"][i["source"].as_u64().unwrap() as usize]["kind"] == "cookiebot-text")
        .count();
    assert_eq!(rows, 139);
    let text_items: Vec<&Value> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| p["sources"][i["source"].as_u64().unwrap() as usize]["kind"] == "cookiebot-text")
        .collect();
    let mut by_cat = std::collections::BTreeMap::new();
    for i in &text_items {
        *by_cat.entry(i["category"].as_str().unwrap()).or_insert(0) += i["count"].as_u64().unwrap();
    }
    assert_eq!(
        by_cat,
        [
            ("marketing", 94),
            ("necessary", 36),
            ("preferences", 10),
            ("statistics", 39),
            ("unclassified", 24)
        ]
        .into()
    );
    // A Cookiebot cc.js and a OneTrust domain-data file.
    let (code, p, _) = run_policy(&format!(
        "{shared}reference/declarations/cookiebot_ccjs_tables_example1.txt"
    ));
    assert_eq!(code, 0);
    assert_eq!(p["sources"][0]["kind"], "cookiebot-ccjs");
    assert_eq!(p["items"].as_array().unwrap().len(), 46);
    let (_, p, _) = run_policy(&format!(
        "{shared}reference/declarations/onetrust_domaindata_variantA_metabomb_2020.json"
    ));
    assert_eq!(p["sources"][0]["kind"], "onetrust-domaindata");
    assert_eq!(
        counts(&p),
        vec![
            ("marketing".into(), 73),
            ("necessary".into(), 3),
            ("preferences".into(), 1),
            ("statistics".into(), 5)
        ]
    );
    // The privacy clause of seed 004.
    let (_, p, _) = run_policy(&format!("{shared}seeds/004_e2c901a0d9520351.txt"));
    let vendors: BTreeSet<&str> = p["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["vendor"].as_str())
        .collect();
    for v in ["google-adsense", "google-recaptcha", "google-analytics"] {
        assert!(vendors.contains(v), "{vendors:?}");
    }
    assert!(
        p["retention"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["duration_secs"] == 180 * 86_400)
    );

    // Bad inputs: binary, Latin-1, a malformed consent-manager config, a missing file.
    let dir = tempdir();
    let bin = dir.path().join("policy.bin");
    std::fs::write(
        &bin,
        (0..4096u32).map(|i| (i * 7 % 256) as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    let (code, p, _) = run_policy(bin.to_str().unwrap());
    assert_eq!(code, 0);
    assert!(
        p["sources"][0]["problems"][0]
            .as_str()
            .unwrap()
            .contains("binary"),
        "{p:#}"
    );
    let latin = dir.path().join("datenschutz.html");
    let mut bytes = b"<html><head><meta charset=\"iso-8859-1\"></head><body><h1>Datenschutzerkl\xe4rung</h1><p>Wir verwenden Cookies und Google Analytics. Wir verwenden keine Werbe-Cookies.</p></body></html>".to_vec();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&latin, bytes).unwrap();
    let (code, p, _) = run_policy(latin.to_str().unwrap());
    assert_eq!(code, 0);
    assert!(
        p["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["vendor"] == "google-analytics"),
        "{p:#}"
    );
    let broken = dir.path().join("onetrust.json");
    std::fs::write(
        &broken,
        "{\"DomainData\": {\"Groups\": [{\"GroupName\": \"Strictly\", \"FirstPartyCookies\": [",
    )
    .unwrap();
    let (code, p, _) = run_policy(broken.to_str().unwrap());
    assert_eq!(code, 0);
    assert!(
        !p["sources"][0]["problems"].as_array().unwrap().is_empty(),
        "{p:#}"
    );
    let out = crumbs()
        .args(["policy", "/nonexistent/policy.html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn crumbs_policy_of_a_url_finds_the_declarations() {
    let head = format!(
        "<script>{}</script><script src=\"https://consent.cookiebot.com/uc.js\"></script>",
        cookiebot_dialog()
    );
    let rt = runtime();
    let server = https_server(
        &rt,
        HOSTS,
        site(head, "<a href=\"/privacy\">Privacy policy</a>", vec![]),
    );
    let mut args: Vec<String> = vec![
        "policy".into(),
        "https://www.fixture.test/".into(),
        "--format".into(),
        "text".into(),
    ];
    args.extend(chrome_args(&server));
    let tmp = tempdir();
    let out = run(&args, tmp.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Consent manager: cookiebot"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Policy page: https://www.fixture.test/privacy"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("cookiebot-dialog: 7 items"), "{}", out.stdout);
    assert!(
        out.stdout.contains("says it does not use marketing"),
        "{}",
        out.stdout
    );
}
