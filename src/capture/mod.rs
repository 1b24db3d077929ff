//! Capture: the only stage that touches the browser.
//!
//! [`browser`] launches and closes Chromium, [`cdp`] is the DevTools connection,
//! [`page`] loads one page and [`recorder`] turns its events into a raw [`Capture`]
//! ([`model`]). HAR 1.2 files are written by [`har`].

pub mod browser;
pub mod cdp;
pub mod har;
pub mod har_import;
pub mod model;
pub mod page;
pub mod recorder;

pub use browser::{Browser, BrowserConfig, BrowserIdentity};
pub use model::*;
pub use page::{PageOptions, capture_page};
