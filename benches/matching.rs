//! Criterion benchmarks for the matching and parsing paths:
//! host and cookie-name lookups in the signature index, one EasyPrivacy check per request,
//! and the whole analysis of the largest shared HAR (607 entries) after capture.
//!
//! The EasyPrivacy list and the HAR are read from `../shared/reference/` (not shipped).
//! Run with `cargo bench --bench matching`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crumbs::app::Analysis;
use crumbs::cli::AnalysisArgs;
use crumbs::signatures::lists::FilterLists;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference");

const HOSTS: &[&str] = &[
    "www.google-analytics.com",
    "region1.google-analytics.com",
    "connect.facebook.net",
    "www.facebook.com",
    "bat.bing.com",
    "www.clarity.ms",
    "static.hotjar.com",
    "script.hotjar.com",
    "cdn.segment.com",
    "api.segment.io",
    "googleads.g.doubleclick.net",
    "securepubads.g.doubleclick.net",
    "pagead2.googlesyndication.com",
    "www.googletagmanager.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "cdn.cookielaw.org",
    "consent.cookiebot.com",
    "js.hs-scripts.com",
    "snap.licdn.com",
    "analytics.tiktok.com",
    "static.criteo.net",
    "ib.adnxs.com",
    "www.example.org",
    "cdn.shop.example",
    "images.unknown-cdn.net",
    "static.somesite.co.uk",
    "a.b.c.d.e.example.com",
    "api.mixpanel.com",
    "cdn.amplitude.com",
];

const COOKIES: &[(&str, &str)] = &[
    ("_ga", "shop.example"),
    ("_ga_ABC123XYZ", "shop.example"),
    ("_gid", "shop.example"),
    ("_gat_UA-12345-1", "shop.example"),
    ("_fbp", "shop.example"),
    ("_hjSessionUser_123456", "shop.example"),
    ("_hjSession_123456", "shop.example"),
    ("mp_0123456789abcdef_mixpanel", "shop.example"),
    ("AMP_abcdef0123", "shop.example"),
    ("ajs_anonymous_id", "shop.example"),
    ("_sp_id.1fff", "shop.example"),
    ("_dd_s", "shop.example"),
    ("IDE", ".doubleclick.net"),
    ("MUID", ".bing.com"),
    ("OptanonConsent", "shop.example"),
    ("CookieConsent", "shop.example"),
    ("session_id", "shop.example"),
    ("cart", "shop.example"),
    ("lang", "shop.example"),
    ("PHPSESSID", "shop.example"),
];

fn analysis() -> Analysis {
    Analysis::load(&AnalysisArgs::default()).expect("built-in signatures load")
}

fn lookups(c: &mut Criterion) {
    let a = analysis();
    let ix = &a.signatures;
    let mut g = c.benchmark_group("signatures");
    g.throughput(Throughput::Elements(HOSTS.len() as u64));
    g.bench_function("host lookup", |b| {
        b.iter(|| {
            let mut n = 0;
            for h in HOSTS {
                n += usize::from(ix.match_host(black_box(h)).is_some());
            }
            n
        })
    });
    g.throughput(Throughput::Elements(COOKIES.len() as u64));
    g.bench_function("cookie-name lookup", |b| {
        b.iter(|| {
            let mut n = 0;
            for (name, domain) in COOKIES {
                n += usize::from(ix.match_cookie(black_box(name), black_box(domain)).is_some());
            }
            n
        })
    });
    g.finish();
}

fn har_text() -> Option<String> {
    std::fs::read_to_string(format!("{SHARED}/har/expressen.se_2018_wpt.har")).ok()
}

fn easyprivacy(c: &mut Criterion) {
    let Ok(list) = std::fs::read_to_string(format!("{SHARED}/easylist/easyprivacy.txt")) else {
        eprintln!("skipping the EasyPrivacy benchmark: {SHARED}/easylist/easyprivacy.txt not found");
        return;
    };
    let lists = FilterLists::from_texts(&[("easyprivacy.txt".into(), list)]);
    let Some(har) = har_text() else { return };
    let cap = crumbs::capture::har_import::capture_from_har(&har, "expressen.har").expect("HAR loads");
    let reqs: Vec<(String, String, String, bool)> = cap
        .requests
        .iter()
        .filter_map(|r| {
            let host = crumbs::classify::host_of(&r.url)?;
            let third = crumbs::classify::registrable_domain(&host) != "expressen.se";
            let t = crumbs::signatures::lists::list_request_type(&r.resource_type, false).to_string();
            Some((r.url.clone(), host, t, third))
        })
        .collect();
    let mut g = c.benchmark_group("lists");
    g.throughput(Throughput::Elements(reqs.len() as u64));
    g.bench_function("EasyPrivacy check per request", |b| {
        b.iter(|| {
            let mut n = 0;
            for (url, host, t, third) in &reqs {
                n += usize::from(
                    lists
                        .check(url, host, "www.expressen.se", t, *third, "GET")
                        .is_some(),
                );
            }
            n
        })
    });
    g.finish();
}

fn har_analysis(c: &mut Criterion) {
    let Some(har) = har_text() else {
        eprintln!("skipping the HAR benchmark: the shared HAR was not found");
        return;
    };
    let a = analysis();
    let mut g = c.benchmark_group("har");
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("analyse expressen.se HAR (607 entries)", |b| {
        b.iter(|| crumbs::app::analyse_har(black_box(&har), "expressen.har", &a, false).expect("analysis"))
    });
    g.finish();
}

criterion_group!(benches, lookups, easyprivacy, har_analysis);
criterion_main!(benches);
