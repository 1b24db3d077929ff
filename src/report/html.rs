//! The HTML report: one self-contained file (CSS, JavaScript and pictures inline; a
//! Content-Security-Policy that forbids every external load) that also prints well.
//!
//! Rendered from the JSON report alone: a headline verdict, the passes and their consent
//! actions, the findings with their evidence, before consent / after reject / after
//! accept, pictures (a timeline per pass of which third parties were contacted when,
//! relative to the page load and to the consent action; third parties by category), the
//! screenshot when the report carries one, and cookie, storage and request tables that
//! sort and filter. Every string from the site goes through [`esc`]: control and bidi
//! characters are made visible, and `& < > " '` are entities, in text, attributes and SVG.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Pass, Report};
use crate::audit::Severity;

/// Rows shown per table before the rest is summarised (the JSON report has everything).
const MAX_ROWS: usize = 500;
/// Third parties drawn on a timeline.
const MAX_LANES: usize = 30;

/// Escapes a site-supplied string for HTML text, attribute values and SVG.
pub fn esc(s: &str) -> String {
    let clean = super::text::sanitize(s);
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--fg:#1b1f24;--muted:#5b636e;--line:#d6dbe1;--bg:#fff;--soft:#f4f6f8;--high:#b42318;--medium:#b54708;--low:#175cd3;--info:#475467;--ok:#067647}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px;max-width:1280px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.muted{color:var(--muted)}.verdict{font-size:16px;font-weight:600;margin:10px 0}.verdict.bad{color:var(--high)}.verdict.warn{color:var(--medium)}.verdict.good{color:var(--ok)}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;min-width:220px;background:var(--soft)}
.card b{display:block;font-size:15px}table{border-collapse:collapse;width:100%;margin:6px 0 4px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--soft);cursor:pointer;user-select:none;white-space:nowrap}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
td.num,th.num{text-align:right}.nw{white-space:nowrap;overflow-wrap:normal}.sev{font-weight:600;text-transform:uppercase;font-size:11px}.sev.high{color:var(--high)}.sev.medium{color:var(--medium)}.sev.low{color:var(--low)}.sev.info{color:var(--info)}
.yes{color:var(--high);font-weight:600}.no{color:var(--muted)}input.filter{margin:6px 0;padding:4px 8px;width:320px;max-width:100%;border:1px solid var(--line);border-radius:4px}
.evidence{color:var(--muted);font-size:12px}code{font-size:12px;background:var(--soft);padding:0 3px;border-radius:3px}
figure{margin:8px 0}svg text{font:11px system-ui,sans-serif;fill:var(--fg)}img.shot{max-width:100%;border:1px solid var(--line)}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;vertical-align:middle}
@media print{body{padding:0;max-width:none}input.filter,.noprint{display:none}th{cursor:default}tr,figure,.card{break-inside:avoid}h2{break-after:avoid}}
"#;

/// Sorting and filtering; nothing is loaded from anywhere.
const SCRIPT: &str = r#"
(function(){
  function key(td){var v=td.getAttribute("data-v");if(v!==null)return parseFloat(v);return td.textContent.trim().toLowerCase();}
  document.querySelectorAll("table.sortable").forEach(function(t){
    var heads=t.tHead?t.tHead.rows[0].cells:[];
    Array.prototype.forEach.call(heads,function(th,i){
      th.addEventListener("click",function(){
        var asc=!th.classList.contains("sorted-asc");
        Array.prototype.forEach.call(heads,function(h){h.classList.remove("sorted-asc","sorted-desc");});
        th.classList.add(asc?"sorted-asc":"sorted-desc");
        var rows=Array.prototype.slice.call(t.tBodies[0].rows);
        rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);if(x<y)return asc?-1:1;if(x>y)return asc?1:-1;return 0;});
        rows.forEach(function(r){t.tBodies[0].appendChild(r);});
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function(inp){
    var t=document.getElementById(inp.getAttribute("data-table"));
    inp.addEventListener("input",function(){
      var q=inp.value.trim().toLowerCase();
      Array.prototype.forEach.call(t.tBodies[0].rows,function(r){r.style.display=(!q||r.textContent.toLowerCase().indexOf(q)>=0)?"":"none";});
    });
  });
})();
"#;

fn category_colour(c: &str) -> &'static str {
    match c {
        "advertising" => "#d92d20",
        "analytics" => "#f79009",
        "social" => "#7a5af8",
        "session-replay" => "#dd2590",
        "fingerprinting" => "#912018",
        "marketing-automation" | "customer-engagement" => "#ee46bc",
        "tag-manager" => "#0ba5ec",
        "consent-management" => "#12b76a",
        "cdn" | "platform" | "payments" | "security" | "monitoring" => "#667085",
        "embedded-content" => "#2e90fa",
        _ => "#98a2b3",
    }
}

fn verdict(r: &Report) -> (&'static str, String) {
    let c = &r.findings_summary;
    if !r.scan.validity.ok {
        return (
            "warn",
            "The scan did not see a working page; the results are incomplete.".into(),
        );
    }
    match (c.high, c.medium, c.low) {
        (0, 0, 0) => (
            "good",
            "No mismatch between what the site does and what it declares.".into(),
        ),
        (0, 0, l) => (
            "warn",
            format!("{l} low-severity finding(s); nothing high or medium."),
        ),
        (h, m, _) => ("bad", format!("{h} high and {m} medium finding(s).")),
    }
}

fn pass_title(p: &Pass) -> String {
    match p.name.as_str() {
        "initial" => "Before consent".into(),
        "reject" => "After reject".into(),
        "accept" => "After accept".into(),
        "gpc" => "With Global Privacy Control".into(),
        other => esc(other),
    }
}

fn consent_text(p: &Pass) -> String {
    let Some(c) = &p.consent else {
        return "no consent information (HAR input)".into();
    };
    match c.action {
        Some(crate::consent::Action::Reject) | Some(crate::consent::Action::Accept) => {
            let at = c.action_ms.map(|t| format!(" at {t:.0} ms")).unwrap_or_default();
            if c.verified {
                format!(
                    "{} via {}{at} — verified: {}",
                    esc(c.action.map(|a| a.pass_name()).unwrap_or("")),
                    esc(&c.how),
                    esc(c.evidence.first().map(String::as_str).unwrap_or(""))
                )
            } else {
                format!(
                    "{} — <b>not verified</b>: {}",
                    esc(c.action.map(|a| a.pass_name()).unwrap_or("")),
                    esc(c.reason.as_deref().unwrap_or("unknown reason"))
                )
            }
        }
        _ => format!(
            "no interaction{}",
            c.cmp
                .as_deref()
                .map(|m| format!(" · consent manager: {}", esc(m)))
                .unwrap_or_default()
        ),
    }
}

/// Renders the report as one self-contained HTML document.
pub fn render(r: &Report) -> String {
    render_many(std::slice::from_ref(r))
}

/// Renders reports as one self-contained HTML document, one section each.
pub fn render_many(reports: &[Report]) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let title = match reports {
        [one] => format!("crumbs report: {}", esc(&one.scan.requested_url)),
        many => format!("crumbs reports: {} sites", many.len()),
    };
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head><body>\n"
    );
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            o.push_str("<hr>\n");
        }
        section(&mut o, r, i);
    }
    let _ = writeln!(o, "<script>{SCRIPT}</script></body></html>");
    o
}

/// One report's section; `n` keeps its table ids apart from other sections'.
fn section(o: &mut String, r: &Report, n: usize) {
    let title = format!("crumbs report: {}", esc(&r.scan.requested_url));
    let _ = writeln!(o, "<section><h1>{title}</h1>");
    let _ = writeln!(
        o,
        "<div class=\"muted\">Scanned {} · {:.1} s · first party <code>{}</code>{} · crumbs {} · signatures {}</div>",
        esc(&r.scan.started_at),
        r.scan.duration_ms as f64 / 1000.0,
        esc(r.scan.first_party.as_deref().unwrap_or("?")),
        r.scan
            .site_owner
            .as_deref()
            .map(|s| format!(" (owner: {})", esc(s)))
            .unwrap_or_default(),
        esc(&r.tool.version),
        esc(&r.scan.signatures.version)
    );
    let (class, text) = verdict(r);
    let c = &r.findings_summary;
    let _ = writeln!(
        o,
        "<p class=\"verdict {class}\">{}</p><p>Findings: <span class=\"sev high\">{} high</span> · <span class=\"sev medium\">{} medium</span> · <span class=\"sev low\">{} low</span> · <span class=\"sev info\">{} info</span></p>",
        esc(&text),
        c.high,
        c.medium,
        c.low,
        c.info
    );
    let v = &r.scan.validity;
    if !v.ok || !v.problems.is_empty() {
        let _ = writeln!(o, "<h2>Validity</h2><ul>");
        if let Some(e) = &v.navigation_error {
            let _ = writeln!(o, "<li>The page could not be loaded: {}</li>", esc(e));
        }
        for p in &v.problems {
            let _ = writeln!(o, "<li>{}</li>", esc(p));
        }
        o.push_str("</ul>\n");
    }

    // Passes.
    o.push_str("<h2>Passes</h2><div class=\"cards\">\n");
    for p in &r.passes {
        let s = &p.summary;
        let _ = writeln!(
            o,
            "<div class=\"card\"><b>{}</b>{} requests ({} third-party) · {} third parties<br>{} cookies ({} third-party) · {} storage items · {} beacons · {} pixels<br><span class=\"evidence\">{}</span></div>",
            pass_title(p),
            s.requests,
            s.third_party_requests,
            s.third_party_domains,
            s.cookies,
            s.third_party_cookies,
            s.storage_items,
            s.beacons,
            s.pixels,
            consent_text(p)
        );
    }
    o.push_str("</div>\n");

    findings(o, r, n);
    if r.passes.len() > 1 {
        comparison(o, r, n);
    }
    o.push_str("<h2>When third parties were contacted</h2>\n<p class=\"muted\">Each dot is a request to a third party, by time after navigation start; the dashed line is the load event, the red line the consent action, where the pass took one.</p>\n");
    for p in &r.passes {
        timeline(o, p);
    }
    categories(o, r);
    if let Some(shot) = &r.scan.screenshot {
        let _ = writeln!(
            o,
            "<h2>Screenshot</h2><figure><img class=\"shot\" alt=\"Screenshot of the page\" src=\"data:image/png;base64,{}\"></figure>",
            esc(&shot.png_base64)
        );
    }
    if let Some(p) = r.passes.first() {
        tables(o, p, n);
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">Rendered from the JSON report (schema {}). Cookie and storage values are redacted unless the scan ran with <code>--show-values</code>.</p></section>",
        r.schema_version
    );
}

fn findings(o: &mut String, r: &Report, n: usize) {
    let _ = writeln!(o, "<h2>Findings ({})</h2>", r.findings.len());
    if r.findings.is_empty() {
        o.push_str("<p>None.</p>\n");
        return;
    }
    filter_box(o, &format!("t{n}-findings"), "findings");
    let _ = writeln!(
        o,
        "<table id=\"t{n}-findings\" class=\"sortable\"><thead><tr><th>Severity</th><th>Rule</th><th>Pass</th><th>Finding and evidence</th></tr></thead><tbody>"
    );
    for f in r.findings.iter().take(MAX_ROWS) {
        let rank = match f.severity {
            Severity::High => 0,
            Severity::Medium => 1,
            Severity::Low => 2,
            Severity::Info => 3,
        };
        let mut ev: Vec<String> = Vec::new();
        if let Some(ob) = &f.evidence.observed {
            let mut s = format!("observed {} <code>{}</code>", esc(&ob.kind), esc(&ob.name));
            if let Some(d) = &ob.domain {
                let _ = write!(s, " on {}", esc(d));
            }
            if let Some(t) = ob.time_ms {
                let _ = write!(s, " at {t:.0} ms");
            }
            ev.push(s);
        }
        if let Some(d) = &f.evidence.declared {
            ev.push(format!(
                "declared in {} ({}){}",
                esc(&d.source),
                esc(&d.location),
                d.category
                    .as_deref()
                    .map(|c| format!(" as {}", esc(c)))
                    .unwrap_or_default()
            ));
        }
        if let Some(s) = &f.evidence.signature {
            ev.push(format!("signature {} ({})", esc(&s.vendor), esc(&s.category)));
        }
        for (k, v) in &f.evidence.details {
            ev.push(format!("{}: {}", esc(k), esc(v)));
        }
        let _ = writeln!(
            o,
            "<tr><td class=\"nw\" data-v=\"{rank}\"><span class=\"sev {sev}\">{sev}</span></td><td class=\"nw\">{rule}</td><td class=\"nw\">{pass}</td><td>{msg}<div class=\"evidence\">{ev}</div></td></tr>",
            sev = f.severity.as_str(),
            rule = esc(&f.rule),
            pass = esc(&f.pass),
            msg = esc(&f.message),
            ev = ev.join(" · ")
        );
    }
    o.push_str("</tbody></table>\n");
    if r.findings.len() > MAX_ROWS {
        let _ = writeln!(
            o,
            "<p class=\"muted\">… and {} more in the JSON report.</p>",
            r.findings.len() - MAX_ROWS
        );
    }
}

fn comparison(o: &mut String, r: &Report, n: usize) {
    o.push_str("<h2>Before consent / after reject / after accept</h2>\n");
    let heads: String = r
        .passes
        .iter()
        .map(|p| format!("<th>{}</th>", pass_title(p)))
        .collect();
    let rows = super::comparison(r);
    let cell = |b: bool| {
        if b {
            "<td class=\"yes\">yes</td>"
        } else {
            "<td class=\"no\">–</td>"
        }
    };
    let _ = writeln!(
        o,
        "<table id=\"t{n}-cmp-parties\" class=\"sortable\"><thead><tr><th>Third party</th>{heads}</tr></thead><tbody>"
    );
    for (d, seen) in &rows.third_parties {
        let cells: String = seen.iter().map(|b| cell(*b)).collect();
        let _ = writeln!(o, "<tr><td>{}</td>{cells}</tr>", esc(d));
    }
    o.push_str("</tbody></table>\n");
    let _ = writeln!(
        o,
        "<table id=\"t{n}-cmp-cookies\" class=\"sortable\"><thead><tr><th>Cookie</th>{heads}</tr></thead><tbody>"
    );
    for (k, seen) in &rows.cookies {
        let cells: String = seen.iter().map(|b| cell(*b)).collect();
        let _ = writeln!(o, "<tr><td>{}</td>{cells}</tr>", esc(k));
    }
    o.push_str("</tbody></table>\n");
}

/// A timeline of one pass: a lane per third party, a dot per request.
fn timeline(o: &mut String, p: &Pass) {
    let mut lanes: Vec<(&str, &str)> = p
        .third_parties
        .iter()
        .map(|t| (t.domain.as_str(), t.category.as_deref().unwrap_or("unattributed")))
        .collect();
    lanes.truncate(MAX_LANES);
    let _ = writeln!(o, "<h3>{}</h3>", pass_title(p));
    if lanes.is_empty() {
        o.push_str("<p class=\"muted\">No third party was contacted.</p>\n");
        return;
    }
    let third: Vec<&super::Request> = p
        .requests
        .iter()
        .filter(|q| q.party == crate::classify::Party::Third)
        .collect();
    let action = p.consent.as_ref().and_then(|c| c.action_ms);
    let end = third
        .iter()
        .map(|q| q.time_ms)
        .chain(p.load_ms)
        .chain(action)
        .fold(1.0_f64, f64::max)
        * 1.05;
    let (left, width, lane_h, top) = (190.0, 760.0, 16.0, 22.0);
    let height = top + lane_h * lanes.len() as f64 + 8.0;
    let x = |t: f64| left + (t / end) * width;
    let _ = writeln!(
        o,
        "<figure><svg role=\"img\" aria-label=\"Timeline of third-party requests, {}\" width=\"100%\" viewBox=\"0 0 {} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(&p.name),
        left + width + 40.0
    );
    // Axis with ticks.
    for i in 0..=5 {
        let t = end / 5.0 * i as f64;
        let _ = write!(
            o,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{height}\" stroke=\"#e4e7ec\"/><text x=\"{0:.1}\" y=\"12\" text-anchor=\"middle\">{2:.0} ms</text>",
            x(t),
            top - 6.0,
            t
        );
    }
    for (i, (domain, cat)) in lanes.iter().enumerate() {
        let y = top + lane_h * i as f64 + lane_h / 2.0;
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + 4.0,
            esc(&crate::report::text::truncate(domain, 30))
        );
        for q in third
            .iter()
            .filter(|q| crate::classify::registrable_domain(&q.host) == *domain)
        {
            let _ = write!(
                o,
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{}\"><title>{} at {:.0} ms</title></circle>",
                x(q.time_ms),
                category_colour(cat),
                esc(&q.url),
                q.time_ms
            );
        }
    }
    if let Some(l) = p.load_ms {
        let _ = write!(
            o,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{height}\" stroke=\"#475467\" stroke-dasharray=\"4 3\"><title>load event at {2:.0} ms</title></line>",
            x(l),
            top - 4.0,
            l
        );
    }
    if let Some(a) = action {
        let _ = write!(
            o,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{height}\" stroke=\"#d92d20\" stroke-width=\"2\"><title>consent action at {2:.0} ms</title></line>",
            x(a),
            top - 4.0,
            a
        );
    }
    o.push_str("</svg></figure>\n");
}

/// Third-party domains per category, one bar group per pass.
fn categories(o: &mut String, r: &Report) {
    let mut counts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in r.passes.iter().enumerate() {
        for t in &p.third_parties {
            let cat = t.category.clone().unwrap_or_else(|| "unattributed".into());
            counts.entry(cat).or_insert_with(|| vec![0; r.passes.len()])[i] += 1;
        }
    }
    o.push_str("<h2>Third parties by category</h2>\n");
    if counts.is_empty() {
        o.push_str("<p class=\"muted\">No third party was contacted.</p>\n");
        return;
    }
    let max = counts.values().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let n = r.passes.len();
    let bar_h = 12.0;
    let group_h = bar_h * n as f64 + 8.0;
    let (left, width) = (190.0, 600.0);
    let height = group_h * counts.len() as f64 + 4.0;
    let shades = ["#1d2939", "#667085", "#98a2b3", "#d0d5dd"];
    let _ = writeln!(
        o,
        "<figure><svg role=\"img\" aria-label=\"Third parties by category\" width=\"100%\" viewBox=\"0 0 {} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        left + width + 60.0
    );
    for (g, (cat, per)) in counts.iter().enumerate() {
        let y0 = g as f64 * group_h + 2.0;
        let _ = write!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 14.0,
            y0 + bar_h / 2.0 - 4.0,
            category_colour(cat),
            left - 18.0,
            y0 + bar_h / 2.0 + 4.0,
            esc(cat)
        );
        for (i, c) in per.iter().enumerate() {
            let y = y0 + bar_h * i as f64;
            let w = (*c as f64 / max) * width;
            let _ = write!(
                o,
                "<rect x=\"{left}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {c}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{c}</text>",
                bar_h - 2.0,
                shades[i % shades.len()],
                esc(&r.passes[i].name),
                left + w + 4.0,
                y + bar_h - 3.0
            );
        }
    }
    o.push_str("</svg></figure>\n<div class=\"legend\">");
    for (i, p) in r.passes.iter().enumerate() {
        let _ = write!(
            o,
            "<span><i style=\"background:{}\"></i>{}</span>",
            shades[i % shades.len()],
            pass_title(p)
        );
    }
    o.push_str("</div>\n");
}

fn filter_box(o: &mut String, id: &str, what: &str) {
    let _ = writeln!(
        o,
        "<input class=\"filter noprint\" data-table=\"{id}\" placeholder=\"Filter {what}…\" aria-label=\"Filter {what}\">"
    );
}

fn more(o: &mut String, n: usize, what: &str) {
    if n > MAX_ROWS {
        let _ = writeln!(
            o,
            "<p class=\"muted\">… and {} more {what} in the JSON report.</p>",
            n - MAX_ROWS
        );
    }
}

/// Cookie, storage and request tables of the first pass.
fn tables(o: &mut String, p: &Pass, n: usize) {
    if p.pages.len() > 1 {
        let _ = writeln!(o, "<h2>Pages visited ({})</h2><ol>", p.pages.len());
        for v in &p.pages {
            let status = esc(&v.outcome());
            let _ = writeln!(o, "<li>{} ({status}, at {:.0} ms)</li>", esc(&v.url), v.start_ms);
        }
        o.push_str("</ol>\n");
    }
    let _ = writeln!(o, "<h2>Cookies ({}) — {}</h2>", p.cookies.len(), pass_title(p));
    filter_box(o, &format!("t{n}-cookies"), "cookies");
    let _ = writeln!(
        o,
        "<table id=\"t{n}-cookies\" class=\"sortable\"><thead><tr><th>Name</th><th>Domain</th><th>Party</th><th>Vendor</th><th class=\"num\">Requested lifetime (days)</th><th>Set by</th><th class=\"num\">Set at (ms)</th></tr></thead><tbody>"
    );
    for c in p.cookies.iter().take(MAX_ROWS) {
        let days = c.lifetime_requested_secs.map(|s| s as f64 / 86_400.0);
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td></tr>",
            esc(&c.name),
            esc(&c.domain),
            if c.party == crate::classify::Party::Third {
                "third"
            } else {
                "first"
            },
            esc(c.vendor.as_ref().map(|v| v.name.as_str()).unwrap_or("")),
            days.unwrap_or(-1.0),
            days.map(|d| format!("{d:.1}")).unwrap_or_else(|| if c.session {
                "session".into()
            } else {
                "?".into()
            }),
            esc(c.set_by.as_deref().unwrap_or("")),
            c.set_at_ms.unwrap_or(-1.0),
            c.set_at_ms.map(|t| format!("{t:.0}")).unwrap_or_default()
        );
    }
    o.push_str("</tbody></table>\n");
    more(o, p.cookies.len(), "cookies");

    let _ = writeln!(o, "<h2>Storage ({})</h2>", p.storage.len());
    filter_box(o, &format!("t{n}-storage"), "storage");
    let _ = writeln!(
        o,
        "<table id=\"t{n}-storage\" class=\"sortable\"><thead><tr><th>Key</th><th>Origin</th><th>Area</th><th>Party</th><th>Vendor</th><th>Written by</th></tr></thead><tbody>"
    );
    for s in p.storage.iter().take(MAX_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.key),
            esc(&s.origin),
            esc(&s.area),
            if s.party == crate::classify::Party::Third {
                "third"
            } else {
                "first"
            },
            esc(s.vendor.as_ref().map(|v| v.name.as_str()).unwrap_or("")),
            esc(s.written_by.as_deref().unwrap_or(""))
        );
    }
    o.push_str("</tbody></table>\n");
    more(o, p.storage.len(), "storage items");

    let _ = writeln!(o, "<h2>Requests ({})</h2>", p.requests.len());
    filter_box(o, &format!("t{n}-requests"), "requests");
    let _ = writeln!(
        o,
        "<table id=\"t{n}-requests\" class=\"sortable\"><thead><tr><th class=\"num\">Time (ms)</th><th>URL</th><th>Type</th><th>Party</th><th>Vendor</th><th class=\"num\">Status</th></tr></thead><tbody>"
    );
    for q in p.requests.iter().take(MAX_ROWS) {
        let _ = writeln!(
            o,
            "<tr><td class=\"num\" data-v=\"{t}\">{t:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\" data-v=\"{s}\">{}</td></tr>",
            esc(&q.url),
            esc(&q.resource_type),
            if q.party == crate::classify::Party::Third {
                "third"
            } else {
                "first"
            },
            esc(q.vendor.as_ref().map(|v| v.name.as_str()).unwrap_or("")),
            q.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| esc(q.failure.as_deref().unwrap_or(""))),
            t = q.time_ms,
            s = q.status.unwrap_or(0)
        );
    }
    o.push_str("</tbody></table>\n");
    more(o, p.requests.len(), "requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_are_inert_in_text_and_attributes() {
        let e = esc("<script>alert('x')</script>\"onload=\"x\" \u{1b}[31m\u{202e}&amp;");
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        assert!(e.contains("&lt;script&gt;") && e.contains("&amp;amp;"));
        assert!(!e.contains('\u{1b}') && !e.contains('\u{202e}'));
    }
}
