//! Tests of the importers together: format detection, `load_file`, the TOML round trip,
//! `import_command`, and the real lists in `shared/reference/` (read in place, never copied:
//! the non-commercial ones must not enter the repository).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::*;
use crate::signatures::model::{NameSignature, Scope};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference");

/// A file of the shared reference data, or `None` (and a note) when the folder is absent.
fn reference(rel: &str) -> Option<PathBuf> {
    let p = Path::new(REFERENCE).join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is not here", p.display());
        None
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Everything a vendor says, except where it was said.
fn summary(v: &Vendor) -> String {
    let names = |l: &[NameSignature]| {
        l.iter()
            .map(|n| {
                format!(
                    "{}|{}|{:?}|{:?}|{:?}",
                    n.pattern.source(),
                    n.purpose,
                    n.lifetime,
                    n.scope,
                    n.note
                )
            })
            .collect::<Vec<_>>()
    };
    format!(
        "{} {:?} {:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        v.id,
        v.name,
        v.owner,
        v.category,
        v.domains.iter().map(|d| &d.0).collect::<Vec<_>>(),
        v.aliases,
        v.same_as,
        v.reference,
        v.beacons
            .iter()
            .map(|b| (&b.host, &b.path_prefix))
            .collect::<Vec<_>>(),
        names(&v.cookies),
        names(&v.storage),
    )
}

/// `to_toml` output read back by the loader gives the same vendors.
fn assert_round_trip(vendors: &[Vendor]) {
    let text = to_toml(vendors, "test header\n\nsecond line");
    let back = load::parse_file("out.toml", &text, "test", &mut HashSet::new()).unwrap_or_else(|e| {
        panic!(
            "{}\n{}",
            e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
            text
        )
    });
    assert_eq!(back.len(), vendors.len());
    for (a, b) in vendors.iter().zip(&back) {
        assert_eq!(summary(a), summary(b));
    }
}

const OCD_HEADER: &str = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match";

fn ocd_sample() -> String {
    format!(
        "{OCD_HEADER}\r\n\
         a1,Acme,Analytics,_acme_,acme-analytics.com,\"Id, \"\"visitor\"\"\",13 months,Acme Inc.,https://acme-analytics.com/p,1\r\n\
         a2,Acme,Marketing,uid,,\"multi\r\nline\",session,Acme Inc.,,0\r\n\
         a3,Acme,Functional,pm_NNN,,,30 minutes,Acme Inc.,,0\r\n\
         a4,Acme,Security,/^x$/,,,Local Storage,Acme Inc.,,0\r\n"
    )
}

const TDS_SAMPLE: &str = r#"{"trackers": {"t.com": {"domain": "t.com", "owner": {"name": "T Inc", "displayName": "T"}, "categories": ["Analytics"]}},
 "entities": {"T Inc": {"domains": ["t.com"]}}, "domains": {"t.com": "T Inc"}, "cnames": {"x.site.com": "site.com.t.com"}}"#;

const DISCONNECT_SAMPLE: &str =
    r#"{"categories": {"Social": [{"Soc": {"https://soc.net/": ["soc.net", "soc.net/px"]}}]}}"#;

const GHOSTERY_SAMPLE: &str = r#"{"patterns": {"p": {"category": "hosting", "domains": ["p.com"], "name": "P"}, "q": {"alias": "p", "category": "hosting", "name": "Q"}}}"#;

const CRUMBS_SAMPLE: &str = "format = 1\n\n[[vendor]]\nid = \"acme\"\nname = \"Acme\"\nowner = \"Acme\"\ncategory = \"other\"\nreference = \"https://acme.com\"\n";

#[test]
fn detection() {
    let p = Path::new("x.dat");
    assert_eq!(detect(p, CRUMBS_SAMPLE), Some(Format::Crumbs));
    assert_eq!(detect(p, "# comment\nformat=1\n"), Some(Format::Crumbs));
    assert_eq!(detect(p, &ocd_sample()), Some(Format::Ocd));
    assert_eq!(detect(p, &format!("\u{feff}{}", ocd_sample())), Some(Format::Ocd));
    assert_eq!(detect(p, TDS_SAMPLE), Some(Format::Tds));
    assert_eq!(detect(p, DISCONNECT_SAMPLE), Some(Format::Disconnect));
    assert_eq!(detect(p, GHOSTERY_SAMPLE), Some(Format::Ghostery));
    assert_eq!(
        detect(p, r#"{"a": {"category": "advertising", "domains": []}}"#),
        Some(Format::Ghostery)
    );
    assert_eq!(
        detect(p, r#"[{"name": "A", "category": "consent"}]"#),
        Some(Format::Ghostery)
    );
    assert_eq!(detect(p, r#"{"license": "x", "entities": {}}"#), None);
    assert_eq!(detect(p, "a,b,c\n"), None);
    assert_eq!(detect(p, ""), None);
    // Contents that do not tell: the name decides, so the importer can say what is wrong.
    assert_eq!(
        detect(Path::new("extension-tds.json"), "{broken"),
        Some(Format::Tds)
    );
    assert_eq!(
        detect(Path::new("services.json"), "{broken"),
        Some(Format::Disconnect)
    );
    assert_eq!(
        detect(Path::new("trackerdb.json"), "{broken"),
        Some(Format::Ghostery)
    );
    assert_eq!(
        detect(Path::new("mine.toml"), "[[vendor]]\n"),
        Some(Format::Crumbs)
    );
    assert_eq!(
        detect(Path::new("cookies.csv"), "Name,Platform\n"),
        Some(Format::Ocd)
    );
    assert_eq!(detect(Path::new("data.json"), "{broken"), None);

    let dir = tempfile::tempdir().unwrap();
    assert_eq!(detect(dir.path(), ""), None);
    std::fs::create_dir_all(dir.path().join("db/patterns")).unwrap();
    assert_eq!(detect(dir.path(), ""), Some(Format::Ghostery));
    assert_eq!(detect(&dir.path().join("db"), ""), Some(Format::Ghostery));

    assert_eq!(Format::parse("OCD"), Some(Format::Ocd));
    assert_eq!(Format::parse("ghostery"), Some(Format::Ghostery));
    assert_eq!(Format::parse("csv"), None);
    assert_eq!(Format::Disconnect.to_string(), "disconnect");
}

#[test]
fn real_files_are_detected() {
    for (rel, want) in [
        ("declarations/open-cookie-database.csv", Some(Format::Ocd)),
        (
            "duckduckgo-tracker-blocklists/web/v6/extension-tds.json",
            Some(Format::Tds),
        ),
        (
            "disconnect-tracking-protection/services.json",
            Some(Format::Disconnect),
        ),
        ("disconnect-tracking-protection/entities.json", None),
        (
            "ghostery-trackerdb/trackerdb.derived.json",
            Some(Format::Ghostery),
        ),
        ("ghostery-trackerdb/db", Some(Format::Ghostery)),
        ("ghostery-trackerdb", Some(Format::Ghostery)),
        ("open-cookie-database/open-cookie-database.json", None),
    ] {
        let Some(p) = reference(rel) else { continue };
        let text = if p.is_dir() { String::new() } else { read(&p) };
        assert_eq!(detect(&p, &text), want, "{rel}");
    }
}

#[test]
fn load_file_reads_every_format_and_keeps_ids_unique() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let mut seen: HashSet<String> = ["tds-t-inc".to_string(), "ghostery-p".to_string()].into();
    let v = load_file(&write("mine.toml", CRUMBS_SAMPLE), &mut seen).unwrap();
    assert_eq!(v[0].id, "acme");
    let e = load_file(&write("again.toml", CRUMBS_SAMPLE), &mut seen).unwrap_err();
    assert!(e.to_string().contains("\"acme\" is used twice"), "{e}");

    let v = load_file(&write("cookies.csv", &ocd_sample()), &mut seen).unwrap();
    assert_eq!(v[0].id, "ocd-acme");
    assert_eq!(v[0].source, dir.path().join("cookies.csv").display().to_string());

    let v = load_file(&write("tds.json", TDS_SAMPLE), &mut seen).unwrap();
    assert_eq!(v[0].id, "tds-t-inc-2", "tds-t-inc was taken");

    let v = load_file(&write("services.json", DISCONNECT_SAMPLE), &mut seen).unwrap();
    assert_eq!((v[0].id.as_str(), v[0].beacons.len()), ("disconnect-soc", 1));

    let v = load_file(&write("g.json", GHOSTERY_SAMPLE), &mut seen).unwrap();
    let ids: Vec<_> = v.iter().map(|v| (v.id.as_str(), v.same_as.as_deref())).collect();
    assert_eq!(
        ids,
        [("ghostery-p-2", None), ("ghostery-q", Some("ghostery-p-2"))],
        "same_as follows the renamed id"
    );
    for id in [
        "acme",
        "ocd-acme",
        "tds-t-inc-2",
        "disconnect-soc",
        "ghostery-p-2",
        "ghostery-q",
    ] {
        assert!(seen.contains(id), "{id}");
    }

    std::fs::create_dir_all(dir.path().join("db/patterns")).unwrap();
    std::fs::write(dir.path().join("db/patterns/z.eno"), "name: Z\ncategory: misc\n").unwrap();
    let v = load_file(dir.path(), &mut seen).unwrap();
    assert_eq!(v[0].id, "ghostery-z");

    let e = load_file(&write("what.txt", "hello"), &mut seen).unwrap_err();
    assert!(e.to_string().contains("cannot tell the signature format"), "{e}");
    let e = load_file(
        &write(
            "tds-broken.json",
            "{\"trackers\": {\n\"a.com\": 1}, \"entities\": {}, \"domains\": {}}",
        ),
        &mut seen,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("tds-broken.json:2: trackers[\"a.com\"]: expected an object"),
        "{e}"
    );
    let e = load_file(&dir.path().join("missing.json"), &mut seen).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");

    assert_eq!(
        cnames_of(&dir.path().join("tds.json")),
        [("x.site.com".to_string(), "site.com.t.com".to_string())]
    );
    assert!(cnames_of(&dir.path().join("services.json")).is_empty());
    assert!(cnames_of(dir.path()).is_empty());
}

#[test]
fn reserve_ids_renames_clashes() {
    let mut seen: HashSet<String> = ["a".to_string(), "a-2".to_string()].into();
    let o = origin(&Arc::from("f"), 1);
    let mk = |id: &str| new_vendor(id.into(), "N", "O", Category::Other, o.clone(), "f");
    let mut ext = mk("b");
    ext.same_as = Some("a".into());
    let mut builtin_link = mk("c");
    builtin_link.same_as = Some("x".into());
    let out = reserve_ids(vec![mk("a"), mk("a-3"), ext, builtin_link], &mut seen);
    let ids: Vec<_> = out
        .iter()
        .map(|v| (v.id.as_str(), v.same_as.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [("a-4", None), ("a-3", None), ("b", Some("a-4")), ("c", Some("x"))]
    );
    assert_eq!(seen.len(), 6);
}

#[test]
fn helpers() {
    assert_eq!(slug("Bing / Microsoft"), "bing-microsoft");
    assert_eq!(slug("  Yandex.Metrica!! "), "yandex-metrica");
    assert_eq!(slug("Яндекс"), "unnamed");
    assert_eq!(slug("a--b"), "a-b");
    assert_eq!(name_key("Hub Spot!"), name_key("hubspot"));
    assert_eq!(http_url(" https://a.com/x "), Some("https://a.com/x"));
    assert_eq!(http_url("HTTP://A.COM"), Some("HTTP://A.COM"));
    assert_eq!(http_url("https://"), None);
    assert_eq!(http_url("https://a.com/x y"), None);
    assert_eq!(http_url("ftp://a.com"), None);
    assert_eq!(path_key("", "trackers"), "trackers");
    assert_eq!(path_key("trackers", "a.com"), "trackers[\"a.com\"]");
    let mut taken = HashSet::new();
    assert_eq!(unique_id("x", &mut taken), "x");
    assert_eq!(unique_id("x", &mut taken), "x-2");
    assert_eq!(unique_id("x", &mut taken), "x-3");
    let e = ImportError::at_path("f.json", Some(3), "", "m");
    assert_eq!(e.to_string(), "f.json:3: (top level): m");
}

#[test]
fn round_trips_through_the_loader() {
    let b = {
        let mut v = new_vendor(
            "acme-analytics".into(),
            "Acme",
            "Acme Inc.",
            Category::Analytics,
            origin(&Arc::from("b.toml"), 1),
            "built-in",
        );
        v.domains.push(("acme-analytics.com".into(), v.origin.clone()));
        v
    };
    let ocd = ocd(&ocd_sample(), "ocd.csv", &[b]).unwrap();
    assert_eq!(ocd[0].same_as.as_deref(), Some("acme-analytics"));
    assert!(ocd[0].cookies.iter().any(|c| c.scope == Scope::Vendor));
    assert_eq!(ocd[0].storage.len(), 1);
    assert_round_trip(&ocd);
    assert_round_trip(&tds(TDS_SAMPLE, "tds.json").unwrap());
    assert_round_trip(&disconnect(DISCONNECT_SAMPLE, "services.json").unwrap());
    assert_round_trip(&ghostery(GhosteryInput::Json(GHOSTERY_SAMPLE), "g.json").unwrap());

    let text = to_toml(&ocd, "line one\n\nline \"three\"");
    assert!(
        text.starts_with("# line one\n#\n# line \"three\"\nformat = 1\n\n[[vendor]]\nid = \"ocd-acme\"\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  { name = \"_acme_*\", purpose = \"statistics\", lifetime = \"13mo\", note = \"a1\" },\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("{ name = \"pm_#\", purpose = \"necessary\", lifetime = \"30min\", note = \"a3\" }"),
        "{text}"
    );
}

#[test]
fn real_open_cookie_database() {
    let Some(p) = reference("declarations/open-cookie-database.csv") else {
        return;
    };
    let csv = read(&p);
    let imported = ocd_with_stats(&csv, "open-cookie-database.csv", &[]).unwrap();
    assert_eq!(
        imported.stats,
        ImportStats {
            records: 2264,
            skipped: 1,
            vendors: 347,
            same_as: 0,
            domains: 209,
            patterns: 2258,
            beacons: 0,
            invalid_domains: 6,
            unconfirmed_domains: 0,
            invalid_patterns: 0,
            dropped_generic: 3,
            duplicate_patterns: 2,
        }
    );
    let v = &imported.vendors;
    let hubspot = v.iter().find(|v| v.id == "ocd-hubspot").unwrap();
    assert_eq!(hubspot.aliases.len(), 1, "Hubspot and HubSpot are one platform");
    let ga = v.iter().find(|v| v.id == "ocd-google-analytics").unwrap();
    assert_eq!((ga.owner.as_str(), ga.category), ("Google", Category::Analytics));
    let ga_ = ga.cookies.iter().find(|c| c.pattern.source() == "_ga_*").unwrap();
    assert_eq!(
        (ga_.purpose, ga_.lifetime),
        (crate::signatures::Purpose::Statistics, Some(2 * 365 * 86_400))
    );
    let adsense = v.iter().find(|v| v.name == "Google AdSense").unwrap();
    assert!(adsense.cookies.iter().any(|c| c.pattern.source() == "pm_sess_#"));
    assert_round_trip(v);

    // With hand-written vendors of the same names, the platforms join them.
    let fake = |id: &str, name: &str, alias: &str, domain: &str| {
        let o = origin(&Arc::from("b.toml"), 1);
        let mut x = new_vendor(id.into(), name, name, Category::Other, o.clone(), "built-in");
        x.aliases.push(alias.into());
        x.domains.push((domain.into(), o));
        x
    };
    let builtin = [
        fake(
            "google-analytics",
            "Google Analytics",
            "GA4",
            "google-analytics.com",
        ),
        fake("hotjar", "Hotjar", "Hotjar Ltd", "hotjar.com"),
        fake("hubspot", "HubSpot Marketing Hub", "Hubspot", "hubspot.com"),
        fake("facebook-pixel", "Meta Pixel", "Facebook", "facebook.com"),
    ];
    let imported = ocd_with_stats(&csv, "open-cookie-database.csv", &builtin).unwrap();
    assert_eq!(imported.stats.same_as, 4);
    assert_eq!(imported.stats.patterns, 2258);
    let linked: Vec<_> = imported
        .vendors
        .iter()
        .filter_map(|v| v.same_as.as_deref())
        .collect();
    assert_eq!(
        linked,
        ["google-analytics", "facebook-pixel", "hotjar", "hubspot"]
    );
    let mut all: Vec<Vendor> = builtin.to_vec();
    all.extend(imported.vendors);
    let merged = load::merge_same_as(all).unwrap();
    assert_eq!(merged.len(), 4 + 347 - 4);
}

#[test]
fn real_duckduckgo_tds() {
    let Some(p) = reference("duckduckgo-tracker-blocklists/web/v6/extension-tds.json") else {
        return;
    };
    let json = read(&p);
    let imported = tds_with_stats(&json, "extension-tds.json").unwrap();
    assert_eq!(
        imported.stats,
        ImportStats {
            records: 2899,
            skipped: 7,
            vendors: 814,
            domains: 2892,
            ..ImportStats::default()
        }
    );
    let v = &imported.vendors;
    let hotjar = v
        .iter()
        .find(|v| v.domains.iter().any(|d| d.0 == "hotjar.com"))
        .unwrap();
    assert_eq!(
        (
            hotjar.id.as_str(),
            hotjar.name.as_str(),
            hotjar.owner.as_str(),
            hotjar.category
        ),
        ("tds-hotjar-ltd", "Hotjar", "Hotjar Ltd", Category::SessionReplay)
    );
    assert!(
        v.iter()
            .all(|v| v.domains.iter().all(|d| !tds::is_test_domain(&d.0)))
    );
    assert!(
        v.iter()
            .all(|v| v.origin.line > 1 && v.domains.iter().all(|d| d.1.line > 1))
    );
    assert_eq!(tds_cnames(&json).unwrap().len(), 655);
    assert_round_trip(v);
}

#[test]
fn real_disconnect_services() {
    let Some(p) = reference("disconnect-tracking-protection/services.json") else {
        return;
    };
    let json = read(&p);
    let imported = disconnect_with_stats(&json, "services.json").unwrap();
    assert_eq!(
        imported.stats,
        ImportStats {
            records: 2339,
            vendors: 1886,
            domains: 4456,
            beacons: 7,
            ..ImportStats::default()
        }
    );
    let v = &imported.vendors;
    let owner = v
        .iter()
        .find(|v| v.domains.iter().any(|d| d.0 == "hotjar.com"))
        .unwrap();
    assert_eq!(
        (owner.id.as_str(), owner.category),
        ("disconnect-contentsquare", Category::SessionReplay)
    );
    let adform = v.iter().find(|v| v.id == "disconnect-adform").unwrap();
    assert_eq!(adform.category, Category::Advertising, "not Email, listed first");
    let yandex = v.iter().find(|v| v.id == "disconnect-yandex").unwrap();
    assert_eq!(yandex.beacons.len(), 6);
    assert_round_trip(v);
}

#[test]
fn real_ghostery_trackerdb() {
    if let Some(p) = reference("ghostery-trackerdb/trackerdb.derived.json") {
        let imported = ghostery_with_stats(GhosteryInput::Json(&read(&p)), "trackerdb.derived.json").unwrap();
        assert_eq!(
            imported.stats,
            ImportStats {
                records: 3529,
                vendors: 3529,
                same_as: 76,
                domains: 5093,
                ..ImportStats::default()
            }
        );
        let v = &imported.vendors;
        let hotjar = v
            .iter()
            .find(|v| v.domains.iter().any(|d| d.0 == "hotjar.com"))
            .unwrap();
        assert_eq!(
            (hotjar.id.as_str(), hotjar.owner.as_str(), hotjar.category),
            ("ghostery-hotjar", "Hotjar", Category::Analytics)
        );
        let gpt = v
            .iter()
            .find(|v| v.id == "ghostery-google-publisher-tags")
            .unwrap();
        assert_eq!(
            gpt.same_as.as_deref(),
            Some("ghostery-google-tag"),
            "an alias chain is followed"
        );
        assert_round_trip(v);
        let merged = load::merge_same_as(imported.vendors).unwrap();
        assert_eq!(merged.len(), 3529 - 76);
    }
    if let Some(p) = reference("ghostery-trackerdb/db") {
        let imported = ghostery_with_stats(GhosteryInput::Dir(&p), "db").unwrap();
        assert_eq!(
            imported.stats,
            ImportStats {
                records: 100,
                vendors: 100,
                same_as: 2,
                domains: 171,
                ..ImportStats::default()
            }
        );
        let hotjar = imported
            .vendors
            .iter()
            .find(|v| v.id == "ghostery-hotjar")
            .unwrap();
        assert_eq!(
            (hotjar.owner.as_str(), hotjar.category),
            ("Hotjar", Category::Analytics)
        );
        assert!(hotjar.origin.file.ends_with("patterns/hotjar.eno"));
        assert_eq!(hotjar.domains[0].1.line, 7);
    }
}

#[test]
fn import_command_writes_loadable_toml() {
    let e = import_command("csv", Path::new("x.csv")).unwrap_err();
    assert!(
        e.to_string().contains("use ocd, tds, disconnect or ghostery"),
        "{e}"
    );
    let e = import_command("crumbs", Path::new("x.toml")).unwrap_err();
    assert!(e.to_string().contains("unknown import format"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("services.json");
    std::fs::write(&p, DISCONNECT_SAMPLE).unwrap();
    let text = import_command("disconnect", &p).unwrap();
    assert!(
        text.starts_with("# Generated by `crumbs signatures import disconnect` from the Disconnect"),
        "{text}"
    );
    assert!(text.contains("# For your own non-commercial use"), "{text}");
    assert!(
        text.contains("# Source: services.json: 1 category entries read, 0 skipped."),
        "{text}"
    );
    load::parse_file("out.toml", &text, "test", &mut HashSet::new()).unwrap();

    let Some(p) = reference("declarations/open-cookie-database.csv") else {
        return;
    };
    let text = import_command("ocd", &p).unwrap();
    assert!(text.starts_with(
        "# Generated by `crumbs signatures import ocd` from the Open Cookie Database \
         (https://github.com/jkwakman/Open-Cookie-Database), Apache License 2.0. Do not edit by hand.\n"
    ));
    assert!(
        text.contains("# Source: open-cookie-database.csv: 2264 rows read, 1 skipped.\n"),
        "{text}"
    );
    // The output loads next to the hand-written vendors and every same_as link resolves.
    let mut seen = HashSet::new();
    let mut all = hand_written_vendors().unwrap();
    seen.extend(all.iter().map(|v| v.id.clone()));
    let ocd = load::parse_file(
        "signatures/imported/open-cookie-database.toml",
        &text,
        "built-in",
        &mut seen,
    )
    .unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        )
    });
    assert_eq!(ocd.len(), 347);
    assert!(
        ocd.iter()
            .all(|v| v.reference.as_deref().is_some_and(|r| r.starts_with("http")))
    );
    all.extend(ocd);
    load::merge_same_as(all).unwrap();
}
