//! The built-in demo web that `crumbs demo` scans: an invented grocery shop,
//! BrightBasket, and the invented third parties embedded in it (a font CDN, an
//! analytics tag, an ad pixel with a cookie-sync redirect chain, a social
//! share iframe with partitioned state, and a session-replay script).
//!
//! This module owns the pages, scripts and routing ([`handler`]), the list of
//! hostnames they use, the [`DemoWeb`] wrapper that serves them from one
//! loopback [`SiteServer`], and the catalogue of what a visit to the home page
//! leaves behind ([`DEMO_COOKIES`], [`DEMO_STORAGE`], [`DEMO_REQUESTS`]) so
//! tests can assert it. Every name, page and script here is invented; all
//! hostnames are under the reserved `.example` TLD and every URL is written
//! without a port (Chromium's host-resolver rule sends all of them to the
//! server).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ring::rand::SecureRandom as _;

use super::server::{Handler, Request, Response, ServerError, SiteServer};

/// Signatures of the demo web's invented vendors: (name, TOML), loaded by `crumbs demo`.
pub const DEMO_SIGNATURES: (&str, &str) = ("demo/signatures.toml", include_str!("signatures.toml"));

/// The first-party shop.
pub const SHOP_HOST: &str = "www.brightbasket.example";
/// Where a scan of the demo starts.
pub const START_URL: &str = "https://www.brightbasket.example/";

const HOSTNAMES: &[&str] = &[
    "www.brightbasket.example",
    "brightbasket.example",
    "static.brightbasket.example",
    "cdn.fastfonts.example",
    "js.tagpulse.example",
    "collect.tagpulse.example",
    "px.adloop.example",
    "sync.datamesh.example",
    "widgets.chatterbox.example",
    "social.chatterbox.example",
    "cdn.heatmapr.example",
    "in.heatmapr.example",
];

/// How a demo cookie gets set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetBy {
    /// A `Set-Cookie` response header.
    Http,
    /// `document.cookie` in a script.
    Script,
}

/// A cookie that loading the demo home page sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCookie {
    /// Cookie name.
    pub name: &'static str,
    /// The host the cookie belongs to (host-only cookies: no Domain attribute).
    pub host: &'static str,
    /// Header or script.
    pub set_by: SetBy,
    /// Whether the host is a different site from `www.brightbasket.example`.
    pub third_party: bool,
    /// Lifetime in seconds from `Max-Age` / `max-age`; `None` for a session cookie.
    pub max_age: Option<u64>,
    /// `Secure` attribute.
    pub secure: bool,
    /// `HttpOnly` attribute.
    pub http_only: bool,
    /// `SameSite` attribute as written, if any.
    pub same_site: Option<&'static str>,
    /// `Partitioned` attribute (CHIPS).
    pub partitioned: bool,
    /// Listed in the shop's own cookie table at `/cookies`.
    pub declared: bool,
}

const fn cookie(name: &'static str, host: &'static str, set_by: SetBy) -> DemoCookie {
    DemoCookie {
        name,
        host,
        set_by,
        third_party: false,
        max_age: None,
        secure: false,
        http_only: false,
        same_site: None,
        partitioned: false,
        declared: false,
    }
}

/// Every cookie a visit to the home page sets, in the order they are set on a
/// typical load (the order of the asynchronous ones may vary).
pub const DEMO_COOKIES: &[DemoCookie] = &[
    DemoCookie {
        secure: true,
        http_only: true,
        same_site: Some("Lax"),
        declared: true,
        ..cookie("bb_session", SHOP_HOST, SetBy::Http)
    },
    DemoCookie {
        secure: true,
        max_age: Some(2_592_000),
        declared: true,
        ..cookie("bb_cart", SHOP_HOST, SetBy::Http)
    },
    DemoCookie {
        secure: true,
        max_age: Some(31_536_000),
        declared: true,
        ..cookie("bb_theme", SHOP_HOST, SetBy::Script)
    },
    DemoCookie {
        max_age: Some(63_072_000),
        declared: true,
        ..cookie("_tp_id", SHOP_HOST, SetBy::Script)
    },
    DemoCookie {
        third_party: true,
        secure: true,
        max_age: Some(34_560_000),
        same_site: Some("None"),
        ..cookie("tp_uid", "collect.tagpulse.example", SetBy::Http)
    },
    DemoCookie {
        third_party: true,
        secure: true,
        max_age: Some(31_536_000),
        same_site: Some("None"),
        ..cookie("dm_id", "sync.datamesh.example", SetBy::Http)
    },
    DemoCookie {
        third_party: true,
        secure: true,
        max_age: Some(63_072_000),
        same_site: Some("None"),
        ..cookie("al_uid", "px.adloop.example", SetBy::Http)
    },
    DemoCookie {
        third_party: true,
        secure: true,
        same_site: Some("None"),
        ..cookie("cb_sess", "widgets.chatterbox.example", SetBy::Http)
    },
    DemoCookie {
        third_party: true,
        secure: true,
        same_site: Some("None"),
        partitioned: true,
        ..cookie("cb_part", "widgets.chatterbox.example", SetBy::Http)
    },
    DemoCookie {
        third_party: true,
        secure: true,
        max_age: Some(86_400),
        same_site: Some("None"),
        ..cookie("cb_js", "widgets.chatterbox.example", SetBy::Script)
    },
];

/// Web storage written by a visit to the home page:
/// (origin, `"localStorage"` | `"sessionStorage"` | `"indexedDB"`, key or database name).
/// The chatterbox entry lives in the iframe, so Chromium partitions it under
/// the top-level site `https://brightbasket.example`.
pub const DEMO_STORAGE: &[(&str, &str, &str)] = &[
    ("https://www.brightbasket.example", "localStorage", "bb_recent"),
    ("https://www.brightbasket.example", "sessionStorage", "bb_tab"),
    ("https://www.brightbasket.example", "indexedDB", "bb-offline"),
    ("https://www.brightbasket.example", "localStorage", "_tp_session"),
    ("https://www.brightbasket.example", "sessionStorage", "_hm_rec"),
    ("https://widgets.chatterbox.example", "localStorage", "cb_seen"),
];

/// Requests a visit to the home page makes: (method, host, path), in no
/// guaranteed order. Query strings are left out (several carry random ids).
/// The `/px` beacon is sent 800 ms after the load event; the `ping` link is
/// never clicked, so `/ping` is not listed. Chromium's own background requests
/// (if any) also reach the server through the resolver rule and are not listed.
pub const DEMO_REQUESTS: &[(&str, &str, &str)] = &[
    ("GET", "www.brightbasket.example", "/"),
    ("GET", "cdn.fastfonts.example", "/css/brightsans.css"),
    ("GET", "static.brightbasket.example", "/app.js"),
    ("GET", "js.tagpulse.example", "/tp.js"),
    ("GET", "cdn.heatmapr.example", "/rec.js"),
    ("GET", "static.brightbasket.example", "/img/apples.png"),
    ("GET", "static.brightbasket.example", "/img/bread.png"),
    ("GET", "static.brightbasket.example", "/img/milk.png"),
    ("GET", "cdn.fastfonts.example", "/fonts/brightsans.woff2"),
    ("GET", "widgets.chatterbox.example", "/share"),
    ("GET", "social.chatterbox.example", "/widget.js"),
    ("GET", "px.adloop.example", "/p.gif"),
    ("GET", "sync.datamesh.example", "/match"),
    ("GET", "px.adloop.example", "/p2.gif"),
    ("POST", "collect.tagpulse.example", "/v1/collect"),
    ("POST", "in.heatmapr.example", "/rec"),
    ("GET", "in.heatmapr.example", "/px"),
];

/// The demo web running on a loopback HTTPS server.
#[derive(Debug)]
pub struct DemoWeb {
    server: SiteServer,
}

impl DemoWeb {
    /// Generate a certificate for [`DemoWeb::hostnames`] and serve the demo on
    /// an ephemeral 127.0.0.1 port. Must be called inside a tokio runtime.
    pub async fn start() -> Result<DemoWeb, ServerError> {
        let server = SiteServer::start_https(HOSTNAMES, handler()).await?;
        Ok(DemoWeb { server })
    }

    /// `https://www.brightbasket.example/`.
    pub fn start_url(&self) -> String {
        START_URL.to_owned()
    }

    /// The Chromium flags the scan needs to reach the demo: the host-resolver
    /// rule and the SPKI pin of the generated certificate.
    pub fn chrome_args(&self) -> Vec<String> {
        let mut args = vec![format!("--host-resolver-rules={}", self.server.resolver_rule())];
        if let Some(hash) = self.server.spki_hash() {
            args.push(format!("--ignore-certificate-errors-spki-list={hash}"));
        }
        args
    }

    /// Every hostname the demo serves (all are in the certificate).
    pub fn hostnames() -> &'static [&'static str] {
        HOSTNAMES
    }

    /// The underlying server (port, certificate, request log).
    pub fn server(&self) -> &SiteServer {
        &self.server
    }

    /// Stop serving and close every connection.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// The demo's routing: host first, then path. Unknown hosts and paths get 404.
pub fn handler() -> Handler {
    Arc::new(route)
}

fn route(req: &Request) -> Response {
    let path = req.path.as_str();
    match req.host.as_str() {
        "www.brightbasket.example" => shop(req),
        "brightbasket.example" => Response::redirect(
            301,
            &format!("https://{SHOP_HOST}/{}", req.target().trim_start_matches('/')),
        ),
        "static.brightbasket.example" => match path {
            "/app.js" => Response::js(APP_JS),
            "/img/apples.png" => image([0xd9, 0x4b, 0x3c, 0xff]),
            "/img/bread.png" => image([0xc8, 0x95, 0x4a, 0xff]),
            "/img/milk.png" => image([0xe9, 0xee, 0xf2, 0xff]),
            _ => Response::not_found(),
        },
        "cdn.fastfonts.example" => match path {
            "/css/brightsans.css" => Response::css(FONT_CSS)
                .header("Access-Control-Allow-Origin", "*")
                .header("Cache-Control", "public, max-age=86400"),
            // Fonts are fetched in CORS mode. The bytes are a placeholder, not a
            // real font: Chromium falls back to the next family in the stack.
            "/fonts/brightsans.woff2" => Response::bytes("font/woff2", FONT_PLACEHOLDER)
                .header("Access-Control-Allow-Origin", "*")
                .header("Cache-Control", "public, max-age=31536000"),
            _ => Response::not_found(),
        },
        "js.tagpulse.example" => match path {
            "/tp.js" => Response::js(TAGPULSE_JS),
            _ => Response::not_found(),
        },
        "collect.tagpulse.example" => match path {
            "/v1/collect" => Response::empty(204).header(
                "Set-Cookie",
                &format!(
                    "tp_uid={}; Max-Age=34560000; Secure; SameSite=None; Path=/",
                    cookie_or_new(req, "tp_uid", 16)
                ),
            ),
            "/ping" => Response::empty(204),
            _ => Response::not_found(),
        },
        "px.adloop.example" => match path {
            "/p.gif" => {
                let uid = req
                    .query_param("uid")
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| random_hex(8));
                Response::redirect(
                    302,
                    &format!(
                        "https://sync.datamesh.example/match?partner=adloop&puid={}",
                        query_escape(&uid)
                    ),
                )
            }
            "/p2.gif" => Response::gif_1x1().header("Cache-Control", "no-store").header(
                "Set-Cookie",
                &format!(
                    "al_uid={}; Max-Age=63072000; Secure; SameSite=None; Path=/",
                    cookie_or_new(req, "al_uid", 12)
                ),
            ),
            _ => Response::not_found(),
        },
        "sync.datamesh.example" => match path {
            "/match" => Response::redirect(302, "https://px.adloop.example/p2.gif?synced=1")
                .header("Cache-Control", "no-store")
                .header(
                    "Set-Cookie",
                    &format!(
                        "dm_id={}; Max-Age=31536000; Secure; SameSite=None; Path=/",
                        cookie_or_new(req, "dm_id", 16)
                    ),
                ),
            _ => Response::not_found(),
        },
        "widgets.chatterbox.example" => match path {
            "/share" => Response::html(share_widget_html(&req.query_param("url").unwrap_or_default()))
                .header(
                    "Set-Cookie",
                    &format!(
                        "cb_sess={}; Secure; SameSite=None; Path=/",
                        cookie_or_new(req, "cb_sess", 16)
                    ),
                )
                .header(
                    "Set-Cookie",
                    &format!(
                        "cb_part={}; Secure; SameSite=None; Partitioned; Path=/",
                        cookie_or_new(req, "cb_part", 8)
                    ),
                ),
            _ => Response::not_found(),
        },
        "social.chatterbox.example" => match path {
            "/widget.js" => Response::js(CHATTERBOX_JS),
            _ => Response::not_found(),
        },
        "cdn.heatmapr.example" => match path {
            "/rec.js" => Response::js(HEATMAPR_JS),
            _ => Response::not_found(),
        },
        "in.heatmapr.example" => match path {
            "/rec" => {
                Response::empty(204).header("Access-Control-Allow-Origin", "https://www.brightbasket.example")
            }
            "/px" => Response::gif_1x1().header("Cache-Control", "no-store"),
            _ => Response::not_found(),
        },
        _ => Response::not_found(),
    }
}

fn shop(req: &Request) -> Response {
    match req.path.as_str() {
        "/" => Response::html(home_html(&random_hex(8)))
            .header("Cache-Control", "no-store")
            .header(
                "Set-Cookie",
                &format!(
                    "bb_session={}; Path=/; HttpOnly; Secure; SameSite=Lax",
                    cookie_or_new(req, "bb_session", 16)
                ),
            )
            .header("Set-Cookie", "bb_cart=0; Path=/; Max-Age=2592000; Secure"),
        "/privacy" => Response::html(PRIVACY_HTML),
        "/cookies" => Response::html(COOKIES_HTML),
        "/offers" => Response::html(OFFERS_HTML),
        _ => Response::not_found(),
    }
}

fn image(rgba: [u8; 4]) -> Response {
    Response::png_rgba(160, 100, rgba).header("Cache-Control", "public, max-age=86400")
}

/// The value of cookie `name` sent with the request, or a fresh random hex id
/// of `bytes` bytes (trackers keep the id a browser already has).
fn cookie_or_new(req: &Request, name: &str, bytes: usize) -> String {
    req.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| random_hex(bytes))
}

fn query_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `bytes` random bytes (at most 32) as lowercase hex.
fn random_hex(bytes: usize) -> String {
    static FALLBACK_COUNTER: AtomicU64 = AtomicU64::new(0);
    let bytes = bytes.min(32);
    let mut buf = [0u8; 32];
    if ring::rand::SystemRandom::new().fill(&mut buf).is_err() {
        // No OS randomness: ids only need to differ, not be secret.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let seed = format!("{nanos}-{}", FALLBACK_COUNTER.fetch_add(1, Ordering::Relaxed));
        buf.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, seed.as_bytes()).as_ref());
    }
    buf[..bytes].iter().map(|b| format!("{b:02x}")).collect()
}

const PAGE_STYLE: &str = r#"<style>
  body { font-family: 'Bright Sans', system-ui, sans-serif; margin: 0; color: #1d2b1f; background: #f7faf5; }
  header { background: #2f7d32; color: #fff; padding: 14px 24px; display: flex; justify-content: space-between; align-items: center; }
  header a { color: #fff; margin-left: 18px; }
  header .logo { font-size: 22px; font-weight: bold; color: #fff; text-decoration: none; margin: 0; }
  main { padding: 8px 24px 24px; max-width: 880px; margin: 0 auto; }
  .products { display: flex; gap: 16px; flex-wrap: wrap; }
  .product { background: #fff; border-radius: 8px; padding: 12px; width: 160px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  .product img { display: block; border-radius: 4px; }
  .product h3 { margin: 10px 0 4px; font-size: 16px; }
  .product p { margin: 0; color: #4a5a4c; }
  .offer { display: inline-block; margin: 20px 0; padding: 10px 16px; background: #ffb300; color: #1d2b1f; border-radius: 6px; text-decoration: none; font-weight: bold; }
  iframe { border: 1px solid #cfd8cc; border-radius: 6px; background: #fff; }
  table { border-collapse: collapse; background: #fff; }
  th, td { border: 1px solid #cfd8cc; padding: 6px 10px; text-align: left; }
  footer { padding: 24px; font-size: 14px; color: #4a5a4c; text-align: center; }
  footer a { color: #2f7d32; }
</style>"#;

fn page(title: &str, head_extra: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="https://cdn.fastfonts.example/css/brightsans.css">
{PAGE_STYLE}
{head_extra}</head>
<body>
<header><a class="logo" href="/">BrightBasket</a><nav><a href="/offers">Offers</a><a href="/privacy">Privacy</a><a href="/cookies">Cookies</a></nav></header>
<main>
{body}
</main>
<footer>BrightBasket is an invented shop for the crumbs demo. <a href="/privacy">Privacy notice</a> &middot; <a href="/cookies">Cookie list</a></footer>
</body>
</html>
"#
    )
}

/// The shop's consent banner. It looks the part, stores the visitor's choice in
/// `bb_consent`, and changes nothing else: every tracker fires before a choice and after
/// "reject all" alike, which the consent passes report.
const CONSENT_BANNER: &str = r#"<div id="bb-consent" role="dialog" aria-label="Cookie consent" hidden
 style="position:fixed;left:0;right:0;bottom:0;padding:16px;background:#fff;border-top:2px solid #2d6a4f;font:15px sans-serif">
<p>We use cookies to run the shop, measure visits and show you offers.</p>
<button id="bb-reject">Reject all</button> <button id="bb-accept">Accept all</button>
</div>
<script>
(function () {
  var box = document.getElementById("bb-consent");
  if (document.cookie.indexOf("bb_consent=") >= 0) return;
  box.hidden = false;
  function choose(v) {
    document.cookie = "bb_consent=" + v + "; max-age=15552000; path=/; SameSite=Lax";
    box.hidden = true;
  }
  document.getElementById("bb-reject").onclick = function () { choose("rejected"); };
  document.getElementById("bb-accept").onclick = function () { choose("accepted"); };
})();
</script>"#;

fn home_html(ad_uid: &str) -> String {
    let head = r#"<script src="https://static.brightbasket.example/app.js" defer></script>
<script src="https://js.tagpulse.example/tp.js" async></script>
<script src="https://cdn.heatmapr.example/rec.js" async></script>
"#;
    let body = format!(
        r#"<h1>Fresh groceries, delivered today</h1>
<p>Local fruit, bread and dairy from farms near you.</p>
<div class="products">
  <div class="product"><img src="https://static.brightbasket.example/img/apples.png" width="160" height="100" alt="Apples"><h3>Apples</h3><p>1 kg &middot; &euro;2.40</p></div>
  <div class="product"><img src="https://static.brightbasket.example/img/bread.png" width="160" height="100" alt="Sourdough bread"><h3>Sourdough bread</h3><p>800 g &middot; &euro;3.90</p></div>
  <div class="product"><img src="https://static.brightbasket.example/img/milk.png" width="160" height="100" alt="Oat milk"><h3>Oat milk</h3><p>1 l &middot; &euro;1.80</p></div>
</div>
<a class="offer" href="https://www.brightbasket.example/offers" ping="https://collect.tagpulse.example/ping?l=offers">See this week's offers</a>
<h2>Tell your friends</h2>
<iframe src="https://widgets.chatterbox.example/share?url=https%3A%2F%2Fwww.brightbasket.example%2F" title="Share on Chatterbox" width="320" height="90"></iframe>
<img src="https://px.adloop.example/p.gif?aid=778&amp;uid={ad_uid}&amp;ev=view" width="1" height="1" alt="">
{CONSENT_BANNER}"#
    );
    page("BrightBasket — fresh groceries", head, &body)
}

fn share_widget_html(shared_url: &str) -> String {
    let shown = html_escape(shared_url);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chatterbox share</title>
<style>
  body {{ margin: 0; padding: 10px 12px; font: 14px system-ui, sans-serif; color: #222; }}
  button {{ background: #5b3cc4; color: #fff; border: 0; border-radius: 14px; padding: 6px 14px; font-weight: bold; }}
  small {{ color: #666; display: block; margin-top: 6px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }}
</style>
<script src="https://social.chatterbox.example/widget.js" defer></script>
</head>
<body>
<button type="button">Share on Chatterbox</button> <span id="count">128</span> shares
<small>{shown}</small>
</body>
</html>
"#
    )
}

fn html_escape(s: &str) -> String {
    crate::report::html::esc(s)
}

const PRIVACY_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Privacy notice — BrightBasket</title>
<link rel="icon" href="data:,">
</head>
<body>
<h1>Privacy notice</h1>
<p>BrightBasket (an invented shop) uses your data to run your orders and deliveries.
We keep you signed in with a session cookie and remember your basket and display
choice. We use TagPulse to count visits. We do not sell your personal data.</p>
<p>See the <a href="/cookies">cookie list</a> for the cookies we use.
Questions: privacy@brightbasket.example.</p>
<p><a href="/">Back to the shop</a></p>
</body>
</html>
"#;

const COOKIES_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cookies — BrightBasket</title>
<link rel="icon" href="data:,">
</head>
<body>
<h1>Cookies we use</h1>
<table id="cookie-table">
<thead><tr><th>Name</th><th>Provider</th><th>Purpose</th><th>Duration</th></tr></thead>
<tbody>
<tr><td>bb_session</td><td>BrightBasket</td><td>Keeps you signed in and your order together</td><td>Session</td></tr>
<tr><td>bb_cart</td><td>BrightBasket</td><td>Remembers your basket</td><td>30 days</td></tr>
<tr><td>bb_theme</td><td>BrightBasket</td><td>Remembers your light or dark display choice</td><td>1 year</td></tr>
<tr><td>_tp_id</td><td>TagPulse</td><td>Anonymous visit statistics</td><td>2 years</td></tr>
</tbody>
</table>
<p><a href="/">Back to the shop</a></p>
</body>
</html>
"#;

const OFFERS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Offers — BrightBasket</title>
<link rel="icon" href="data:,">
</head>
<body>
<h1>This week's offers</h1>
<ul><li>Apples: 2 kg for &euro;4.00</li><li>Oat milk: buy 2, get 1 free</li></ul>
<p><a href="/">Back to the shop</a></p>
</body>
</html>
"#;

const FONT_CSS: &str = r#"/* FastFonts: Bright Sans (invented demo font CDN) */
@font-face {
  font-family: 'Bright Sans';
  font-style: normal;
  font-weight: 400;
  font-display: swap;
  src: url(https://cdn.fastfonts.example/fonts/brightsans.woff2) format('woff2');
}
"#;

/// Stands in for a font file (the demo ships no real font).
const FONT_PLACEHOLDER: &[u8] = b"wOF2 placeholder: the crumbs demo serves no real font\n";

const APP_JS: &str = r#"// BrightBasket storefront script (first party, invented for the crumbs demo).
(function () {
  'use strict';
  document.cookie = 'bb_theme=light; max-age=31536000; path=/; secure';
  try {
    localStorage.setItem('bb_recent', JSON.stringify(['apples', 'sourdough-bread', 'oat-milk']));
    sessionStorage.setItem('bb_tab', 'tab-' + Date.now().toString(36));
  } catch (e) { /* storage disabled */ }
  try {
    var open = indexedDB.open('bb-offline', 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore('cart', { keyPath: 'sku' });
    };
    open.onsuccess = function () {
      var db = open.result;
      var tx = db.transaction('cart', 'readwrite');
      tx.objectStore('cart').put({ sku: 'apples-1kg', qty: 1, saved: Date.now() });
      tx.oncomplete = function () { db.close(); };
    };
  } catch (e) { /* IndexedDB disabled */ }
})();
"#;

const TAGPULSE_JS: &str = r#"// TagPulse analytics tag (an invented vendor for the crumbs demo).
(function () {
  'use strict';
  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
    }
    return null;
  }
  var id = readCookie('_tp_id');
  if (!id) {
    id = 'TP1.' + Math.floor(Math.random() * 1e10) + '.' + Math.floor(Date.now() / 1000);
    document.cookie = '_tp_id=' + id + '; max-age=63072000; path=/';
  }
  try {
    localStorage.setItem('_tp_session', JSON.stringify({
      sid: Math.random().toString(36).slice(2, 12), start: Date.now(), hits: 1
    }));
  } catch (e) { /* storage disabled */ }
  var payload = JSON.stringify({
    tid: 'TP-1234', cid: id, ev: 'page_view', url: location.href, ref: document.referrer,
    title: document.title, lang: navigator.language, sw: screen.width, sh: screen.height,
    ts: Date.now()
  });
  var url = 'https://collect.tagpulse.example/v1/collect?tid=TP-1234&cid=' +
    encodeURIComponent(id) + '&ev=page_view';
  navigator.sendBeacon(url, payload);
})();
"#;

const CHATTERBOX_JS: &str = r#"// Chatterbox share widget (an invented social network for the crumbs demo).
(function () {
  'use strict';
  try { localStorage.setItem('cb_seen', String(Date.now())); } catch (e) { /* blocked */ }
  document.cookie = 'cb_js=1; secure; samesite=none; max-age=86400';
})();
"#;

const HEATMAPR_JS: &str = r#"// Heatmapr session recorder (an invented vendor for the crumbs demo).
(function () {
  'use strict';
  var sid = Math.random().toString(36).slice(2, 14);
  var t0 = Date.now();
  var events = [{ t: 0, type: 'start', w: innerWidth, h: innerHeight }];
  var pixel = null;
  function save() {
    try {
      sessionStorage.setItem('_hm_rec', JSON.stringify({ sid: sid, start: t0, events: events }));
    } catch (e) { /* storage disabled */ }
  }
  function note(e) {
    if (events.length < 50) {
      events.push({ t: Date.now() - t0, type: e.type, x: e.clientX || 0, y: e.clientY || scrollY });
      save();
    }
  }
  save();
  addEventListener('mousemove', note, { passive: true });
  addEventListener('scroll', note, { passive: true });
  fetch('https://in.heatmapr.example/rec', {
    method: 'POST', keepalive: true, mode: 'no-cors',
    body: JSON.stringify({ sid: sid, url: location.href, events: events })
  }).catch(function () { /* ignore */ });
  function late() {
    setTimeout(function () {
      pixel = new Image();
      pixel.src = 'https://in.heatmapr.example/px?sid=' + sid + '&t=' + (Date.now() - t0);
    }, 800);
  }
  if (document.readyState === 'complete') late(); else addEventListener('load', late);
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::test_client::fetch;

    fn get(host: &str, target: &str) -> Response {
        route(&Request::new("GET", host, target))
    }

    fn set_cookie_names(r: &Response) -> Vec<String> {
        r.header_values("set-cookie")
            .iter()
            .filter_map(|c| c.split_once('=').map(|(n, _)| n.to_owned()))
            .collect()
    }

    #[test]
    fn home_page_sets_first_party_cookies_and_embeds_the_third_parties() {
        let r = get(SHOP_HOST, "/");
        assert_eq!(r.status, 200);
        assert_eq!(r.header_value("content-type"), Some("text/html; charset=utf-8"));
        let cookies = r.header_values("set-cookie");
        assert_eq!(cookies.len(), 2);
        assert!(cookies[0].starts_with("bb_session="));
        assert!(cookies[0].ends_with("; Path=/; HttpOnly; Secure; SameSite=Lax"));
        assert!(!cookies[0].contains("Max-Age"));
        assert_eq!(cookies[1], "bb_cart=0; Path=/; Max-Age=2592000; Secure");
        let html = String::from_utf8_lossy(r.body_bytes()).into_owned();
        assert!(html.contains("<title>BrightBasket — fresh groceries</title>"));
        for url in [
            "https://static.brightbasket.example/app.js",
            "https://js.tagpulse.example/tp.js",
            "https://cdn.heatmapr.example/rec.js",
            "https://cdn.fastfonts.example/css/brightsans.css",
            "https://widgets.chatterbox.example/share?url=",
            "https://px.adloop.example/p.gif?aid=778&amp;uid=",
            "ping=\"https://collect.tagpulse.example/ping?l=offers\"",
            "href=\"/privacy\"",
            "href=\"/cookies\"",
        ] {
            assert!(html.contains(url), "home page lacks {url}");
        }
        // No URL carries a port: the resolver rule maps every host.
        assert!(!html.contains(".example:"));
        // The session id is kept when the browser sends it back.
        let again = route(&Request::new("GET", SHOP_HOST, "/").with_header("Cookie", "bb_session=abc123"));
        assert!(again.header_values("set-cookie")[0].starts_with("bb_session=abc123;"));
    }

    #[test]
    fn every_page_and_script_is_served() {
        for (host, path, ctype) in [
            (SHOP_HOST, "/privacy", "text/html; charset=utf-8"),
            (SHOP_HOST, "/cookies", "text/html; charset=utf-8"),
            (SHOP_HOST, "/offers", "text/html; charset=utf-8"),
            ("static.brightbasket.example", "/app.js", "application/javascript"),
            ("static.brightbasket.example", "/img/apples.png", "image/png"),
            ("static.brightbasket.example", "/img/bread.png", "image/png"),
            ("static.brightbasket.example", "/img/milk.png", "image/png"),
            ("cdn.fastfonts.example", "/css/brightsans.css", "text/css"),
            ("cdn.fastfonts.example", "/fonts/brightsans.woff2", "font/woff2"),
            ("js.tagpulse.example", "/tp.js", "application/javascript"),
            (
                "social.chatterbox.example",
                "/widget.js",
                "application/javascript",
            ),
            ("cdn.heatmapr.example", "/rec.js", "application/javascript"),
            ("in.heatmapr.example", "/px?sid=abc&t=812", "image/gif"),
        ] {
            let r = get(host, path);
            assert_eq!(r.status, 200, "{host}{path}");
            assert_eq!(r.header_value("content-type"), Some(ctype), "{host}{path}");
            assert!(!r.body_bytes().is_empty(), "{host}{path}");
        }
        assert_eq!(get(SHOP_HOST, "/nope").status, 404);
        assert_eq!(get("unknown.example", "/").status, 404);
        assert_eq!(get("js.tagpulse.example", "/other.js").status, 404);
        let bare = get("brightbasket.example", "/cookies");
        assert_eq!(bare.status, 301);
        assert_eq!(
            bare.header_value("location"),
            Some("https://www.brightbasket.example/cookies")
        );
    }

    #[test]
    fn cookie_page_lists_only_some_cookies() {
        let html = String::from_utf8_lossy(get(SHOP_HOST, "/cookies").body_bytes()).into_owned();
        for c in DEMO_COOKIES {
            assert_eq!(
                html.contains(&format!("<td>{}</td>", c.name)),
                c.declared,
                "{}",
                c.name
            );
        }
        let privacy = String::from_utf8_lossy(get(SHOP_HOST, "/privacy").body_bytes()).into_owned();
        assert!(privacy.contains("href=\"/cookies\""));
    }

    #[test]
    fn scripts_write_the_documented_cookies_and_storage() {
        let js = |host, path| String::from_utf8_lossy(get(host, path).body_bytes()).into_owned();
        let app = js("static.brightbasket.example", "/app.js");
        assert!(app.contains("'bb_theme=light; max-age=31536000; path=/; secure'"));
        assert!(app.contains("localStorage.setItem('bb_recent'"));
        assert!(app.contains("sessionStorage.setItem('bb_tab'"));
        assert!(app.contains("indexedDB.open('bb-offline'"));
        let tp = js("js.tagpulse.example", "/tp.js");
        assert!(tp.contains("'_tp_id=' + id + '; max-age=63072000; path=/'"));
        assert!(tp.contains("localStorage.setItem('_tp_session'"));
        assert!(tp.contains("navigator.sendBeacon(url, payload)"));
        assert!(tp.contains(
            "'https://collect.tagpulse.example/v1/collect?tid=TP-1234&cid=' +\n    encodeURIComponent(id) + '&ev=page_view'"
        ));
        let cb = js("social.chatterbox.example", "/widget.js");
        assert!(cb.contains("localStorage.setItem('cb_seen'"));
        assert!(cb.contains("'cb_js=1; secure; samesite=none; max-age=86400'"));
        let hm = js("cdn.heatmapr.example", "/rec.js");
        assert!(hm.contains("sessionStorage.setItem('_hm_rec'"));
        assert!(hm.contains("keepalive: true"));
        assert!(hm.contains("'https://in.heatmapr.example/px?sid='"));
        assert!(hm.contains("}, 800);"));
        // Scripts stay ASCII: they are served without a charset.
        for s in [app, tp, cb, hm] {
            assert!(s.is_ascii());
        }
    }

    #[test]
    fn analytics_collect_answers_204_with_a_third_party_cookie() {
        let r = route(
            &Request::new(
                "POST",
                "collect.tagpulse.example",
                "/v1/collect?tid=TP-1234&cid=TP1.1.2&ev=page_view",
            )
            .with_body("{}"),
        );
        assert_eq!(r.status, 204);
        let cookies = r.header_values("set-cookie");
        assert_eq!(cookies.len(), 1);
        assert!(cookies[0].starts_with("tp_uid="));
        assert!(cookies[0].ends_with("; Max-Age=34560000; Secure; SameSite=None; Path=/"));
        assert_eq!(get("collect.tagpulse.example", "/ping?l=offers").status, 204);
    }

    #[test]
    fn ad_pixel_runs_the_cookie_sync_redirect_chain() {
        let first = get("px.adloop.example", "/p.gif?aid=778&uid=u42&ev=view");
        assert_eq!(first.status, 302);
        assert!(first.header_values("set-cookie").is_empty());
        let to_sync = first.header_value("location").unwrap();
        assert_eq!(
            to_sync,
            "https://sync.datamesh.example/match?partner=adloop&puid=u42"
        );

        let url = url::Url::parse(to_sync).unwrap();
        let target = format!("{}?{}", url.path(), url.query().unwrap());
        let sync = get(url.host_str().unwrap(), &target);
        assert_eq!(sync.status, 302);
        assert_eq!(
            sync.header_value("location"),
            Some("https://px.adloop.example/p2.gif?synced=1")
        );
        assert_eq!(set_cookie_names(&sync), ["dm_id"]);
        assert!(
            sync.header_values("set-cookie")[0]
                .ends_with("; Max-Age=31536000; Secure; SameSite=None; Path=/")
        );

        let last = get("px.adloop.example", "/p2.gif?synced=1");
        assert_eq!(last.status, 200);
        assert_eq!(last.header_value("content-type"), Some("image/gif"));
        assert_eq!(last.body_bytes().len(), 43);
        assert_eq!(set_cookie_names(&last), ["al_uid"]);
        assert!(
            last.header_values("set-cookie")[0]
                .ends_with("; Max-Age=63072000; Secure; SameSite=None; Path=/")
        );

        // The page embeds the pixel with a fresh uid that the redirect forwards.
        let html = String::from_utf8_lossy(get(SHOP_HOST, "/").body_bytes()).into_owned();
        let start = html.find("p.gif?aid=778&amp;uid=").unwrap() + "p.gif?aid=778&amp;uid=".len();
        let uid: String = html[start..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        assert_eq!(uid.len(), 16);
        let redirect = get("px.adloop.example", &format!("/p.gif?aid=778&uid={uid}&ev=view"));
        assert!(
            redirect
                .header_value("location")
                .unwrap()
                .ends_with(&format!("puid={uid}"))
        );
    }

    #[test]
    fn share_iframe_sets_a_plain_and_a_partitioned_cookie() {
        let r = get(
            "widgets.chatterbox.example",
            "/share?url=https%3A%2F%2Fwww.brightbasket.example%2F",
        );
        assert_eq!(r.status, 200);
        assert_eq!(set_cookie_names(&r), ["cb_sess", "cb_part"]);
        let cookies = r.header_values("set-cookie");
        assert!(cookies[0].ends_with("; Secure; SameSite=None; Path=/"));
        assert!(cookies[1].ends_with("; Secure; SameSite=None; Partitioned; Path=/"));
        let html = String::from_utf8_lossy(r.body_bytes()).into_owned();
        assert!(html.contains("https://social.chatterbox.example/widget.js"));
        assert!(html.contains("<small>https://www.brightbasket.example/</small>"));
        // The shared URL is escaped.
        let evil = get("widgets.chatterbox.example", "/share?url=%3Cscript%3E");
        assert!(String::from_utf8_lossy(evil.body_bytes()).contains("&lt;script&gt;"));
    }

    #[test]
    fn session_replay_endpoints() {
        let rec = route(&Request::new("POST", "in.heatmapr.example", "/rec").with_body("{}"));
        assert_eq!(rec.status, 204);
        assert!(rec.header_values("set-cookie").is_empty());
        let px = get("in.heatmapr.example", "/px?sid=abc&t=812");
        assert_eq!(px.body_bytes().len(), 43);
    }

    #[test]
    fn catalogue_is_consistent_with_the_hostnames() {
        for c in DEMO_COOKIES {
            assert!(HOSTNAMES.contains(&c.host), "{}", c.name);
        }
        for (_, host, _) in DEMO_REQUESTS {
            assert!(HOSTNAMES.contains(host), "{host}");
            assert!(!host.contains(':'));
        }
        for (host, path) in DEMO_REQUESTS.iter().map(|(_, h, p)| (*h, *p)) {
            assert_ne!(get(host, path).status, 404, "{host}{path}");
        }
        assert_eq!(DEMO_COOKIES.iter().filter(|c| c.declared).count(), 4);
    }

    #[test]
    fn random_ids_differ() {
        let a = random_hex(16);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16));
    }

    #[tokio::test]
    async fn demo_web_serves_the_home_page_over_tls() {
        let web = DemoWeb::start().await.expect("demo web starts");
        assert_eq!(web.start_url(), "https://www.brightbasket.example/");
        let args = web.chrome_args();
        assert_eq!(
            args[0],
            format!("--host-resolver-rules=MAP * 127.0.0.1:{}", web.server().port())
        );
        assert_eq!(
            args[1],
            format!(
                "--ignore-certificate-errors-spki-list={}",
                web.server().spki_hash().unwrap()
            )
        );
        assert_eq!(args.len(), 2);
        let home = fetch(web.server(), SHOP_HOST, "GET", "/", &[], b"").await;
        assert_eq!(home.status, 200);
        assert!(home.text().contains("BrightBasket — fresh groceries"));
        assert_eq!(home.headers_named("set-cookie").len(), 2);
        // Every hostname is in the certificate: a TLS fetch to each works.
        for host in DemoWeb::hostnames() {
            let r = fetch(web.server(), host, "GET", "/definitely-missing", &[], b"").await;
            assert!(r.status == 404 || r.status == 301, "{host}: {}", r.status);
        }
        let log = web.server().requests();
        assert_eq!(log[0].host, SHOP_HOST);
        assert_eq!(log[0].path, "/");
        web.shutdown().await;
    }
}
