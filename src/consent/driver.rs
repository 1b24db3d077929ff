//! The consent driver: finds the banner, takes the pass's action through the consent
//! manager's own UI (API only as a fallback) and reads the resulting state.
//!
//! Controls are clicked with the mouse (DevTools input events, trusted as a visitor's)
//! where they show once they stopped moving; a script click stands in only where no point
//! of the control can be hit. The in-page side (`consent.js`) finds and measures them.
//!
//! It talks to the page through [`Host`], which the capture implements over DevTools
//! while it keeps recording; every step has a time limit and the whole driver a deadline,
//! so a banner that never appears, a click that does nothing or a consent manager that
//! throws ends as an unverified pass with its reason, never as a hang.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::rules::{CmpRule, RuleSet, cookie_matches};
use super::signals::{self, Verdict};
use super::{Action, ConsentInfo, ConsentState, FirstLayer, TcfState, Toggle};

/// The in-page helper (see its header for the protocol).
const SCRIPT: &str = include_str!("consent.js");
/// How long the driver waits for a banner to appear after the page settled.
pub const BANNER_WAIT: Duration = Duration::from_secs(6);
/// Time for a page to react to a click before its state is read.
const REACT: Duration = Duration::from_millis(1200);
/// Limit of one evaluation in the page.
const EVAL_LIMIT: Duration = Duration::from_secs(4);
const POLL: Duration = Duration::from_millis(250);

/// The page, as the driver sees it.
#[allow(async_fn_in_trait)]
pub trait Host {
    /// Evaluates `expression` (awaiting a promise) in `session` (`None`: the main page) and
    /// returns its value, or why it failed.
    async fn eval(
        &mut self,
        session: Option<&str>,
        expression: &str,
        limit: Duration,
    ) -> Result<Value, String>;
    /// The cookie jar of the pass's browser context: (name, value, domain).
    async fn cookies(&mut self) -> Vec<(String, String, String)>;
    /// Waits, recording what happens meanwhile.
    async fn sleep(&mut self, d: Duration);
    /// A real left click (mouse moved, pressed, released: trusted events, as a visitor's)
    /// at viewport point (`x`, `y`) of the main page. Returns the page's wall-clock ms
    /// just before the release, when the click event fires.
    async fn mouse_click(&mut self, x: f64, y: f64) -> Result<f64, MouseError>;
    /// The main page's viewport point of point (`x`, `y`) of the cross-origin iframe of
    /// `session`, when the iframe shows there (nothing of the page covers it).
    async fn frame_point(&mut self, session: &str, x: f64, y: f64) -> Result<(f64, f64), String>;
    /// Sessions of cross-origin iframes, where a consent manager may draw its banner.
    fn frame_sessions(&self) -> Vec<String>;
    /// Wall-clock Unix seconds of the navigation start.
    fn nav_start_wall(&self) -> Option<f64>;
}

/// Why a mouse click did not happen as asked.
#[derive(Debug)]
pub enum MouseError {
    /// Nothing was pressed: a script click may stand in.
    NotPressed(String),
    /// The button went down (and a release was sent): the page may have acted on it.
    AfterPress(String),
}

/// Wait between the two measures of a control's place that must agree before a click.
const STEADY: Duration = Duration::from_millis(120);
/// Measures of a moving control before a script click stands in (about 1 s).
const STEADY_TRIES: usize = 9;

/// Where the banner was found.
#[derive(Debug, Clone, Default)]
struct Found {
    session: Option<String>,
    rule: Option<CmpRule>,
    detected: Option<String>,
    banner: Option<String>,
    first: FirstLayer,
    toggles: Vec<Toggle>,
    generic: bool,
}

fn request(op: &str, rules: &RuleSet, extra: Value) -> String {
    let mut req = json!({"op": op, "generic": rules.generic});
    if op == "detect" {
        req["rules"] = serde_json::to_value(&rules.cmps).unwrap_or(Value::Null);
    }
    if let (Some(r), Value::Object(extra)) = (req.as_object_mut(), extra) {
        r.extend(extra);
    }
    format!("({})({})", SCRIPT.trim_end(), req)
}

async fn run_op<H: Host>(host: &mut H, session: Option<&str>, expr: &str) -> Result<Value, String> {
    let v = host.eval(session, expr, EVAL_LIMIT).await?;
    let text = v.as_str().ok_or("the driver script returned nothing")?;
    serde_json::from_str(text).map_err(|e| format!("the driver script's answer is not JSON: {e}"))
}

fn ms_after_nav<H: Host>(host: &H, wall_ms: Option<f64>) -> Option<f64> {
    let start = host.nav_start_wall()?;
    let at = wall_ms?;
    Some(((at - start * 1000.0).max(0.0) * 10.0).round() / 10.0)
}

/// Looks for the banner once in the main page and every cross-origin iframe; `expr` is
/// the detect request for `rules`.
async fn detect_once<H: Host>(host: &mut H, rules: &RuleSet, expr: &str) -> (Found, Vec<String>) {
    let mut sessions: Vec<Option<String>> = vec![None];
    sessions.extend(host.frame_sessions().into_iter().map(Some));
    let mut best: Option<Found> = None;
    let mut problems = Vec::new();
    for s in sessions {
        let v = match run_op(host, s.as_deref(), expr).await {
            Ok(v) => v,
            Err(e) => {
                if s.is_none() {
                    problems.push(format!("reading the page: {e}"));
                }
                continue;
            }
        };
        for r in v["rules"].as_array().into_iter().flatten() {
            let name = r["name"].as_str().unwrap_or_default();
            let Some(rule) = rules.get(name) else { continue };
            let f = Found {
                session: s.clone(),
                rule: Some(rule.clone()),
                detected: Some(name.to_string()),
                banner: r["banner"].as_str().map(str::to_string),
                first: FirstLayer {
                    accept: r["accept"].as_str().map(str::to_string),
                    reject: r["reject"].as_str().map(str::to_string),
                    settings: r["settings"].as_str().map(str::to_string),
                },
                toggles: toggles(&r["toggles"]),
                generic: false,
            };
            let better = match &best {
                None => true,
                Some(b) => b.banner.is_none() && f.banner.is_some(),
            };
            if better {
                best = Some(f);
            }
        }
        let g = &v["generic"];
        if g.is_object() && best.as_ref().is_none_or(|b| b.banner.is_none()) {
            let mut f = best.clone().unwrap_or_default();
            f.session = s.clone();
            f.banner = g["banner"].as_str().map(str::to_string);
            f.first = FirstLayer {
                accept: g["accept"].as_str().map(str::to_string),
                reject: g["reject"].as_str().map(str::to_string),
                settings: g["settings"].as_str().map(str::to_string),
            };
            f.generic = true;
            best = Some(f);
        }
    }
    (best.unwrap_or_default(), problems)
}

fn toggles(v: &Value) -> Vec<Toggle> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|t| Toggle {
            name: t["name"].as_str().unwrap_or_default().to_string(),
            on: t["on"].as_bool().unwrap_or(false),
        })
        .collect()
}

/// Finds the banner, waiting up to [`BANNER_WAIT`] for one to become visible.
async fn find_banner<H: Host>(host: &mut H, rules: &RuleSet, deadline: Instant) -> (Found, Vec<String>) {
    let until = (Instant::now() + BANNER_WAIT).min(deadline);
    // The request carries every rule: built once, evaluated at every poll.
    let expr = request("detect", rules, json!({}));
    loop {
        let (found, problems) = detect_once(host, rules, &expr).await;
        if found.banner.is_some() || Instant::now() + POLL >= until {
            return (found, problems);
        }
        host.sleep(POLL).await;
    }
}

/// Clicks in the banner's session: the first visible of `selectors`, else the generic
/// control `kind`. Returns (what was clicked and how, wall ms of the click).
///
/// The click is a real mouse click where the control shows (in a cross-origin iframe:
/// where the iframe shows it in the page), so the page sees trusted events as from a
/// visitor; a script click (`element.click()`) is the fallback where no point of the
/// control can be hit (covered, scrolled away) or the mouse events cannot be sent.
async fn click<H: Host>(
    host: &mut H,
    rules: &RuleSet,
    f: &Found,
    selectors: &[String],
    kind: &str,
) -> Result<Option<(String, f64)>, String> {
    let banner = f.rule.as_ref().map(|r| r.banner.clone()).unwrap_or_default();
    let session = f.session.as_deref();
    // `measure`: where a mouse click would land, no click; else a script click.
    let op = |measure: bool| {
        request(
            "click",
            rules,
            json!({"selectors": selectors, "kind": kind, "trusted": measure, "measure": measure,
                   "rule_banner": if f.generic { Value::Null } else { json!(banner) }}),
        )
    };
    let what = |v: &Value| match (v["selector"].as_str(), v["target"].as_str()) {
        (Some(s), Some(t)) if s.starts_with("generic") => format!("{t} ({s})"),
        (Some(s), _) => s.to_string(),
        (None, Some(t)) => t.to_string(),
        _ => kind.to_string(),
    };
    // The mouse goes where the control shows once it has stopped moving (banners slide and
    // fade in): two measures STEADY apart within a pixel.
    let mut why_not = "no visible point of it could be hit".to_string();
    let mut last: Option<(f64, f64)> = None;
    // Built once: the request carries the whole in-page script.
    let measure = op(true);
    let mut v = run_op(host, session, &measure).await?;
    for _ in 0..STEADY_TRIES {
        let (Some(x), Some(y)) = (v["point"]["x"].as_f64(), v["point"]["y"].as_f64()) else {
            break;
        };
        let p = match session {
            None => (x, y),
            Some(s) => match host.frame_point(s, x, y).await {
                Ok(p) => p,
                Err(e) => {
                    why_not = format!("no mouse click: {e}");
                    break;
                }
            },
        };
        if last.is_some_and(|l| (l.0 - p.0).abs() < 1.0 && (l.1 - p.1).abs() < 1.0) {
            let at = format!("mouse click at {:.0},{:.0}", p.0, p.1);
            return match host.mouse_click(p.0, p.1).await {
                Ok(t) => Ok(Some((format!("{} ({at})", what(&v)), t))),
                // The button went down: the page may have acted on it; never click twice.
                Err(MouseError::AfterPress(e)) => {
                    let t = match wall_now(host).await {
                        t if t > 0.0 => t,
                        _ => v["time"].as_f64().unwrap_or(0.0),
                    };
                    Ok(Some((format!("{} ({at}; {e})", what(&v)), t)))
                }
                Err(MouseError::NotPressed(e)) => {
                    why_not = format!("no mouse click: {e}");
                    break;
                }
            };
        }
        if last.is_some() {
            why_not = "it kept moving".into();
        }
        last = Some(p);
        host.sleep(STEADY).await;
        v = run_op(host, session, &measure).await?;
    }
    let v = run_op(host, session, &op(false)).await?;
    if v["clicked"].as_bool() == Some(true) {
        return Ok(Some((
            format!("{} (script click; {why_not})", what(&v)),
            v["time"].as_f64().unwrap_or(0.0),
        )));
    }
    Ok(None)
}

async fn wall_now<H: Host>(host: &mut H) -> f64 {
    host.eval(None, "Date.now()", EVAL_LIMIT)
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// Reads the consent state: the rule's API answer and consent cookie, every known consent
/// signal stored, and the TCF API.
pub async fn read_state<H: Host>(host: &mut H, rule: Option<&CmpRule>) -> ConsentState {
    let mut st = ConsentState::default();
    let now = wall_now(host).await;
    st.at_ms = ms_after_nav(host, Some(now));
    if let Some(js) = rule.and_then(|r| r.verify_js.as_deref()) {
        let expr = format!(
            "(async () => {{ try {{ return String(await ({js})); }} catch (e) {{ return 'unknown'; }} }})()"
        );
        st.api = match host.eval(None, &expr, EVAL_LIMIT).await {
            Ok(v) => Some(parse_verdict(v.as_str().unwrap_or_default())),
            Err(_) => Some(Verdict::Unknown),
        };
    }
    let jar = host.cookies().await;
    if let Some(r) = rule
        && let Some(pattern) = &r.verify_cookie
    {
        let value = jar
            .iter()
            .find(|(n, _, _)| cookie_matches(pattern, n))
            .map(|(_, v, _)| signals::percent_decode(v));
        st.cookie = Some(match value {
            None => Verdict::Undecided,
            Some(v) => {
                let re = |p: &Option<String>| p.as_deref().and_then(|p| regex::Regex::new(p).ok());
                if re(&r.verify_rejected).is_some_and(|re| re.is_match(&v)) {
                    Verdict::Rejected
                } else if re(&r.verify_accepted).is_some_and(|re| re.is_match(&v)) {
                    Verdict::Accepted
                } else {
                    Verdict::Unknown
                }
            }
        });
    }
    st.stored = signals::read_cookies(jar.iter().map(|(n, v, _)| (n.as_str(), v.as_str())));
    let storage = host
        .eval(
            None,
            "(() => { try { const o = {}; for (const k of ['uc_settings', 'ucData', 'klaro', 'cc_cookie']) { const v = localStorage.getItem(k); if (v !== null) o[k] = v; } return JSON.stringify(o); } catch (e) { return '{}'; } })()",
            EVAL_LIMIT,
        )
        .await
        .ok()
        .and_then(|v| v.as_str().and_then(|s| serde_json::from_str::<Value>(s).ok()));
    if let Some(Value::Object(m)) = storage {
        for (k, v) in m {
            if let Some(s) = v.as_str().and_then(|v| signals::read_storage(&k, v)) {
                st.stored.push(s);
            }
        }
    }
    st.tcf = read_tcf(host).await;
    st
}

const TCF_JS: &str = r#"new Promise((resolve) => {
  if (typeof window.__tcfapi !== "function") return resolve(null);
  const t = setTimeout(() => resolve(JSON.stringify({ error: "the TCF API did not answer" })), 2000);
  try {
    window.__tcfapi("addEventListener", 2, (d, ok) => {
      clearTimeout(t);
      try { if (d && d.listenerId !== undefined) window.__tcfapi("removeEventListener", 2, () => {}, d.listenerId); } catch (e) {}
      resolve(JSON.stringify(ok && d ? { tcString: d.tcString, eventStatus: d.eventStatus, cmpStatus: d.cmpStatus, gdprApplies: d.gdprApplies } : { error: "the TCF API answered without data" }));
    });
  } catch (e) { clearTimeout(t); resolve(JSON.stringify({ error: "the TCF API threw: " + e })); }
})"#;

async fn read_tcf<H: Host>(host: &mut H) -> Option<TcfState> {
    let v = host.eval(None, TCF_JS, EVAL_LIMIT).await.ok()?;
    let d: Value = serde_json::from_str(v.as_str()?).ok()?;
    let mut st = TcfState {
        event_status: d["eventStatus"].as_str().map(str::to_string),
        cmp_status: d["cmpStatus"].as_str().map(str::to_string),
        gdpr_applies: d["gdprApplies"].as_bool(),
        tc_string: d["tcString"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        decoded: None,
        error: d["error"].as_str().map(str::to_string),
    };
    if let Some(s) = &st.tc_string {
        match super::tcf::decode(s) {
            Ok(t) => st.decoded = Some(t),
            Err(e) => st.error = Some(e.to_string()),
        }
    }
    Some(st)
}

fn parse_verdict(s: &str) -> Verdict {
    match s.trim().to_ascii_lowercase().as_str() {
        "accepted" => Verdict::Accepted,
        "rejected" => Verdict::Rejected,
        "partial" => Verdict::Partial,
        "undecided" => Verdict::Undecided,
        _ => Verdict::Unknown,
    }
}

/// Judges `state` against the action taken; returns (verified, how it was judged, or why not).
pub fn judge(action: Action, cmp: Option<&str>, state: &ConsentState) -> (bool, String) {
    let want = action.expected();
    let own = state.own_verdicts(cmp);
    let label = |v: Verdict| format!("{v:?}").to_lowercase();
    if !own.is_empty() {
        let agree = own.iter().all(|v| *v == want);
        let said: Vec<String> = own.iter().map(|v| label(*v)).collect();
        return if agree {
            (true, format!("the consent manager reports {}", label(want)))
        } else {
            (
                false,
                format!(
                    "the consent manager reports {} where {} was expected",
                    said.join(" / "),
                    label(want)
                ),
            )
        };
    }
    // No source of the consent manager itself: any stored signal, then the TCF API.
    let others: Vec<Verdict> = state
        .stored
        .iter()
        .map(|s| s.verdict())
        .chain(state.tcf_verdict())
        .filter(|v| *v != Verdict::Unknown)
        .collect();
    if !others.is_empty() {
        return if others.iter().all(|v| *v == want) {
            (true, format!("the stored consent signal says {}", label(want)))
        } else {
            (
                false,
                format!(
                    "the stored consent signals say {} where {} was expected",
                    others.iter().map(|v| label(*v)).collect::<Vec<_>>().join(" / "),
                    label(want)
                ),
            )
        };
    }
    if action == Action::None {
        return (true, "no consent is stored".into());
    }
    (false, "no consent state could be read".into())
}

fn describe_state(st: &ConsentState, out: &mut Vec<String>, when: &str) {
    if let Some(v) = st.api {
        out.push(format!(
            "{when}: the consent manager's API reports {}",
            format!("{v:?}").to_lowercase()
        ));
    }
    if let Some(v) = st.cookie {
        out.push(format!(
            "{when}: its consent cookie says {}",
            format!("{v:?}").to_lowercase()
        ));
    }
    for s in &st.stored {
        let granted = s.granted();
        out.push(format!(
            "{when}: {} ({}) {}{}",
            s.source,
            s.cmp,
            format!("{:?}", s.verdict()).to_lowercase(),
            if granted.is_empty() {
                String::new()
            } else {
                format!(", granted: {}", granted.join(", "))
            }
        ));
    }
    if let Some(t) = &st.tcf {
        match (&t.decoded, &t.error) {
            (Some(d), _) => out.push(format!(
                "{when}: TCF {}: {}",
                t.event_status.as_deref().unwrap_or("state"),
                d.summary()
            )),
            (None, Some(e)) => out.push(format!("{when}: TCF: {e}")),
            _ => {}
        }
    }
}

/// Runs the driver for `action` until `deadline`: finds the banner, acts, waits for the
/// page to react and reads the state. The caller reloads the page afterwards and calls
/// [`after_reload`].
pub async fn drive<H: Host>(host: &mut H, rules: &RuleSet, action: Action, deadline: Instant) -> ConsentInfo {
    let mut info = ConsentInfo {
        action: Some(action),
        ..ConsentInfo::default()
    };
    let (found, problems) = find_banner(host, rules, deadline).await;
    info.steps.extend(problems);
    info.cmp = found
        .detected
        .clone()
        .or(found.generic.then(|| "generic".to_string()));
    info.banner = found.banner.clone();
    info.first_layer = found.first.clone();
    info.toggles = found.toggles.clone();
    let rule = found.rule.clone();
    match (&info.banner, &info.cmp) {
        (Some(b), _) => info.steps.push(format!(
            "banner visible: {b}{}",
            if found.generic { " (generic finder)" } else { "" }
        )),
        (None, Some(c)) => info.steps.push(format!(
            "consent manager {c} detected, but no banner became visible within {} s",
            BANNER_WAIT.as_secs()
        )),
        (None, None) => info.steps.push("no consent banner found".into()),
    }

    if action == Action::None {
        let st = read_state(host, rule.as_ref()).await;
        let (_, said) = judge(action, info.cmp.as_deref(), &st);
        info.how = "no interaction".into();
        info.verified = true;
        info.evidence.push(said);
        describe_state(&st, &mut info.evidence, "at the end of the load");
        info.state = Some(st);
        return info;
    }

    let cookies_before: Vec<String> = host.cookies().await.into_iter().map(|(n, _, _)| n).collect();
    let kind = if action == Action::Reject {
        "reject"
    } else {
        "accept"
    };
    let first_sel: Vec<String> = match (&rule, action) {
        (Some(r), Action::Reject) => r.reject.clone(),
        (Some(r), _) => r.accept.clone(),
        _ => Vec::new(),
    };
    let mut clicked: Option<(String, f64)> = None;
    let has_first = if action == Action::Reject {
        info.first_layer.reject.is_some()
    } else {
        info.first_layer.accept.is_some()
    };
    if info.banner.is_some() && has_first {
        match click(host, rules, &found, &first_sel, kind).await {
            Ok(Some(c)) => {
                info.steps
                    .push(format!("clicked {kind} on the first layer: {}", c.0));
                info.how = if found.generic {
                    "generic finder: first layer".into()
                } else {
                    "ui: first layer".into()
                };
                clicked = Some(c);
            }
            Ok(None) => info.steps.push(format!("the {kind} control was not clickable")),
            Err(e) => info.steps.push(format!("clicking {kind}: {e}")),
        }
    }
    // Reject hidden behind settings: open the second layer.
    if clicked.is_none() && action == Action::Reject && info.banner.is_some() && Instant::now() < deadline {
        clicked = second_layer(host, rules, &found, &mut info, deadline).await;
    }
    // The consent manager's API, only when its UI could not be driven.
    if clicked.is_none()
        && let Some(r) = &rule
    {
        clicked = call_api(host, r, action, &mut info).await;
    }
    let Some((_, at)) = clicked else {
        info.how = "not taken".into();
        info.reason = Some(match (&info.banner, &info.cmp) {
            (None, None) => "no consent banner was found, so no choice could be made".into(),
            (None, Some(c)) => format!("the {c} banner never became visible and it has no usable API"),
            (Some(_), _) => format!("no {kind} control could be clicked and no API fallback worked"),
        });
        return info;
    };
    info.action_ms = ms_after_nav(host, Some(at));
    host.sleep(REACT.min(deadline.saturating_duration_since(Instant::now())))
        .await;
    let st = read_state(host, rule.as_ref()).await;
    let (ok, said) = judge(action, info.cmp.as_deref(), &st);
    describe_state(&st, &mut info.evidence, "after the choice");
    if ok {
        info.verified = true;
        info.evidence.insert(0, said);
    } else if found.generic
        || rule
            .as_ref()
            .is_some_and(|r| r.verify_js.is_none() && r.verify_cookie.is_none())
    {
        // No known signal: the banner must be gone and a consent cookie written.
        let jar = host.cookies().await;
        let new: Vec<String> = jar
            .into_iter()
            .map(|(n, _, _)| n)
            .filter(|n| !cookies_before.contains(n) && consent_like(n))
            .collect();
        let expr = request(
            "visible",
            rules,
            json!({"selectors": rule.as_ref().map(|r| r.banner.clone()).unwrap_or_default(), "generic_banner": found.generic}),
        );
        // A banner in a cross-origin frame that the page removed is gone with its frame.
        let frame_gone = found
            .session
            .as_ref()
            .is_some_and(|s| !host.frame_sessions().contains(s));
        let still = !frame_gone
            && run_op(host, found.session.as_deref(), &expr)
                .await
                .map(|v| v["visible"].as_bool().unwrap_or(true))
                .unwrap_or(true);
        if !still && !new.is_empty() {
            info.verified = true;
            info.evidence.insert(
                0,
                format!(
                    "the banner closed and the site stored the consent cookie {} (its value is not a known format)",
                    new.join(", ")
                ),
            );
        } else {
            info.reason = Some(if still {
                format!("the banner is still visible after clicking {kind}")
            } else {
                format!("{said}; no consent cookie was written")
            });
        }
    } else {
        info.reason = Some(said);
    }
    // A click that changed nothing: the API, once, before giving up.
    if !info.verified
        && !info.how.starts_with("api")
        && let Some(r) = rule.as_ref().filter(|r| api_of(r, action).is_some())
        && Instant::now() < deadline
    {
        info.steps.push(format!(
            "the {kind} click left no verified choice; trying the API"
        ));
        if let Some((_, at)) = call_api(host, r, action, &mut info).await {
            host.sleep(REACT.min(deadline.saturating_duration_since(Instant::now())))
                .await;
            let st = read_state(host, Some(r)).await;
            let (ok, said) = judge(action, info.cmp.as_deref(), &st);
            describe_state(&st, &mut info.evidence, "after the API call");
            if ok {
                info.verified = true;
                info.reason = None;
                info.action_ms = ms_after_nav(host, Some(at));
                info.evidence.insert(0, said);
            }
            info.state = Some(st);
            return info;
        }
    }
    info.state = Some(st);
    info
}

fn api_of(r: &CmpRule, action: Action) -> Option<&String> {
    if action == Action::Reject {
        r.api_reject.as_ref()
    } else {
        r.api_accept.as_ref()
    }
}

/// Calls the rule's API for `action`; returns what was called and when (wall ms), or
/// records why it failed.
async fn call_api<H: Host>(
    host: &mut H,
    r: &CmpRule,
    action: Action,
    info: &mut ConsentInfo,
) -> Option<(String, f64)> {
    let js = api_of(r, action)?;
    let expr = format!(
        "(async () => {{ try {{ await ({js}); return JSON.stringify({{ok: true, time: Date.now()}}); }} \
         catch (e) {{ return JSON.stringify({{ok: false, error: String(e), time: Date.now()}}); }} }})()"
    );
    match host.eval(None, &expr, EVAL_LIMIT).await {
        Ok(v) => {
            let r: Value = v
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            if r["ok"].as_bool() == Some(true) {
                info.steps.push(format!("called the consent manager's API: {js}"));
                info.how = "api".into();
                Some((js.clone(), r["time"].as_f64().unwrap_or(0.0)))
            } else {
                info.steps.push(format!(
                    "the consent manager's API threw: {}",
                    r["error"].as_str().unwrap_or("no answer")
                ));
                None
            }
        }
        Err(e) => {
            info.steps.push(format!("calling the consent manager's API: {e}"));
            None
        }
    }
}

/// Reject through the second layer: open the settings, then "reject all" there, or untick
/// every optional toggle and save.
async fn second_layer<H: Host>(
    host: &mut H,
    rules: &RuleSet,
    found: &Found,
    info: &mut ConsentInfo,
    deadline: Instant,
) -> Option<(String, f64)> {
    let rule = found.rule.clone().unwrap_or_default();
    let opened = click(host, rules, found, &rule.settings, "settings")
        .await
        .ok()
        .flatten();
    let Some((what, _)) = opened else {
        info.steps
            .push("no reject control on the first layer, and no settings control to open".into());
        return None;
    };
    info.steps.push(format!(
        "no reject on the first layer; opened the settings: {what}"
    ));
    let until = (Instant::now() + Duration::from_secs(3)).min(deadline);
    // A "reject all" inside the second layer.
    loop {
        host.sleep(POLL).await;
        if !rule.settings_reject.is_empty()
            && let Ok(Some(c)) = click(host, rules, found, &rule.settings_reject, "").await
        {
            info.steps
                .push(format!("clicked reject in the settings: {}", c.0));
            info.how = "ui: second layer".into();
            return Some(c);
        }
        if rule.settings_reject.is_empty() || Instant::now() >= until {
            break;
        }
    }
    if rule.settings_reject.is_empty()
        && let Ok(Some(c)) = click(host, rules, found, &[], "reject").await
    {
        info.steps
            .push(format!("clicked reject in the settings: {}", c.0));
        info.how = "ui: second layer".into();
        return Some(c);
    }
    // Untick and save.
    let banner = if found.generic {
        Value::Null
    } else {
        json!(rule.banner)
    };
    let expr = request(
        "toggles",
        rules,
        json!({"selectors": rule.toggles, "set": false, "rule_banner": banner}),
    );
    if let Ok(v) = run_op(host, found.session.as_deref(), &expr).await {
        let before = toggles(&v["toggles"]);
        let on: Vec<String> = before.iter().filter(|t| t.on).map(|t| t.name.clone()).collect();
        if !on.is_empty() {
            info.steps.push(format!("unticked {}", on.join(", ")));
        }
        for t in before {
            match info.toggles.iter_mut().find(|x| x.name == t.name) {
                Some(x) => x.on |= t.on,
                None => info.toggles.push(t),
            }
        }
    }
    match click(host, rules, found, &rule.save, "save").await {
        Ok(Some(c)) => {
            info.steps.push(format!("saved the choice: {}", c.0));
            info.how = "ui: second layer".into();
            Some(c)
        }
        _ => {
            info.steps.push("no save control in the settings".into());
            None
        }
    }
}

fn consent_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "consent", "cookie", "gdpr", "privacy", "cmp", "choice", "optin", "opt_in",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// After the reload: reads the state again and notes whether the choice held.
pub async fn after_reload<H: Host>(host: &mut H, rules: &RuleSet, info: &mut ConsentInfo) {
    let rule = info.cmp.as_deref().and_then(|c| rules.get(c));
    let st = read_state(host, rule).await;
    if let Some(action) = info.action
        && info.verified
    {
        let (ok, said) = judge(action, info.cmp.as_deref(), &st);
        if ok {
            info.evidence.push("after the reload: the choice held".into());
        } else if !info.how.starts_with("generic") {
            info.evidence.push(format!("after the reload: {said}"));
        }
    }
    describe_state(&st, &mut info.evidence, "after the reload");
    info.state_after_reload = Some(st);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::StoredConsent;

    fn stored(cmp: &str, decided: bool, cats: &[(&str, bool)]) -> StoredConsent {
        StoredConsent {
            cmp: cmp.into(),
            source: "c".into(),
            decided,
            implied: false,
            out_of_region: false,
            categories: cats.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            tcf: None,
        }
    }

    #[test]
    fn judging_uses_the_consent_managers_own_sources_first() {
        let st = ConsentState {
            api: Some(Verdict::Rejected),
            stored: vec![stored("tcf", true, &[("purpose_1", true)])],
            ..Default::default()
        };
        assert!(judge(Action::Reject, Some("cookiebot"), &st).0);
        assert!(!judge(Action::Accept, Some("cookiebot"), &st).0);
        let st = ConsentState {
            api: Some(Verdict::Rejected),
            cookie: Some(Verdict::Accepted),
            ..Default::default()
        };
        let (ok, why) = judge(Action::Reject, Some("x"), &st);
        assert!(!ok && why.contains("rejected / accepted"), "{why}");
    }

    #[test]
    fn judging_falls_back_on_stored_signals() {
        let st = ConsentState {
            stored: vec![stored(
                "cookieyes",
                true,
                &[("necessary", true), ("analytics", false)],
            )],
            ..Default::default()
        };
        assert!(judge(Action::Reject, None, &st).0);
        assert!(!judge(Action::Reject, None, &ConsentState::default()).0);
        assert!(judge(Action::None, None, &ConsentState::default()).0);
    }

    #[test]
    fn cookie_values_are_url_decoded() {
        let decode = signals::percent_decode;
        assert_eq!(
            decode("%7Bnecessary%3Atrue%2Cmarketing%3Afalse%7D"),
            "{necessary:true,marketing:false}"
        );
        assert_eq!(decode("a+b"), "a+b");
        assert_eq!(
            decode("isGpcEnabled=0&groups=C0001%3A1%2CC0002%3A0&x=%zz%"),
            "isGpcEnabled=0&groups=C0001:1,C0002:0&x=%zz%"
        );
    }
}
