//! Turns the stream of DevTools events of one page load into a [`Capture`].
//!
//! The recorder is synchronous and does no I/O: the page driver ([`super::page`]) feeds
//! it events and carries out the [`Action`]s it asks for (set up an attached iframe,
//! dismiss a dialog, probe a small image, close a pop-up). Requests are keyed by
//! Chromium's request id only, because an out-of-process iframe's document request
//! starts on the parent session and ends on the child's; ExtraInfo events may come
//! before or after the event they belong to, and are matched to hops in order.
//!
//! A pass may visit several pages in its tab (`--pages`). Everything keeps the one time
//! base of the first navigation; the capture's document fields (`final_url`,
//! `document_status`, `navigation_error`) stay the first page's, and what a later page's
//! main document does is recorded on its own [`PageVisit`] (see [`Recorder::begin_visit`]).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Instant;

use serde_json::Value;

use super::cdp::CdpEvent;
use super::model::*;

/// Name of the DevTools binding the page hook reports through.
pub const BINDING: &str = "__crumbs_report_7f3a";

/// Something the driver must do on the recorder's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A child target (iframe, worker) attached and waits for us.
    SetupChild { session: String, kind: String },
    /// Close a JavaScript dialog.
    DismissDialog { session: String, accept: bool },
    /// Read the body of a small image to learn its size.
    ProbeImage {
        session: String,
        request_id: String,
        hop: usize,
    },
    /// Close a pop-up window the page opened.
    ClosePopup { target_id: String },
}

#[derive(Debug, Default, Clone)]
struct HopState {
    has_req_extra: bool,
    has_resp_extra: bool,
}

/// The state of one page load being recorded.
#[derive(Debug)]
pub struct Recorder {
    main_session: String,
    main_frame: String,
    context_id: String,
    /// session id -> target type (`page`, `iframe`, `worker`, …)
    sessions: HashMap<String, String>,
    requests: Vec<RawRequest>,
    hops: Vec<HopState>,
    by_id: HashMap<String, Vec<usize>>,
    req_extra: HashMap<String, VecDeque<Value>>,
    resp_extra: HashMap<String, VecDeque<Value>>,
    inflight: HashSet<String>,
    nav_start: Option<(f64, f64)>,
    /// Frames, with the session that reported them.
    frames: BTreeMap<String, (RawFrame, String)>,
    /// Web-storage contents seen through DOMStorage events: (storage key, is_local, key) -> value
    dom_storage: BTreeMap<(String, bool, String), String>,
    pub(crate) capture: Capture,
    /// When the last network event arrived.
    pub last_activity: Instant,
    /// Load events of the main frame so far (a reload adds one).
    loads: u32,
    /// Child sessions that detached.
    detached: HashSet<String>,
    /// session id -> target id (for an iframe target: its frame id)
    session_targets: HashMap<String, String>,
    /// Index in `capture.pages` of the page being visited; 0 is the first (requested)
    /// page, whose document fields live on the capture itself.
    visit: usize,
    /// The main document request of the current (later) visit has been seen.
    visit_doc_seen: bool,
}

impl Recorder {
    /// A recorder for the page attached as `main_session` (target `main_frame`) in browser context `context_id`.
    pub fn new(requested_url: &str, main_session: &str, main_frame: &str, context_id: &str) -> Self {
        let mut sessions = HashMap::new();
        sessions.insert(main_session.to_string(), "page".to_string());
        Recorder {
            main_session: main_session.to_string(),
            main_frame: main_frame.to_string(),
            context_id: context_id.to_string(),
            sessions,
            requests: Vec::new(),
            hops: Vec::new(),
            by_id: HashMap::new(),
            req_extra: HashMap::new(),
            resp_extra: HashMap::new(),
            inflight: HashSet::new(),
            nav_start: None,
            frames: BTreeMap::new(),
            dom_storage: BTreeMap::new(),
            capture: Capture {
                requested_url: requested_url.to_string(),
                ..Capture::default()
            },
            last_activity: Instant::now(),
            loads: 0,
            detached: HashSet::new(),
            session_targets: HashMap::new(),
            visit: 0,
            visit_doc_seen: false,
        }
    }

    /// Starts the visit of a further page of the same pass, about to be navigated to
    /// `url` at wall-clock time `now_wall` (Unix seconds); returns its index in
    /// `capture.pages`. The first page's visit is recorded first, from the capture as it
    /// stands. From now on, main-frame documents update this visit, not the capture. The
    /// visit starts when its main document request starts (the wall-clock time is only
    /// used until that request is seen).
    pub fn begin_visit(&mut self, url: &str, now_wall: f64) -> usize {
        if self.capture.pages.is_empty() {
            let first = self.first_visit();
            self.capture.pages.push(first);
        }
        let start_ms = match self.nav_start {
            Some((_, wall)) => ((now_wall - wall) * 1000.0).max(0.0),
            None => 0.0,
        };
        self.capture.pages.push(PageVisit {
            url: url.to_string(),
            start_ms,
            ..PageVisit::default()
        });
        self.visit = self.capture.pages.len() - 1;
        self.visit_doc_seen = false;
        self.visit
    }

    /// Records why the navigation of visit `idx` failed, if that visit is still the
    /// current one (a late answer for a page the crawl has left, such as the
    /// `net::ERR_ABORTED` of a page that never answered, says nothing about that page).
    pub fn set_visit_error(&mut self, idx: usize, error: String) {
        if idx > 0
            && idx == self.visit
            && let Some(v) = self.capture.pages.get_mut(idx)
        {
            v.error.get_or_insert(error);
        }
    }

    /// Marks visit `idx` as not settled within its time limit.
    pub fn set_visit_timed_out(&mut self, idx: usize) {
        if let Some(v) = self.capture.pages.get_mut(idx) {
            v.timed_out = true;
        }
    }

    /// A later page of the pass (not the first) is being visited.
    pub fn visiting_later_page(&self) -> bool {
        self.visit > 0
    }

    /// The navigation of the current page failed.
    pub fn navigation_failed(&self) -> bool {
        match self.current_visit() {
            Some(v) => v.error.is_some(),
            None => self.capture.navigation_error.is_some(),
        }
    }

    /// The current visit, when it is a later page (not the first).
    fn current_visit(&self) -> Option<&PageVisit> {
        (self.visit > 0)
            .then(|| self.capture.pages.get(self.visit))
            .flatten()
    }

    fn current_visit_mut(&mut self) -> Option<&mut PageVisit> {
        if self.visit == 0 {
            return None;
        }
        self.capture.pages.get_mut(self.visit)
    }

    /// The first page's visit, from the capture's document fields.
    fn first_visit(&self) -> PageVisit {
        PageVisit {
            url: self.capture.requested_url.clone(),
            final_url: self.capture.final_url.clone(),
            status: self.capture.document_status,
            error: self.capture.navigation_error.clone(),
            start_ms: 0.0,
            timed_out: self.capture.timeout_hit,
        }
    }

    /// Load events of the main frame so far.
    pub fn load_count(&self) -> u32 {
        self.loads
    }

    /// Sessions of cross-origin iframes still attached.
    pub fn iframe_sessions(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .sessions
            .iter()
            .filter(|(s, k)| k.as_str() == "iframe" && !self.detached.contains(*s))
            .map(|(s, _)| s.clone())
            .collect();
        v.sort();
        v
    }

    /// The frame id of an iframe session's frame.
    pub fn frame_of_session(&self, session: &str) -> Option<String> {
        self.session_targets
            .get(session)
            .filter(|t| !t.is_empty())
            .cloned()
    }

    /// Requests started but neither finished nor failed.
    pub fn inflight(&self) -> usize {
        self.inflight.len()
    }

    /// The load event fired in the main frame.
    pub fn loaded(&self) -> bool {
        self.capture.load_fired
    }

    /// Wall-clock Unix seconds of the navigation start, once known.
    pub fn nav_start_wall(&self) -> Option<f64> {
        self.nav_start.map(|(_, w)| w)
    }

    /// Frames with an http(s) URL and the session to ask about them.
    pub fn frames_for_storage(&self) -> Vec<(String, String)> {
        self.frames
            .values()
            .filter(|(f, _)| f.url.starts_with("http://") || f.url.starts_with("https://"))
            .map(|(f, s)| (f.id.clone(), s.clone()))
            .collect()
    }

    /// Web storage seen through events, as (storage key, is_local, key, value).
    pub fn storage_from_events(&self) -> impl Iterator<Item = (&str, bool, &str, &str)> {
        self.dom_storage
            .iter()
            .map(|((sk, local, k), v)| (sk.as_str(), *local, k.as_str(), v.as_str()))
    }

    fn rel(&self, ts: f64) -> f64 {
        match self.nav_start {
            Some((start, _)) => ((ts - start) * 1000.0).max(0.0),
            None => 0.0,
        }
    }

    fn target_of(&self, session: Option<&str>) -> String {
        session
            .and_then(|s| self.sessions.get(s))
            .cloned()
            .unwrap_or_else(|| "browser".into())
    }

    fn last_hop(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).and_then(|v| v.last().copied())
    }

    /// Records one event; returns what the driver must do about it.
    pub fn on_event(&mut self, ev: &CdpEvent) -> Vec<Action> {
        let p = &ev.params;
        let session = ev.session_id.as_deref();
        let mut actions = Vec::new();
        if ev.method.starts_with("Network.") {
            self.last_activity = Instant::now();
        }
        match ev.method.as_str() {
            "Network.requestWillBeSent" => self.on_request(session, p),
            "Network.requestWillBeSentExtraInfo" => {
                let id = str_of(p, "requestId");
                let target = self
                    .by_id
                    .get(&id)
                    .and_then(|v| v.iter().copied().find(|&h| !self.hops[h].has_req_extra));
                match target {
                    Some(h) => self.apply_req_extra(h, p),
                    None => self.req_extra.entry(id).or_default().push_back(p.clone()),
                }
            }
            "Network.responseReceivedExtraInfo" => {
                let id = str_of(p, "requestId");
                let code = p["statusCode"].as_u64().map(|c| c as u16);
                let target = self.by_id.get(&id).and_then(|v| {
                    v.iter().copied().find(|&h| {
                        !self.hops[h].has_resp_extra
                            && (self.requests[h].status.is_none()
                                || code.is_none()
                                || self.requests[h].status == code)
                    })
                });
                match target {
                    Some(h) => self.apply_resp_extra(h, p),
                    None => self.resp_extra.entry(id).or_default().push_back(p.clone()),
                }
            }
            "Network.responseReceived" => {
                let id = str_of(p, "requestId");
                if let Some(h) = self.last_hop(&id) {
                    let is_doc = self.apply_response(h, &p["response"]);
                    if self.requests[h].resource_type.is_empty() {
                        self.requests[h].resource_type = str_of(p, "type");
                    }
                    let main_doc = is_doc
                        && self.requests[h].resource_type == "Document"
                        && self.requests[h].frame_id.as_deref() == Some(self.main_frame.as_str());
                    if main_doc {
                        let status = self.requests[h].status;
                        let url = self.requests[h].url.clone();
                        match self.current_visit_mut() {
                            Some(v) => {
                                v.status = status;
                                v.final_url = Some(url);
                            }
                            None => {
                                self.capture.document_status = status;
                                self.capture.final_url = Some(url);
                            }
                        }
                    }
                }
            }
            "Network.loadingFinished" => {
                let id = str_of(p, "requestId");
                self.inflight.remove(&id);
                if let Some(h) = self.last_hop(&id) {
                    let end = p["timestamp"].as_f64().map(|t| self.rel(t));
                    let r = &mut self.requests[h];
                    r.finished = true;
                    r.end_ms = end;
                    r.encoded_data_length = p["encodedDataLength"].as_f64().map(|n| n as u64);
                    let small = r.encoded_data_length.is_some_and(|n| n <= 8192);
                    if r.resource_type == "Image"
                        && small
                        && r.status.is_some_and(|s| (200..300).contains(&s))
                        && let Some(s) = session
                    {
                        actions.push(Action::ProbeImage {
                            session: s.to_string(),
                            request_id: id,
                            hop: h,
                        });
                    }
                }
            }
            "Network.loadingFailed" => {
                let id = str_of(p, "requestId");
                self.inflight.remove(&id);
                if let Some(h) = self.last_hop(&id) {
                    let end = p["timestamp"].as_f64().map(|t| self.rel(t));
                    let mut reason = str_of(p, "errorText");
                    if let Some(b) = p["blockedReason"].as_str() {
                        reason = format!("{reason} (blocked: {b})");
                    }
                    if let Some(c) = p["corsErrorStatus"]["corsError"].as_str() {
                        reason = format!("{reason} (CORS: {c})");
                    }
                    if p["canceled"].as_bool() == Some(true) && reason.is_empty() {
                        reason = "canceled".into();
                    }
                    let r = &mut self.requests[h];
                    r.end_ms = end;
                    r.failure = Some(if reason.is_empty() {
                        "failed".into()
                    } else {
                        reason
                    });
                }
            }
            "Page.loadEventFired" if session == Some(self.main_session.as_str()) => {
                self.loads += 1;
                if !self.capture.load_fired {
                    self.capture.load_fired = true;
                    self.capture.load_ms = p["timestamp"].as_f64().map(|t| self.rel(t));
                }
            }
            "Target.detachedFromTarget" => {
                self.detached.insert(str_of(p, "sessionId"));
            }
            "Page.frameNavigated" => {
                let f = &p["frame"];
                let id = str_of(f, "id");
                let url = str_of(f, "url");
                let parent = f["parentId"].as_str().map(str::to_string);
                let oop = session != Some(self.main_session.as_str());
                if id == self.main_frame && !url.is_empty() && url != "about:blank" {
                    match self.current_visit_mut() {
                        Some(v) => v.final_url = Some(url.clone()),
                        None => self.capture.final_url = Some(url.clone()),
                    }
                }
                if self.visit > 0
                    && id == self.main_frame
                    && let Some((_, s)) = self.frames.get_mut(&id)
                {
                    // The main frame keeps the first page's URL, as the capture does.
                    *s = session.unwrap_or_default().to_string();
                    return actions;
                }
                let frame = RawFrame {
                    id: id.clone(),
                    parent_id: parent,
                    url,
                    out_of_process: oop,
                };
                self.frames
                    .insert(id, (frame, session.unwrap_or_default().to_string()));
            }
            "Page.javascriptDialogOpening" => {
                let kind = str_of(p, "type");
                self.capture.dialogs.push(Dialog {
                    kind: kind.clone(),
                    message: str_of(p, "message"),
                    url: str_of(p, "url"),
                });
                if let Some(s) = session {
                    actions.push(Action::DismissDialog {
                        session: s.to_string(),
                        accept: kind == "alert" || kind == "beforeunload",
                    });
                }
            }
            "DOMStorage.domStorageItemAdded" | "DOMStorage.domStorageItemUpdated" => {
                let (sk, local) = storage_id(&p["storageId"]);
                self.dom_storage
                    .insert((sk, local, str_of(p, "key")), str_of(p, "newValue"));
            }
            "DOMStorage.domStorageItemRemoved" => {
                let (sk, local) = storage_id(&p["storageId"]);
                self.dom_storage.remove(&(sk, local, str_of(p, "key")));
            }
            "DOMStorage.domStorageItemsCleared" => {
                let (sk, local) = storage_id(&p["storageId"]);
                self.dom_storage.retain(|(s, l, _), _| !(s == &sk && *l == local));
            }
            "Runtime.bindingCalled" if p["name"].as_str() == Some(BINDING) => self.on_binding(p),
            "Target.attachedToTarget" => {
                let child = str_of(p, "sessionId");
                let kind = str_of(&p["targetInfo"], "type");
                self.sessions.insert(child.clone(), kind.clone());
                self.session_targets
                    .insert(child.clone(), str_of(&p["targetInfo"], "targetId"));
                actions.push(Action::SetupChild { session: child, kind });
            }
            "Target.targetCreated" if session.is_none() => {
                let info = &p["targetInfo"];
                let ours = info["browserContextId"].as_str() == Some(self.context_id.as_str());
                let target = str_of(info, "targetId");
                if ours && info["type"].as_str() == Some("page") && target != self.main_frame {
                    let url = str_of(info, "url");
                    self.capture
                        .popups
                        .push(if url.is_empty() { "about:blank".into() } else { url });
                    actions.push(Action::ClosePopup { target_id: target });
                }
            }
            "Inspector.targetCrashed" => {
                let what = self.target_of(session);
                self.capture
                    .problems
                    .push(format!("the renderer of a {what} target crashed"));
            }
            _ => {}
        }
        actions
    }

    fn on_request(&mut self, session: Option<&str>, p: &Value) {
        let id = str_of(p, "requestId");
        let req = &p["request"];
        let url = str_of(req, "url");
        let ts = p["timestamp"].as_f64().unwrap_or(0.0);
        let wall = p["wallTime"].as_f64().unwrap_or(0.0);
        let frame_id = p["frameId"].as_str().map(str::to_string);
        let rtype = p["type"].as_str().unwrap_or("").to_string();
        if url.starts_with("data:") || url.starts_with("blob:") {
            return;
        }
        let main_doc = rtype == "Document" && frame_id.as_deref() == Some(self.main_frame.as_str());
        if self.nav_start.is_none() && main_doc {
            self.nav_start = Some((ts, wall));
            self.capture.nav_start_wall = wall;
        }
        if main_doc && self.visit > 0 && !self.visit_doc_seen {
            self.visit_doc_seen = true;
            let start = self.rel(ts);
            if let Some(v) = self.current_visit_mut() {
                v.start_ms = start;
            }
        }
        let mut chain = Vec::new();
        if p.get("redirectResponse").is_some_and(|r| !r.is_null())
            && let Some(h) = self.last_hop(&id)
        {
            self.apply_response(h, &p["redirectResponse"]);
            let end = self.rel(ts);
            let r = &mut self.requests[h];
            r.redirect_to = Some(url.clone());
            r.end_ms = Some(end);
            r.finished = true;
            chain = r.redirect_chain.clone();
            chain.push(r.url.clone());
        }
        let post_len = req["postData"].as_str().map(str::len).or_else(|| {
            req["postDataEntries"].as_array().map(|a| {
                a.iter()
                    .filter_map(|e| e["bytes"].as_str())
                    .map(|b| b.len() * 3 / 4)
                    .sum()
            })
        });
        let raw = RawRequest {
            cdp_id: id.clone(),
            url,
            method: str_of(req, "method"),
            resource_type: rtype,
            initiator: initiator(&p["initiator"]),
            frame_id,
            target: self.target_of(session),
            wall_time: wall,
            start_ms: self.rel(ts),
            request_headers: header_pairs(&req["headers"]),
            post_data_len: post_len,
            redirect_chain: chain,
            ..RawRequest::default()
        };
        let h = self.requests.len();
        self.requests.push(raw);
        self.hops.push(HopState::default());
        self.by_id.entry(id.clone()).or_default().push(h);
        self.inflight.insert(id.clone());
        if let Some(extra) = self.req_extra.get_mut(&id).and_then(VecDeque::pop_front) {
            self.apply_req_extra(h, &extra);
        }
        if let Some(extra) = self.resp_extra.get_mut(&id).and_then(VecDeque::pop_front) {
            self.apply_resp_extra(h, &extra);
        }
    }

    /// Fills in response fields; returns whether the response exists.
    fn apply_response(&mut self, h: usize, resp: &Value) -> bool {
        if !resp.is_object() {
            return false;
        }
        let has_extra = self.hops[h].has_resp_extra;
        let r = &mut self.requests[h];
        r.status = resp["status"].as_u64().map(|s| s as u16);
        r.status_text = resp["statusText"].as_str().map(str::to_string);
        r.mime_type = resp["mimeType"].as_str().map(str::to_string);
        r.remote_ip = resp["remoteIPAddress"].as_str().map(str::to_string);
        r.protocol = resp["protocol"].as_str().map(str::to_string);
        if !has_extra {
            r.response_headers = header_pairs(&resp["headers"]);
            r.set_cookie_lines = set_cookie_lines(&r.response_headers);
        }
        true
    }

    fn apply_req_extra(&mut self, h: usize, p: &Value) {
        self.hops[h].has_req_extra = true;
        let r = &mut self.requests[h];
        let headers = header_pairs(&p["headers"]);
        if !headers.is_empty() {
            r.request_headers = headers;
        }
        if let Some(list) = p["associatedCookies"].as_array() {
            r.cookies_sent = list
                .iter()
                .filter(|c| c["blockedReasons"].as_array().is_none_or(Vec::is_empty))
                .filter_map(|c| c["cookie"]["name"].as_str().map(str::to_string))
                .collect();
        }
    }

    fn apply_resp_extra(&mut self, h: usize, p: &Value) {
        self.hops[h].has_resp_extra = true;
        let r = &mut self.requests[h];
        let headers = header_pairs(&p["headers"]);
        if !headers.is_empty() {
            r.set_cookie_lines = set_cookie_lines(&headers);
            r.response_headers = headers;
        }
        if r.status.is_none() {
            r.status = p["statusCode"].as_u64().map(|s| s as u16);
        }
        if let Some(list) = p["blockedCookies"].as_array() {
            r.blocked_cookies = list
                .iter()
                .map(|b| BlockedSetCookie {
                    line: str_of(b, "cookieLine"),
                    reasons: b["blockedReasons"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                        .unwrap_or_default(),
                })
                .filter(|b| !b.reasons.is_empty())
                .collect();
        }
    }

    fn on_binding(&mut self, p: &Value) {
        let Some(payload) = p["payload"].as_str() else {
            return;
        };
        let Ok(msg) = serde_json::from_str::<Value>(payload) else {
            return;
        };
        let ts_ms = msg["ts"].as_f64().unwrap_or(0.0);
        let time_ms = match self.nav_start {
            Some((_, wall)) => (ts_ms - wall * 1000.0).max(0.0),
            None => 0.0,
        };
        let write = JsWrite {
            text: str_of(&msg, "text"),
            area: msg["area"].as_str().map(str::to_string),
            value_len: msg["n"].as_u64().map(|n| n as usize),
            script: msg["s"].as_str().map(str::to_string),
            frame_url: str_of(&msg, "o"),
            time_ms,
        };
        match msg["t"].as_str() {
            Some("cookie") => self.capture.js_cookie_writes.push(write),
            Some("storage") => self.capture.storage_writes.push(write),
            _ => {}
        }
    }

    /// Records the decoded size of a probed image body.
    pub fn set_image_probe(&mut self, hop: usize, probe: ImageProbe) {
        if let Some(r) = self.requests.get_mut(hop) {
            r.image = Some(probe);
        }
    }

    /// Ends the recording and hands over the capture (storage, cookies and the rest
    /// are filled in by the driver afterwards).
    pub fn finish(mut self) -> Capture {
        // Requests that never finished keep `finished: false` and no failure: they were still open.
        self.capture.requests = std::mem::take(&mut self.requests);
        if self.capture.pages.is_empty() {
            // One page only: its visit is the capture's document.
            let first = self.first_visit();
            self.capture.pages.push(first);
        }
        self.capture.frames = self.frames.into_values().map(|(f, _)| f).collect();
        self.capture
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// The storage key (or origin) and the area of a DOMStorage `storageId`.
fn storage_id(id: &Value) -> (String, bool) {
    let key = id["storageKey"]
        .as_str()
        .or_else(|| id["securityOrigin"].as_str())
        .unwrap_or_default();
    (key.to_string(), id["isLocalStorage"].as_bool().unwrap_or(true))
}

/// Header object -> ordered pairs; values Chromium joined with `\n` (repeated headers) are split.
pub(crate) fn header_pairs(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(map) = v.as_object() {
        for (k, val) in map {
            let text = match val {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            for part in text.split('\n') {
                out.push((k.clone(), part.to_string()));
            }
        }
    }
    out
}

fn set_cookie_lines(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.clone())
        .filter(|v| !v.trim().is_empty())
        .collect()
}

fn initiator(v: &Value) -> Initiator {
    let kind = v["type"].as_str().unwrap_or("other").to_string();
    let mut url = v["url"].as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let mut line = v["lineNumber"].as_u64().map(|n| n as u32 + 1);
    if url.is_none() {
        // A script initiator: the innermost stack frame with a URL, following async parents.
        let mut stack = &v["stack"];
        'outer: while stack.is_object() {
            for f in stack["callFrames"].as_array().into_iter().flatten() {
                if let Some(u) = f["url"].as_str().filter(|s| !s.is_empty()) {
                    url = Some(u.to_string());
                    line = f["lineNumber"].as_u64().map(|n| n as u32 + 1);
                    break 'outer;
                }
            }
            stack = &stack["parent"];
        }
    }
    Initiator { kind, url, line }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(session: &str, method: &str, params: Value) -> CdpEvent {
        CdpEvent {
            session_id: Some(session.into()),
            method: method.into(),
            params,
        }
    }

    #[test]
    fn redirect_hops_and_extra_info_in_any_order() {
        let mut r = Recorder::new("https://a.example/", "S", "F", "C");
        let doc = json!({"requestId":"L1","frameId":"F","type":"Document","timestamp":10.0,"wallTime":1000.0,
            "request":{"url":"https://a.example/","method":"GET","headers":{}},"initiator":{"type":"other"}});
        // ExtraInfo before the request itself.
        r.on_event(&ev("S", "Network.requestWillBeSentExtraInfo", json!({"requestId":"L1","headers":{"Cookie":"x=1"},
            "associatedCookies":[{"blockedReasons":[],"cookie":{"name":"x"}},{"blockedReasons":["SameSiteLax"],"cookie":{"name":"y"}}]})));
        r.on_event(&ev("S", "Network.requestWillBeSent", doc));
        r.on_event(&ev("S", "Network.responseReceivedExtraInfo", json!({"requestId":"L1","statusCode":302,
            "headers":{"Location":"/b","Set-Cookie":"a=1; Path=/\nb=2"},"blockedCookies":[{"blockedReasons":["InvalidDomain"],"cookieLine":"c=3; Domain=z.example"}]})));
        r.on_event(&ev(
            "S",
            "Network.requestWillBeSent",
            json!({"requestId":"L1","frameId":"F","type":"Document","timestamp":10.25,"wallTime":1000.25,
            "request":{"url":"https://a.example/b","method":"GET","headers":{}},"initiator":{"type":"other"},
            "redirectResponse":{"status":302,"headers":{"location":"/b"}}}),
        ));
        r.on_event(&ev("S", "Network.responseReceived", json!({"requestId":"L1","type":"Document",
            "response":{"url":"https://a.example/b","status":200,"headers":{"content-type":"text/html"},"mimeType":"text/html"}})));
        r.on_event(&ev(
            "S",
            "Network.loadingFinished",
            json!({"requestId":"L1","timestamp":10.5,"encodedDataLength":1234.0}),
        ));
        assert_eq!(r.inflight(), 0);
        let c = r.finish();
        assert_eq!(c.requests.len(), 2);
        let (a, b) = (&c.requests[0], &c.requests[1]);
        assert_eq!(a.status, Some(302));
        assert_eq!(a.redirect_to.as_deref(), Some("https://a.example/b"));
        assert_eq!(a.set_cookie_lines, vec!["a=1; Path=/", "b=2"]);
        assert_eq!(a.blocked_cookies[0].reasons, vec!["InvalidDomain"]);
        assert_eq!(a.cookies_sent, vec!["x"]);
        assert_eq!(b.redirect_chain, vec!["https://a.example/"]);
        assert_eq!(b.start_ms, 250.0);
        assert_eq!(b.end_ms, Some(500.0));
        assert_eq!(b.encoded_data_length, Some(1234));
        assert_eq!(c.document_status, Some(200));
        assert_eq!(c.final_url.as_deref(), Some("https://a.example/b"));
    }

    #[test]
    fn later_pages_get_their_own_visit_and_leave_the_first_document_alone() {
        let mut r = Recorder::new("https://a.example/", "S", "F", "C");
        let doc = |id: &str, url: &str, ts: f64| {
            json!({"requestId":id,"frameId":"F","type":"Document","timestamp":ts,"wallTime":1000.0 + ts,
            "request":{"url":url,"method":"GET","headers":{}},"initiator":{"type":"other"}})
        };
        let resp = |id: &str, url: &str, status: u16| json!({"requestId":id,"type":"Document","response":{"url":url,"status":status,"headers":{}}});
        let nav = |url: &str| json!({"frame":{"id":"F","url":url}});
        r.on_event(&ev(
            "S",
            "Network.requestWillBeSent",
            doc("L1", "https://a.example/", 10.0),
        ));
        r.on_event(&ev(
            "S",
            "Network.responseReceived",
            resp("L1", "https://a.example/", 200),
        ));
        r.on_event(&ev("S", "Page.frameNavigated", nav("https://a.example/")));
        r.on_event(&ev("S", "Page.loadEventFired", json!({"timestamp": 10.25})));

        // The second page: starts when its document request does, answers 404.
        assert_eq!(r.begin_visit("https://a.example/b", 1011.0), 1);
        assert_eq!(r.capture.pages[1].start_ms, 1000.0);
        r.on_event(&ev(
            "S",
            "Network.requestWillBeSent",
            doc("L2", "https://a.example/b", 11.5),
        ));
        r.on_event(&ev(
            "S",
            "Network.responseReceived",
            resp("L2", "https://a.example/b", 404),
        ));
        r.on_event(&ev("S", "Page.frameNavigated", nav("https://a.example/b")));
        r.on_event(&ev("S", "Page.loadEventFired", json!({"timestamp": 11.7})));
        assert!(!r.navigation_failed());

        // The third page fails; a late answer for the second one is not its to keep.
        assert_eq!(r.begin_visit("https://a.example/c", 1012.0), 2);
        r.set_visit_error(1, "net::ERR_ABORTED".into());
        r.set_visit_error(2, "net::ERR_CONNECTION_REFUSED".into());
        assert!(r.navigation_failed());
        r.set_visit_timed_out(2);
        assert_eq!(r.load_count(), 2);

        let c = r.finish();
        assert_eq!(c.document_status, Some(200));
        assert_eq!(c.final_url.as_deref(), Some("https://a.example/"));
        assert_eq!(c.navigation_error, None);
        assert_eq!(c.load_ms, Some(250.0));
        assert_eq!(c.frames.len(), 1);
        assert_eq!(c.frames[0].url, "https://a.example/");
        assert_eq!(
            c.pages,
            vec![
                PageVisit {
                    url: "https://a.example/".into(),
                    final_url: Some("https://a.example/".into()),
                    status: Some(200),
                    error: None,
                    start_ms: 0.0,
                    timed_out: false,
                },
                PageVisit {
                    url: "https://a.example/b".into(),
                    final_url: Some("https://a.example/b".into()),
                    status: Some(404),
                    error: None,
                    start_ms: 1500.0,
                    timed_out: false,
                },
                PageVisit {
                    url: "https://a.example/c".into(),
                    final_url: None,
                    status: None,
                    error: Some("net::ERR_CONNECTION_REFUSED".into()),
                    start_ms: 2000.0,
                    timed_out: true,
                },
            ]
        );
    }

    #[test]
    fn a_single_page_capture_lists_its_one_visit() {
        let mut r = Recorder::new("https://a.example/", "S", "F", "C");
        r.capture.navigation_error = Some("net::ERR_NAME_NOT_RESOLVED".into());
        let c = r.finish();
        assert_eq!(c.pages.len(), 1);
        assert_eq!(c.pages[0].url, "https://a.example/");
        assert_eq!(c.pages[0].error.as_deref(), Some("net::ERR_NAME_NOT_RESOLVED"));
    }

    #[test]
    fn script_initiator_uses_first_frame_with_url() {
        let i = initiator(
            &json!({"type":"script","stack":{"callFrames":[{"url":"","lineNumber":1}],
            "parent":{"callFrames":[{"url":"https://t.example/t.js","lineNumber":4}]}}}),
        );
        assert_eq!(
            i,
            Initiator {
                kind: "script".into(),
                url: Some("https://t.example/t.js".into()),
                line: Some(5)
            }
        );
    }

    #[test]
    fn binding_payloads_become_writes() {
        let mut r = Recorder::new("https://a.example/", "S", "F", "C");
        r.on_event(&ev(
            "S",
            "Network.requestWillBeSent",
            json!({"requestId":"L1","frameId":"F","type":"Document","timestamp":1.0,"wallTime":1000.0,
            "request":{"url":"https://a.example/","method":"GET","headers":{}},"initiator":{"type":"other"}}),
        ));
        let payload = json!({"t":"cookie","text":"k=v; max-age=60","s":"https://a.example/app.js","o":"https://a.example/","ts":1000500.0}).to_string();
        r.on_event(&ev(
            "S",
            "Runtime.bindingCalled",
            json!({"name": BINDING, "payload": payload}),
        ));
        let junk = ev(
            "S",
            "Runtime.bindingCalled",
            json!({"name": BINDING, "payload": "{not json"}),
        );
        r.on_event(&junk);
        let c = r.finish();
        assert_eq!(c.js_cookie_writes.len(), 1);
        assert_eq!(
            c.js_cookie_writes[0].script.as_deref(),
            Some("https://a.example/app.js")
        );
        assert_eq!(c.js_cookie_writes[0].time_ms, 500.0);
    }
}
