//! `crumbs report --format md` and `crumbs scan --format md`: a ticket-sized Markdown report,
//! rendered from the stored JSON, with every site string made inert.

use serde_json::json;

use crate::support::*;

const HARS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/har/");

#[test]
fn a_heavy_site_fits_a_ticket() {
    let dir = tempdir();
    let json_path = dir.path().join("cnn.json");
    let out = run(
        &[
            "-q".into(),
            "scan".into(),
            "--consent".into(),
            "initial".into(),
            "--from-har".into(),
            format!("{HARS}cnn.com_2017_chrome-har-capturer.har"),
            "-o".into(),
            json_path.to_str().unwrap().into(),
        ],
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(&["report".into(), json_path.to_str().unwrap().into()], dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    assert!(md.len() < 64 * 1024, "{} bytes", md.len());
    assert!(
        md.starts_with("# crumbs report: http://cnn.com/\n"),
        "{}",
        &md[..200]
    );
    assert!(md.contains("\n## Findings\n"));
    assert!(md.contains("\n## Third parties (56)\n"), "{md}");
    assert!(
        md.contains("… and 16 more third parties in the JSON report"),
        "{md}"
    );
    // A HAR records no consent action.
    assert!(md.contains("| initial | – | 292 |"), "{md}");
}

#[test]
fn hostile_strings_render_inert_in_markdown() {
    let dir = tempdir();
    let har = json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
    "pages": [{"id": "p1", "startedDateTime": "2024-01-01T10:00:00.000Z", "title": "https://www.hostile.example/", "pageTimings": {"onLoad": 100}}],
    "entries": [
        {"pageref": "p1", "startedDateTime": "2024-01-01T10:00:00.000Z", "time": 10,
         "request": {"method": "GET", "url": "https://www.hostile.example/", "headers": []},
         "response": {"status": 200, "statusText": "OK", "headers": [
            {"name": "Set-Cookie", "value": "<script>alert(1)</script>|x`y=1; Max-Age=63072000; Path=/"}
         ], "content": {"mimeType": "text/html"}}},
        {"pageref": "p1", "startedDateTime": "2024-01-01T10:00:00.050Z", "time": 10,
         "request": {"method": "GET", "url": "https://evil.example/a|b/<img src=x onerror=alert(1)>/\u{1b}[31m\u{202e}?q=`x`", "headers": []},
         "response": {"status": 200, "statusText": "OK", "headers": [], "content": {"mimeType": "image/gif"}}}
    ]}});
    let h = dir.path().join("hostile.har");
    std::fs::write(&h, har.to_string()).unwrap();
    let out = run(
        &[
            "-q".into(),
            "scan".into(),
            "--consent".into(),
            "initial".into(),
            "--from-har".into(),
            h.to_str().unwrap().into(),
            "--format".into(),
            "md".into(),
        ],
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    assert!(md.contains("EXP\\-005") || md.contains("EXP-005"), "{md}");
    assert!(!md.contains("<script"), "{md}");
    assert!(!md.contains("<img"), "{md}");
    assert!(!md.contains('\u{1b}'));
    assert!(!md.contains('\u{202e}'));
    // Table rows keep their column count: every `|` from the site is escaped.
    for line in md.lines().filter(|l| l.starts_with("| ") && l.contains("evil")) {
        let unescaped = line
            .match_indices('|')
            .filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\")
            .count();
        assert_eq!(unescaped, 8, "{line}");
    }
}
