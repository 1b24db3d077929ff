//! The demo web and the loopback site server: [`server::SiteServer`] serves
//! HTTPS (or HTTP) on 127.0.0.1 for any hostname through one routing function,
//! and [`site::DemoWeb`] is the invented web that `crumbs demo` scans.

pub mod server;
pub mod site;

#[cfg(test)]
mod test_client;

pub use server::{Body, Handler, Request, Response, ServerError, SiteServer};
pub use site::DemoWeb;
