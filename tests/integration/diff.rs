//! `crumbs diff`: two runs of the same site, the second with a planted new tracker.

use serde_json::{Value, json};

use crate::support::*;

fn har(with_tracker: bool) -> String {
    let entry = |url: &str, t: &str, headers: Value| {
        json!({"pageref": "p1", "startedDateTime": t, "time": 20,
               "request": {"method": "GET", "url": url, "headers": []},
               "response": {"status": 200, "statusText": "OK", "headers": headers, "content": {"mimeType": "text/html"}}})
    };
    let mut entries = vec![
        entry(
            "https://www.shopfixture.com/",
            "2024-01-01T10:00:00.000Z",
            json!([{"name": "Set-Cookie", "value": "sid=1; Path=/"}]),
        ),
        entry(
            "https://www.google-analytics.com/g/collect?v=2&tid=G-1",
            "2024-01-01T10:00:00.100Z",
            json!([]),
        ),
    ];
    if with_tracker {
        entries.push(entry(
            "https://www.facebook.com/tr?id=1&ev=PageView",
            "2024-01-01T10:00:00.200Z",
            json!([{"name": "Set-Cookie", "value": "fr=abc; Domain=.facebook.com; Max-Age=7776000; Path=/; Secure; SameSite=None"}]),
        ));
    }
    json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
        "pages": [{"id": "p1", "startedDateTime": "2024-01-01T10:00:00.000Z", "title": "https://www.shopfixture.com/", "pageTimings": {"onLoad": 300}}],
        "entries": entries}})
    .to_string()
}

#[test]
fn diff_of_two_runs_shows_the_planted_tracker() {
    let dir = tempdir();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    for (d, tracker) in [(&old_dir, false), (&new_dir, true)] {
        std::fs::create_dir_all(d).unwrap();
        let h = d.join("site.har");
        std::fs::write(&h, har(tracker)).unwrap();
        let out = run(
            &[
                "-q".into(),
                "scan".into(),
                "--consent".into(),
                "initial".into(),
                "--from-har".into(),
                h.to_str().unwrap().into(),
                "-o".into(),
                d.join("site.json").to_str().unwrap().into(),
            ],
            dir.path(),
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        std::fs::write(d.join("notes.json"), "{\"not\": \"a report\"}").unwrap();
    }
    let out = run(
        &[
            "diff".into(),
            old_dir.to_str().unwrap().into(),
            new_dir.to_str().unwrap().into(),
            "--format".into(),
            "json".into(),
        ],
        dir.path(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["new_sites"], json!([]));
    let site = &d["sites"][0];
    assert_eq!(site["site"], "https://www.shopfixture.com/");
    assert_eq!(site["new_third_parties"], json!(["facebook.com (meta-pixel)"]));
    assert_eq!(site["removed_third_parties"], json!([]));
    assert_eq!(site["new_cookies"], json!(["fr@facebook.com"]));
    let new_rules: Vec<&str> = site["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        new_rules.is_empty(),
        "no policy in either run: only POL-006, in both: {new_rules:?}"
    );

    // Text, and the reverse direction.
    let out = run(
        &[
            "diff".into(),
            new_dir.to_str().unwrap().into(),
            old_dir.to_str().unwrap().into(),
        ],
        dir.path(),
    );
    assert!(
        out.stdout.contains("  - third party facebook.com (meta-pixel)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  - cookie fr@facebook.com"),
        "{}",
        out.stdout
    );
    // Identical runs.
    let out = run(
        &[
            "diff".into(),
            old_dir.to_str().unwrap().into(),
            old_dir.to_str().unwrap().into(),
        ],
        dir.path(),
    );
    assert_eq!(out.stdout, "No changes.\n");
    // A file that is not a report is a clear error.
    let out = run(
        &[
            "diff".into(),
            old_dir.join("notes.json").to_str().unwrap().into(),
            new_dir.to_str().unwrap().into(),
        ],
        dir.path(),
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("notes.json: not a crumbs report"),
        "{}",
        out.stderr
    );
}

#[test]
fn new_findings_fail_the_diff_at_the_chosen_severity() {
    // The session cookie `sid` is declared as a session cookie last night, and as lasting a
    // year tonight: tonight's run has a new EXP-003 (low).
    let dir = tempdir();
    let mut paths = Vec::new();
    for (name, expiry) in [("old", "session"), ("new", "1 year")] {
        let h = dir.path().join(format!("{name}.har"));
        std::fs::write(&h, har(false)).unwrap();
        let policy = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &policy,
            format!(
                "format = 1\n[[cookie]]\nname = \"sid\"\ncategory = \"necessary\"\nexpiry = \"{expiry}\"\n"
            ),
        )
        .unwrap();
        let out_file = dir.path().join(format!("{name}.json"));
        let out = run(
            &[
                "-q".into(),
                "scan".into(),
                "--consent".into(),
                "initial".into(),
                "--from-har".into(),
                h.to_str().unwrap().into(),
                "--policy".into(),
                policy.to_str().unwrap().into(),
                "-o".into(),
                out_file.to_str().unwrap().into(),
            ],
            dir.path(),
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        paths.push(out_file.to_str().unwrap().to_string());
    }
    let diff = |level: &str| {
        run(
            &[
                "diff".into(),
                paths[0].clone(),
                paths[1].clone(),
                "--fail-on".into(),
                level.into(),
                "--format".into(),
                "json".into(),
            ],
            dir.path(),
        )
    };
    let out = diff("low");
    assert_eq!(out.code, 1, "{}", out.stdout);
    let d = out.json();
    assert_eq!(
        d["sites"][0]["new_findings"][0]["id"],
        "EXP-003:cookie:sid@www.shopfixture.com"
    );
    assert_eq!(d["sites"][0]["resolved_findings"], json!([]));
    assert_eq!(diff("medium").code, 0);
}
