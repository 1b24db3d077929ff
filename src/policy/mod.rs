//! Declared policy: what a site says about its cookies, storage, vendors and technologies.
//!
//! One extractor per source, each a pure function from text to a [`DeclaredPolicy`] with one
//! [`PolicySource`] (problems are recorded there, never raised): [`cookiebot`] (cc.js tables,
//! the in-page dialog object, the rendered declaration, its flattened text), [`onetrust`]
//! (domain data JSON, the rendered cookie list), [`cmps`] (Klaro, CookieConsent v3, Osano,
//! CookieYes, Complianz, Usercentrics, Termly), [`tables`] (cookie tables on any page),
//! [`text`] (vendors, cookie names, technologies, retention and negative statements in
//! policy prose) and [`file`] (the site owner's own policy file). [`discover`] finds the
//! consent manager and the policy pages of a scanned page; the browser-side collection is
//! in `capture`.

/// A constant regular expression, compiled once (`None` only if the pattern were invalid).
macro_rules! regex {
    ($pat:expr) => {{
        static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
        RE.get_or_init(|| regex::Regex::new($pat).ok()).as_ref()
    }};
}

/// A constant CSS selector, parsed once.
macro_rules! selector {
    ($sel:expr) => {{
        static SEL: std::sync::OnceLock<Option<scraper::Selector>> = std::sync::OnceLock::new();
        SEL.get_or_init(|| scraper::Selector::parse($sel).ok()).as_ref()
    }};
}

pub mod cmps;
pub mod cookiebot;
pub mod discover;
pub mod file;
pub mod model;
pub mod onetrust;
pub mod tables;
pub mod text;

pub use model::*;

/// Largest document read for declarations; larger ones are cut (and say so).
pub const MAX_DOCUMENT_BYTES: usize = 20 << 20;

/// Decodes a document's bytes: a BOM, a `<meta charset>` or XML encoding declaration,
/// else UTF-8, else Windows-1252. Returns the text and problems (binary, cut, replaced bytes).
pub fn decode(bytes: &[u8], name: &str) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let bytes = if bytes.len() > MAX_DOCUMENT_BYTES {
        problems.push(format!(
            "{name}: larger than {} MB; only the start was read",
            MAX_DOCUMENT_BYTES >> 20
        ));
        &bytes[..MAX_DOCUMENT_BYTES]
    } else {
        bytes
    };
    let sample = &bytes[..bytes.len().min(8192)];
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            problems.push(format!("{name}: some bytes are not valid {}", enc.name()));
        }
        return (text.into_owned(), problems);
    }
    if control > sample.len() / 10 {
        problems.push(format!(
            "{name}: looks like a binary file, not a text, HTML, TOML or JSON document"
        ));
        return (String::new(), problems);
    }
    let head = String::from_utf8_lossy(sample).to_lowercase();
    let declared = head.find("charset=").and_then(|i| {
        let rest = &head[i + 8..];
        let rest = rest.trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        encoding_rs::Encoding::for_label(&rest.as_bytes()[..end])
    });
    if let Some(enc) = declared.filter(|e| *e != encoding_rs::UTF_8) {
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            problems.push(format!("{name}: some bytes are not valid {}", enc.name()));
        }
        return (text.into_owned(), problems);
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => (t.to_string(), problems),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            problems.push(format!("{name}: not UTF-8; read as Windows-1252"));
            (text.into_owned(), problems)
        }
    }
}

/// Reads any declaration document by its content: a crumbs policy file (TOML/JSON),
/// a Cookiebot `cc.js`, a OneTrust domain-data JSON, a Klaro config JSON, an HTML page,
/// or plain text (a flattened Cookiebot declaration, policy prose).
pub fn read_any(bytes: &[u8], name: &str, index: &crate::signatures::SignatureIndex) -> DeclaredPolicy {
    let (text, problems) = decode(bytes, name);
    let trimmed = text.trim_start();
    let mut policy = if trimmed.starts_with("format")
        || (trimmed.starts_with('{') && trimmed.contains("\"cookie\"") && trimmed.contains("\"format\""))
    {
        match file::parse(&text, name) {
            Ok(p) => p,
            Err(errors) => DeclaredPolicy {
                sources: vec![PolicySource {
                    kind: "policy-file".into(),
                    location: name.into(),
                    items: 0,
                    vendors: 0,
                    statements: 0,
                    problems: errors.iter().map(ToString::to_string).collect(),
                }],
                ..Default::default()
            },
        }
    } else if text.contains("CookieConsentDialog.cookieTable") {
        cookiebot::from_ccjs(&text, name)
    } else if trimmed.starts_with('{') && (text.contains("\"Groups\"") || text.contains("\"DomainData\"")) {
        onetrust::from_domain_data(&text, name)
    } else if trimmed.starts_with('{') && (text.contains("\"services\"") || text.contains("\"apps\"")) {
        cmps::from_klaro(&text, name)
    } else {
        let is_html = {
            let head = trimmed
                .get(..trimmed.len().min(2048))
                .unwrap_or("")
                .to_lowercase();
            head.starts_with("<!doctype")
                || head.starts_with("<html")
                || head.contains("<body")
                || head.contains("<table")
        };
        let info = crate::capture::model::PageInfo {
            html: if is_html { text.clone() } else { String::new() },
            text: if is_html {
                tables::html_to_text(&text)
            } else {
                text.clone()
            },
            ..Default::default()
        };
        let documents = [crate::capture::model::PolicyDocument {
            url: name.to_string(),
            final_url: name.to_string(),
            status: Some(200),
            error: None,
            info,
        }];
        discover::declared_policy(name, None, &documents, None, index)
    };
    if !problems.is_empty() {
        match policy.sources.first_mut() {
            Some(s) => s.problems.extend(problems),
            None => policy.sources.push(PolicySource {
                kind: "document".into(),
                location: name.into(),
                items: 0,
                vendors: 0,
                statements: 0,
                problems,
            }),
        }
    }
    policy
}
