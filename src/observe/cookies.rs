//! Cookie attribution: which write set each cookie in the jar, and for how long it asked.
//!
//! Every cookie in the jar is matched to the latest write with the same name whose
//! domain fits: a stored (not blocked) `Set-Cookie` line of a response, or a
//! `document.cookie` write seen by the page hook. The requested lifetime comes from
//! that write (`Max-Age` wins over `Expires`, as in RFC 6265), measured from the moment
//! of the write; the stored lifetime comes from the jar.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::capture::model::Capture;
use crate::classify::{PartyClassifier, host_of};
use crate::report::{Cookie, CookieSource};

use super::{ObserveOptions, round1};

/// A write that may have set a cookie.
struct Write<'a> {
    name: String,
    domain_attr: Option<String>,
    host: String,
    lifetime: Option<i64>,
    source: CookieSource,
    set_by: Option<String>,
    request: Option<&'a str>,
    at_ms: f64,
}

/// The cookie name of a `Set-Cookie` line or a `document.cookie` string.
pub fn line_name(line: &str) -> String {
    let pair = line.split(';').next().unwrap_or("");
    match pair.split_once('=') {
        Some((n, _)) => n.trim().to_string(),
        None => String::new(), // a nameless cookie (`=value` or `value`)
    }
}

/// The line with its value replaced by `[redacted]`, unless `show` is set.
pub fn redact_line(line: &str, show: bool) -> String {
    if show {
        return line.to_string();
    }
    let (pair, rest) = match line.split_once(';') {
        Some((p, r)) => (p, Some(r)),
        None => (line, None),
    };
    let name = match pair.split_once('=') {
        Some((n, _)) => n.trim(),
        None => "",
    };
    let mut out = format!("{name}=[redacted]");
    if let Some(r) = rest {
        out.push(';');
        out.push_str(r);
    }
    out
}

/// Lifetime in seconds requested by a cookie line written at `at` (Unix seconds):
/// `Some(secs)` for a persistent cookie (negative when it expires at once), `None` for a session cookie.
pub fn requested_lifetime(line: &str, at: f64) -> Option<i64> {
    let mut max_age: Option<i64> = None;
    let mut expires: Option<i64> = None;
    for attr in line.split(';').skip(1) {
        let (k, v) = match attr.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (attr.trim(), ""),
        };
        if k.eq_ignore_ascii_case("max-age") {
            if let Ok(n) = v.parse::<i64>() {
                max_age = Some(n);
            }
        } else if k.eq_ignore_ascii_case("expires")
            && let Some(t) = parse_cookie_date(v)
        {
            expires = Some(t - at.round() as i64);
        }
    }
    max_age.or(expires)
}

/// Parses the date formats browsers accept in `Expires` (RFC 1123 and its relatives).
pub fn parse_cookie_date(s: &str) -> Option<i64> {
    let cleaned: String = s.replace('-', " ");
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut hms = None;
    for tok in cleaned.split([' ', ',']).filter(|t| !t.is_empty()) {
        if hms.is_none() && tok.contains(':') {
            let parts: Vec<&str> = tok.split(':').collect();
            if parts.len() == 3 {
                let h = parts[0].parse::<u8>().ok()?;
                let m = parts[1].parse::<u8>().ok()?;
                let sec = parts[2].get(..2).unwrap_or(parts[2]).parse::<u8>().ok()?;
                hms = Some((h, m, sec));
                continue;
            }
        }
        let lower = tok.to_ascii_lowercase();
        if month.is_none() && lower.len() >= 3 {
            const MONTHS: [&str; 12] = [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ];
            if let Some(i) = MONTHS.iter().position(|m| lower.starts_with(m)) {
                month = Some(i as u8 + 1);
                continue;
            }
        }
        if let Ok(n) = tok.parse::<i32>() {
            if day.is_none() && (1..=31).contains(&n) && tok.len() <= 2 {
                day = Some(n as u8);
            } else if year.is_none() {
                year = Some(if n < 70 {
                    n + 2000
                } else if n < 100 {
                    n + 1900
                } else {
                    n
                });
            }
        }
    }
    let (h, m, sec) = hms?;
    let month = time::Month::try_from(month?).ok()?;
    let date = time::Date::from_calendar_date(year?, month, day?).ok()?;
    let t = time::PrimitiveDateTime::new(date, time::Time::from_hms(h, m, sec).ok()?).assume_utc();
    Some(t.unix_timestamp())
}

fn attr(line: &str, key: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|a| {
        let (k, v) = a.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_start_matches('.').to_ascii_lowercase())
    })
}

/// Attributes every jar cookie of the capture; `ids` maps request indices to report ids.
pub fn attribute(
    cap: &Capture,
    ids: &HashMap<usize, String>,
    parties: &PartyClassifier,
    opts: ObserveOptions,
) -> Vec<Cookie> {
    let mut writes: Vec<Write<'_>> = Vec::new();
    for (i, r) in cap.requests.iter().enumerate() {
        let host = host_of(&r.url).unwrap_or_default();
        let response_at = r.wall_time + (r.end_ms.unwrap_or(r.start_ms) - r.start_ms) / 1000.0;
        for line in &r.set_cookie_lines {
            if r.blocked_cookies.iter().any(|b| &b.line == line) {
                continue;
            }
            writes.push(Write {
                name: line_name(line),
                domain_attr: attr(line, "domain"),
                host: host.clone(),
                lifetime: requested_lifetime(line, response_at),
                source: CookieSource::Http,
                set_by: Some(r.url.clone()),
                request: ids.get(&i).map(String::as_str),
                at_ms: r.end_ms.unwrap_or(r.start_ms),
            });
        }
    }
    for w in &cap.js_cookie_writes {
        let at = cap.nav_start_wall + w.time_ms / 1000.0;
        writes.push(Write {
            name: line_name(&w.text),
            domain_attr: attr(&w.text, "domain"),
            host: host_of(&w.frame_url).unwrap_or_default(),
            lifetime: requested_lifetime(&w.text, at),
            source: CookieSource::Js,
            set_by: w.script.clone().or_else(|| Some(w.frame_url.clone())),
            request: None,
            at_ms: w.time_ms,
        });
    }
    writes.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));

    let mut out: Vec<Cookie> = cap
        .cookies
        .iter()
        .map(|c| {
            let jar_domain = c.domain.trim_start_matches('.').to_ascii_lowercase();
            let host_only = !c.domain.starts_with('.');
            let write = writes.iter().rev().find(|w| {
                w.name == c.name
                    && match &w.domain_attr {
                        Some(d) => !host_only && *d == jar_domain,
                        None => host_only && w.host == jar_domain,
                    }
            });
            let stored = c.expires.map(|e| (e - cap.collected_wall).round() as i64);
            Cookie {
                name: c.name.clone(),
                value: opts.show_values.then(|| c.value.clone()),
                value_length: c.value.chars().count(),
                domain: c.domain.clone(),
                path: c.path.clone(),
                party: parties.party(&jar_domain),
                expires: c.expires.and_then(rfc3339),
                session: c.expires.is_none() && !c.request_only,
                lifetime_requested_secs: write.and_then(|w| w.lifetime),
                lifetime_stored_secs: stored,
                http_only: c.http_only,
                secure: c.secure,
                same_site: c.same_site.clone(),
                partition_key: c.partition_key.clone(),
                source: match write {
                    Some(w) => w.source,
                    None if c.request_only => CookieSource::Request,
                    None => CookieSource::Unknown,
                },
                set_by: write.and_then(|w| w.set_by.clone()),
                set_by_request: write.and_then(|w| w.request.map(str::to_string)),
                set_at_ms: write.map(|w| round1(w.at_ms)),
                consent_ms: None,
                page: None,
                vendor: None,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.domain, &a.name, &a.path, &a.partition_key).cmp(&(&b.domain, &b.name, &b.path, &b.partition_key))
    });
    out
}

/// Unix seconds as RFC 3339 (UTC, whole seconds).
pub fn rfc3339(secs: f64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(secs.floor() as i64).ok()?;
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_redaction() {
        assert_eq!(line_name("a=1; Path=/"), "a");
        assert_eq!(line_name(" b = x"), "b");
        assert_eq!(line_name("novalue"), "");
        assert_eq!(
            redact_line("uid=abc123; Max-Age=60; Secure", false),
            "uid=[redacted]; Max-Age=60; Secure"
        );
        assert_eq!(redact_line("uid=abc123", true), "uid=abc123");
    }

    #[test]
    fn lifetimes() {
        let at = 1_700_000_000.0;
        assert_eq!(requested_lifetime("a=1; Max-Age=3600", at), Some(3600));
        assert_eq!(requested_lifetime("a=1", at), None);
        // Max-Age wins over Expires.
        assert_eq!(
            requested_lifetime("a=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT; max-age=5", at),
            Some(5)
        );
        // 2023-11-14T22:13:20Z + 1 day
        assert_eq!(
            requested_lifetime("a=1; expires=Wed, 15 Nov 2023 22:13:20 GMT", at),
            Some(86_400)
        );
        assert_eq!(
            requested_lifetime("a=1; expires=Wed, 15-Nov-23 22:13:20 GMT", at),
            Some(86_400)
        );
        assert_eq!(requested_lifetime("a=1; expires=garbage", at), None);
        assert_eq!(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    }
}
