//! Loading one page in a fresh browser context and recording it.
//!
//! The driver: creates an isolated context and a page, attaches to it with flattened
//! sessions (auto-attaching cross-site iframes and workers, paused until they are set
//! up), injects the page hook, navigates, waits (load event, then a network-idle rule
//! that tolerates requests that never finish, then a settle time, all under a hard
//! limit), then reads the cookie jar, web storage and IndexedDB, and disposes of the
//! context. The bookkeeping of events is the [`Recorder`]'s.
//!
//! With `--pages N` (N > 1) a pass goes on, once its first page has settled (and, for a
//! consent pass, once the choice is made and the page reloaded), to visit up to N − 1
//! more pages of the same site in the same tab, one after another, each under its own
//! time limit; the jar and storage are read once, at the end. Which pages is decided by
//! [`crawl_targets`] from the first page's links. The capture's document fields and
//! `page_info` stay the first page's; each visit is listed in `Capture::pages`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::browser::Browser;
use super::cdp::{Cdp, CdpError};
use super::model::*;
use super::recorder::{Action, BINDING, Recorder};
use crate::consent::driver::{Host, MouseError};
use crate::error::Error;

/// Quiet time with no request open after which the network counts as idle.
const IDLE_QUIET: Duration = Duration::from_millis(500);
/// Quiet time after which the network counts as idle even with requests still open
/// (a `fetch()` whose body is never read never finishes).
const IDLE_QUIET_ANYWAY: Duration = Duration::from_millis(2000);

/// How one page is loaded and how long we wait.
#[derive(Debug, Clone)]
pub struct PageOptions {
    /// Hard limit for loading and settling (collection afterwards has its own short limits).
    pub timeout: Duration,
    /// Extra time to keep recording once the network is idle.
    pub wait: Duration,
    /// Take a PNG screenshot of the viewport.
    pub screenshot: bool,
    /// The consent action of this pass and the rules to drive the banner with; `None`
    /// records the load only.
    pub consent: Option<(crate::consent::Action, std::sync::Arc<crate::consent::RuleSet>)>,
    /// Send Global Privacy Control (`Sec-GPC: 1`, `navigator.globalPrivacyControl`).
    pub gpc: bool,
    /// Pages to visit in this pass, the requested one included (`--pages`).
    pub pages: u32,
}

impl Default for PageOptions {
    fn default() -> Self {
        PageOptions {
            timeout: Duration::from_secs(30),
            wait: Duration::from_secs(2),
            screenshot: false,
            consent: None,
            gpc: false,
            pages: 1,
        }
    }
}

/// Time limit for reading the page's links before a crawl.
const DISCOVERY_LIMIT: Duration = Duration::from_secs(10);

/// Path extensions of links that are not web pages; a crawl does not follow them.
const NOT_PAGES: &[&str] = &[
    "pdf", "zip", "jpg", "jpeg", "png", "gif", "svg", "webp", "mp4", "mp3", "doc", "docx", "xls", "xlsx",
];

enum Internal {
    Navigated(Result<Value, CdpError>),
    /// The answer to `Page.navigate` of a later page of the crawl (its visit index).
    SubNavigated(usize, Result<Value, CdpError>),
    Image(usize, Option<ImageProbe>),
}

/// The recording of one page: events go to the [`Recorder`] while the driver waits for
/// the page, clicks in it or reads from it.
struct Pump<'a> {
    cdp: &'a Cdp,
    events: &'a mut mpsc::UnboundedReceiver<super::cdp::CdpEvent>,
    itx: mpsc::UnboundedSender<Internal>,
    irx: mpsc::UnboundedReceiver<Internal>,
    rec: Recorder,
    setup: SessionSetup,
    session: String,
    ctx: String,
    closed: bool,
    nav_done: bool,
}

impl Pump<'_> {
    fn on_internal(&mut self, msg: Internal) {
        match msg {
            // A late answer for the first page once the crawl has left it is not the scan's.
            Internal::Navigated(res) if !self.nav_done && !self.rec.visiting_later_page() => {
                self.nav_done = true;
                match res {
                    Ok(v) => {
                        if let Some(err) = v["errorText"].as_str().filter(|e| !e.is_empty()) {
                            self.rec.capture.navigation_error = Some(err.to_string());
                        }
                    }
                    Err(CdpError::Timeout { .. }) => {}
                    Err(e) => self.rec.capture.navigation_error = Some(e.to_string()),
                }
            }
            Internal::SubNavigated(idx, res) => {
                let error = match res {
                    Ok(v) => v["errorText"]
                        .as_str()
                        .filter(|e| !e.is_empty())
                        .map(str::to_string),
                    Err(CdpError::Timeout { .. }) => None,
                    Err(e) => Some(e.to_string()),
                };
                if let Some(e) = error {
                    self.rec.set_visit_error(idx, e);
                }
            }
            Internal::Image(hop, Some(p)) => self.rec.set_image_probe(hop, p),
            _ => {}
        }
    }

    fn on_event(&mut self, ev: Option<super::cdp::CdpEvent>) {
        match ev {
            Some(ev) => {
                for action in self.rec.on_event(&ev) {
                    run_action(self.cdp, &self.setup, action, &self.itx);
                }
            }
            None => {
                self.closed = true;
                self.rec
                    .capture
                    .problems
                    .push("the browser connection closed during the load".into());
            }
        }
    }

    /// Awaits `fut` while recording.
    async fn during<F: std::future::Future>(&mut self, fut: F) -> F::Output {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return out,
                ev = self.events.recv(), if !self.closed => self.on_event(ev),
                msg = self.irx.recv() => if let Some(m) = msg { self.on_internal(m) },
            }
        }
    }

    /// Records until the page has loaded (`loads` load events), the network is idle and
    /// `wait` has passed, or until `deadline`. Returns false when the deadline came first.
    async fn settle(&mut self, loads: u32, wait: Duration, deadline: Instant) -> bool {
        let mut settle_until: Option<Instant> = None;
        let tick = Duration::from_millis(50);
        loop {
            let now = Instant::now();
            if let Some(t) = settle_until
                && now >= t
            {
                return true;
            }
            if now >= deadline || self.closed {
                return settle_until.is_some();
            }
            if settle_until.is_none() {
                let rec = &self.rec;
                let quiet = rec.last_activity.elapsed();
                let idle = (rec.inflight() == 0 && quiet >= IDLE_QUIET) || quiet >= IDLE_QUIET_ANYWAY;
                let failed_nav = rec.navigation_failed();
                if (rec.load_count() >= loads && idle) || (failed_nav && quiet >= IDLE_QUIET) {
                    let wait = if failed_nav { Duration::ZERO } else { wait };
                    settle_until = Some((now + wait).min(deadline));
                }
            }
            self.during(tokio::time::sleep(tick)).await;
        }
    }
}

impl Pump<'_> {
    /// One DevTools call in the main page's session, recording meanwhile.
    async fn page_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        let call = self.cdp.request(Some(&session), method, params);
        self.during(call.wait(Duration::from_secs(5)))
            .await
            .map_err(|e| format!("{method}: {e}"))
    }

    /// One left-button mouse event at viewport point (`x`, `y`) of the page.
    async fn mouse_event(&mut self, kind: &str, x: f64, y: f64) -> Result<(), String> {
        let mut params = json!({"type": kind, "x": x, "y": y, "pointerType": "mouse"});
        if kind != "mouseMoved" {
            params["button"] = json!("left");
            params["clickCount"] = json!(1);
            params["buttons"] = json!(if kind == "mousePressed" { 1 } else { 0 });
        }
        self.page_call("Input.dispatchMouseEvent", params)
            .await
            .map(|_| ())
    }
}

impl Host for Pump<'_> {
    async fn eval(
        &mut self,
        session: Option<&str>,
        expression: &str,
        limit: Duration,
    ) -> Result<Value, String> {
        let session = session.unwrap_or(&self.session).to_string();
        let call = self.cdp.request(
            Some(&session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        let v = self.during(call.wait(limit)).await.map_err(|e| e.to_string())?;
        if let Some(ex) = v.get("exceptionDetails") {
            let text = ex["exception"]["description"]
                .as_str()
                .or(ex["text"].as_str())
                .unwrap_or("an exception");
            return Err(format!("the page threw: {}", text.lines().next().unwrap_or(text)));
        }
        Ok(v["result"]["value"].clone())
    }

    async fn cookies(&mut self) -> Vec<(String, String, String)> {
        let call = self
            .cdp
            .request(None, "Storage.getCookies", json!({"browserContextId": self.ctx}));
        match self.during(call.wait(Duration::from_secs(5))).await {
            Ok(v) => v["cookies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                    (s("name"), s("value"), s("domain"))
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    async fn sleep(&mut self, d: Duration) {
        self.during(tokio::time::sleep(d)).await;
    }

    async fn mouse_click(&mut self, x: f64, y: f64) -> Result<f64, MouseError> {
        self.mouse_event("mouseMoved", x, y)
            .await
            .map_err(MouseError::NotPressed)?;
        let pressed = self.mouse_event("mousePressed", x, y).await;
        // The click event fires on the release: the choice is made from here on.
        let now = match &pressed {
            Ok(()) => self.eval(None, "Date.now()", Duration::from_secs(5)).await.ok(),
            Err(_) => None,
        };
        // Released even after a failed press, which may have reached the page all the same.
        let released = self.mouse_event("mouseReleased", x, y).await;
        match (pressed, released, now.and_then(|v| v.as_f64())) {
            (Ok(()), Ok(()), Some(at)) => Ok(at),
            (Err(e), _, _) => Err(MouseError::AfterPress(format!(
                "the press was not confirmed: {e}"
            ))),
            (_, Err(e), _) => Err(MouseError::AfterPress(format!(
                "the release was not confirmed: {e}"
            ))),
            _ => Err(MouseError::AfterPress("the page's clock did not answer".into())),
        }
    }

    async fn frame_point(&mut self, session: &str, x: f64, y: f64) -> Result<(f64, f64), String> {
        let frame = self
            .rec
            .frame_of_session(session)
            .ok_or("the banner's frame is not known")?;
        let owner = self
            .page_call("DOM.getFrameOwner", json!({"frameId": frame}))
            .await?;
        let node = owner["backendNodeId"]
            .as_i64()
            .ok_or("the banner's iframe element is not in the page")?;
        // A banner frame below the fold is scrolled into view, as a visitor would.
        let _ = self
            .page_call("DOM.scrollIntoViewIfNeeded", json!({"backendNodeId": node}))
            .await;
        let model = self
            .page_call("DOM.getBoxModel", json!({"backendNodeId": node}))
            .await?;
        // The content box, in the page's viewport: the frame's document starts there.
        let content = &model["model"]["content"];
        let (Some(left), Some(top)) = (content[0].as_f64(), content[1].as_f64()) else {
            return Err("the banner's iframe has no box".into());
        };
        let (px, py) = (left + x, top + y);
        let view = self
            .eval(
                None,
                "JSON.stringify([scrollX, scrollY, innerWidth, innerHeight])",
                Duration::from_secs(5),
            )
            .await?;
        let view: Vec<f64> = view
            .as_str()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        let [sx, sy, w, h] = view[..] else {
            return Err("the page's viewport could not be read".into());
        };
        if px < 0.0 || py < 0.0 || px >= w || py >= h {
            return Err("the control is outside the page's viewport".into());
        }
        // The hit test takes page (document) coordinates; a real click ignores nothing that
        // takes pointer events.
        let hit = self
            .page_call(
                "DOM.getNodeForLocation",
                json!({"x": (px + sx).round() as i64, "y": (py + sy).round() as i64}),
            )
            .await?;
        if hit["backendNodeId"].as_i64() != Some(node) {
            return Err("something of the page covers the banner's iframe at the control".into());
        }
        Ok((px, py))
    }

    fn frame_sessions(&self) -> Vec<String> {
        self.rec.iframe_sessions()
    }

    fn nav_start_wall(&self) -> Option<f64> {
        self.rec.nav_start_wall()
    }
}

/// Loads `url` in a new browser context of `browser` and records everything.
///
/// Problems of the site (DNS, TLS, HTTP errors, timeouts) end up in the capture;
/// an `Err` means the browser itself failed.
pub async fn capture_page(browser: &Browser, url: &str, opts: &PageOptions) -> Result<Capture, Error> {
    let fail = |e: CdpError| Error::Browser {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let (cdp, mut events) = Cdp::connect(browser.ws_url()).await.map_err(fail)?;
    let ctx = cdp
        .call(
            None,
            "Target.createBrowserContext",
            json!({"disposeOnDetach": true}),
        )
        .await
        .map_err(fail)?["browserContextId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let result = record(&cdp, &mut events, browser, &ctx, url, opts).await;
    let _ = cdp
        .call_with_timeout(
            None,
            "Target.disposeBrowserContext",
            json!({"browserContextId": ctx}),
            Duration::from_secs(5),
        )
        .await;
    cdp.close();
    result.map_err(fail)
}

async fn record(
    cdp: &Cdp,
    events: &mut mpsc::UnboundedReceiver<super::cdp::CdpEvent>,
    browser: &Browser,
    ctx: &str,
    url: &str,
    opts: &PageOptions,
) -> Result<Capture, CdpError> {
    let started = Instant::now();
    let deadline = started + opts.timeout;
    cdp.call(
        None,
        "Target.setDiscoverTargets",
        json!({"discover": true, "filter": [{"type": "page"}]}),
    )
    .await?;
    let (target, session) = open_page(cdp, ctx).await?;
    let setup = SessionSetup {
        ua: browser.user_agent_override(),
        gpc: opts.gpc,
    };
    setup_session(cdp, &session, "page", &setup).await?;

    let (itx, irx) = mpsc::unbounded_channel::<Internal>();
    let mut pump = Pump {
        cdp,
        events,
        itx,
        irx,
        rec: Recorder::new(url, &session, &target, ctx),
        setup,
        session: session.clone(),
        ctx: ctx.to_string(),
        closed: false,
        nav_done: false,
    };
    {
        let nav = cdp.request(Some(&session), "Page.navigate", json!({"url": url}));
        let itx = pump.itx.clone();
        let limit = opts.timeout;
        tokio::spawn(async move {
            let _ = itx.send(Internal::Navigated(nav.wait(limit).await));
        });
    }
    let settled = pump.settle(1, opts.wait, deadline).await;
    if !settled && !pump.closed {
        pump.rec.capture.timeout_hit = true;
    }
    let consent = match &opts.consent {
        Some((action, rules)) if !pump.closed => {
            Some(consent_pass(&mut pump, *action, rules, opts, settled).await)
        }
        _ => None,
    };
    // The further pages of the pass, if asked for and the first page loaded.
    let cap = &pump.rec.capture;
    let first_loaded = cap.navigation_error.is_none() && cap.document_status.is_some_and(|s| s < 400);
    let mut first_info = None;
    let mut screenshot = opts.screenshot;
    if opts.pages > 1 && first_loaded && !pump.closed {
        // The screenshot shows the first page, as the rest of the capture's page data does.
        if screenshot {
            let shot = pump.during(take_screenshot(cdp, &session)).await;
            match shot {
                Ok(png) => pump.rec.capture.screenshot_png = Some(png),
                Err(e) => pump.rec.capture.problems.push(e),
            }
            screenshot = false;
        }
        first_info = crawl(&mut pump, opts).await;
    }
    // Results of image probes already under way.
    while let Ok(msg) = pump.irx.try_recv() {
        pump.on_internal(msg);
    }
    let closed = pump.closed;
    let rec = pump.rec;
    if closed {
        let mut c = rec.finish();
        c.collected_wall = now_wall();
        c.consent = consent;
        c.page_info = first_info;
        return Ok(c);
    }
    let frames = rec.frames_for_storage();
    let from_events: Vec<(String, bool, String, String)> = rec
        .storage_from_events()
        .map(|(a, b, c, d)| (a.to_string(), b, c.to_string(), d.to_string()))
        .collect();
    let mut capture = rec.finish();
    capture.consent = consent;
    if !capture.load_fired && capture.navigation_error.is_none() && capture.document_status.is_none() {
        capture.problems.push("the page never answered".into());
    }
    capture.page_info = first_info;
    collect(cdp, ctx, &session, &frames, from_events, screenshot, &mut capture).await;
    let _ = cdp
        .call_with_timeout(
            None,
            "Target.closeTarget",
            json!({"targetId": target}),
            Duration::from_secs(5),
        )
        .await;
    Ok(capture)
}

/// The consent part of a pass: drive the banner, then reload and observe again.
async fn consent_pass(
    pump: &mut Pump<'_>,
    action: crate::consent::Action,
    rules: &crate::consent::RuleSet,
    opts: &PageOptions,
    settled: bool,
) -> crate::consent::ConsentInfo {
    use crate::consent::{Action, ConsentInfo, driver};
    let mut info = ConsentInfo {
        action: Some(action),
        gpc: opts.gpc,
        ..ConsentInfo::default()
    };
    let cap = &pump.rec.capture;
    let not_taken = if action == Action::None {
        "no interaction"
    } else {
        "not taken"
    };
    if cap.navigation_error.is_some() || cap.document_status.is_none_or(|s| s >= 400) {
        info.how = not_taken.into();
        info.reason = Some("the page did not load, so there was no banner to answer".into());
        return info;
    }
    if !settled {
        info.how = not_taken.into();
        info.reason = Some(format!(
            "the page did not settle within the time limit ({} s): it kept loading or reloading, \
             so no consent action was attempted",
            opts.timeout.as_secs()
        ));
        return info;
    }
    // The consent phase has its own budget after the load.
    let deadline = Instant::now() + driver::BANNER_WAIT + Duration::from_secs(12);
    info = driver::drive(pump, rules, action, deadline).await;
    info.gpc = opts.gpc;
    if action == Action::None || info.action_ms.is_none() {
        return info;
    }
    // Reload and observe again with the choice in place.
    let loads = pump.rec.load_count();
    let reload = pump
        .cdp
        .request(Some(&pump.session.clone()), "Page.reload", json!({}));
    if let Err(e) = pump.during(reload.wait(Duration::from_secs(10))).await {
        info.evidence.push(format!("the reload failed: {e}"));
        return info;
    }
    let reload_deadline = Instant::now() + opts.timeout;
    if !pump.settle(loads + 1, opts.wait, reload_deadline).await {
        info.steps
            .push("the page did not settle after the reload within the time limit".into());
        pump.rec.capture.timeout_hit = true;
        return info;
    }
    info.steps.push("reloaded the page".into());
    driver::after_reload(pump, rules, &mut info).await;
    info
}

/// The crawl of a pass: reads the current (first) page's links, then visits the pages
/// [`crawl_targets`] picks, one after another in the same tab, each under its own time
/// limit. Returns the first page's information, which the capture keeps; `None` when
/// the links could not be read (then no page was visited).
async fn crawl(pump: &mut Pump<'_>, opts: &PageOptions) -> Option<PageInfo> {
    let cdp = pump.cdp;
    let session = pump.session.clone();
    let Some(info) = pump.during(page_info(cdp, &session, DISCOVERY_LIMIT)).await else {
        pump.rec.capture.problems.push(format!(
            "could not read the page's links, so none of the {} further pages asked for (--pages) was visited",
            opts.pages.saturating_sub(1)
        ));
        return None;
    };
    let cap = &pump.rec.capture;
    let here: Vec<&str> = std::iter::once(cap.requested_url.as_str())
        .chain(cap.final_url.as_deref())
        .collect();
    let site = cap
        .final_url
        .as_deref()
        .and_then(crate::classify::host_of)
        .or_else(|| crate::classify::host_of(&cap.requested_url))
        .map(|h| crate::classify::registrable_domain(&h))
        .unwrap_or_default();
    let targets = crawl_targets(&info, &site, &here, opts.pages.saturating_sub(1) as usize);
    log::debug!("crawl of {}: {targets:?}", cap.requested_url);
    for url in targets {
        if pump.closed {
            break;
        }
        let loads = pump.rec.load_count();
        let idx = pump.rec.begin_visit(&url, now_wall());
        let nav = cdp.request(Some(&session), "Page.navigate", json!({"url": url}));
        let itx = pump.itx.clone();
        let limit = opts.timeout;
        tokio::spawn(async move {
            let _ = itx.send(Internal::SubNavigated(idx, nav.wait(limit).await));
        });
        let deadline = Instant::now() + opts.timeout;
        if !pump.settle(loads + 1, opts.wait, deadline).await && !pump.closed {
            pump.rec.set_visit_timed_out(idx);
            pump.rec.capture.problems.push(format!(
                "the page {url} did not settle within the time limit ({} s); went on to the next page",
                opts.timeout.as_secs_f64()
            ));
        }
    }
    Some(info)
}

/// The pages a crawl visits after the page described by `info`, in order, at most `max`.
///
/// Policy pages first (the links [`crate::policy::discover::policy_links`] picks), then
/// the page's other links in document order. Kept: http(s) links whose host's
/// registrable domain is `site`, without their fragment; left out: the pages in `here`
/// (the page itself), duplicates, and links to files that are not pages (by extension:
/// see [`NOT_PAGES`]). `mailto:`, `tel:` and `javascript:` links are not http(s).
pub fn crawl_targets(info: &PageInfo, site: &str, here: &[&str], max: usize) -> Vec<String> {
    let seen: Vec<String> = here.iter().filter_map(|u| without_fragment(u)).collect();
    // `policy_links` answers in lower case: take the link as the page wrote it.
    let policies = crate::policy::discover::policy_links(info, 2)
        .into_iter()
        .map(|p| {
            info.links
                .iter()
                .map(|(_, href)| href)
                .find(|href| href.to_lowercase().split('#').next() == Some(p.as_str()))
                .cloned()
                .unwrap_or(p)
        })
        .collect::<Vec<String>>();
    let mut out: Vec<String> = Vec::new();
    for href in policies.iter().chain(info.links.iter().map(|(_, href)| href)) {
        if out.len() >= max {
            break;
        }
        let Some(url) = crawlable(href, site) else {
            continue;
        };
        if !seen.contains(&url) && !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// `href` without its fragment, when it is a same-site http(s) link to a page.
fn crawlable(href: &str, site: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if ["mailto:", "tel:", "javascript:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return None;
    }
    let url = without_fragment(href)?;
    let host = crate::classify::host_of(&url)?;
    if crate::classify::registrable_domain(&host) != site {
        return None;
    }
    let parsed = url::Url::parse(&url).ok()?;
    let last = parsed
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if let Some((_, ext)) = last.rsplit_once('.')
        && NOT_PAGES.contains(&ext)
    {
        return None;
    }
    Some(url)
}

/// An http(s) URL, normalised and without its fragment.
fn without_fragment(u: &str) -> Option<String> {
    let mut url = url::Url::parse(u.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url.to_string())
}

/// A PNG screenshot of the page's viewport; the error is said for the reader.
async fn take_screenshot(cdp: &Cdp, session: &str) -> Result<Vec<u8>, String> {
    let v = cdp
        .call_with_timeout(
            Some(session),
            "Page.captureScreenshot",
            json!({"format": "png"}),
            Duration::from_secs(10),
        )
        .await
        .map_err(|e| format!("could not take the screenshot: {e}"))?;
    v["data"]
        .as_str()
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .ok_or_else(|| "could not take the screenshot: the browser sent no image".to_string())
}

/// Creates a blank page in browser context `ctx` and attaches to it with a flattened
/// session; returns (target id, session id).
async fn open_page(cdp: &Cdp, ctx: &str) -> Result<(String, String), CdpError> {
    let target = cdp
        .call(
            None,
            "Target.createTarget",
            json!({"url": "about:blank", "browserContextId": ctx}),
        )
        .await?["targetId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let session = cdp
        .call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        )
        .await?["sessionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok((target, session))
}

/// Enables the domains we record on a (page or child) session and injects the hook.
async fn setup_session(cdp: &Cdp, session: &str, kind: &str, setup: &SessionSetup) -> Result<(), CdpError> {
    let ua = &setup.ua;
    let s = Some(session);
    let mut calls = Vec::new();
    let page_like = kind == "page" || kind == "iframe";
    let worker = kind.contains("worker");
    if page_like || worker {
        calls.push(cdp.request(s, "Network.enable", json!({"maxPostDataSize": 65536})));
        calls.push(cdp.request(s, "Network.setUserAgentOverride", ua.clone()));
        if setup.gpc {
            calls.push(cdp.request(
                s,
                "Network.setExtraHTTPHeaders",
                json!({"headers": {"Sec-GPC": "1"}}),
            ));
        }
    }
    if setup.gpc && page_like {
        calls.push(cdp.request(
            s,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": GPC_JS, "runImmediately": true}),
        ));
    }
    if page_like {
        calls.push(cdp.request(s, "Page.enable", json!({})));
        calls.push(cdp.request(s, "Page.setLifecycleEventsEnabled", json!({"enabled": true})));
        calls.push(cdp.request(s, "DOMStorage.enable", json!({})));
        calls.push(cdp.request(s, "Runtime.enable", json!({})));
        calls.push(cdp.request(s, "Runtime.addBinding", json!({"name": BINDING})));
        let hook = include_str!("hook.js").replace("__CRUMBS_BINDING__", BINDING);
        calls.push(cdp.request(
            s,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": hook, "runImmediately": true}),
        ));
        calls.push(cdp.request(
            s,
            "Target.setAutoAttach",
            json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
        ));
    }
    if kind != "page" {
        calls.push(cdp.request(s, "Runtime.runIfWaitingForDebugger", json!({})));
    }
    let mut first_err = None;
    for c in calls {
        if let Err(e) = c.wait(Duration::from_secs(10)).await {
            log::debug!("setting up {kind} session: {e}");
            first_err.get_or_insert(e);
        }
    }
    match first_err {
        Some(e) if kind == "page" => Err(e),
        _ => Ok(()),
    }
}

/// How every session of a pass is set up.
#[derive(Debug, Clone)]
struct SessionSetup {
    ua: Value,
    gpc: bool,
}

/// Global Privacy Control for the page's scripts.
const GPC_JS: &str = "try { Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', \
                      { get: () => true, configurable: true, enumerable: true }); } catch (e) {}";

fn run_action(cdp: &Cdp, setup: &SessionSetup, action: Action, itx: &mpsc::UnboundedSender<Internal>) {
    match action {
        Action::SetupChild { session, kind } => {
            let cdp = cdp.clone();
            let setup = setup.clone();
            tokio::spawn(async move {
                let _ = setup_session(&cdp, &session, &kind, &setup).await;
            });
        }
        Action::DismissDialog { session, accept } => {
            cdp.fire(
                Some(&session),
                "Page.handleJavaScriptDialog",
                json!({"accept": accept}),
            );
        }
        Action::ClosePopup { target_id } => {
            cdp.fire(None, "Target.closeTarget", json!({"targetId": target_id}));
        }
        Action::ProbeImage {
            session,
            request_id,
            hop,
        } => {
            let call = cdp.request(
                Some(&session),
                "Network.getResponseBody",
                json!({"requestId": request_id}),
            );
            let itx = itx.clone();
            tokio::spawn(async move {
                let probe = call.wait(Duration::from_secs(5)).await.ok().map(|v| {
                    let body = if v["base64Encoded"].as_bool() == Some(true) {
                        base64::engine::general_purpose::STANDARD
                            .decode(v["body"].as_str().unwrap_or(""))
                            .unwrap_or_default()
                    } else {
                        v["body"].as_str().unwrap_or("").as_bytes().to_vec()
                    };
                    let (width, height) = image_size(&body).unzip();
                    ImageProbe {
                        width,
                        height,
                        body_len: body.len(),
                    }
                });
                let _ = itx.send(Internal::Image(hop, probe));
            });
        }
    }
}

/// Width and height of a GIF, PNG, JPEG or WebP image from its header, without decoding it.
pub fn image_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() >= 10 && (b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) {
        return Some((
            u16::from_le_bytes([b[6], b[7]]) as u32,
            u16::from_le_bytes([b[8], b[9]]) as u32,
        ));
    }
    if b.len() >= 24 && b.starts_with(b"\x89PNG\r\n\x1a\n") && &b[12..16] == b"IHDR" {
        let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
        let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
        return Some((w, h));
    }
    if b.len() >= 30 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        match &b[12..16] {
            b"VP8X" => {
                let w = 1 + (b[24] as u32 | (b[25] as u32) << 8 | (b[26] as u32) << 16);
                let h = 1 + (b[27] as u32 | (b[28] as u32) << 8 | (b[29] as u32) << 16);
                return Some((w, h));
            }
            b"VP8L" if b.len() >= 25 => {
                let bits = u32::from_le_bytes([b[21], b[22], b[23], b[24]]);
                return Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1));
            }
            b"VP8 " => {
                let w = u16::from_le_bytes([b[26], b[27]]) as u32 & 0x3fff;
                let h = u16::from_le_bytes([b[28], b[29]]) as u32 & 0x3fff;
                return Some((w, h));
            }
            _ => return None,
        }
    }
    if b.len() >= 4 && b[0] == 0xff && b[1] == 0xd8 {
        let mut i = 2;
        while i + 9 < b.len() {
            if b[i] != 0xff {
                return None;
            }
            let marker = b[i + 1];
            let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
            if (0xc0..=0xcf).contains(&marker) && marker != 0xc4 && marker != 0xc8 && marker != 0xcc {
                let h = u16::from_be_bytes([b[i + 5], b[i + 6]]) as u32;
                let w = u16::from_be_bytes([b[i + 7], b[i + 8]]) as u32;
                return Some((w, h));
            }
            i += 2 + len;
        }
    }
    None
}

fn now_wall() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Splits a storage key such as `https://w.example/^0https://shop.example` into the
/// origin and the top-level site it is partitioned under.
pub fn split_storage_key(key: &str) -> (String, Option<String>) {
    let mut parts = key.split('^');
    let origin = parts.next().unwrap_or_default().trim_end_matches('/').to_string();
    let mut partition = None;
    for p in parts {
        if let Some(top) = p.strip_prefix('0') {
            partition = Some(top.trim_end_matches('/').to_string());
        }
    }
    (origin, partition)
}

async fn collect(
    cdp: &Cdp,
    ctx: &str,
    session: &str,
    frames: &[(String, String)],
    from_events: Vec<(String, bool, String, String)>,
    screenshot: bool,
    capture: &mut Capture,
) {
    let limit = Duration::from_secs(10);
    capture.collected_wall = now_wall();
    match cdp
        .call_with_timeout(
            None,
            "Storage.getCookies",
            json!({"browserContextId": ctx}),
            limit,
        )
        .await
    {
        Ok(v) => {
            capture.cookies = v["cookies"]
                .as_array()
                .map(|a| a.iter().map(jar_cookie).collect())
                .unwrap_or_default()
        }
        Err(e) => capture
            .problems
            .push(format!("could not read the cookie jar: {e}")),
    }

    // Storage keys of every frame, on the session that owns the frame.
    let mut keys: Vec<(String, String)> = Vec::new();
    for (frame, sess) in frames {
        if let Ok(v) = cdp
            .call_with_timeout(
                Some(sess),
                "Storage.getStorageKeyForFrame",
                json!({"frameId": frame}),
                limit,
            )
            .await
            && let Some(k) = v["storageKey"].as_str()
            && !keys.iter().any(|(_, kk)| kk == k)
        {
            keys.push((sess.clone(), k.to_string()));
        }
    }
    let mut items: std::collections::BTreeMap<(String, bool, String), String> = Default::default();
    for (sess, key) in &keys {
        for local in [true, false] {
            let call = cdp
                .call_with_timeout(
                    Some(sess),
                    "DOMStorage.getDOMStorageItems",
                    json!({"storageId": {"storageKey": key, "isLocalStorage": local}}),
                    limit,
                )
                .await;
            if let Ok(v) = call {
                for entry in v["entries"].as_array().into_iter().flatten() {
                    if let (Some(k), Some(val)) = (entry[0].as_str(), entry[1].as_str()) {
                        items.insert((key.clone(), local, k.to_string()), val.to_string());
                    }
                }
            }
        }
        let dbs = cdp
            .call_with_timeout(
                Some(sess),
                "IndexedDB.requestDatabaseNames",
                json!({"storageKey": key}),
                limit,
            )
            .await;
        if let Ok(v) = dbs {
            let (origin, partition) = split_storage_key(key);
            for name in v["databaseNames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                capture.indexeddb.push(RawIndexedDb {
                    origin: origin.clone(),
                    partition: partition.clone(),
                    name: name.to_string(),
                });
            }
        }
    }
    // Items of frames that are gone by now are still known from the events.
    for (key, local, k, v) in from_events {
        let storage_key = if key.contains("://") { key } else { continue };
        items.entry((storage_key, local, k)).or_insert(v);
    }
    for ((key, local, k), value) in items {
        let (origin, partition) = split_storage_key(&key);
        capture.storage.push(RawStorageItem {
            origin,
            partition,
            area: if local { "local".into() } else { "session".into() },
            key: k,
            value,
        });
    }

    // A page whose document never arrived may not answer scripts at all: ask briefly.
    let eval_limit = if capture.document_status.is_some() {
        limit
    } else {
        Duration::from_secs(2)
    };
    let probe = "JSON.stringify({ua: navigator.userAgent, webdriver: navigator.webdriver, \
                 brands: navigator.userAgentData ? navigator.userAgentData.brands.map(b => b.brand) : []})";
    if let Ok(v) = cdp
        .call_with_timeout(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": probe, "returnByValue": true}),
            eval_limit,
        )
        .await
        && let Some(Ok(id)) = v["result"]["value"].as_str().map(serde_json::from_str::<Value>)
    {
        capture.page_identity = Some(PageIdentity {
            user_agent: id["ua"].as_str().unwrap_or_default().to_string(),
            webdriver: id["webdriver"].as_bool(),
            brands: id["brands"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        });
    }

    // After a crawl, the page information is already there: the first page's, read
    // before the crawl.
    if capture.page_info.is_none() {
        capture.page_info = page_info(cdp, session, eval_limit).await;
    }
    if capture.page_info.is_none() && capture.document_status.is_some() {
        capture
            .problems
            .push("could not read the page's links and consent-manager data".into());
    }

    if screenshot {
        match take_screenshot(cdp, session).await {
            Ok(png) => capture.screenshot_png = Some(png),
            Err(e) => capture.problems.push(e),
        }
    }
}

/// Runs the discovery script in the page: scripts, links, consent-manager globals and data.
async fn page_info(cdp: &Cdp, session: &str, limit: Duration) -> Option<PageInfo> {
    let v = cdp
        .call_with_timeout(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": include_str!("discover.js"), "returnByValue": true, "awaitPromise": true}),
            limit,
        )
        .await
        .map_err(|e| log::warn!("page discovery script: {e}"))
        .ok()?;
    if let Some(ex) = v.get("exceptionDetails") {
        log::warn!("page discovery script threw: {ex}");
    }
    let raw: Value = serde_json::from_str(v["result"]["value"].as_str()?).ok()?;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let pairs = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
            .collect()
    };
    let globals = strings(&raw["globals"]);
    let mut cmp_data = pairs(&raw["cmp"]);
    // Consent managers whose data is read by their own expressions (see policy::cmps).
    let has = |names: &[&str]| names.iter().any(|n| globals.iter().any(|g| g == n));
    let readers: [(&str, &[&str], &str); 5] = [
        ("klaro", &["klaro", "klaroConfig"], crate::policy::cmps::KLARO_JS),
        (
            "cookieconsent-v3",
            &["CookieConsent"],
            crate::policy::cmps::COOKIECONSENT_V3_JS,
        ),
        ("osano", &["Osano"], crate::policy::cmps::OSANO_JS),
        (
            "usercentrics",
            &["UC_UI", "__ucCmp"],
            crate::policy::cmps::USERCENTRICS_JS,
        ),
        ("termly", &["Termly"], crate::policy::cmps::TERMLY_JS),
    ];
    for (kind, names, js) in readers {
        if !has(names) || (kind == "cookieconsent-v3" && has(&["Cookiebot", "CookieConsentDialog"])) {
            continue;
        }
        let r = cdp
            .call_with_timeout(
                Some(session),
                "Runtime.evaluate",
                json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
                limit,
            )
            .await;
        if let Ok(v) = r
            && let Some(text) = v["result"]["value"].as_str()
        {
            cmp_data.push((kind.to_string(), text.to_string()));
        }
    }
    Some(PageInfo {
        title: raw["title"].as_str().unwrap_or_default().to_string(),
        lang: raw["lang"].as_str().unwrap_or_default().to_string(),
        scripts: strings(&raw["scripts"]),
        links: pairs(&raw["links"]),
        globals,
        cmp_data,
        html: raw["html"].as_str().unwrap_or_default().to_string(),
        text: raw["text"].as_str().unwrap_or_default().to_string(),
    })
}

/// Loads a document (a privacy or cookie policy page) in a fresh, separate browser context,
/// lets its scripts render (a consent manager's declaration is often drawn by JavaScript)
/// and reads it. Nothing of it enters the observations of the scan.
pub async fn load_document(browser: &Browser, url: &str, timeout: Duration) -> PolicyDocument {
    let mut doc = PolicyDocument {
        url: url.to_string(),
        final_url: url.to_string(),
        ..PolicyDocument::default()
    };
    let result = async {
        let (cdp, mut events) = Cdp::connect(browser.ws_url()).await?;
        let ctx = cdp
            .call(
                None,
                "Target.createBrowserContext",
                json!({"disposeOnDetach": true}),
            )
            .await?["browserContextId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let inner = async {
            let (target, session) = open_page(&cdp, &ctx).await?;
            let s = Some(session.as_str());
            cdp.call(s, "Page.enable", json!({})).await?;
            cdp.call(s, "Network.enable", json!({})).await?;
            cdp.call(s, "Network.setUserAgentOverride", browser.user_agent_override())
                .await?;
            let nav = cdp.request(s, "Page.navigate", json!({"url": url}));
            let deadline = Instant::now() + timeout;
            let mut loaded = false;
            let mut status = None;
            let nav_result = nav.wait(timeout).await;
            if let Ok(v) = &nav_result
                && let Some(e) = v["errorText"].as_str().filter(|e| !e.is_empty())
            {
                return Ok::<_, CdpError>((None, Some(e.to_string()), None));
            }
            while !loaded && Instant::now() < deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, events.recv()).await {
                    Ok(Some(ev)) => {
                        if ev.method == "Page.loadEventFired" {
                            loaded = true;
                        } else if ev.method == "Network.responseReceived"
                            && ev.params["type"] == "Document"
                            && ev.params["frameId"].as_str() == Some(target.as_str())
                        {
                            status = ev.params["response"]["status"].as_u64().map(|s| s as u16);
                        } else if ev.method == "Page.javascriptDialogOpening" {
                            cdp.fire(s, "Page.handleJavaScriptDialog", json!({"accept": true}));
                        }
                    }
                    _ => break,
                }
            }
            // Let scripts that draw declarations finish.
            tokio::time::sleep(Duration::from_millis(800)).await;
            let info = page_info(&cdp, &session, Duration::from_secs(10)).await;
            Ok((info, None, status))
        }
        .await;
        let _ = cdp
            .call_with_timeout(
                None,
                "Target.disposeBrowserContext",
                json!({"browserContextId": ctx}),
                Duration::from_secs(5),
            )
            .await;
        cdp.close();
        inner
    }
    .await;
    match result {
        Ok((Some(info), _, status)) => {
            doc.status = status;
            doc.info = info;
        }
        Ok((None, err, _)) => doc.error = Some(err.unwrap_or_else(|| "the page could not be read".into())),
        Err(e) => doc.error = Some(e.to_string()),
    }
    doc
}

fn jar_cookie(c: &Value) -> JarCookie {
    let expires = c["expires"]
        .as_f64()
        .filter(|e| *e > 0.0 && c["session"].as_bool() != Some(true));
    let (partition_key, partition_cross_site) = match &c["partitionKey"] {
        Value::Object(pk) => (
            pk.get("topLevelSite").and_then(Value::as_str).map(str::to_string),
            pk.get("hasCrossSiteAncestor")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        Value::String(s) => (Some(s.clone()), false),
        _ => (None, false),
    };
    JarCookie {
        name: c["name"].as_str().unwrap_or_default().to_string(),
        value: c["value"].as_str().unwrap_or_default().to_string(),
        domain: c["domain"].as_str().unwrap_or_default().to_string(),
        path: c["path"].as_str().unwrap_or("/").to_string(),
        expires,
        http_only: c["httpOnly"].as_bool().unwrap_or(false),
        secure: c["secure"].as_bool().unwrap_or(false),
        same_site: c["sameSite"].as_str().map(str::to_string),
        partition_key,
        partition_cross_site,
        request_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_sizes_from_headers() {
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00";
        assert_eq!(image_size(gif), Some((1, 1)));
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 3]);
        assert_eq!(image_size(&png), Some((2, 3)));
        assert_eq!(image_size(b"<html>"), None);
        assert_eq!(image_size(b""), None);
    }

    #[test]
    fn crawl_takes_policy_pages_first_then_same_site_links_in_document_order() {
        let link = |t: &str, h: &str| (t.to_string(), h.to_string());
        let info = PageInfo {
            links: vec![
                link("About", "https://www.crawl.test/about"),
                link("Elsewhere", "https://other-site.test/x"),
                link("Menu", "https://www.crawl.test/files/menu.PDF"),
                link("Products", "https://www.crawl.test/Products?page=1"),
                link("Privacy policy", "https://www.crawl.test/Privacy#top"),
                link("Team", "https://www.crawl.test/about#team"),
                link("Mail", "mailto:a@b.c"),
                link("Call", "tel:+123"),
                link("Script", "javascript:void(0)"),
                link("Home", "https://www.crawl.test/#main"),
                link("Shop", "http://shop.crawl.test/"),
                link("Image", "https://www.crawl.test/logo.svg?v=2"),
                link("Garbage", "https://"),
            ],
            ..PageInfo::default()
        };
        let here = ["https://www.crawl.test"];
        assert_eq!(
            crawl_targets(&info, "crawl.test", &here, 10),
            [
                "https://www.crawl.test/Privacy",
                "https://www.crawl.test/about",
                "https://www.crawl.test/Products?page=1",
                "http://shop.crawl.test/",
            ]
        );
        assert_eq!(
            crawl_targets(&info, "crawl.test", &here, 2),
            ["https://www.crawl.test/Privacy", "https://www.crawl.test/about"]
        );
        assert!(crawl_targets(&info, "crawl.test", &here, 0).is_empty());
        assert!(crawl_targets(&PageInfo::default(), "crawl.test", &here, 5).is_empty());
    }

    #[test]
    fn storage_keys_split_into_origin_and_partition() {
        assert_eq!(
            split_storage_key("https://shop.example/"),
            ("https://shop.example".into(), None)
        );
        assert_eq!(
            split_storage_key("https://w.example/^0https://shop.example"),
            ("https://w.example".into(), Some("https://shop.example".into()))
        );
    }
}
