//! Consent: driving a site's consent banner and proving what its choice changed.
//!
//! A scan runs up to three passes, each in a fresh browser context: `initial` (loaded, no
//! interaction), `reject` and `accept`. In the last two the [`driver`] finds the consent
//! manager by the [`rules`] (or the generic, language-aware finder), clicks its own
//! reject-all / accept-all control — through a second layer when reject hides behind
//! "settings" — falls back on the consent manager's JavaScript API only when the UI cannot
//! be driven, and verifies the stored choice (the consent manager's state, its consent
//! cookie, the TCF string) before the page is reloaded and observed again. What the site
//! stored is read by [`signals`]; TC strings are decoded by [`tcf`]; Google Consent Mode
//! parameters in requests by [`gcm`]. The findings are the audit's ([`crate::audit::consent`]).

pub mod driver;
pub mod gcm;
pub mod rules;
pub mod signals;
pub mod tcf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use rules::RuleSet;
pub use signals::{StoredConsent, Verdict};

/// What a pass does about consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// No interaction: loaded, not scrolled, not clicked.
    None,
    /// "Reject all".
    Reject,
    /// "Accept all".
    Accept,
}

impl Action {
    /// The pass this action names: `initial`, `reject`, `accept`.
    pub fn pass_name(self) -> &'static str {
        match self {
            Action::None => "initial",
            Action::Reject => "reject",
            Action::Accept => "accept",
        }
    }

    /// The verdict a verified action leaves.
    pub fn expected(self) -> Verdict {
        match self {
            Action::None => Verdict::Undecided,
            Action::Reject => Verdict::Rejected,
            Action::Accept => Verdict::Accepted,
        }
    }
}

/// `--consent`: which passes to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ConsentMode {
    /// Loaded, no interaction.
    Initial,
    /// After "reject all".
    Reject,
    /// After "accept all".
    Accept,
    /// All three, side by side.
    #[default]
    All,
}

impl ConsentMode {
    /// The actions of the passes to run, in report order.
    pub fn actions(self) -> Vec<Action> {
        match self {
            ConsentMode::Initial => vec![Action::None],
            ConsentMode::Reject => vec![Action::Reject],
            ConsentMode::Accept => vec![Action::Accept],
            ConsentMode::All => vec![Action::None, Action::Reject, Action::Accept],
        }
    }
}

/// The controls visible on the banner's first layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FirstLayer {
    pub accept: Option<String>,
    pub reject: Option<String>,
    pub settings: Option<String>,
}

/// A choice toggle of the consent banner and whether it was on before any choice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Toggle {
    pub name: String,
    pub on: bool,
}

/// The TCF consent manager's answer (`__tcfapi('addEventListener')`) with its TC string decoded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TcfState {
    pub event_status: Option<String>,
    pub cmp_status: Option<String>,
    pub gdpr_applies: Option<bool>,
    pub tc_string: Option<String>,
    pub decoded: Option<tcf::TcString>,
    /// Why the TC string could not be decoded.
    pub error: Option<String>,
}

/// The consent state read at one moment: each source's verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConsentState {
    /// When it was read, ms after navigation start.
    pub at_ms: Option<f64>,
    /// The rule's `verify_js` answer.
    pub api: Option<Verdict>,
    /// The rule's consent cookie, judged by `verify_rejected` / `verify_accepted`.
    pub cookie: Option<Verdict>,
    /// Consent cookies and storage entries of known consent managers, decoded.
    pub stored: Vec<StoredConsent>,
    pub tcf: Option<TcfState>,
}

impl ConsentState {
    /// The verdicts of the consent manager's own sources (API, consent cookie, its stored
    /// signal): the ones that decide whether an action is verified.
    pub fn own_verdicts(&self, cmp: Option<&str>) -> Vec<Verdict> {
        let mut v: Vec<Verdict> = self.api.iter().chain(self.cookie.iter()).copied().collect();
        // A TC string is evidence about the consent, not the consent manager's own word:
        // one contradicting a verified choice is a finding (CNS-004), not a failed check.
        v.extend(
            self.stored
                .iter()
                .filter(|s| Some(s.cmp.as_str()) == cmp && s.tcf.is_none())
                .map(StoredConsent::verdict),
        );
        v.retain(|v| *v != Verdict::Unknown);
        v
    }

    /// The TC string's verdict, when there is one.
    pub fn tcf_verdict(&self) -> Option<Verdict> {
        let s = self.tcf.as_ref()?;
        let d = s.decoded.as_ref()?;
        if s.event_status.as_deref() == Some("cmpuishown") {
            return Some(Verdict::Undecided);
        }
        Some(tcf_verdict(d))
    }
}

/// Rejected when nothing is consented; accepted when purpose 1 and every purpose 1–10 the
/// string mentions (by consent or legitimate interest) are consented; partial otherwise.
pub fn tcf_verdict(d: &tcf::TcString) -> Verdict {
    let mentioned = |p: &u8| d.purpose_consents.contains(p) || d.purpose_legitimate_interests.contains(p);
    if !d.any_consent() {
        Verdict::Rejected
    } else if d.consents_to_storage()
        && (1..=10)
            .filter(mentioned)
            .all(|p| d.purpose_consents.contains(&p))
    {
        Verdict::Accepted
    } else {
        Verdict::Partial
    }
}

/// What a pass did about consent and what it proved (`passes[].consent` in the report).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConsentInfo {
    /// `none` (the initial pass), `reject` or `accept`.
    pub action: Option<Action>,
    /// The resulting consent state was confirmed (for `none`: no choice is stored).
    /// Consent findings are claimed only from verified passes.
    pub verified: bool,
    /// How the action was taken: `no interaction`, `ui: first layer`, `ui: second layer`,
    /// `api`, `generic finder`, or `not taken`.
    pub how: String,
    /// The sentences that prove (or fail to prove) the state, for people.
    pub evidence: Vec<String>,
    /// Why the pass is unverified, when it is.
    pub reason: Option<String>,
    /// The consent manager detected (a rule name), or `generic` for an unknown banner.
    pub cmp: Option<String>,
    /// The banner (selector or description) when one was visible.
    pub banner: Option<String>,
    /// The first layer's controls (selector or description).
    pub first_layer: FirstLayer,
    /// The banner's optional choice toggles as found before any choice.
    pub toggles: Vec<Toggle>,
    /// What the driver tried, in order.
    pub steps: Vec<String>,
    /// When the choice was made, ms after navigation start.
    pub action_ms: Option<f64>,
    /// The consent state after the choice (before the reload), and after the reload.
    pub state: Option<ConsentState>,
    pub state_after_reload: Option<ConsentState>,
    /// Global Privacy Control was sent (`Sec-GPC: 1`, `navigator.globalPrivacyControl`).
    pub gpc: bool,
}

impl ConsentInfo {
    /// The state at the end of the pass (after the reload when there was one).
    pub fn final_state(&self) -> Option<&ConsentState> {
        self.state_after_reload.as_ref().or(self.state.as_ref())
    }
}

/// How the site behaved with Global Privacy Control compared with without it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GpcEffect {
    /// Anything differs: third parties, cookies or storage keys.
    pub changed: bool,
    /// Third-party domains contacted without GPC but not with it (GPC stopped them).
    pub third_parties_dropped: Vec<String>,
    /// Third-party domains contacted only with GPC.
    pub third_parties_added: Vec<String>,
    /// Cookies (`name@domain`) stored without GPC but not with it.
    pub cookies_dropped: Vec<String>,
    pub cookies_added: Vec<String>,
    /// Storage keys (`key@origin`) written without GPC but not with it.
    pub storage_dropped: Vec<String>,
    pub storage_added: Vec<String>,
}

/// Compares the `initial` pass with the `gpc` pass.
pub fn gpc_effect(initial: &crate::report::Pass, gpc: &crate::report::Pass) -> GpcEffect {
    use std::collections::BTreeSet;
    let parties = |p: &crate::report::Pass| -> BTreeSet<String> {
        p.third_parties.iter().map(|t| t.domain.clone()).collect()
    };
    let cookies = |p: &crate::report::Pass| -> BTreeSet<String> {
        p.cookies
            .iter()
            .map(|c| format!("{}@{}", c.name, c.domain.trim_start_matches('.')))
            .collect()
    };
    let storage = |p: &crate::report::Pass| -> BTreeSet<String> {
        p.storage
            .iter()
            .map(|s| format!("{}@{}", s.key, s.origin))
            .collect()
    };
    let diff = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect::<Vec<_>>();
    let (pa, pb) = (parties(initial), parties(gpc));
    let (ca, cb) = (cookies(initial), cookies(gpc));
    let (sa, sb) = (storage(initial), storage(gpc));
    let mut e = GpcEffect {
        third_parties_dropped: diff(&pa, &pb),
        third_parties_added: diff(&pb, &pa),
        cookies_dropped: diff(&ca, &cb),
        cookies_added: diff(&cb, &ca),
        storage_dropped: diff(&sa, &sb),
        storage_added: diff(&sb, &sa),
        ..GpcEffect::default()
    };
    e.changed = !(e.third_parties_dropped.is_empty()
        && e.third_parties_added.is_empty()
        && e.cookies_dropped.is_empty()
        && e.cookies_added.is_empty()
        && e.storage_dropped.is_empty()
        && e.storage_added.is_empty());
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_give_passes_in_order() {
        assert_eq!(
            ConsentMode::All
                .actions()
                .iter()
                .map(|a| a.pass_name())
                .collect::<Vec<_>>(),
            ["initial", "reject", "accept"]
        );
        assert_eq!(ConsentMode::Reject.actions(), vec![Action::Reject]);
    }
}
