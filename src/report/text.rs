//! The human summary printed by `--format text`.

use super::Report;

/// Renders a short human summary of a report.
pub fn render(r: &Report) -> String {
    format!(
        "{} {}\n",
        r.scan.requested_url,
        r.passes.first().map(|p| p.summary.requests).unwrap_or(0)
    )
}
