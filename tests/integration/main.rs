//! Integration tests: the real `crumbs` binary drives the real Chromium against the
//! tests' own loopback HTTPS servers, with invented hostnames mapped to 127.0.0.1.
//! All tests are in one binary (faster to link); modules by area.

mod bad_input;
mod batch;
mod cli;
mod consent;
mod crawl;
mod demo;
mod diff;
mod har;
mod markdown;
mod policy;
mod reports;
mod scan;
mod signatures;
mod support;
