//! Embeds the signature database (`signatures/**/*.toml`) into the binary and exposes
//! its version (`signatures/meta.toml`) as `CRUMBS_SIGDB_VERSION`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml")
            && p.file_name().is_some_and(|n| n != "meta.toml")
        {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let sig = root.join("signatures");
    println!("cargo:rerun-if-changed=signatures");
    let mut files = Vec::new();
    collect(&sig, &mut files);
    files.sort();
    let mut code = String::from(
        "/// The built-in signature files: (path in the repository, contents).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_signatures.rs");
    std::fs::write(&out, code).expect("write the embedded signature list");

    let meta = std::fs::read_to_string(sig.join("meta.toml")).unwrap_or_default();
    println!("cargo:rerun-if-changed=signatures/meta.toml");
    let version = meta
        .lines()
        .find_map(|l| {
            l.trim().strip_prefix("version").map(|r| {
                r.trim()
                    .trim_start_matches('=')
                    .trim()
                    .trim_matches('"')
                    .to_string()
            })
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CRUMBS_SIGDB_VERSION={version}");
}
