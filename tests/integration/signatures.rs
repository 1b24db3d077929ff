//! The signature database: the whole corpus loads with exact counts, real tracker URLs
//! and cookie names are attributed to the right vendor, and the CLI explains matches.

use crumbs::app::Analysis;
use crumbs::classify::attribute::attribute_url;
use crumbs::cli::AnalysisArgs;
use crumbs::signatures::{self, SignatureIndex};

use crate::support::*;

fn index() -> &'static SignatureIndex {
    signatures::builtin_index().expect("the built-in signature database loads")
}

#[test]
fn corpus_loads_with_exact_counts() {
    let ix = index();
    let vendors = ix.vendors();
    // Update these numbers when you add signatures (see signatures/README.md).
    assert_eq!(vendors.len(), 608, "vendors");
    assert_eq!(ix.pattern_counts(), (2981, 204), "cookie and storage patterns");
    let hand_written = vendors
        .iter()
        .filter(|v| v.origin.file.starts_with("signatures/vendors/"))
        .count();
    assert_eq!(hand_written, 439, "hand-written vendors");
    let hand_patterns: usize = vendors
        .iter()
        .flat_map(|v| v.cookies.iter().chain(&v.storage))
        .filter(|s| s.origin.file.starts_with("signatures/vendors/"))
        .count();
    assert_eq!(hand_patterns, 1717, "hand-written cookie and storage patterns");
    assert!(hand_written >= 300 && ix.pattern_counts().0 + ix.pattern_counts().1 >= 1000);
    // Every vendor has a reference URL; ids are unique (the loader enforces it too).
    let mut ids: Vec<&str> = vendors.iter().map(|v| v.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), vendors.len());
    assert!(
        vendors
            .iter()
            .all(|v| v.reference.as_deref().is_some_and(|r| r.starts_with("http")))
    );
    for p in [
        "advertising",
        "analytics",
        "session-replay",
        "consent-management",
        "cdn",
        "security",
    ] {
        assert!(
            vendors.iter().any(|v| v.category.as_str() == p),
            "no vendor of category {p}"
        );
    }
}

#[test]
fn real_tracker_urls_are_attributed_to_the_right_vendor() {
    let ix = index();
    let cases = [
        (
            "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1.2",
            "google-analytics",
            "beacon",
        ),
        (
            "https://region1.google-analytics.com/g/collect?v=2",
            "google-analytics",
            "beacon",
        ),
        (
            "https://www.googletagmanager.com/gtm.js?id=GTM-ABC123",
            "google-tag-manager",
            "domain",
        ),
        (
            "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/123/",
            "google-ads",
            "beacon",
        ),
        (
            "https://ad.doubleclick.net/activity;src=123;type=x;cat=y",
            "google-doubleclick",
            "any",
        ),
        (
            "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js",
            "google-adsense",
            "domain",
        ),
        (
            "https://www.googleadservices.com/pagead/conversion/123456/?label=x",
            "google-ads",
            "any",
        ),
        ("https://www.youtube.com/embed/abc", "youtube", "domain"),
        (
            "https://fonts.googleapis.com/css2?family=Roboto",
            "google-fonts",
            "domain",
        ),
        (
            "https://maps.googleapis.com/maps/api/js?key=x",
            "google-maps",
            "domain",
        ),
        (
            "https://www.recaptcha.net/recaptcha/api.js",
            "google-recaptcha",
            "domain",
        ),
        (
            "https://connect.facebook.net/en_US/fbevents.js",
            "meta-pixel",
            "domain",
        ),
        (
            "https://www.facebook.com/tr?id=123&ev=PageView&noscript=1",
            "meta-pixel",
            "beacon",
        ),
        (
            "https://bat.bing.com/action/0?ti=123&evt=pageLoad",
            "microsoft-advertising",
            "beacon",
        ),
        ("https://www.clarity.ms/tag/abcdef", "microsoft-clarity", "domain"),
        (
            "https://px.ads.linkedin.com/collect?pid=1",
            "linkedin-insight",
            "beacon",
        ),
        (
            "https://snap.licdn.com/li.lms-analytics/insight.min.js",
            "linkedin-insight",
            "domain",
        ),
        (
            "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=X",
            "tiktok-pixel",
            "domain",
        ),
        ("https://static.ads-twitter.com/uwt.js", "x-ads", "domain"),
        (
            "https://ct.pinterest.com/v3/?event=init&tid=123",
            "pinterest-tag",
            "beacon",
        ),
        ("https://tr.snapchat.com/p", "snap-pixel", "any"),
        (
            "https://alb.reddit.com/rp.gif?id=t2_x&event=PageVisit",
            "reddit-pixel",
            "any",
        ),
        ("https://s.amazon-adsystem.com/iu3?cm3ppd=1", "amazon-ads", "any"),
        (
            "https://static.criteo.net/js/ld/publishertag.js",
            "criteo",
            "domain",
        ),
        (
            "https://insight.adsrvr.org/track/pxl?adv=x",
            "the-trade-desk",
            "any",
        ),
        ("https://secure.adnxs.com/px?id=1", "xandr", "any"),
        (
            "https://fastlane.rubiconproject.com/a/api/fastlane.json",
            "magnite",
            "domain",
        ),
        (
            "https://ads.pubmatic.com/AdServer/js/pwt/1/pwt.js",
            "pubmatic",
            "domain",
        ),
        (
            "https://dsum-sec.casalemedia.com/rrum?cm_dsp_id=1",
            "index-exchange",
            "domain",
        ),
        ("https://us-u.openx.net/w/1.0/sd?id=1", "openx", "any"),
        (
            "https://cdn.taboola.com/libtrc/site/loader.js",
            "taboola",
            "domain",
        ),
        ("https://widgets.outbrain.com/outbrain.js", "outbrain", "domain"),
        ("https://pixel.quantserve.com/pixel;r=1", "quantcast", "any"),
        ("https://sb.scorecardresearch.com/b?c1=2", "comscore", "any"),
        (
            "https://static.chartbeat.com/js/chartbeat.js",
            "chartbeat",
            "domain",
        ),
        (
            "https://static.hotjar.com/c/hotjar-123.js?sv=6",
            "hotjar",
            "domain",
        ),
        ("https://edge.fullstory.com/s/fs.js", "fullstory", "domain"),
        ("https://api-js.mixpanel.com/track/?verbose=1", "mixpanel", "any"),
        ("https://api2.amplitude.com/2/httpapi", "amplitude", "any"),
        (
            "https://cdn.segment.com/analytics.js/v1/KEY/analytics.min.js",
            "segment",
            "domain",
        ),
        ("https://us.i.posthog.com/e/", "posthog", "any"),
        (
            "https://browser-intake-datadoghq.com/api/v2/rum",
            "datadog-rum",
            "any",
        ),
        ("https://o123.ingest.sentry.io/api/1/envelope/", "sentry", "any"),
        ("https://bam.nr-data.net/1/abc", "new-relic-browser", "any"),
        ("https://cdn.optimizely.com/js/123.js", "optimizely", "domain"),
        (
            "https://dev.visualwebsiteoptimizer.com/j.php?a=1",
            "vwo",
            "domain",
        ),
        ("https://js.hs-scripts.com/123456.js", "hubspot", "domain"),
        ("https://widget.intercom.io/widget/abc", "intercom", "domain"),
        ("https://consent.cookiebot.com/uc.js", "cookiebot", "domain"),
        (
            "https://cdn.cookielaw.org/scripttemplates/otSDKStub.js",
            "onetrust",
            "domain",
        ),
        ("https://js.stripe.com/v3/", "stripe", "domain"),
        ("https://cdn.jsdelivr.net/npm/x@1/x.js", "jsdelivr", "domain"),
    ];
    let mut wrong = Vec::new();
    for (url, vendor, kind) in cases {
        match attribute_url(ix, url) {
            Some(a) if a.vendor == vendor && (kind == "any" || a.evidence[0].kind == kind) => {
                assert!(
                    a.evidence[0].source.starts_with("signatures/"),
                    "{url}: {:?}",
                    a.evidence
                );
            }
            Some(a) => wrong.push(format!("{url}: got {} ({})", a.vendor, a.evidence[0].kind)),
            None => wrong.push(format!("{url}: unattributed")),
        }
    }
    assert!(wrong.is_empty(), "misattributed:\n{}", wrong.join("\n"));
    assert!(attribute_url(ix, "https://www.example.org/index.html").is_none());
    assert!(attribute_url(ix, "https://cdn.shop.test/app.js").is_none());
}

#[test]
fn real_cookie_and_storage_names_are_attributed() {
    let ix = index();
    // (name, cookie domain, vendor, pattern kind)
    let cookies = [
        ("_ga", "shop.test", "google-analytics", "exact"),
        ("_ga_ABC123XYZ", "shop.test", "google-analytics", "placeholder"),
        ("_gid", "shop.test", "google-analytics", "exact"),
        ("_gcl_au", "shop.test", "google-ads", "exact"),
        ("IDE", ".doubleclick.net", "google-doubleclick", "exact"),
        ("__gads", "shop.test", "google-adsense", "exact"),
        ("_fbp", "shop.test", "meta-pixel", "exact"),
        ("_uetvid", "shop.test", "microsoft-advertising", "exact"),
        ("_clck", "shop.test", "microsoft-clarity", "exact"),
        ("li_sugr", ".linkedin.com", "linkedin-insight", "exact"),
        ("_ttp", "shop.test", "tiktok-pixel", "exact"),
        ("_pin_unauth", "shop.test", "pinterest-tag", "exact"),
        ("_scid", "shop.test", "snap-pixel", "exact"),
        ("_rdt_uuid", "shop.test", "reddit-pixel", "exact"),
        ("_hjSessionUser_123456", "shop.test", "hotjar", "placeholder"),
        ("mp_0123abcd_mixpanel", "shop.test", "mixpanel", "placeholder"),
        ("ph_phc_abc123_posthog", "shop.test", "posthog", "placeholder"),
        ("AMP_abcdef0123", "shop.test", "amplitude", "placeholder"),
        ("ajs_anonymous_id", "shop.test", "segment", "exact"),
        ("_sp_id.1fff", "shop.test", "snowplow", "placeholder"),
        ("_dd_s", "shop.test", "datadog-rum", "exact"),
        ("rl_anonymous_id", "shop.test", "rudderstack", "exact"),
        ("_pk_id.1.1fff", "shop.test", "matomo", "placeholder"),
        ("__hstc", "shop.test", "hubspot", "exact"),
        ("intercom-id-abc123", "shop.test", "intercom", "placeholder"),
        ("OptanonConsent", "shop.test", "onetrust", "exact"),
        ("CookieConsent", "shop.test", "cookiebot", "exact"),
        ("euconsent-v2", "shop.test", "iab-tcf", "exact"),
        ("__cf_bm", "shop.test", "cloudflare-bot-management", "exact"),
        ("_abck", "shop.test", "akamai-bot-manager", "exact"),
        ("__stripe_mid", "shop.test", "stripe", "exact"),
        ("_shopify_y", "shop.test", "shopify", "exact"),
        ("YSC", ".youtube.com", "youtube", "exact"),
    ];
    let mut wrong = Vec::new();
    for (name, domain, vendor, kind) in cookies {
        match ix.match_cookie(name, domain) {
            Some(m) if m.vendor.id == vendor && m.signature.pattern.kind() == kind => {}
            Some(m) => wrong.push(format!(
                "{name}: got {} ({})",
                m.vendor.id,
                m.signature.pattern.kind()
            )),
            None => wrong.push(format!("{name}: unattributed")),
        }
    }
    assert!(wrong.is_empty(), "misattributed:\n{}", wrong.join("\n"));
    // Generic names are only attributed on the vendor's own domains.
    assert!(ix.match_cookie("m", "shop.test").is_none());
    assert_eq!(ix.match_cookie("m", ".stripe.com").unwrap().vendor.id, "stripe");
    // Names nobody declares stay unattributed.
    for name in ["session_id", "cart_token", "PHPSESSID_x", "my_own_cookie"] {
        assert!(ix.match_cookie(name, "shop.test").is_none(), "{name}");
    }
    assert_eq!(
        ix.match_storage("_dd_s", "www.shop.test").unwrap().vendor.id,
        "datadog-rum"
    );
    assert_eq!(
        ix.match_storage("ajs_anonymous_id", "www.shop.test")
            .unwrap()
            .vendor
            .id,
        "segment"
    );
}

#[test]
fn explain_and_stats_on_the_command_line() {
    let out = crumbs()
        .args([
            "signatures",
            "explain",
            "https://www.google-analytics.com/g/collect?v=2",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("match domain google-analytics.com"), "{text}");
    assert!(
        text.contains("beacon endpoint /g/collect of google-analytics  [signatures/vendors/analytics.toml:"),
        "{text}"
    );

    let out = crumbs()
        .args(["signatures", "explain", "_ga_ABC123"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("placeholder pattern _ga_#") && first.contains("google-analytics: statistics"),
        "{text}"
    );

    let out = crumbs()
        .args(["signatures", "explain", "no-such-cookie-name"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing matches"));

    let out = crumbs().args(["signatures", "stats"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("vendors          608"), "{text}");
    assert!(
        text.contains("signatures/imported/open-cookie-database.toml"),
        "{text}"
    );

    let out = crumbs().arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("(signatures {})", signatures::DB_VERSION))
    );
}

#[test]
fn extra_sources_and_bad_files() {
    let dir = tempdir();
    let mine = dir.path().join("mine.toml");
    std::fs::write(
        &mine,
        "format = 1\n[[vendor]]\nid = \"acme\"\nname = \"Acme\"\nowner = \"Acme\"\ncategory = \"analytics\"\ndomains = [\"acme.test\"]\ncookies = [{ name = \"acme_id\", purpose = \"statistics\" }]\n",
    )
    .unwrap();
    let a = Analysis::load(&AnalysisArgs {
        signatures: vec![mine.clone()],
        lists: vec![],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        a.signatures.match_cookie("acme_id", "x.test").unwrap().vendor.id,
        "acme"
    );
    assert_eq!(
        a.signatures
            .match_cookie("acme_id", "x.test")
            .unwrap()
            .signature
            .origin
            .line,
        8
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "format = 1\n[[vendor]]\nid = \"x\"\nname = \"X\"\nowner = \"X\"\ncategory = \"nonsense\"\n",
    )
    .unwrap();
    let e = Analysis::load(&AnalysisArgs {
        signatures: vec![bad.clone()],
        lists: vec![],
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("bad.toml:6") && e.contains("unknown category \"nonsense\""),
        "{e}"
    );
    let out = crumbs()
        .args(["signatures", "stats", "--signatures", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("bad.toml:6"))
            .count(),
        1
    );
}
