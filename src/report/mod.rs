//! The report: versioned wire types (the JSON contract) and one renderer per format.
//!
//! [`Report`] is what `crumbs scan` writes. Its JSON Schema is generated from these
//! types (`crumbs schema`) and committed as `schema/report.schema.json`; a test fails
//! when the two drift apart. Bump [`SCHEMA_VERSION`] on any incompatible change.

pub mod html;
pub mod markdown;
pub mod text;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::classify::Party;

/// Version of the report format. Consumers should check it.
pub const SCHEMA_VERSION: u32 = 1;

/// One scanned URL.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Report {
    /// Version of this format; see the README.
    pub schema_version: u32,
    pub tool: Tool,
    pub scan: Scan,
    /// With `--gpc`: how the `gpc` pass differs from the `initial` one.
    #[serde(default)]
    pub gpc: Option<crate::consent::GpcEffect>,
    /// The observations, one entry per browsing pass: `initial` (loaded, no interaction),
    /// `reject`, `accept` (after the consent choice and a reload), `gpc`.
    pub passes: Vec<Pass>,
    /// What the site declares (consent manager, policy pages, policy file), when anything was read.
    pub declared: Option<crate::policy::DeclaredPolicy>,
    /// Mismatches between what the site does and what it declares, most severe first.
    pub findings: Vec<crate::audit::Finding>,
    pub findings_summary: crate::audit::FindingCounts,
}

/// The program that wrote the report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// What was scanned, when, how, and whether the result can be trusted.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Scan {
    pub requested_url: String,
    /// The main document's URL after redirects.
    pub final_url: Option<String>,
    /// Registrable domain of the final document: everything else is a third party.
    pub first_party: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// `browser` for a live scan, `har` for an imported capture.
    pub source: String,
    pub browser: Option<BrowserInfo>,
    /// The company that owns the scanned site, when the signatures know its domain.
    pub site_owner: Option<String>,
    /// The signature database and filter lists used.
    pub signatures: SignatureInfo,
    pub options: ScanOptions,
    pub validity: Validity,
    /// The first pass's viewport as PNG, when the scan took a screenshot (`--screenshot`,
    /// `--format html`): the HTML report shows it.
    #[serde(default)]
    pub screenshot: Option<Screenshot>,
}

/// A screenshot carried in the report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Screenshot {
    pub png_base64: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Provenance of the attributions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SignatureInfo {
    /// Version of the signature database (built-in, `+N` when N extra sources were loaded).
    pub version: String,
    pub vendors: usize,
    /// Extra signature sources given with `--signatures`.
    pub extra_sources: Vec<String>,
    /// Filter lists given with `--list`.
    pub lists: Vec<String>,
}

/// The browser used and how it presented itself.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct BrowserInfo {
    pub executable: String,
    /// e.g. `Chrome/156.0.8078.79`.
    pub product: String,
    /// User agent sent to sites.
    pub user_agent: String,
    /// Client-hint brands sent to sites.
    pub brands: Vec<String>,
    /// Chromium flags in effect.
    pub flags: Vec<String>,
    pub window_width: u32,
    pub window_height: u32,
    /// Third-party cookies: `allowed` (the profile is seeded so they are, as in a default desktop Chrome).
    pub third_party_cookies: String,
    /// What the page's own scripts saw (`navigator.userAgent`, `navigator.webdriver`, brands).
    pub seen_by_page: Option<SeenByPage>,
}

/// What the page could read about the browser.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SeenByPage {
    pub user_agent: String,
    pub webdriver: Option<bool>,
    pub brands: Vec<String>,
}

/// The options the scan ran with.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ScanOptions {
    pub timeout_secs: f64,
    pub wait_secs: f64,
    pub show_values: bool,
    pub screenshot: Option<String>,
    pub har: Option<String>,
}

/// Whether the scan saw the page a visitor would see.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Validity {
    /// The main document arrived with a status below 400 and no navigation error.
    pub ok: bool,
    /// HTTP status of the main document.
    pub document_status: Option<u16>,
    /// Why the navigation failed (`net::ERR_NAME_NOT_RESOLVED`, `net::ERR_CERT_AUTHORITY_INVALID`, …).
    pub navigation_error: Option<String>,
    /// The load event fired.
    pub load_event: bool,
    /// The hard time limit ran out before the page settled: the observations may be incomplete.
    pub timeout_hit: bool,
    /// Other problems of the scan, in words.
    pub problems: Vec<String>,
    /// JavaScript dialogs the page opened (dismissed by the scanner).
    pub dialogs: Vec<DialogInfo>,
    /// Pop-up windows the page opened (closed by the scanner).
    pub popups: Vec<String>,
}

/// A JavaScript dialog.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DialogInfo {
    pub kind: String,
    pub message: String,
    pub url: String,
}

/// The observations of one browsing pass.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Pass {
    /// `initial` (loaded, no interaction), `reject` (after "reject all"), `accept` (after
    /// "accept all"), or `gpc` (no interaction, Global Privacy Control sent).
    pub name: String,
    /// Milliseconds from navigation start to the load event.
    pub load_ms: Option<f64>,
    pub summary: PassSummary,
    /// Hosts contacted, first party first.
    pub hosts: Vec<HostInfo>,
    /// Third parties by registrable domain, with their vendor, first contact first.
    pub third_parties: Vec<ThirdParty>,
    /// Every request hop, by start time.
    pub requests: Vec<Request>,
    /// The cookie jar at the end of the pass.
    pub cookies: Vec<Cookie>,
    /// `Set-Cookie` headers Chromium refused, with its reasons.
    pub blocked_cookies: Vec<BlockedCookie>,
    /// localStorage and sessionStorage entries at the end of the pass.
    pub storage: Vec<StorageItem>,
    pub indexeddb: Vec<IndexedDb>,
    /// Beacons and tracking pixels, each with the reasons it was judged one.
    pub beacons: Vec<Beacon>,
    pub frames: Vec<Frame>,
    /// What the pass did about consent (its action, whether the resulting state was
    /// verified, how, and the evidence); null for a report made from a HAR.
    #[serde(default)]
    pub consent: Option<crate::consent::ConsentInfo>,
    /// The pages visited in this pass, in order: the scanned page first (always there),
    /// then the same-site pages of `--pages`. The `page` of a request, cookie, storage
    /// item or beacon is the `url` of one of these.
    #[serde(default)]
    pub pages: Vec<PageVisit>,
}

/// One page visited during a pass.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PageVisit {
    /// The URL asked for: the scanned URL for the first page, a link of it (without the
    /// fragment) for the others.
    pub url: String,
    /// The page's URL after redirects, when it loaded.
    pub final_url: Option<String>,
    /// HTTP status of the page's main document.
    pub status: Option<u16>,
    /// Why the navigation to the page failed (`net::ERR_…`), if it did.
    pub error: Option<String>,
    /// When the visit began, ms after navigation start of the first page; items seen from
    /// then until the next visit began belong to this page.
    pub start_ms: f64,
    /// The page did not settle within the time limit (`--timeout`, per page); the pass
    /// went on to the next page.
    pub timed_out: bool,
}

impl PageVisit {
    /// How the visit went, in a few words: the HTTP status, the error, or why not.
    pub fn outcome(&self) -> String {
        match (&self.error, self.status, self.timed_out) {
            (Some(e), _, _) => e.clone(),
            (None, _, true) => "did not settle".into(),
            (None, Some(s), false) => s.to_string(),
            (None, None, false) => "no answer".into(),
        }
    }
}

/// Counts of a pass.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PassSummary {
    pub requests: usize,
    pub third_party_requests: usize,
    pub hosts: usize,
    pub third_party_hosts: usize,
    pub third_party_domains: usize,
    pub cookies: usize,
    pub third_party_cookies: usize,
    pub blocked_cookies: usize,
    pub storage_items: usize,
    pub indexeddb_databases: usize,
    pub beacons: usize,
    pub pixels: usize,
    /// Requests, cookies and storage items attributed to a vendor.
    pub attributed_requests: usize,
    pub attributed_cookies: usize,
    pub attributed_storage_items: usize,
    /// Distinct vendors seen.
    pub vendors: usize,
}

/// A host contacted during the pass.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct HostInfo {
    pub host: String,
    pub registrable_domain: String,
    pub party: Party,
    pub requests: usize,
    /// Cookies in the jar that responses from this host set.
    pub cookies_set: usize,
    /// When the host was first contacted, ms after navigation start.
    pub first_seen_ms: f64,
    pub vendor: Option<Attribution>,
    /// For a first-party host that is a DNS alias (CNAME) of a tracker's host: the tracker.
    pub cname_cloaking: Option<Attribution>,
}

/// What caused a request.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct InitiatorInfo {
    /// `parser`, `script`, `preload`, `redirect`, `other`, …
    pub kind: String,
    /// The script (or, for the parser, the document) responsible.
    pub url: Option<String>,
    pub line: Option<u32>,
}

/// One request hop (each hop of a redirect chain is its own entry).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Request {
    /// `r1`, `r2`, … in the order of this list.
    pub id: String,
    pub url: String,
    pub host: String,
    pub party: Party,
    pub method: String,
    /// Chromium resource type: Document, Script, Image, Ping, Fetch, XHR, Stylesheet, Font, …
    pub resource_type: String,
    pub initiator: InitiatorInfo,
    pub frame: Option<String>,
    /// The target that recorded it: `page`, `iframe` (cross-site iframe process), `worker`, …
    pub target: String,
    pub status: Option<u16>,
    /// Earlier hops of the same redirect chain, oldest first.
    pub redirect_chain: Vec<String>,
    /// Where this hop redirected to.
    pub redirect_to: Option<String>,
    pub content_type: Option<String>,
    /// `Set-Cookie` lines of the response (values redacted unless `--show-values`).
    pub set_cookies: Vec<String>,
    /// Names of the cookies sent with the request.
    pub cookies_sent: Vec<String>,
    /// Bytes on the wire.
    pub transfer_bytes: Option<u64>,
    /// Start, ms after navigation start.
    pub time_ms: f64,
    pub duration_ms: Option<f64>,
    /// Finished successfully (`false` with no failure: still open when the pass ended).
    pub finished: bool,
    pub failure: Option<String>,
    /// Start relative to the pass's consent action, ms (negative: before it); null when
    /// the pass took no action.
    #[serde(default)]
    pub consent_ms: Option<f64>,
    /// The page of the pass (its `pages[].url`) that was being visited when the request started.
    #[serde(default)]
    pub page: Option<String>,
    pub vendor: Option<Attribution>,
    /// Filter-list rules (`--list`) that matched this request.
    pub lists: Vec<crate::signatures::lists::ListHit>,
}

/// Where a cookie came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CookieSource {
    /// A `Set-Cookie` response header.
    Http,
    /// A `document.cookie` write.
    Js,
    /// In the jar, but no write was observed (e.g. set by a worker).
    Unknown,
    /// Seen only in `Cookie` request headers (HAR input): where it came from and its
    /// attributes and lifetime are unknown.
    Request,
}

/// A cookie in the jar.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Cookie {
    pub name: String,
    /// The value, or null when redacted (the default; `--show-values` keeps it).
    pub value: Option<String>,
    pub value_length: usize,
    pub domain: String,
    pub path: String,
    pub party: Party,
    /// RFC 3339; null for a session cookie.
    pub expires: Option<String>,
    pub session: bool,
    /// Lifetime the site asked for (Max-Age, or Expires minus the time of the write), in seconds.
    pub lifetime_requested_secs: Option<i64>,
    /// Lifetime the browser stored (Chromium caps it at 400 days), in seconds.
    pub lifetime_stored_secs: Option<i64>,
    pub http_only: bool,
    pub secure: bool,
    /// `Strict`, `Lax`, `None`; null when not set.
    pub same_site: Option<String>,
    /// Top-level site of a partitioned (CHIPS) cookie.
    pub partition_key: Option<String>,
    pub source: CookieSource,
    /// The response URL (http) or the script URL (js) that set it.
    pub set_by: Option<String>,
    /// The request (id) whose response set it.
    pub set_by_request: Option<String>,
    /// When it was set, ms after navigation start.
    pub set_at_ms: Option<f64>,
    /// When it was set relative to the pass's consent action, ms (negative: before it).
    #[serde(default)]
    pub consent_ms: Option<f64>,
    /// The page of the pass (its `pages[].url`) that was being visited when it was set;
    /// null when the write was not seen.
    #[serde(default)]
    pub page: Option<String>,
    pub vendor: Option<Attribution>,
}

/// A `Set-Cookie` header Chromium refused to store.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct BlockedCookie {
    pub name: String,
    /// The header line (value redacted unless `--show-values`).
    pub line: String,
    /// Chromium's reasons, e.g. `SameSiteNoneInsecure`, `InvalidDomain`, `ThirdPartyPhaseout`.
    pub reasons: Vec<String>,
    pub set_by: String,
    pub request: String,
    pub party: Party,
}

/// A web-storage entry.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct StorageItem {
    pub origin: String,
    /// The top-level site, when the storage is partitioned (a third-party iframe's).
    pub partition: Option<String>,
    /// `local` or `session`.
    pub area: String,
    pub key: String,
    pub value: Option<String>,
    pub value_length: usize,
    pub party: Party,
    /// The script that wrote it, where the hook saw the write.
    pub written_by: Option<String>,
    pub written_at_ms: Option<f64>,
    /// When it was written relative to the pass's consent action, ms (negative: before it).
    #[serde(default)]
    pub consent_ms: Option<f64>,
    /// The page of the pass (its `pages[].url`) that was being visited when it was
    /// written; null when the write was not seen.
    #[serde(default)]
    pub page: Option<String>,
    pub vendor: Option<Attribution>,
}

/// An IndexedDB database.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct IndexedDb {
    pub origin: String,
    pub partition: Option<String>,
    pub name: String,
    pub party: Party,
}

/// A beacon or tracking pixel.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Beacon {
    /// The request id.
    pub request: String,
    /// `beacon` (sendBeacon or `<a ping>`) or `pixel` (a tiny image carrying data to a third party).
    pub kind: String,
    pub url: String,
    pub host: String,
    pub party: Party,
    pub time_ms: f64,
    /// Relative to the pass's consent action, ms (negative: before it).
    #[serde(default)]
    pub consent_ms: Option<f64>,
    /// The page of the pass (its `pages[].url`) that was being visited when it was sent.
    #[serde(default)]
    pub page: Option<String>,
    /// Why it was judged a beacon or pixel.
    pub reasons: Vec<String>,
    pub vendor: Option<Attribution>,
}

/// A frame of the page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Frame {
    pub id: String,
    pub parent: Option<String>,
    pub url: String,
    /// A cross-site iframe in its own renderer process.
    pub out_of_process: bool,
}

/// Who is behind an item, and the evidence for it. Items nothing matches carry no
/// attribution (`vendor: null`): crumbs never guesses.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Attribution {
    /// The signature id, e.g. `google-analytics`.
    pub vendor: String,
    /// The vendor's name.
    pub name: String,
    /// The company that owns the vendor.
    pub owner: String,
    /// The vendor's category (`advertising`, `analytics`, `session-replay`, …).
    pub category: String,
    /// For cookie and storage-key matches: the purpose the signature gives the name
    /// (`necessary`, `preferences`, `statistics`, `marketing`, `unclassified`).
    pub purpose: Option<String>,
    /// For cookie matches: the vendor's typical lifetime for it, in seconds (0 = session).
    pub typical_lifetime_secs: Option<u64>,
    /// Why: each piece names the kind of match, what matched and where the signature is.
    pub evidence: Vec<Evidence>,
}

/// One reason for an attribution.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Evidence {
    /// `domain` (the host is one of the vendor's domains), `beacon` (a known pixel or
    /// beacon endpoint), `cookie-name`, `storage-key` (a name pattern), `cookie-domain`
    /// (the cookie is stored for the vendor's domain), `set-by` (the response or script
    /// that set it is the vendor's), `storage-origin`, `written-by`, `cname` (a
    /// first-party host that is an alias of the vendor's host).
    pub kind: String,
    /// What matched: the domain entry, the name pattern, the endpoint, the setter URL.
    pub matched: String,
    /// Where the signature is defined: `signatures/vendors/analytics.toml:12`, or the imported file.
    pub source: String,
}

/// A third party (registrable domain) contacted during a pass.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ThirdParty {
    /// Registrable domain.
    pub domain: String,
    /// The main vendor on this domain (the one with most requests), or null when unattributed.
    pub vendor: Option<String>,
    pub vendor_name: Option<String>,
    pub owner: Option<String>,
    pub category: Option<String>,
    /// Every vendor seen on this domain.
    pub vendors: Vec<String>,
    /// The same company owns the scanned site (e.g. YouTube on google.com).
    pub same_owner_as_site: bool,
    pub hosts: usize,
    pub requests: usize,
    /// Cookies stored for this domain.
    pub cookies: usize,
    /// Requests a filter list (`--list`) matched.
    pub list_matches: usize,
    /// First contact, ms after navigation start.
    pub first_seen_ms: f64,
}

/// Which third parties and cookies each pass saw: the rows of the "before consent / after
/// reject / after accept" tables of every renderer, in order of first appearance, each
/// with one presence flag per pass (in the report's pass order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    pub third_parties: Vec<(String, Vec<bool>)>,
    /// Cookies as `name (domain)`.
    pub cookies: Vec<(String, Vec<bool>)>,
}

/// The side-by-side rows of `r`'s passes.
pub fn comparison(r: &Report) -> Comparison {
    fn rows<'a>(r: &'a Report, keys: impl Fn(&'a Pass) -> Vec<String>) -> Vec<(String, Vec<bool>)> {
        let per_pass: Vec<Vec<String>> = r.passes.iter().map(keys).collect();
        let mut out: Vec<(String, Vec<bool>)> = Vec::new();
        for k in per_pass.iter().flatten() {
            if !out.iter().any(|(x, _)| x == k) {
                out.push((k.clone(), per_pass.iter().map(|p| p.contains(k)).collect()));
            }
        }
        out
    }
    Comparison {
        third_parties: rows(r, |p| p.third_parties.iter().map(|t| t.domain.clone()).collect()),
        cookies: rows(r, |p| {
            p.cookies
                .iter()
                .map(|c| format!("{} ({})", c.name, c.domain.trim_start_matches('.')))
                .collect()
        }),
    }
}

/// The JSON Schema of [`Report`], pretty-printed with a trailing newline.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// A scan header for unit tests of the renderers and exports: a successful browser scan
/// of `requested_url` (ending at `final_url`) with Chromium 156, default options.
#[cfg(test)]
pub(crate) fn sample_scan(requested_url: &str, final_url: &str, first_party: &str) -> Scan {
    Scan {
        requested_url: requested_url.into(),
        final_url: Some(final_url.into()),
        first_party: Some(first_party.into()),
        started_at: "2026-11-23T14:39:36Z".into(),
        duration_ms: 3_240,
        source: "browser".into(),
        site_owner: None,
        signatures: SignatureInfo::default(),
        browser: Some(BrowserInfo {
            executable: "/usr/bin/chromium".into(),
            product: "Chrome/156.0.8078.79".into(),
            user_agent: "Mozilla/5.0".into(),
            brands: vec![],
            flags: vec![],
            window_width: 1280,
            window_height: 800,
            third_party_cookies: "allowed".into(),
            seen_by_page: None,
        }),
        options: ScanOptions {
            timeout_secs: 30.0,
            wait_secs: 2.0,
            show_values: false,
            screenshot: None,
            har: None,
        },
        validity: Validity {
            ok: true,
            document_status: Some(200),
            navigation_error: None,
            load_event: true,
            timeout_hit: false,
            problems: vec![],
            dialogs: vec![],
            popups: vec![],
        },
        screenshot: None,
    }
}
