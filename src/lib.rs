//! crumbs — a web-traffic privacy scanner.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! capture ──► observe ──► classify ──► report
//! (browser     (cookies,     (first or      (JSON, text,
//!  or HAR)      storage,      third party)   HAR evidence)
//!               beacons)
//! ```
//!
//! Only [`capture`] touches the browser, the network or the clock; everything after it
//! is a pure function over owned data, so a recorded capture drives every later stage
//! in tests without a browser.

pub mod app;
pub mod audit;
pub mod batch;
pub mod capture;
pub mod classify;
pub mod cli;
pub mod consent;
pub mod demo;
pub mod diff;
pub mod error;
pub mod observe;
pub mod policy;
pub mod report;
pub mod signatures;

pub use error::{Error, Result};

/// The version `--version` prints: the tool's and the signature database's.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (signatures ",
    env!("CRUMBS_SIGDB_VERSION"),
    ")"
);
