//! Running the commands: the edge where settings, the browser, files and exit codes meet.
//!
//! Exit codes are API: 0 clean, 1 findings at or above `--fail-on` (later), 2 an error
//! (a URL that could not be scanned, a missing Chromium, an unwritable file),
//! 130 interrupted.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::capture::{Browser, BrowserConfig, BrowserIdentity, Capture, PageOptions, capture_page, har};
use crate::classify::attribute::{attribute_pass, site_owner};
use crate::cli::{AnalysisArgs, BrowserArgs, Cli, Command, DemoArgs, Format, ScanArgs};
use crate::error::Error;
use crate::observe::{ObserveOptions, build_pass};
use crate::report::{self, *};
use crate::signatures::SignatureIndex;
use crate::signatures::lists::FilterLists;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: an error.
pub const EXIT_ERROR: i32 = 2;
/// Exit code: interrupted (Ctrl-C).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Everything a scan needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    pub browser: BrowserConfig,
    pub page: PageOptions,
    /// The consent passes to run.
    pub consent: crate::consent::ConsentMode,
    /// The consent-manager rules the banner is driven with.
    pub consent_rules: Arc<crate::consent::RuleSet>,
    /// Add a `gpc` pass (no interaction, Global Privacy Control sent) compared with `initial`.
    pub gpc: bool,
    /// Carry the screenshot in the report (for the HTML report, which shows it).
    pub embed_screenshot: bool,
    pub show_values: bool,
    pub screenshot: Option<PathBuf>,
    pub har: Option<PathBuf>,
    pub analysis: Analysis,
}

/// The signatures and filter lists items are attributed with.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub signatures: Arc<SignatureIndex>,
    pub lists: Option<Arc<FilterLists>>,
    /// Extra signature sources loaded (file names).
    pub sources: Vec<String>,
    /// Known DNS aliases (first-party host, CNAME target), from imported lists.
    pub cnames: Vec<(String, String)>,
    /// The site owner's policy file (`--policy`), and the problems found in it.
    pub policy_file: Option<crate::policy::DeclaredPolicy>,
    /// Load the site's privacy and cookie policy pages.
    pub policy_pages: bool,
    /// Exit 1 when a finding is at least this severe.
    pub fail_on: Option<crate::audit::Severity>,
}

impl Analysis {
    /// Loads the built-in signatures, the user's extra sources and filter lists.
    pub fn load(args: &AnalysisArgs) -> Result<Analysis, Error> {
        Analysis::load_with(args, &[])
    }

    /// [`Analysis::load`] plus signature files given as (name, TOML text).
    pub fn load_with(args: &AnalysisArgs, texts: &[(&str, &str)]) -> Result<Analysis, Error> {
        let signatures = crate::signatures::load_index_with(&args.signatures, texts)?;
        let lists = if args.lists.is_empty() {
            None
        } else {
            Some(Arc::new(FilterLists::load(&args.lists)?))
        };
        let mut cnames = Vec::new();
        for p in &args.signatures {
            cnames.extend(crate::signatures::cnames_of(p));
        }
        let policy_file = args.policy.as_deref().map(read_policy_file);
        Ok(Analysis {
            policy_file,
            policy_pages: !args.no_policy_pages,
            fail_on: args.fail_on,
            signatures: Arc::new(signatures),
            lists,
            sources: args
                .signatures
                .iter()
                .map(|p| p.display().to_string())
                .chain(texts.iter().map(|(n, _)| n.to_string()))
                .collect(),
            cnames,
        })
    }
}

/// Reads `--policy FILE`. A file with errors still gives a policy: one source whose
/// problems name the lines, so the scan is reported and the errors are shown.
pub fn read_policy_file(path: &Path) -> crate::policy::DeclaredPolicy {
    let name = path.display().to_string();
    let problem = |problems: Vec<String>| crate::policy::DeclaredPolicy {
        sources: vec![crate::policy::PolicySource {
            kind: "policy-file".into(),
            location: name.clone(),
            items: 0,
            vendors: 0,
            statements: 0,
            problems,
        }],
        ..Default::default()
    };
    match std::fs::read(path) {
        Err(e) => problem(vec![format!("{name}: cannot read the policy file: {e}")]),
        Ok(bytes) => match String::from_utf8(bytes) {
            Err(_) => problem(vec![format!(
                "{name}: not UTF-8 text: a policy file is TOML or JSON"
            )]),
            Ok(text) => match crate::policy::file::parse(&text, &name) {
                Ok(p) => p,
                Err(errors) => problem(errors.iter().map(ToString::to_string).collect()),
            },
        },
    }
}

/// Problems of the policy file, if it had any (they make the exit code 2).
pub fn policy_file_problems(a: &Analysis) -> Vec<String> {
    a.policy_file
        .as_ref()
        .map(|p| {
            p.sources
                .iter()
                .filter(|s| s.kind == "policy-file")
                .flat_map(|s| s.problems.clone())
                .collect()
        })
        .unwrap_or_default()
}

impl ScanSettings {
    fn from_args(
        b: &BrowserArgs,
        screenshot: Option<PathBuf>,
        har: Option<PathBuf>,
        analysis: Analysis,
    ) -> Result<Self, Error> {
        let secs = |v: f64, flag: &str| {
            if v.is_finite() && (0.0..=86_400.0).contains(&v) {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(Error::Other(format!(
                    "{flag} {v}: give a number of seconds between 0 and 86400"
                )))
            }
        };
        let timeout = secs(b.timeout, "--timeout")?;
        if timeout.is_zero() {
            return Err(Error::Other(
                "--timeout 0: the page needs some time to load; give at least 1 second".into(),
            ));
        }
        Ok(ScanSettings {
            browser: BrowserConfig {
                chrome: b.chrome.clone(),
                extra_args: b.chrome_args.clone(),
            },
            page: PageOptions {
                timeout,
                wait: secs(b.wait, "--wait")?,
                screenshot: screenshot.is_some(),
                consent: None,
                gpc: false,
                pages: b.pages,
            },
            consent: b.consent,
            consent_rules: Arc::new(crate::consent::RuleSet::load(&b.consent_rules)?),
            gpc: b.gpc,
            embed_screenshot: false,
            show_values: b.show_values,
            screenshot,
            har,
            analysis,
        })
    }
}

/// Runs the parsed command line and returns the exit code.
pub async fn run(cli: Cli) -> i32 {
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Scan(args) => scan_command(&args, quiet).await,
        Command::Demo(args) => demo_command(&args, quiet).await,
        Command::Schema => {
            print!("{}", report::json_schema());
            Ok(EXIT_OK)
        }
        Command::Signatures(cmd) => crate::signatures::cli::run(&cmd),
        Command::Explain { rule } => explain_command(rule.as_deref()),
        Command::Policy(args) => policy_command(&args, quiet).await,
        Command::Diff(args) => diff_command(&args, quiet),
        Command::Report(args) => report_command(&args, quiet),
        Command::Batch(args) => batch_command(&args, quiet).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("crumbs: error: {e}");
            EXIT_ERROR
        }
    }
}

/// Checks and normalises a URL from the command line (`https://` is assumed without a scheme).
pub fn parse_target_url(input: &str) -> Result<String, Error> {
    let bad = |reason: &str| Error::InvalidUrl {
        url: input.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(bad("empty"));
    }
    let parsed = match url::Url::parse(trimmed) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(&format!("https://{trimmed}")).map_err(|e| bad(&e.to_string()))?
        }
        Err(e) => return Err(bad(&e.to_string())),
    };
    match parsed.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(&format!(
                "unsupported scheme `{other}:`; crumbs scans http:// and https:// pages"
            )));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(parsed.to_string())
}

/// One finished scan of a URL.
#[derive(Debug)]
pub struct ScanOutcome {
    pub report: Report,
    pub capture: Capture,
}

/// The passes a scan runs: (pass name, page options), the first one primary (its
/// capture gives the screenshot, the HAR and the page's links and consent-manager data).
pub fn pass_plan(s: &ScanSettings) -> Vec<(String, PageOptions)> {
    use crate::consent::Action;
    let mut actions = s.consent.actions();
    if s.gpc && !actions.contains(&Action::None) {
        actions.insert(0, Action::None);
    }
    // Only the first pass takes the screenshot.
    let page = |action: Action, gpc: bool, first: bool| PageOptions {
        consent: Some((action, s.consent_rules.clone())),
        gpc,
        screenshot: s.page.screenshot && first,
        ..s.page.clone()
    };
    let mut plan: Vec<(String, PageOptions)> = actions
        .into_iter()
        .enumerate()
        .map(|(i, a)| (a.pass_name().to_string(), page(a, false, i == 0)))
        .collect();
    if s.gpc {
        plan.push(("gpc".into(), page(Action::None, true, false)));
    }
    plan
}

/// The last-resort limit of one pass (the passes run side by side). A pass is the first
/// load, the consent action, the reload, then `--pages` - 1 more pages; collection after
/// the page's own hard limit has its own short limits, within the 70 s margin.
fn pass_limit(timeout: Duration, pages: u32) -> Duration {
    let consent_budget = crate::consent::driver::BANNER_WAIT + Duration::from_secs(20);
    timeout * (pages + 1) + consent_budget + Duration::from_secs(70)
}

/// The limit of each policy page's load (they load side by side, after the passes).
fn policy_page_limit(timeout: Duration) -> Duration {
    timeout.min(Duration::from_secs(15)).max(Duration::from_secs(3))
}

/// The most one scan can take: its passes, then its policy pages (each: its load limit,
/// then up to about 16 s of settling, reading and closing), then the report. `crumbs batch`
/// derives its default per-site limit from this.
pub fn scan_limit(timeout: Duration, pages: u32) -> Duration {
    pass_limit(timeout, pages) + policy_page_limit(timeout) + Duration::from_secs(30)
}

/// Scans `url` in fresh contexts of `browser` (one per pass, side by side) and builds its report.
pub async fn scan_one(browser: &Browser, url: &str, s: &ScanSettings) -> Result<ScanOutcome, Error> {
    let started = OffsetDateTime::now_utc();
    let clock = Instant::now();
    let plan = pass_plan(s);
    let limit = pass_limit(s.page.timeout, s.page.pages);
    let runs = plan.iter().map(|(_, page)| async move {
        match tokio::time::timeout(limit, capture_page(browser, url, page)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Browser {
                url: url.to_string(),
                reason: "the browser stopped answering".into(),
            }),
        }
    });
    let mut results = futures_util::future::join_all(runs).await.into_iter();
    let capture = results.next().unwrap_or_else(|| {
        Err(Error::Browser {
            url: url.to_string(),
            reason: "no pass to run".into(),
        })
    })?;
    let mut others: Vec<(String, Capture)> = Vec::new();
    let mut problems = Vec::new();
    for ((name, _), r) in plan.iter().skip(1).zip(results) {
        match r {
            Ok(c) => others.push((name.clone(), c)),
            Err(e) => problems.push(format!("the {name} pass failed: {e}")),
        }
    }
    let declared = declared_for_capture(browser, &capture, s).await;
    let others: Vec<(&str, &Capture)> = others.iter().map(|(n, c)| (n.as_str(), c)).collect();
    let mut report = build_report(
        (plan[0].0.as_str(), &capture),
        &others,
        Some(browser.identity()),
        started,
        clock.elapsed(),
        s,
        Some(declared),
    );
    report.scan.validity.problems.extend(problems);
    Ok(ScanOutcome { report, capture })
}

/// Reads what the scanned site declares: its consent manager's data, its policy pages
/// (loaded in a separate context so they add nothing to the observations), the policy file.
async fn declared_for_capture(
    browser: &Browser,
    cap: &Capture,
    s: &ScanSettings,
) -> crate::policy::DeclaredPolicy {
    let page_url = cap.final_url.clone().unwrap_or_else(|| cap.requested_url.clone());
    let mut documents = Vec::new();
    if s.analysis.policy_pages
        && let Some(info) = &cap.page_info
    {
        let links: Vec<String> = crate::policy::discover::policy_links(info, 2)
            .into_iter()
            .filter(|l| *l != page_url)
            .collect();
        log::debug!("{} links, policy pages: {links:?}", info.links.len());
        let limit = policy_page_limit(s.page.timeout);
        // The pages load side by side, each in its own context.
        let loads = links
            .iter()
            .map(|link| crate::capture::page::load_document(browser, link, limit));
        documents = futures_util::future::join_all(loads).await;
    }
    crate::policy::discover::declared_policy(
        &page_url,
        cap.page_info.as_ref(),
        &documents,
        s.analysis.policy_file.clone(),
        &s.analysis.signatures,
    )
}

/// Assembles the report of one capture.
pub fn build_report(
    primary: (&str, &Capture),
    others: &[(&str, &Capture)],
    identity: Option<&BrowserIdentity>,
    started: OffsetDateTime,
    duration: Duration,
    s: &ScanSettings,
    declared: Option<crate::policy::DeclaredPolicy>,
) -> Report {
    let cap = primary.1;
    let captures: Vec<(&str, &Capture)> = std::iter::once(primary).chain(others.iter().copied()).collect();
    let site_host = cap
        .final_url
        .as_deref()
        .or(Some(cap.requested_url.as_str()))
        .and_then(crate::classify::host_of);
    let first_party = site_host.as_deref().map(crate::classify::registrable_domain);
    let a = &s.analysis;
    let host = site_host.clone().unwrap_or_default();
    let mut passes = Vec::new();
    let mut problems = cap.problems.clone();
    for (i, (name, c)) in captures.iter().enumerate() {
        let mut pass = build_pass(
            name,
            c,
            ObserveOptions {
                show_values: s.show_values,
            },
        );
        attribute_pass(&mut pass, &a.signatures, a.lists.as_deref(), &host, &a.cnames);
        if i > 0 {
            problems.extend(c.problems.iter().map(|p| format!("{name} pass: {p}")));
            if c.timeout_hit {
                problems.push(format!(
                    "{name} pass: the page did not settle within the time limit"
                ));
            }
        }
        passes.push(pass);
    }
    let ok = cap.navigation_error.is_none() && cap.document_status.is_some_and(|s| s < 400);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "crumbs".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scan: Scan {
            requested_url: cap.requested_url.clone(),
            final_url: cap.final_url.clone(),
            first_party,
            started_at: started
                .replace_nanosecond(0)
                .unwrap_or(started)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            duration_ms: duration.as_millis() as u64,
            source: if identity.is_some() {
                "browser".into()
            } else {
                "har".into()
            },
            site_owner: site_owner(&a.signatures, &host),
            signatures: SignatureInfo {
                version: a.signatures.version().to_string(),
                vendors: a.signatures.vendors().len(),
                extra_sources: a.sources.clone(),
                lists: a.lists.as_ref().map(|l| l.names().to_vec()).unwrap_or_default(),
            },
            browser: identity.map(|id| BrowserInfo {
                executable: id.executable.clone(),
                product: id.product.clone(),
                user_agent: id.user_agent.clone(),
                brands: id.brands.iter().map(|(b, _)| b.clone()).collect(),
                flags: id.flags.clone(),
                window_width: id.window.0,
                window_height: id.window.1,
                third_party_cookies: "allowed".into(),
                seen_by_page: cap.page_identity.as_ref().map(|p| SeenByPage {
                    user_agent: p.user_agent.clone(),
                    webdriver: p.webdriver,
                    brands: p.brands.clone(),
                }),
            }),
            options: ScanOptions {
                timeout_secs: s.page.timeout.as_secs_f64(),
                wait_secs: s.page.wait.as_secs_f64(),
                show_values: s.show_values,
                screenshot: s.screenshot.as_ref().map(|p| p.display().to_string()),
                har: s.har.as_ref().map(|p| p.display().to_string()),
            },
            validity: Validity {
                ok,
                document_status: cap.document_status,
                navigation_error: cap.navigation_error.clone(),
                load_event: cap.load_fired,
                timeout_hit: cap.timeout_hit,
                problems,
                dialogs: cap
                    .dialogs
                    .iter()
                    .map(|d| DialogInfo {
                        kind: d.kind.clone(),
                        message: d.message.clone(),
                        url: d.url.clone(),
                    })
                    .collect(),
                popups: cap.popups.clone(),
            },
            screenshot: None,
        },
        gpc: None,
        passes,
        declared: None,
        findings: Vec::new(),
        findings_summary: crate::audit::FindingCounts::default(),
    };
    let site = report.scan.first_party.clone().unwrap_or_default();
    report.findings = crate::audit::audit(&report.passes, declared.as_ref(), &site);
    report.findings_summary = crate::audit::FindingCounts::of(&report.findings);
    if s.embed_screenshot
        && let Some(png) = &cap.screenshot_png
    {
        use base64::Engine as _;
        let (width, height) = crate::capture::page::image_size(png).unzip();
        report.scan.screenshot = Some(Screenshot {
            png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            width,
            height,
        });
    }
    let by_name = |n: &str| report.passes.iter().find(|p| p.name == n);
    if let (Some(initial), Some(gpc)) = (by_name("initial"), by_name("gpc")) {
        report.gpc = Some(crate::consent::gpc_effect(initial, gpc));
    }
    report.declared = declared.filter(|d| !d.sources.is_empty() || d.consent_manager.is_some());
    report
}

/// Exit code 1 when a finding reaches `--fail-on`.
pub fn findings_code(reports: &[Report], fail_on: Option<crate::audit::Severity>) -> i32 {
    match fail_on {
        Some(level)
            if reports
                .iter()
                .flat_map(|r| &r.findings)
                .any(|f| f.severity >= level) =>
        {
            EXIT_FINDINGS
        }
        _ => EXIT_OK,
    }
}

/// `path` with `-N` before its extension (for the N-th of several URLs).
fn numbered(path: &Path, n: usize, total: usize) -> PathBuf {
    if total <= 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically (a temporary file renamed into place). A path that
/// is not a regular file (`-o /dev/null`, a named pipe, a terminal) is written to as it
/// is: renaming over it would replace the device itself (as root, `/dev/null` became a
/// plain file that every later reader of `/dev/null` read back).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        return f.write_all(bytes).map_err(|e| Error::io(path, e));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(path, e))?;
    // Reports are for sharing: readable like any other file, not the temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

fn say(quiet: bool, msg: impl std::fmt::Display) {
    if !quiet {
        eprintln!("{msg}");
    }
}

/// Writes the evidence files (screenshot, HAR) of one outcome; returns problems as text.
fn save_evidence(o: &ScanOutcome, s: &ScanSettings, n: usize, total: usize, quiet: bool) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(p) = &s.screenshot {
        let path = numbered(p, n, total);
        match &o.capture.screenshot_png {
            Some(png) => match write_atomic(&path, png) {
                Ok(()) => say(
                    quiet,
                    format_args!("crumbs: screenshot written to {}", path.display()),
                ),
                Err(e) => errors.push(format!("cannot write the screenshot: {e}")),
            },
            None => errors.push(format!(
                "no screenshot of {} (the page did not render)",
                o.capture.requested_url
            )),
        }
    }
    if let Some(p) = &s.har {
        let path = numbered(p, n, total);
        let doc = har::to_har(&o.capture, &o.report, s.show_values);
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        match write_atomic(&path, text.as_bytes()) {
            Ok(()) => say(quiet, format_args!("crumbs: HAR written to {}", path.display())),
            Err(e) => errors.push(format!("cannot write the HAR file: {e}")),
        }
    }
    errors
}

/// Says on stderr what went wrong with a report's page, if anything; true when the scan is not usable.
pub fn report_problem(r: &Report) -> Option<String> {
    let v = &r.scan.validity;
    if let Some(e) = &v.navigation_error {
        return Some(format!(
            "{}: the page could not be loaded: {e}",
            r.scan.requested_url
        ));
    }
    match v.document_status {
        Some(s) if s >= 400 => Some(format!("{}: the server answered HTTP {s}", r.scan.requested_url)),
        None => Some(format!(
            "{}: no document arrived before the time limit",
            r.scan.requested_url
        )),
        _ => None,
    }
}

/// Runs the whole pipeline after capture on a HAR file's text and builds its report.
pub fn analyse_har(text: &str, file: &str, analysis: &Analysis, show_values: bool) -> Result<Report, Error> {
    let cap = crate::capture::har_import::capture_from_har(text, file)
        .map_err(|e| Error::Other(format!("cannot use the HAR file: {e}")))?;
    let started = OffsetDateTime::from_unix_timestamp(cap.nav_start_wall.floor() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let duration = Duration::from_secs_f64((cap.collected_wall - cap.nav_start_wall).clamp(0.0, 1e9));
    let settings = ScanSettings {
        browser: BrowserConfig::default(),
        page: PageOptions {
            timeout: Duration::ZERO,
            wait: Duration::ZERO,
            screenshot: false,
            consent: None,
            gpc: false,
            pages: 1,
        },
        consent: crate::consent::ConsentMode::Initial,
        consent_rules: Arc::new(crate::consent::RuleSet::default()),
        gpc: false,
        embed_screenshot: false,
        show_values,
        screenshot: None,
        har: None,
        analysis: analysis.clone(),
    };
    let declared = crate::policy::discover::declared_policy(
        &cap.final_url.clone().unwrap_or_else(|| cap.requested_url.clone()),
        None,
        &[],
        analysis.policy_file.clone(),
        &analysis.signatures,
    );
    let mut report = build_report(
        ("initial", &cap),
        &[],
        None,
        started,
        duration,
        &settings,
        Some(declared),
    );
    report.scan.options.timeout_secs = 0.0;
    Ok(report)
}

fn from_har_command(args: &ScanArgs, path: &Path, quiet: bool) -> Result<i32, Error> {
    let analysis = Analysis::load(&args.analysis)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = crate::capture::har_import::decode_har_bytes(&bytes);
    let report = analyse_har(
        &text,
        &path.display().to_string(),
        &analysis,
        args.browser.show_values,
    )?;
    say(
        quiet,
        format_args!(
            "crumbs: analysed {} ({} requests)",
            path.display(),
            report.passes[0].requests.len()
        ),
    );
    let out = render_reports(std::slice::from_ref(&report), args.format);
    let mut code = emit(&args.output, &out, quiet)?;
    code = code.max(problems_code(&analysis));
    if code == EXIT_OK {
        code = findings_code(std::slice::from_ref(&report), analysis.fail_on);
    }
    Ok(code)
}

/// Says the policy file's problems on stderr; exit code 2 when there are any.
fn problems_code(a: &Analysis) -> i32 {
    let problems = policy_file_problems(a);
    for p in &problems {
        eprintln!("crumbs: error: {p}");
    }
    if problems.is_empty() { EXIT_OK } else { EXIT_ERROR }
}

/// Writes a rendered report to stdout (`-`) or a file; returns the exit code.
fn emit(output: &str, out: &str, quiet: bool) -> Result<i32, Error> {
    if output == "-" {
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush())
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            eprintln!("crumbs: error: cannot write to stdout: {e}");
            return Ok(EXIT_ERROR);
        }
    } else {
        write_atomic(Path::new(output), out.as_bytes())?;
        say(quiet, format_args!("crumbs: report written to {output}"));
    }
    Ok(EXIT_OK)
}

async fn scan_command(args: &ScanArgs, quiet: bool) -> Result<i32, Error> {
    if let Some(path) = &args.from_har {
        return from_har_command(args, path, quiet);
    }
    let analysis = Analysis::load(&args.analysis)?;
    let mut settings =
        ScanSettings::from_args(&args.browser, args.screenshot.clone(), args.har.clone(), analysis)?;
    if args.format == Format::Html || args.screenshot.is_some() {
        // The HTML report shows the screenshot, from the JSON report alone.
        settings.embed_screenshot = true;
        settings.page.screenshot = true;
    }
    let urls = args
        .urls
        .iter()
        .map(|u| parse_target_url(u))
        .collect::<Result<Vec<_>, _>>()?;
    let (reports, code) = scan_many(&urls, &settings, quiet).await?;
    if reports.is_empty() {
        return Ok(EXIT_ERROR);
    }
    let out = render_reports(&reports, args.format);
    let written = emit(&args.output, &out, quiet)?;
    let mut code = code.max(written).max(problems_code(&settings.analysis));
    if code == EXIT_OK {
        code = findings_code(&reports, settings.analysis.fail_on);
    }
    Ok(code)
}

/// Scans every URL in one browser (a fresh context each) and returns the reports and the exit code.
pub async fn scan_many(
    urls: &[String],
    settings: &ScanSettings,
    quiet: bool,
) -> Result<(Vec<Report>, i32), Error> {
    let browser = Browser::launch(&settings.browser).await?;
    let mut reports = Vec::new();
    let mut code = EXIT_OK;
    let total = urls.len();
    for (i, url) in urls.iter().enumerate() {
        say(quiet, format_args!("crumbs: scanning {url}"));
        match scan_one(&browser, url, settings).await {
            Ok(outcome) => {
                if let Some(p) = report_problem(&outcome.report) {
                    eprintln!("crumbs: error: {p}");
                    code = EXIT_ERROR;
                } else if outcome.report.scan.validity.timeout_hit {
                    eprintln!(
                        "crumbs: warning: {url}: the page did not settle within the time limit; results may be incomplete"
                    );
                }
                for e in save_evidence(&outcome, settings, i + 1, total, quiet) {
                    eprintln!("crumbs: error: {e}");
                    code = EXIT_ERROR;
                }
                reports.push(outcome.report);
            }
            Err(e) => {
                eprintln!("crumbs: error: {e}");
                code = EXIT_ERROR;
            }
        }
    }
    browser.close().await;
    Ok((reports, code))
}

async fn demo_command(args: &DemoArgs, quiet: bool) -> Result<i32, Error> {
    let demo = crate::demo::DemoWeb::start()
        .await
        .map_err(|e| Error::Other(format!("cannot start the demo web server: {e}")))?;
    if args.serve {
        // The start URL, then one flag per line for `crumbs scan` / `crumbs batch`.
        println!("{}", demo.start_url());
        for a in demo.chrome_args() {
            println!("--chrome-arg={a}");
        }
        say(quiet, "crumbs: serving the demo web until interrupted (Ctrl-C)");
        std::future::pending::<()>().await;
    }
    let mut browser_args = args.browser.clone();
    browser_args.chrome_args.extend(demo.chrome_args());
    let analysis = Analysis::load_with(&args.analysis, &[crate::demo::site::DEMO_SIGNATURES])?;
    let settings =
        ScanSettings::from_args(&browser_args, args.screenshot.clone(), args.har.clone(), analysis)?;
    let url = demo.start_url();
    say(
        quiet,
        format_args!(
            "crumbs: demo web serving on 127.0.0.1:{} (hostnames mapped with --host-resolver-rules)",
            demo.server().port()
        ),
    );
    let (reports, code) = scan_many(&[url], &settings, quiet).await?;
    let Some(report) = reports.first() else {
        return Ok(EXIT_ERROR);
    };
    let json = serde_json::to_string_pretty(report).unwrap_or_default() + "\n";
    write_atomic(&args.output, json.as_bytes())?;
    print!("{}", report::text::render(report));
    println!("\nJSON report written to {}", args.output.display());
    Ok(code)
}

async fn batch_command(args: &crate::cli::BatchArgs, quiet: bool) -> Result<i32, Error> {
    use crate::batch::{self, BatchOptions};
    let seeds = batch::read_seeds(&args.seeds)?;
    if args.list_sites {
        for s in seeds
            .iter()
            .filter(|s| args.shard.is_none_or(|sh| sh.takes(&s.url)))
        {
            println!("{}", s.url);
        }
        return Ok(EXIT_OK);
    }
    let analysis = Analysis::load(&args.analysis)?;
    let file_problems = policy_file_problems(&analysis);
    for p in &file_problems {
        eprintln!("crumbs: error: {p}");
    }
    let settings = ScanSettings::from_args(&args.browser, None, None, analysis)?;
    // The scan's own limits, and time to start or check a browser.
    let default_limit = scan_limit(settings.page.timeout, settings.page.pages) + Duration::from_secs(30);
    let site_timeout = match args.site_timeout {
        Some(v) if v.is_finite() && v >= 1.0 => Duration::from_secs_f64(v),
        Some(v) => {
            return Err(Error::Other(format!(
                "--site-timeout {v}: give at least 1 second"
            )));
        }
        None => default_limit,
    };
    let opts = BatchOptions {
        out_dir: args.output.clone(),
        concurrency: args
            .concurrency
            .map(|c| c as usize)
            .unwrap_or_else(batch::default_concurrency),
        resume: args.resume,
        shard: args.shard,
        browser_ws: args.browser_ws.clone(),
        restart_every: args.restart_every as usize,
        site_timeout,
        quiet,
    };
    say(
        quiet,
        format_args!(
            "crumbs: batch of {} site(s){} into {}, {} at a time",
            seeds
                .iter()
                .filter(|s| args.shard.is_none_or(|sh| sh.takes(&s.url)))
                .count(),
            args.shard.map(|s| format!(" (shard {s})")).unwrap_or_default(),
            opts.out_dir.display(),
            opts.concurrency
        ),
    );
    let summary = batch::run(seeds, &settings, &opts).await?;
    say(
        quiet,
        format_args!(
            "crumbs: {} ok, {} failed; findings: {} high, {} medium, {} low, {} info; summary in {}",
            summary.ok,
            summary.failed,
            summary.findings.high,
            summary.findings.medium,
            summary.findings.low,
            summary.findings.info,
            opts.out_dir.join("summary.json").display()
        ),
    );
    let mut code = if summary.failed > 0 || !file_problems.is_empty() {
        EXIT_ERROR
    } else {
        EXIT_OK
    };
    let fail_on = settings.analysis.fail_on;
    if code == EXIT_OK
        && let Some(level) = fail_on
    {
        let hit = summary.sites.iter().any(|s| s.findings.at_least(level) > 0);
        if hit && args.baseline.is_none() {
            code = EXIT_FINDINGS;
        }
    }
    if let Some(base) = &args.baseline {
        let old = crate::diff::load_reports(base)?;
        let new = crate::diff::load_reports(&opts.out_dir)?;
        let d = crate::diff::diff(&old, &new);
        let json = serde_json::to_string_pretty(&d).unwrap_or_default() + "\n";
        write_atomic(&opts.out_dir.join("diff.json"), json.as_bytes())?;
        print!("{}", crate::diff::render_text(&d));
        if code == EXIT_OK
            && let Some(level) = fail_on
            && crate::diff::has_new_finding_at(&d, level)
        {
            code = EXIT_FINDINGS;
        }
    }
    Ok(code)
}

/// Renders reports in a format: one JSON object (or an array for several), text, Markdown.
pub fn render_reports(reports: &[Report], format: Format) -> String {
    match format {
        Format::Json if reports.len() == 1 => {
            serde_json::to_string_pretty(&reports[0]).unwrap_or_default() + "\n"
        }
        Format::Json => serde_json::to_string_pretty(&reports).unwrap_or_default() + "\n",
        Format::Text => reports
            .iter()
            .map(report::text::render)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Md => reports
            .iter()
            .map(report::markdown::render)
            .collect::<Vec<_>>()
            .join("\n---\n\n"),
        Format::Html => report::html::render_many(reports),
    }
}

fn report_command(args: &crate::cli::ReportArgs, quiet: bool) -> Result<i32, Error> {
    let reports = crate::diff::load_reports(&args.report)?;
    emit(&args.output, &render_reports(&reports, args.format), quiet)
}

fn diff_command(args: &crate::cli::DiffArgs, quiet: bool) -> Result<i32, Error> {
    let old = crate::diff::load_reports(&args.old)?;
    let new = crate::diff::load_reports(&args.new)?;
    let d = crate::diff::diff(&old, &new);
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&d).unwrap_or_default() + "\n",
        Format::Text | Format::Md | Format::Html => crate::diff::render_text(&d),
    };
    let code = emit("-", &out, quiet)?;
    Ok(match args.fail_on {
        Some(level) if code == EXIT_OK && crate::diff::has_new_finding_at(&d, level) => EXIT_FINDINGS,
        _ => code,
    })
}

fn explain_command(rule: Option<&str>) -> Result<i32, Error> {
    use crate::audit::rules::{RULES, explain, rule as find};
    match rule {
        None => {
            for r in RULES {
                println!("{:<8} {}", r.id, r.title);
            }
            println!("\n`crumbs explain RULE` prints a rule's documentation.");
            Ok(EXIT_OK)
        }
        Some(id) => match find(id) {
            Some(r) => {
                print!("{}", explain(r));
                Ok(EXIT_OK)
            }
            None => Err(Error::Other(format!(
                "no rule {id:?}; the rules are: {}",
                RULES.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
            ))),
        },
    }
}

async fn policy_command(args: &crate::cli::PolicyArgs, quiet: bool) -> Result<i32, Error> {
    let index = crate::signatures::builtin_index()?;
    let path = Path::new(&args.source);
    let policy = if path.exists() {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        crate::policy::read_any(&bytes, &args.source, index)
    } else {
        let url = parse_target_url(&args.source)?;
        let browser = Browser::launch(&BrowserConfig {
            chrome: args.browser.chrome.clone(),
            extra_args: args.browser.chrome_args.clone(),
        })
        .await?;
        let settings_timeout = Duration::from_secs_f64(args.browser.timeout.clamp(1.0, 600.0));
        say(quiet, format_args!("crumbs: reading the declarations of {url}"));
        let page = crate::capture::page::load_document(&browser, &url, settings_timeout).await;
        let mut documents = Vec::new();
        for link in crate::policy::discover::policy_links(&page.info, 2) {
            if link != url {
                documents.push(crate::capture::page::load_document(&browser, &link, settings_timeout).await);
            }
        }
        browser.close().await;
        if let Some(e) = &page.error {
            return Err(Error::Other(format!("{url}: the page could not be loaded: {e}")));
        }
        crate::policy::discover::declared_policy(&url, Some(&page.info), &documents, None, index)
    };
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&policy).unwrap_or_default() + "\n",
        Format::Text | Format::Md | Format::Html => crate::report::text::render_policy(&policy),
    };
    emit("-", &out, quiet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_urls() {
        assert_eq!(
            parse_target_url("https://example.com").unwrap(),
            "https://example.com/"
        );
        assert_eq!(
            parse_target_url("example.com/a?b=1").unwrap(),
            "https://example.com/a?b=1"
        );
        assert!(matches!(
            parse_target_url("ftp://example.com/"),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_target_url("javascript:alert(1)"),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_target_url("http://"),
            Err(Error::InvalidUrl { .. })
        ));
        assert!(matches!(parse_target_url("  "), Err(Error::InvalidUrl { .. })));
        assert!(matches!(
            parse_target_url("https://exa mple.com"),
            Err(Error::InvalidUrl { .. })
        ));
    }

    #[test]
    fn a_path_that_is_not_a_regular_file_is_written_to_not_replaced() {
        // A named pipe stands in for /dev/null and terminals.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"{\"report\": 1}\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"{\"report\": 1}\n");
        use std::os::unix::fs::FileTypeExt as _;
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
        // A regular file is still replaced atomically, with readable permissions.
        let file = dir.path().join("r.json");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary file left"
        );
    }

    #[test]
    fn time_limits_add_up() {
        let t = Duration::from_secs(30);
        // Two page loads (the first and the reload) + the consent budget + 70 s.
        assert_eq!(pass_limit(t, 1), Duration::from_secs(60 + 26 + 70));
        assert_eq!(policy_page_limit(t), Duration::from_secs(15));
        assert_eq!(policy_page_limit(Duration::from_secs(1)), Duration::from_secs(3));
        // The batch's default per-site limit is this + 30 s: 231 s, as the README says.
        assert_eq!(scan_limit(t, 1), Duration::from_secs(201));
        assert_eq!(scan_limit(t, 3) - scan_limit(t, 1), 2 * t);
    }

    #[test]
    fn numbered_paths() {
        assert_eq!(
            numbered(Path::new("a/shot.png"), 2, 3),
            PathBuf::from("a/shot-2.png")
        );
        assert_eq!(numbered(Path::new("shot.png"), 1, 1), PathBuf::from("shot.png"));
        assert_eq!(numbered(Path::new("har"), 1, 2), PathBuf::from("har-1"));
    }
}
