//! The command line: every flag, its help text and its default.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// crumbs — what a website stores and sends, and who is behind it.
#[derive(Debug, Parser)]
#[command(name = "crumbs", version = crate::VERSION, about, long_about = None, propagate_version = true, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print debug logs on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load URLs in headless Chromium and report every cookie, storage item, beacon and request.
    Scan(ScanArgs),
    /// Serve the built-in demo web on loopback and scan it (no internet needed).
    Demo(DemoArgs),
    /// Print the JSON Schema of the report.
    Schema,
    /// Inspect the signature database: what matches a URL, host or cookie name, and counts.
    #[command(subcommand)]
    Signatures(SignaturesCommand),
    /// Print the documentation of a finding rule (all rules without an argument).
    Explain {
        /// A rule id such as DCL-001.
        rule: Option<String>,
    },
    /// Print what a site declares: its consent manager's list, cookie tables and policy text.
    Policy(PolicyArgs),
    /// Compare two runs (report files or directories): new and removed third parties, cookies and findings.
    Diff(DiffArgs),
    /// Render a stored JSON report again, as Markdown, HTML or text.
    Report(ReportArgs),
    /// Scan many sites (seed files or URLs): one report each, a summary, resume, shards, a baseline diff.
    Batch(BatchArgs),
}

/// `crumbs batch`.
#[derive(Debug, Clone, Args)]
pub struct BatchArgs {
    /// Seed files (one URL per line, `#` comments) or URLs.
    #[arg(required = true, value_name = "SEEDS")]
    pub seeds: Vec<String>,
    /// The output folder: one JSON report per site, `summary.json`, `summary.md`.
    #[arg(short, long, value_name = "DIR", default_value = "crumbs-batch")]
    pub output: PathBuf,
    /// Sites scanned at once, each in its own browser contexts [default: twice the number
    /// of cores, at most 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: Option<u32>,
    /// Skip the sites whose report is already in the output folder.
    #[arg(long)]
    pub resume: bool,
    /// Last run's output folder: print and write (`diff.json`) what changed per site.
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// Scan only the sites of shard I of N (0 ≤ I < N), by a stable hash of the site.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::batch::Shard>,
    /// Drive a running browser instead of launching Chromium: its DevTools websocket
    /// (ws://…, e.g. browserless or Selenium Grid 4), or http://HOST:PORT of a Chromium
    /// started with --remote-debugging-port.
    #[arg(long, value_name = "URL")]
    pub browser_ws: Option<String>,
    /// Start a fresh browser after this many sites.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub restart_every: u32,
    /// Hard limit per site in seconds [default: the scan's own limits + 30 s; 231 at
    /// --timeout 30 and --pages 1, plus --timeout per further page].
    #[arg(long, value_name = "SECS")]
    pub site_timeout: Option<f64>,
    /// Print the sites this run (and shard) would scan, and exit.
    #[arg(long)]
    pub list_sites: bool,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// `crumbs report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The JSON report (one report or an array).
    pub report: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Write to FILE (`-` for stdout).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub output: String,
}

/// `crumbs diff`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The older report file or directory (e.g. last night's).
    pub old: PathBuf,
    /// The newer report file or directory.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with code 1 when a new finding has at least this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<crate::audit::Severity>,
}

/// `crumbs policy`.
#[derive(Debug, Clone, Args)]
pub struct PolicyArgs {
    /// A URL to load, or a file: a policy file (TOML/JSON), an HTML page, a text, a Cookiebot
    /// `cc.js`, a OneTrust domain-data JSON.
    pub source: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    #[command(flatten)]
    pub browser: BrowserArgs,
}

/// `crumbs signatures …`.
#[derive(Debug, Subcommand)]
pub enum SignaturesCommand {
    /// Show which signatures match a URL, a host, or a cookie / storage-key name, and why.
    Explain {
        /// A URL (`https://…`), a host name, or a cookie or storage-key name.
        query: String,
        #[command(flatten)]
        analysis: AnalysisArgs,
    },
    /// Count vendors, patterns and categories.
    Stats {
        #[command(flatten)]
        analysis: AnalysisArgs,
    },
    /// Convert a standard list into crumbs' signature format (TOML on stdout).
    Import {
        /// The source format.
        #[arg(value_enum)]
        format: ImportFormat,
        /// The file (for Ghostery also a TrackerDB `db/` folder).
        file: PathBuf,
    },
}

/// Formats `crumbs signatures import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Open Cookie Database CSV (Apache-2.0).
    Ocd,
    /// DuckDuckGo Tracker Radar blocklist `tds.json` (CC BY-NC-SA: your own copy).
    Tds,
    /// Disconnect `services.json` (CC BY-NC-SA: your own copy).
    Disconnect,
    /// Ghostery TrackerDB (CC BY-NC-SA: your own copy).
    Ghostery,
}

/// Signature and filter-list sources, shared by the commands that attribute.
#[derive(Debug, Clone, Default, Args)]
pub struct AnalysisArgs {
    /// Load extra signatures (repeatable): crumbs TOML, Open Cookie Database CSV, DuckDuckGo
    /// `tds.json`, Disconnect `services.json` or Ghostery TrackerDB; the format is detected.
    #[arg(long = "signatures", value_name = "FILE")]
    pub signatures: Vec<PathBuf>,
    /// Match requests against a filter list in Adblock Plus syntax (repeatable), e.g. EasyPrivacy.
    #[arg(long = "list", value_name = "FILE")]
    pub lists: Vec<PathBuf>,
    /// The site's own declaration in crumbs' policy-file format (TOML or JSON), checked like the others.
    #[arg(long = "policy", value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Do not load the site's privacy and cookie policy pages (faster; fewer checks).
    #[arg(long)]
    pub no_policy_pages: bool,
    /// Exit with code 1 when a finding has at least this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<crate::audit::Severity>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The JSON report (the contract; see `crumbs schema`).
    Json,
    /// A human summary: counts, third parties, cookies.
    Text,
    /// Markdown for tickets: verdict, findings with evidence, third parties, passes.
    Md,
    /// One self-contained HTML file: tables that sort and filter, timelines, the screenshot.
    Html,
}

/// Options of the browser and of waiting, shared by `scan` and `demo`.
#[derive(Debug, Clone, Args)]
pub struct BrowserArgs {
    /// Hard limit per page for loading and settling, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Keep recording this long after the network is idle, in seconds (late trackers).
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub wait: f64,
    /// Chromium executable [default: $CHROME, /usr/lib/chromium/chromium, chromium on PATH].
    #[arg(long, value_name = "PATH")]
    pub chrome: Option<PathBuf>,
    /// Pass a flag to Chromium unchanged (repeatable), e.g. `--chrome-arg=--host-resolver-rules=MAP * 127.0.0.1:4443`.
    #[arg(long = "chrome-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub chrome_args: Vec<String>,
    /// Keep cookie and storage values in the output (redacted by default).
    #[arg(long)]
    pub show_values: bool,
    /// Consent passes, each in a fresh browser context: `initial` (no interaction), `reject`
    /// ("reject all" through the banner, then a reload), `accept`, or `all` three.
    #[arg(long, value_enum, value_name = "PASSES", default_value_t = crate::consent::ConsentMode::All)]
    pub consent: crate::consent::ConsentMode,
    /// Consent-manager rules of your own (repeatable; format in consent/README.md), tried
    /// before the built-in ones.
    #[arg(long = "consent-rules", value_name = "FILE")]
    pub consent_rules: Vec<PathBuf>,
    /// Visit up to N same-site pages per site in every pass (policy pages first, then links
    /// in a deterministic order), merging what each pass sees and keeping the page of each item.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub pages: u32,
    /// Also load the page with Global Privacy Control (`Sec-GPC: 1`,
    /// `navigator.globalPrivacyControl`) and report what it changes against `initial`.
    #[arg(long)]
    pub gpc: bool,
}

/// `crumbs scan`.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// URLs to scan (`https://` is assumed when no scheme is given). Several URLs give a JSON array.
    #[arg(required_unless_present = "from_har", value_name = "URL")]
    pub urls: Vec<String>,
    /// Analyse a HAR 1.2 file instead of loading a page (no browser is started).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["urls", "screenshot", "har"])]
    pub from_har: Option<PathBuf>,
    /// Write the report to FILE (`-` for stdout).
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub output: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Save a PNG screenshot of the viewport (with several URLs, `-N` is added before the extension).
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,
    /// Save the capture as a HAR 1.2 file (with several URLs, `-N` is added before the extension).
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// `crumbs demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Where to write the JSON report.
    #[arg(short, long, value_name = "FILE", default_value = "crumbs-demo-report.json")]
    pub output: PathBuf,
    /// Also save a HAR 1.2 file of the capture.
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    /// Save a PNG screenshot of the demo shop.
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,
    /// Only serve the demo web (until Ctrl-C) and print the flags that reach it, e.g. to
    /// run `crumbs batch` against it.
    #[arg(long)]
    pub serve: bool,
    #[command(flatten)]
    pub browser: BrowserArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn chrome_args_take_hyphen_values() {
        let cli = Cli::try_parse_from([
            "crumbs",
            "scan",
            "https://a.example/",
            "--chrome-arg=--host-resolver-rules=MAP * 127.0.0.1:4443",
            "--chrome-arg",
            "--ignore-certificate-errors",
        ])
        .unwrap();
        let Command::Scan(s) = cli.command else {
            panic!("not scan")
        };
        assert_eq!(
            s.browser.chrome_args,
            vec![
                "--host-resolver-rules=MAP * 127.0.0.1:4443",
                "--ignore-certificate-errors"
            ]
        );
    }
}
