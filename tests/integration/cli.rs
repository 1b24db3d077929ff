//! The command line itself: help, version, schema.

use crate::support::*;

#[test]
fn help_documents_every_scan_flag() {
    let out = crumbs().args(["scan", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--output",
        "--format",
        "--timeout",
        "--wait",
        "--chrome ",
        "--chrome-arg",
        "--screenshot",
        "--har",
        "--show-values",
    ] {
        assert!(help.contains(flag), "scan --help lacks {flag}:\n{help}");
    }
}

#[test]
fn version_names_the_tool() {
    let out = crumbs().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "crumbs {} (signatures {})",
            env!("CARGO_PKG_VERSION"),
            crumbs::signatures::DB_VERSION
        )
    );
}

#[test]
fn committed_schema_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/report.schema.json"))
            .unwrap_or_default();
    assert!(
        committed == crumbs::report::json_schema(),
        "schema/report.schema.json is stale: run `cargo run -- schema > schema/report.schema.json` and commit it"
    );
    let out = crumbs().arg("schema").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn usage_errors_exit_2() {
    let out = crumbs().args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = crumbs()
        .args(["scan", "https://a.test/", "--timeout", "-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
