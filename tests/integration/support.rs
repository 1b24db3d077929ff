//! Shared helpers: running the binary, fixture servers, reading reports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use crumbs::demo::server::{Handler, Request, Response, SiteServer};
use serde_json::Value;

/// The `crumbs` binary under test.
pub fn crumbs() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crumbs"));
    c.env_remove("RUST_LOG");
    c
}

/// A runtime for starting fixture servers; kept alive by the caller.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// An HTTPS fixture server for `hosts`, answering with `f`.
pub fn https_server(
    rt: &tokio::runtime::Runtime,
    hosts: &[&str],
    f: impl Fn(&Request) -> Response + Send + Sync + 'static,
) -> SiteServer {
    let handler: Handler = Arc::new(f);
    rt.block_on(SiteServer::start_https(hosts, handler))
        .expect("start fixture server")
}

/// The Chromium flags that reach `server` for every hostname and trust its certificate only.
pub fn chrome_args(server: &SiteServer) -> Vec<String> {
    let mut v = vec![format!(
        "--chrome-arg=--host-resolver-rules={}",
        server.resolver_rule()
    )];
    if let Some(h) = server.spki_hash() {
        v.push(format!("--chrome-arg=--ignore-certificate-errors-spki-list={h}"));
    }
    v
}

/// Result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON report on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `crumbs` with `args` (and a private TMPDIR, returned so tests can check it is left empty).
pub fn run(args: &[String], tmpdir: &Path) -> Run {
    let out: Output = crumbs()
        .args(args)
        .env("TMPDIR", tmpdir)
        .output()
        .expect("run crumbs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh empty directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Entries of `dir` (to check that nothing was left behind).
pub fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Items of `list` (an array of objects) whose `key` equals `value`.
pub fn find<'a>(list: &'a Value, key: &str, value: &str) -> Vec<&'a Value> {
    list.as_array()
        .map(|a| a.iter().filter(|x| x[key].as_str() == Some(value)).collect())
        .unwrap_or_default()
}

/// The one item of `list` whose `key` equals `value` (fails if there are 0 or several).
pub fn one<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    let found = find(list, key, value);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one item with {key} = {value:?} in {list:#}"
    );
    found[0]
}
