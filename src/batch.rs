//! `crumbs batch`: many sites, one browser, N isolated contexts at a time.
//!
//! This module owns the batch run: reading seed files, sharding, the browser pool (one
//! Chromium, launched or remote, restarted every so many sites and after a crash), the
//! workers (a hard time limit per site, one retry when the browser died under a site),
//! and the output folder — one report per site written atomically as it finishes, and
//! `summary.json` / `summary.md` rewritten after every site, so an interrupted run loses
//! nothing finished and `--resume` goes on from there.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::app::{ScanSettings, scan_one, write_atomic};
use crate::audit::FindingCounts;
use crate::capture::{Browser, BrowserConfig};
use crate::error::Error;
use crate::report::Report;

/// One site to scan, from a seed file line or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The normalised URL, or the text of a line that is not a URL.
    pub url: String,
    /// Why the line cannot be scanned.
    pub invalid: Option<String>,
}

/// Reads seeds: each input is a file (one URL per line, `#` starts a comment) or a URL.
/// Duplicates are dropped; a line that is not a URL becomes a failed site, not an error.
pub fn read_seeds(inputs: &[String]) -> Result<Vec<Seed>, Error> {
    let mut out: Vec<Seed> = Vec::new();
    let mut push = |s: Seed| {
        if !out.iter().any(|o| o.url == s.url) {
            out.push(s);
        }
    };
    for input in inputs {
        let path = Path::new(input);
        let looks_like_file = !input.contains("://")
            && (input.contains('/')
                || [".txt", ".list", ".csv", ".seeds"]
                    .iter()
                    .any(|x| input.ends_with(x))
                || !input.contains('.'));
        if path.is_file() || (!path.exists() && looks_like_file) {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.split(" #").next().unwrap_or("").trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                push(match crate::app::parse_target_url(line) {
                    Ok(url) => Seed { url, invalid: None },
                    Err(e) => Seed {
                        url: line.to_string(),
                        invalid: Some(format!("{input}:{}: {e}", i + 1)),
                    },
                });
            }
        } else {
            push(match crate::app::parse_target_url(input) {
                Ok(url) => Seed { url, invalid: None },
                Err(e) => Seed {
                    url: input.clone(),
                    invalid: Some(e.to_string()),
                },
            });
        }
    }
    Ok(out)
}

/// `--shard I/N`: this run scans the sites whose stable hash is I modulo N (0 ≤ I < N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: write the shard as I/N, e.g. 0/4 (I counts from 0)"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: I is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: N is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("{s:?}: need 0 ≤ I < N (I counts from 0)"));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The site a URL belongs to, for sharding: its host, lower-cased, without `www.`.
pub fn site_of(url: &str) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| url.to_ascii_lowercase());
    host.strip_prefix("www.").map(str::to_string).unwrap_or(host)
}

/// A stable 64-bit hash (the first 8 bytes of SHA-256): the same on every machine and release.
pub fn stable_hash(s: &str) -> u64 {
    let d = ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d.as_ref()[..8]);
    u64::from_be_bytes(b)
}

impl Shard {
    /// Whether this shard scans `url`.
    pub fn takes(&self, url: &str) -> bool {
        stable_hash(&site_of(url)) % self.count == self.index
    }
}

/// The report file name of a URL: its host, plus a short hash when the URL has a path
/// or query, so two pages of one site never share a file.
pub fn report_name(url: &str) -> String {
    let parsed = url::Url::parse(url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let clean: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let plain = parsed.as_ref().is_some_and(|u| {
        u.path() == "/" && u.query().is_none() && u.port().is_none() && u.scheme() == "https"
    });
    if plain && !clean.is_empty() {
        format!("{clean}.json")
    } else {
        format!(
            "{}-{:012x}.json",
            if clean.is_empty() { "site" } else { &clean },
            stable_hash(url) >> 16
        )
    }
}

/// What the batch knows about one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSummary {
    /// The URL scanned.
    pub site: String,
    /// `ok`, or `failed` (the page could not be scanned: see `error`).
    pub status: String,
    pub error: Option<String>,
    /// The report's file name in the output folder (also for a failed page that gave one).
    pub report: Option<String>,
    /// 2 when the browser died under the site and it was scanned again.
    pub attempts: u32,
    pub duration_ms: u64,
    pub requests: usize,
    pub third_parties: usize,
    pub cookies: usize,
    pub storage_items: usize,
    pub findings: FindingCounts,
    /// Consent passes whose action could not be verified.
    pub unverified_passes: Vec<String>,
}

/// `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub tool_version: String,
    pub started_at: String,
    /// False while the batch runs (or when it was interrupted).
    pub finished: bool,
    pub shard: Option<String>,
    pub total: usize,
    pub ok: usize,
    pub failed: usize,
    pub findings: FindingCounts,
    /// Times the browser was started (or connected to).
    pub browser_starts: usize,
    pub sites: Vec<SiteSummary>,
}

impl BatchSummary {
    fn recount(&mut self) {
        self.sites.sort_by(|a, b| a.site.cmp(&b.site));
        self.ok = self.sites.iter().filter(|s| s.status == "ok").count();
        self.failed = self.sites.iter().filter(|s| s.status != "ok").count();
        let mut f = FindingCounts::default();
        for s in &self.sites {
            f.add(&s.findings);
        }
        self.findings = f;
    }
}

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub out_dir: PathBuf,
    pub concurrency: usize,
    pub resume: bool,
    pub shard: Option<Shard>,
    /// Drive this browser (a DevTools websocket URL) instead of launching one.
    pub browser_ws: Option<String>,
    /// Start a fresh browser after this many sites.
    pub restart_every: usize,
    /// Hard limit per site.
    pub site_timeout: Duration,
    pub quiet: bool,
}

/// The default number of sites scanned at once: twice the machine's cores, at most 16. A
/// scan waits on the network and on its own timers (settling, the banner) more than it
/// computes: on 2 cores, 4 at once scanned 1.4× (`--consent all`) to 1.5× (`initial`)
/// as many sites per minute as 2 at once, and 8 no more than 4 (`scripts/bench-batch.sh`).
pub fn default_concurrency() -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    (2 * cores).min(16)
}

/// The browser the workers share: started on first use, replaced every
/// `restart_every` sites and after it died.
struct Pool {
    cfg: BrowserConfig,
    remote: Option<String>,
    restart_every: usize,
    state: tokio::sync::Mutex<PoolState>,
}

#[derive(Default)]
struct PoolState {
    current: Option<Arc<Browser>>,
    generation: u64,
    used: usize,
    starts: usize,
    retired: Vec<Arc<Browser>>,
}

impl Pool {
    async fn get(&self) -> Result<(u64, Arc<Browser>), Error> {
        let mut st = self.state.lock().await;
        close_retired(&mut st).await;
        if st.used >= self.restart_every
            && let Some(old) = st.current.take()
        {
            st.retired.push(old);
        }
        if st.current.is_none() {
            let b = match &self.remote {
                Some(ws) => Browser::connect(ws).await?,
                None => Browser::launch(&self.cfg).await?,
            };
            st.current = Some(Arc::new(b));
            st.generation += 1;
            st.used = 0;
            st.starts += 1;
        }
        st.used += 1;
        let b = st
            .current
            .clone()
            .ok_or_else(|| Error::Launch("no browser".into()))?;
        Ok((st.generation, b))
    }

    /// The browser of `generation` is gone (or stuck): the next site gets a new one.
    async fn retire(&self, generation: u64) {
        let mut st = self.state.lock().await;
        if st.generation == generation
            && let Some(old) = st.current.take()
        {
            st.retired.push(old);
        }
    }

    async fn close(&self) {
        let mut st = self.state.lock().await;
        if let Some(b) = st.current.take() {
            st.retired.push(b);
        }
        close_retired(&mut st).await;
        // Browsers still referenced are killed when the last reference goes.
        st.retired.clear();
    }

    async fn starts(&self) -> usize {
        self.state.lock().await.starts
    }
}

/// Closes the retired browsers no site uses any more.
async fn close_retired(st: &mut PoolState) {
    let mut keep = Vec::new();
    for b in std::mem::take(&mut st.retired) {
        match Arc::try_unwrap(b) {
            Ok(b) => b.close().await,
            Err(b) => keep.push(b),
        }
    }
    st.retired = keep;
}

/// Whether the browser still answers.
async fn alive(b: &Browser) -> bool {
    let probe = async {
        let (cdp, _ev) = crate::capture::cdp::Cdp::connect(b.ws_url()).await.ok()?;
        let ok = cdp
            .call_with_timeout(
                None,
                "Browser.getVersion",
                serde_json::json!({}),
                Duration::from_secs(3),
            )
            .await
            .is_ok();
        cdp.close();
        Some(ok)
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(5), probe).await,
        Ok(Some(true))
    )
}

enum SiteOutcome {
    Done(Box<Report>),
    Failed(String),
    /// The browser died under the site: scan it again on a new one.
    BrowserLost(String),
}

async fn scan_site(
    pool: &Pool,
    url: &str,
    settings: &ScanSettings,
    limit: Duration,
) -> Result<SiteOutcome, Error> {
    let (generation, browser) = pool.get().await?;
    let outcome = match tokio::time::timeout(limit, scan_one(&browser, url, settings)).await {
        Ok(Ok(o)) => {
            let troubled = !o.report.scan.validity.problems.is_empty() || !o.report.scan.validity.ok;
            if troubled && !alive(&browser).await {
                SiteOutcome::BrowserLost("the browser died during the scan".into())
            } else {
                SiteOutcome::Done(Box::new(o.report))
            }
        }
        Ok(Err(e)) => {
            if alive(&browser).await {
                SiteOutcome::Failed(e.to_string())
            } else {
                SiteOutcome::BrowserLost(e.to_string())
            }
        }
        Err(_) => {
            // Its contexts may still be open in the browser: start the next sites on a fresh one.
            pool.retire(generation).await;
            SiteOutcome::Failed(format!(
                "the site did not finish within the batch's limit of {} s per site",
                limit.as_secs()
            ))
        }
    };
    if matches!(outcome, SiteOutcome::BrowserLost(_)) {
        pool.retire(generation).await;
    }
    Ok(outcome)
}

fn summarise(url: &str, report: &Report, file: &str, attempts: u32, duration: Duration) -> SiteSummary {
    let error = crate::app::report_problem(report);
    let sum = |f: fn(&crate::report::Pass) -> usize| report.passes.iter().map(f).max().unwrap_or(0);
    SiteSummary {
        site: url.to_string(),
        status: if error.is_none() { "ok" } else { "failed" }.into(),
        error,
        report: Some(file.to_string()),
        attempts,
        duration_ms: duration.as_millis() as u64,
        requests: sum(|p| p.summary.requests),
        third_parties: sum(|p| p.third_parties.len()),
        cookies: sum(|p| p.summary.cookies),
        storage_items: sum(|p| p.summary.storage_items),
        findings: report.findings_summary.clone(),
        unverified_passes: report
            .passes
            .iter()
            .filter(|p| {
                p.consent
                    .as_ref()
                    .is_some_and(|c| c.action != Some(crate::consent::Action::None) && !c.verified)
            })
            .map(|p| p.name.clone())
            .collect(),
    }
}

fn failed(url: &str, error: String, attempts: u32, duration: Duration) -> SiteSummary {
    SiteSummary {
        site: url.to_string(),
        status: "failed".into(),
        error: Some(error),
        report: None,
        attempts,
        duration_ms: duration.as_millis() as u64,
        requests: 0,
        third_parties: 0,
        cookies: 0,
        storage_items: 0,
        findings: FindingCounts::default(),
        unverified_passes: Vec::new(),
    }
}

/// Renders `summary.md`.
pub fn render_markdown(s: &BatchSummary) -> String {
    use crate::report::markdown::escape;
    let mut out = format!(
        "# crumbs batch\n\n{} sites: {} ok, {} failed · findings: {} high, {} medium, {} low, {} info{}\n\n",
        s.total,
        s.ok,
        s.failed,
        s.findings.high,
        s.findings.medium,
        s.findings.low,
        s.findings.info,
        s.shard
            .as_ref()
            .map(|x| format!(" · shard {x}"))
            .unwrap_or_default()
    );
    if !s.finished {
        out.push_str("**The batch did not finish** (interrupted or still running): `--resume` goes on.\n\n");
    }
    out.push_str("| site | status | high | medium | low | info | third parties | cookies | seconds | report |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for site in &s.sites {
        let status = match &site.error {
            Some(e) => format!("failed: {}", escape(e)),
            None => "ok".into(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {} |\n",
            escape(&site.site),
            status,
            site.findings.high,
            site.findings.medium,
            site.findings.low,
            site.findings.info,
            site.third_parties,
            site.cookies,
            site.duration_ms as f64 / 1000.0,
            site.report.as_deref().map(escape).unwrap_or_default()
        ));
    }
    out
}

struct Shared {
    queue: VecDeque<(String, u32)>,
    summary: BatchSummary,
    done: usize,
    failed: usize,
}

/// Runs the batch over `seeds`; returns the summary (also written to the output folder).
pub async fn run(
    seeds: Vec<Seed>,
    settings: &ScanSettings,
    opts: &BatchOptions,
) -> Result<BatchSummary, Error> {
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| Error::io(&opts.out_dir, e))?;
    let summary_path = opts.out_dir.join("summary.json");
    let mut summary = BatchSummary {
        tool_version: crate::VERSION.to_string(),
        started_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        shard: opts.shard.map(|s| s.to_string()),
        ..BatchSummary::default()
    };
    let seeds: Vec<Seed> = seeds
        .into_iter()
        .filter(|s| opts.shard.is_none_or(|sh| sh.takes(&s.url)))
        .collect();
    summary.total = seeds.len();
    // What an earlier run finished (--resume): its summary entries, or its report files.
    let earlier: Vec<SiteSummary> = if opts.resume {
        std::fs::read_to_string(&summary_path)
            .ok()
            .and_then(|t| serde_json::from_str::<BatchSummary>(&t).ok())
            .map(|s| s.sites)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut queue = VecDeque::new();
    for seed in &seeds {
        if let Some(why) = &seed.invalid {
            summary
                .sites
                .push(failed(&seed.url, why.clone(), 0, Duration::ZERO));
            continue;
        }
        if opts.resume {
            let file = report_name(&seed.url);
            let done_before = earlier
                .iter()
                .find(|e| e.site == seed.url && e.report.as_deref() == Some(file.as_str()));
            if let Some(e) = done_before.filter(|_| opts.out_dir.join(&file).is_file()) {
                summary.sites.push(e.clone());
                continue;
            }
            if let Ok(reports) = crate::diff::load_reports(&opts.out_dir.join(&file))
                && let Some(r) = reports.first()
            {
                summary.sites.push(summarise(
                    &seed.url,
                    r,
                    &file,
                    1,
                    Duration::from_millis(r.scan.duration_ms),
                ));
                continue;
            }
        }
        queue.push_back((seed.url.clone(), 1));
    }
    let resumed = summary.sites.iter().filter(|s| s.attempts > 0).count();
    let pool = Pool {
        cfg: settings.browser.clone(),
        remote: opts.browser_ws.clone(),
        restart_every: opts.restart_every.max(1),
        state: tokio::sync::Mutex::new(PoolState::default()),
    };
    let bar = progress_bar(queue.len() as u64, opts.quiet);
    let shared = Mutex::new(Shared {
        queue,
        summary,
        done: 0,
        failed: 0,
    });
    write_summary(&shared, &opts.out_dir);
    if resumed > 0 && !opts.quiet {
        eprintln!(
            "crumbs: resuming: {resumed} site(s) already done in {}",
            opts.out_dir.display()
        );
    }
    let fatal: Mutex<Option<Error>> = Mutex::new(None);
    let worker = || async {
        loop {
            let job = match shared.lock() {
                Ok(mut s) => s.queue.pop_front(),
                Err(_) => None,
            };
            let Some((url, attempt)) = job else { break };
            if fatal.lock().map(|f| f.is_some()).unwrap_or(true) {
                break;
            }
            let started = Instant::now();
            let entry = match scan_site(&pool, &url, settings, opts.site_timeout).await {
                Err(e) => {
                    // The browser cannot be started: nothing else can be scanned either.
                    if let Ok(mut f) = fatal.lock() {
                        f.get_or_insert(e);
                    }
                    break;
                }
                Ok(SiteOutcome::BrowserLost(why)) if attempt == 1 => {
                    log::warn!("{url}: {why}; scanning it again on a new browser");
                    if let Ok(mut s) = shared.lock() {
                        s.queue.push_front((url.clone(), 2));
                    }
                    continue;
                }
                Ok(SiteOutcome::BrowserLost(why)) => {
                    failed(&url, format!("{why} (twice)"), attempt, started.elapsed())
                }
                Ok(SiteOutcome::Failed(why)) => failed(&url, why, attempt, started.elapsed()),
                Ok(SiteOutcome::Done(report)) => {
                    let file = report_name(&url);
                    let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
                    match write_atomic(&opts.out_dir.join(&file), json.as_bytes()) {
                        Ok(()) => summarise(&url, &report, &file, attempt, started.elapsed()),
                        Err(e) => failed(
                            &url,
                            format!("cannot write the report: {e}"),
                            attempt,
                            started.elapsed(),
                        ),
                    }
                }
            };
            if let Some(e) = &entry.error {
                bar_println(&bar, opts.quiet, &format!("crumbs: {url}: failed: {e}"));
            }
            if let Ok(mut s) = shared.lock() {
                s.done += 1;
                if entry.status != "ok" {
                    s.failed += 1;
                }
                if let Some(b) = &bar {
                    b.set_position(s.done as u64);
                    b.set_message(format!("{} failed", s.failed));
                }
                s.summary.sites.retain(|x| x.site != entry.site);
                s.summary.sites.push(entry);
            }
            write_summary(&shared, &opts.out_dir);
        }
    };
    let workers: Vec<_> = (0..opts.concurrency.max(1)).map(|_| worker()).collect();
    futures_util::future::join_all(workers).await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let starts = pool.starts().await;
    pool.close().await;
    if let Some(e) = fatal.lock().ok().and_then(|mut f| f.take()) {
        return Err(e);
    }
    let mut summary = match shared.into_inner() {
        Ok(s) => s.summary,
        Err(p) => p.into_inner().summary,
    };
    summary.finished = true;
    summary.browser_starts = starts;
    summary.recount();
    save(&summary, &opts.out_dir);
    Ok(summary)
}

fn write_summary(shared: &Mutex<Shared>, dir: &Path) {
    let snapshot = match shared.lock() {
        Ok(mut s) => {
            s.summary.recount();
            s.summary.clone()
        }
        Err(_) => return,
    };
    save(&snapshot, dir);
}

fn save(summary: &BatchSummary, dir: &Path) {
    let json = serde_json::to_string_pretty(summary).unwrap_or_default() + "\n";
    if let Err(e) = write_atomic(&dir.join("summary.json"), json.as_bytes()) {
        eprintln!("crumbs: error: {e}");
    }
    if let Err(e) = write_atomic(&dir.join("summary.md"), render_markdown(summary).as_bytes()) {
        eprintln!("crumbs: error: {e}");
    }
}

fn progress_bar(len: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal as _;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} sites · {msg} · ETA {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message("0 failed");
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn bar_println(bar: &Option<indicatif::ProgressBar>, quiet: bool, msg: &str) {
    match bar {
        Some(b) => b.println(msg),
        None if !quiet => eprintln!("{msg}"),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_from_files_and_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("seeds.txt");
        std::fs::write(
            &f,
            "# nightly\nexample.org\n\nhttps://www.example.com/shop  # the shop\nexample.org\nftp://x.example/\n",
        )
        .unwrap();
        let seeds = read_seeds(&[f.display().to_string(), "https://b.example/".into()]).unwrap();
        let urls: Vec<&str> = seeds.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://example.org/",
                "https://www.example.com/shop",
                "ftp://x.example/",
                "https://b.example/"
            ]
        );
        assert!(
            seeds[2].invalid.as_deref().unwrap().contains("seeds.txt:6:"),
            "{:?}",
            seeds[2]
        );
        assert!(read_seeds(&["/nonexistent/seeds".into()]).is_err());
        // A missing seed file is an error, not a site called seeds.txt.
        assert!(read_seeds(&["nightly-seeds.txt".into()]).is_err());
    }

    #[test]
    fn shards_split_sites_exactly_once_and_stably() {
        let urls: Vec<String> = (0..200).map(|i| format!("https://site{i}.example/")).collect();
        let shards: Vec<Shard> = (0..4).map(|i| format!("{i}/4").parse().unwrap()).collect();
        for u in &urls {
            assert_eq!(shards.iter().filter(|s| s.takes(u)).count(), 1, "{u}");
        }
        let sizes: Vec<usize> = shards
            .iter()
            .map(|s| urls.iter().filter(|u| s.takes(u)).count())
            .collect();
        assert!(sizes.iter().all(|n| *n > 30), "{sizes:?}");
        // The same site's pages go to the same shard; the hash never changes.
        let s: Shard = "1/4".parse().unwrap();
        assert_eq!(s.takes("https://www.a.example/x"), s.takes("https://a.example/y"));
        // The first 8 bytes of sha256("example.org"), as `sha256sum` prints them.
        assert_eq!(stable_hash("example.org"), 0xbfab_c374_3295_8b06);
        assert!("4/4".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn report_names_are_safe_and_distinct() {
        assert_eq!(report_name("https://www.example.org/"), "www.example.org.json");
        let a = report_name("https://www.example.org/a?x=1");
        let b = report_name("https://www.example.org/b");
        assert!(
            a.starts_with("www.example.org-") && a.ends_with(".json") && a != b,
            "{a} {b}"
        );
        assert!(!report_name("http://[::1]:8080/../..").contains('/'));
    }
}
