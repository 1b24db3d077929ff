//! Launching and closing Chromium.
//!
//! `headless_chrome` owns the process: it starts Debian's Chromium with the flags chosen
//! here and a fresh, seeded, throw-away profile, and kills it if we are dropped early.
//! Everything else (contexts, pages, recording) goes through our own DevTools
//! connections ([`super::cdp`]). Closing is graceful: `Browser.close`, wait for the
//! process to exit, then remove the profile folder, so no temp folders stay behind.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cdp::Cdp;
use crate::error::Error;

/// The window size of every scan (a common desktop size).
pub const WINDOW: (u32, u32) = (1366, 900);

/// What the caller chose about the browser.
#[derive(Debug, Clone, Default)]
pub struct BrowserConfig {
    /// Chromium executable; found automatically when `None`.
    pub chrome: Option<PathBuf>,
    /// Extra flags passed to Chromium unchanged (`--disable-features`/`--enable-features` are merged).
    pub extra_args: Vec<String>,
}

/// The identity and settings of the browser, as recorded in the report.
#[derive(Debug, Clone, Default)]
pub struct BrowserIdentity {
    pub executable: String,
    /// e.g. `Chrome/156.0.8078.79`.
    pub product: String,
    /// The user agent presented to sites (without "Headless").
    pub user_agent: String,
    /// `Sec-CH-UA` brands presented to sites.
    pub brands: Vec<(String, String)>,
    pub flags: Vec<String>,
    pub window: (u32, u32),
}

/// A running Chromium.
pub struct Browser {
    process: Option<headless_chrome::Browser>,
    profile: Option<tempfile::TempDir>,
    ws_url: String,
    pid: Option<u32>,
    identity: BrowserIdentity,
    /// Connected to a browser crumbs did not start (`--browser-ws`): never closed by crumbs.
    remote: bool,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("ws_url", &self.ws_url)
            .field("pid", &self.pid)
            .finish()
    }
}

/// Where we look for Chromium when `--chrome` is not given, after `$CHROME`.
const CANDIDATES: &[&str] = &[
    "/usr/lib/chromium/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
];

/// Finds the Chromium executable, or says how to get one.
pub fn find_chrome(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(Error::ChromeNotFound(format!(
                "--chrome {}: no such file; give the path of a Chromium or Chrome executable",
                p.display()
            )))
        };
    }
    if let Some(p) = std::env::var_os("CHROME").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
    }
    for c in CANDIDATES {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.is_file() {
                return Ok(p.to_path_buf());
            }
        } else if let Some(found) = which(c) {
            return Ok(found);
        }
    }
    Err(Error::ChromeNotFound(
        "no Chromium found: install it (Debian: `apt-get install -y chromium`) or pass --chrome PATH".into(),
    ))
}

/// Runs `exe --version` to make sure it is a Chromium before starting it for real.
async fn check_is_chromium(exe: &Path) -> Result<(), Error> {
    let out = tokio::process::Command::new(exe)
        .arg("--version")
        .kill_on_drop(true)
        .output();
    let fail = |why: String| {
        Error::Launch(format!(
            "{}: {why}; give the path of a Chromium or Chrome executable with --chrome, \
             or install Chromium (Debian: `apt-get install -y chromium`)",
            exe.display()
        ))
    };
    match tokio::time::timeout(Duration::from_secs(20), out).await {
        Ok(Ok(o)) if o.status.success() => {
            let v = String::from_utf8_lossy(&o.stdout);
            if v.contains("Chrom") {
                Ok(())
            } else {
                Err(fail(format!(
                    "`--version` printed {:?}, not a Chromium version",
                    v.trim()
                )))
            }
        }
        Ok(Ok(o)) => Err(fail(format!("`--version` failed ({})", o.status))),
        Ok(Err(e)) => Err(fail(format!("cannot run it: {e}"))),
        Err(_) => Err(fail("`--version` did not answer within 20 s".into())),
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The flags every scan uses, merged with the user's.
pub fn chrome_flags(extra: &[String]) -> Vec<String> {
    let mut disable = vec![
        "Translate",
        "OptimizationHints",
        "MediaRouter",
        "DialMediaRouteProvider",
        "AutofillServerCommunication",
    ]
    .into_iter()
    .map(str::to_string)
    .collect::<Vec<_>>();
    let mut enable: Vec<String> = Vec::new();
    let mut flags: Vec<String> = [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-breakpad",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-dev-shm-usage",
        "--no-default-browser-check",
        "--metrics-recording-only",
        "--password-store=basic",
        "--use-mock-keychain",
        "--mute-audio",
        "--hide-scrollbars",
        "--lang=en-US",
        "--accept-lang=en-US,en",
        "--disable-blink-features=AutomationControlled",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    let mut user = Vec::new();
    for a in extra {
        if let Some(list) = a.strip_prefix("--disable-features=") {
            disable.extend(list.split(',').filter(|s| !s.is_empty()).map(str::to_string));
        } else if let Some(list) = a.strip_prefix("--enable-features=") {
            enable.extend(list.split(',').filter(|s| !s.is_empty()).map(str::to_string));
        } else {
            user.push(a.clone());
        }
    }
    flags.push(format!("--disable-features={}", disable.join(",")));
    if !enable.is_empty() {
        flags.push(format!("--enable-features={}", enable.join(",")));
    }
    flags.extend(user);
    flags
}

impl Browser {
    /// Starts Chromium with a fresh profile in which third-party cookies are allowed,
    /// as in a default desktop Chrome before the third-party cookie phase-out.
    pub async fn launch(cfg: &BrowserConfig) -> Result<Browser, Error> {
        let exe = find_chrome(cfg.chrome.as_deref())?;
        check_is_chromium(&exe).await?;
        let profile = tempfile::Builder::new()
            .prefix("crumbs-profile-")
            .tempdir()
            .map_err(|e| Error::Launch(format!("cannot create a temporary profile folder: {e}")))?;
        seed_profile(profile.path())
            .map_err(|e| Error::Launch(format!("cannot write the profile preferences: {e}")))?;
        let tmp = profile.path().join("tmp");
        std::fs::create_dir_all(&tmp)
            .map_err(|e| Error::Launch(format!("cannot create {}: {e}", tmp.display())))?;

        let flags = chrome_flags(&cfg.extra_args);
        let sandbox = !running_as_root();
        let profile_path = profile.path().to_path_buf();
        let exe2 = exe.clone();
        let flags2 = flags.clone();
        let launched = tokio::task::spawn_blocking(move || {
            let args: Vec<&OsStr> = flags2.iter().map(OsStr::new).collect();
            let mut envs = std::collections::HashMap::new();
            envs.insert("TMPDIR".to_string(), tmp.to_string_lossy().into_owned());
            let opts = headless_chrome::LaunchOptions::default_builder()
                .path(Some(exe2))
                .headless(true)
                .sandbox(sandbox)
                .window_size(Some(WINDOW))
                .user_data_dir(Some(profile_path))
                .ignore_certificate_errors(false)
                .disable_default_args(true)
                .idle_browser_timeout(Duration::from_secs(24 * 3600))
                .process_envs(Some(envs))
                .args(args)
                .build()
                .map_err(|e| e.to_string())?;
            headless_chrome::Browser::new(opts).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| Error::Launch(format!("launch task failed: {e}")))?
        .map_err(|e| Error::Launch(format!("{} did not start: {e}", exe.display())))?;

        let ws_url = launched.get_ws_url();
        let pid = launched.get_process_id();
        let mut browser = Browser {
            process: Some(launched),
            profile: Some(profile),
            ws_url,
            pid,
            identity: BrowserIdentity::default(),
            remote: false,
        };
        match browser.read_identity(&exe, flags).await {
            Ok(id) => browser.identity = id,
            Err(e) => {
                browser.close().await;
                return Err(e);
            }
        }
        Ok(browser)
    }

    /// Drives a browser that runs elsewhere (browserless, Selenium Grid 4, a Chromium started
    /// with `--remote-debugging-port`): `ws_url` is its browser-level DevTools websocket.
    /// crumbs neither starts nor closes it; its profile and flags are the remote's own.
    /// `http://host:port` (the `--remote-debugging-port` address) is resolved to the
    /// websocket URL through the browser's `/json/version`.
    pub async fn connect(url: &str) -> Result<Browser, Error> {
        let ws = if url.starts_with("http://") {
            discover_ws(url).await?
        } else {
            url.to_string()
        };
        let ws_url = ws.as_str();
        if !(ws_url.starts_with("ws://") || ws_url.starts_with("wss://")) {
            return Err(Error::Launch(format!(
                "--browser-ws {url}: give the browser's DevTools websocket URL (ws://… or wss://…) \
                 or its debugging address (http://host:port)"
            )));
        }
        let mut browser = Browser {
            process: None,
            profile: None,
            ws_url: ws_url.to_string(),
            pid: None,
            identity: BrowserIdentity::default(),
            remote: true,
        };
        let remote = format!("remote browser at {ws_url}");
        browser.identity = tokio::time::timeout(
            Duration::from_secs(15),
            browser.read_identity(Path::new(&remote), Vec::new()),
        )
        .await
        .map_err(|_| Error::Launch(format!("the browser at {ws_url} did not answer within 15 s")))?
        .map_err(|e| Error::Launch(format!("cannot use the browser at {ws_url}: {e}")))?;
        browser.identity.flags.clear();
        Ok(browser)
    }

    async fn read_identity(&self, exe: &Path, mut flags: Vec<String>) -> Result<BrowserIdentity, Error> {
        let (cdp, _events) = Cdp::connect(&self.ws_url)
            .await
            .map_err(|e| Error::Launch(e.to_string()))?;
        let v = cdp
            .call(None, "Browser.getVersion", json!({}))
            .await
            .map_err(|e| Error::Launch(e.to_string()))?;
        cdp.close();
        let product = v["product"]
            .as_str()
            .unwrap_or("")
            .replace("HeadlessChrome", "Chrome");
        let user_agent = v["userAgent"]
            .as_str()
            .unwrap_or("")
            .replace("HeadlessChrome", "Chrome");
        let major = product
            .split('/')
            .nth(1)
            .and_then(|s| s.split('.').next())
            .unwrap_or("")
            .to_string();
        let brands = vec![
            ("Chromium".to_string(), major),
            ("Not_A Brand".to_string(), "24".to_string()),
        ];
        flags.insert(0, "--headless".into());
        if !running_as_root() {
            // sandbox stays on
        } else {
            flags.insert(1, "--no-sandbox".into());
        }
        Ok(BrowserIdentity {
            executable: exe.display().to_string(),
            product,
            user_agent,
            brands,
            flags,
            window: WINDOW,
        })
    }

    /// The browser-level DevTools websocket URL.
    pub fn ws_url(&self) -> &str {
        &self.ws_url
    }

    /// How the browser presents itself and which flags it runs with.
    pub fn identity(&self) -> &BrowserIdentity {
        &self.identity
    }

    /// The parameters of `Network.setUserAgentOverride` that remove every trace of
    /// "Headless" from the user agent and the client hints.
    pub fn user_agent_override(&self) -> Value {
        let id = &self.identity;
        let brands: Vec<Value> = id
            .brands
            .iter()
            .map(|(b, v)| json!({"brand": b, "version": v}))
            .collect();
        let full = id.product.split('/').nth(1).unwrap_or("").to_string();
        let full_list: Vec<Value> = id
            .brands
            .iter()
            .map(|(b, v)| json!({"brand": b, "version": if b == "Chromium" { full.clone() } else { format!("{v}.0.0.0") }}))
            .collect();
        json!({
            "userAgent": id.user_agent,
            "acceptLanguage": "en-US,en",
            "platform": "Linux x86_64",
            "userAgentMetadata": {
                "brands": brands,
                "fullVersionList": full_list,
                "fullVersion": full,
                "platform": "Linux",
                "platformVersion": "",
                "architecture": "x86",
                "model": "",
                "mobile": false,
                "bitness": "64",
                "wow64": false
            }
        })
    }

    /// Asks Chromium to exit, waits for it (at most 5 s, then kills it) and removes the profile.
    pub async fn close(mut self) {
        if self.remote {
            return;
        }
        if let Ok((cdp, _ev)) = Cdp::connect(&self.ws_url).await {
            let _ = cdp
                .call_with_timeout(None, "Browser.close", json!({}), Duration::from_secs(3))
                .await;
            cdp.close();
        }
        if let Some(pid) = self.pid {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && process_alive(pid) {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        let process = self.process.take();
        let profile = self.profile.take();
        let _ = tokio::task::spawn_blocking(move || {
            drop(process); // kills it if still running, and reaps it
            if let Some(p) = profile {
                let _ = p.close();
            }
        })
        .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Early drop (an error path, a panic, Ctrl-C): kill first, then remove the profile.
        // Chromium's helper processes may still write into it for a moment after the
        // browser process died, so the removal is retried briefly.
        drop(self.process.take());
        if let Some(p) = self.profile.take() {
            let path = p.path().to_path_buf();
            let _ = p.close();
            for _ in 0..20 {
                if !path.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// True while `pid` exists and is not a zombie.
fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Writes `Default/Preferences` so the profile allows third-party cookies
/// (Chromium 156 blocks them by default; `cookie_controls_mode: 0` is Chrome's "allow").
fn seed_profile(dir: &Path) -> std::io::Result<()> {
    let default = dir.join("Default");
    std::fs::create_dir_all(&default)?;
    let prefs = json!({
        "profile": {"cookie_controls_mode": 0, "block_third_party_cookies": false},
        "intl": {"accept_languages": "en-US,en"}
    });
    std::fs::write(default.join("Preferences"), prefs.to_string())
}
/// The browser-level websocket of the DevTools endpoint at `base` (`http://host:port`),
/// from its `/json/version`, as `chromium --remote-debugging-port` serves it.
async fn discover_ws(base: &str) -> Result<String, Error> {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;

    let fail = |why: String| Error::Launch(format!("--browser-ws {base}: {why}"));
    let url = url::Url::parse(base).map_err(|e| fail(format!("not a URL ({e})")))?;
    let host = url.host_str().ok_or_else(|| fail("the URL has no host".into()))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let ask = async {
        let tcp = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| {
                format!("cannot connect ({e}); is the browser running with --remote-debugging-port?")
            })?;
        // Chromium answers only a Host that is an IP address or localhost (against DNS
        // rebinding): ask by the address connected to, and put the name back below.
        let peer = tcp.peer_addr().map_err(|e| e.to_string())?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let req = hyper::Request::get("/json/version")
            .header(hyper::header::HOST, peer.to_string())
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let res = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(format!("/json/version answered {status}: {}", text.trim()));
        }
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("/json/version is not the DevTools JSON ({e})"))?;
        let ws = v["webSocketDebuggerUrl"]
            .as_str()
            .ok_or("/json/version has no webSocketDebuggerUrl")?;
        let mut ws =
            url::Url::parse(ws).map_err(|e| format!("/json/version gave a bad websocket URL ({e})"))?;
        // The host as the caller named it (the browser knows only the address asked by),
        // and the caller's query (a token, for services that want one).
        ws.set_host(Some(host)).map_err(|e| e.to_string())?;
        ws.set_port(Some(port))
            .map_err(|()| "cannot set the port".to_string())?;
        if ws.query().is_none() {
            ws.set_query(url.query());
        }
        Ok(ws.to_string())
    };
    tokio::time::timeout(Duration::from_secs(15), ask)
        .await
        .map_err(|_| fail("no answer within 15 s".into()))?
        .map_err(fail)
}
