//! The raw capture: what the browser (or a HAR file) told us, before any analysis.
//!
//! These types are internal evidence, kept complete (all headers, raw `Set-Cookie`
//! lines, real cookie values). The report's wire types in [`crate::report`] are derived
//! from them by [`crate::observe`], which classifies, redacts and orders. HAR export
//! reads these types too, so it can show full headers.

use serde::{Deserialize, Serialize};

/// Everything recorded for one page load in one browser context.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Capture {
    /// The URL the scan was asked to load.
    pub requested_url: String,
    /// The main frame's URL when the capture ended (after redirects).
    pub final_url: Option<String>,
    /// Wall-clock time (Unix seconds) of the navigation start; times below are relative to it.
    pub nav_start_wall: f64,
    /// Wall-clock time (Unix seconds) when cookies and storage were read.
    pub collected_wall: f64,
    /// HTTP status of the final main document, if one arrived.
    pub document_status: Option<u16>,
    /// Why the main navigation failed (`net::ERR_NAME_NOT_RESOLVED`, …), if it did.
    pub navigation_error: Option<String>,
    /// The hard per-page time limit ran out before the page settled.
    pub timeout_hit: bool,
    /// The load event fired in the main frame.
    pub load_fired: bool,
    /// Milliseconds from navigation start to the load event.
    pub load_ms: Option<f64>,
    /// Every request hop (a redirect makes one hop per URL), in the order they started.
    pub requests: Vec<RawRequest>,
    /// The cookie jar of the browser context at the end of the load.
    pub cookies: Vec<JarCookie>,
    /// Every `document.cookie` write, with the writing script.
    pub js_cookie_writes: Vec<JsWrite>,
    /// Every `localStorage` / `sessionStorage` write seen by the page hook, with the writing script.
    pub storage_writes: Vec<JsWrite>,
    /// Web-storage contents at the end of the load, per storage key.
    pub storage: Vec<RawStorageItem>,
    /// IndexedDB databases at the end of the load.
    pub indexeddb: Vec<RawIndexedDb>,
    /// Frames seen in the main page and in out-of-process iframes.
    pub frames: Vec<RawFrame>,
    /// JavaScript dialogs the page opened (they were dismissed).
    pub dialogs: Vec<Dialog>,
    /// Pop-up windows the page opened (they were closed).
    pub popups: Vec<String>,
    /// Problems of the capture itself (a renderer crash, a call that failed, …).
    pub problems: Vec<String>,
    /// How the browser looked to the page's own scripts at the end of the load.
    pub page_identity: Option<PageIdentity>,
    /// Scripts, links and consent-manager data read from the page at the end of the load.
    pub page_info: Option<PageInfo>,
    /// PNG screenshot of the viewport, when asked for.
    #[serde(skip)]
    pub screenshot_png: Option<Vec<u8>>,
    /// What the pass did about consent, when it drove the banner or read its state.
    #[serde(default)]
    pub consent: Option<crate::consent::ConsentInfo>,
    /// The pages visited in this browser context, in order: the requested page first,
    /// then the same-site pages of a crawl (`--pages`). Empty for a capture that does not
    /// know its pages (an imported HAR file): it then counts as one visit of
    /// `requested_url`. The capture-level fields above (`final_url`, `document_status`,
    /// `navigation_error`, `timeout_hit`, `load_ms`) stay the first page's.
    #[serde(default)]
    pub pages: Vec<PageVisit>,
}

/// Which of the visits beginning at `starts` (in visit order) was under way at `time_ms`:
/// the last one begun by then, the later on a tie; the first when the time is before
/// every visit (or there is no visit at all: 0).
pub fn visit_at(starts: impl IntoIterator<Item = f64>, time_ms: f64) -> usize {
    let mut current: Option<(usize, f64)> = None;
    for (i, start) in starts.into_iter().enumerate() {
        match current {
            Some((_, at)) if !(start <= time_ms && start >= at) => {}
            _ => current = Some((i, start)),
        }
    }
    current.map_or(0, |(i, _)| i)
}

/// One page visited during a capture: the first (requested) page, or a page of the crawl.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PageVisit {
    /// The URL asked for: the requested URL for the first page, a link's URL (without its
    /// fragment) for the others.
    pub url: String,
    /// The main frame's URL once the page had loaded (after redirects), if it got that far.
    pub final_url: Option<String>,
    /// HTTP status of the page's main document, if one arrived.
    pub status: Option<u16>,
    /// Why the navigation to this page failed (`net::ERR_…`), if it did.
    pub error: Option<String>,
    /// When the visit began, milliseconds after the navigation start of the first page
    /// (the time base of every other time in the capture).
    pub start_ms: f64,
    /// The page did not settle within its own time limit; the crawl moved on.
    pub timed_out: bool,
}

/// One HTTP request hop.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawRequest {
    /// Chromium's request id (shared by the hops of one redirect chain).
    pub cdp_id: String,
    pub url: String,
    pub method: String,
    /// Chromium resource type: Document, Script, Image, Ping, Fetch, XHR, …
    pub resource_type: String,
    pub initiator: Initiator,
    pub frame_id: Option<String>,
    /// Which target recorded it: `page`, or `iframe`/`worker` for an attached child target.
    pub target: String,
    /// Unix seconds when the request started.
    pub wall_time: f64,
    /// Milliseconds after navigation start.
    pub start_ms: f64,
    /// Milliseconds after navigation start when it finished or failed.
    pub end_ms: Option<f64>,
    /// Request headers as sent on the wire where known (ExtraInfo), else as the renderer saw them.
    pub request_headers: Vec<(String, String)>,
    /// Size of the request body, if any.
    pub post_data_len: Option<usize>,
    /// Names of the cookies the browser attached to the request.
    pub cookies_sent: Vec<String>,
    pub status: Option<u16>,
    pub status_text: Option<String>,
    pub protocol: Option<String>,
    pub mime_type: Option<String>,
    pub remote_ip: Option<String>,
    /// Response headers as received on the wire where known (ExtraInfo), else as parsed.
    pub response_headers: Vec<(String, String)>,
    /// Every `Set-Cookie` line of the response, raw.
    pub set_cookie_lines: Vec<String>,
    /// `Set-Cookie` lines Chromium refused to store, with its reasons.
    pub blocked_cookies: Vec<BlockedSetCookie>,
    /// Bytes on the wire (headers + body), when the request finished.
    pub encoded_data_length: Option<u64>,
    /// The request finished successfully (`loadingFinished`).
    pub finished: bool,
    /// Why it failed (`net::ERR_…`), if it did.
    pub failure: Option<String>,
    /// The next URL, when this hop was answered by a redirect.
    pub redirect_to: Option<String>,
    /// URLs of the earlier hops of the same redirect chain, oldest first.
    pub redirect_chain: Vec<String>,
    /// For small images: the decoded size of the body.
    pub image: Option<ImageProbe>,
}

impl RawRequest {
    /// First request header named `name` (case-insensitive).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }
    /// First response header named `name` (case-insensitive).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        header(&self.response_headers, name)
    }
}

/// First header named `name` (case-insensitive) in a header list.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What caused a request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Initiator {
    /// `parser`, `script`, `preload`, `redirect`, `other`, …
    pub kind: String,
    /// The script (or document, for the parser) responsible.
    pub url: Option<String>,
    pub line: Option<u32>,
}

/// A `Set-Cookie` line Chromium refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlockedSetCookie {
    pub line: String,
    pub reasons: Vec<String>,
}

/// Size and body length of a small image response.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageProbe {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub body_len: usize,
}

/// A cookie as stored in the browser's jar.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JarCookie {
    pub name: String,
    pub value: String,
    pub domain: String,
    pub path: String,
    /// Unix seconds; `None` for a session cookie.
    pub expires: Option<f64>,
    pub http_only: bool,
    pub secure: bool,
    pub same_site: Option<String>,
    /// The top-level site of a partitioned (CHIPS) cookie.
    pub partition_key: Option<String>,
    pub partition_cross_site: bool,
    /// Known only from `Cookie` request headers (HAR input): attributes and lifetime unknown.
    #[serde(default)]
    pub request_only: bool,
}

/// A write through `document.cookie` or `Storage.setItem`, seen by the page hook.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JsWrite {
    /// For cookies: the string written to `document.cookie`. For storage: the key.
    pub text: String,
    /// For storage: `local` or `session`.
    pub area: Option<String>,
    /// For storage: the length of the value written.
    pub value_len: Option<usize>,
    /// The script whose code made the write (first URL on the JS stack), if any.
    pub script: Option<String>,
    /// `location.href` of the frame that wrote.
    pub frame_url: String,
    /// Milliseconds after navigation start.
    pub time_ms: f64,
}

/// One web-storage entry at the end of the load.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawStorageItem {
    /// The security origin, e.g. `https://widget.example`.
    pub origin: String,
    /// The top-level site when the storage is partitioned (a third-party iframe's).
    pub partition: Option<String>,
    /// `local` or `session`.
    pub area: String,
    pub key: String,
    pub value: String,
}

/// One IndexedDB database at the end of the load.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawIndexedDb {
    pub origin: String,
    pub partition: Option<String>,
    pub name: String,
}

/// A frame of the page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawFrame {
    pub id: String,
    pub parent_id: Option<String>,
    pub url: String,
    /// Rendered in its own process (a cross-site iframe with site isolation).
    pub out_of_process: bool,
}

/// A JavaScript dialog the page opened.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dialog {
    /// `alert`, `confirm`, `prompt` or `beforeunload`.
    pub kind: String,
    pub message: String,
    pub url: String,
}

/// What the page's scripts could read about the browser.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageIdentity {
    pub user_agent: String,
    pub webdriver: Option<bool>,
    pub brands: Vec<String>,
}

/// What the page offers for finding its declared policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageInfo {
    pub title: String,
    /// `lang` of the document element.
    pub lang: String,
    /// `src` of every script element.
    pub scripts: Vec<String>,
    /// Every link: (visible text, absolute href).
    pub links: Vec<(String, String)>,
    /// Consent-manager globals present (`Cookiebot`, `OneTrust`, `klaroConfig`, `__tcfapi`, …).
    pub globals: Vec<String>,
    /// Consent-manager data read in the page: (kind, JSON text), e.g. ("cookiebot-dialog", …).
    pub cmp_data: Vec<(String, String)>,
    /// The document's HTML (at most a few MB) and visible text.
    #[serde(skip)]
    pub html: String,
    #[serde(skip)]
    pub text: String,
}

/// A policy page loaded for its declarations.
#[derive(Debug, Clone, Default)]
pub struct PolicyDocument {
    /// The URL asked for and the URL it ended at.
    pub url: String,
    pub final_url: String,
    pub status: Option<u16>,
    /// Why it could not be loaded, if it could not.
    pub error: Option<String>,
    pub info: PageInfo,
}

#[cfg(test)]
mod tests {
    use super::visit_at;

    #[test]
    fn the_visit_under_way_is_the_last_begun() {
        let starts = [0.0, 250.0, 250.0, 900.0];
        assert_eq!(visit_at(starts, -5.0), 0, "before every visit: the first");
        assert_eq!(visit_at(starts, 100.0), 0);
        assert_eq!(visit_at(starts, 250.0), 2, "a tie goes to the later visit");
        assert_eq!(visit_at(starts, 899.9), 2);
        assert_eq!(visit_at(starts, 5000.0), 3);
        assert_eq!(visit_at([], 10.0), 0);
    }
}
