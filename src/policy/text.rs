//! Free text of a privacy or cookie policy (already plain text): which vendors it names,
//! which cookie names it mentions, which tracking technologies it says it uses, how long it
//! says it keeps things, and what it says it does *not* do. Source kind `policy-text`.
//!
//! Matching runs over an ASCII-lower-cased copy of the text (same byte offsets); every hit is
//! quoted with the sentence it was found in (whitespace collapsed, at most 200 characters).
//! A lower→upper case change inside a word counts as a word boundary, because text scraped
//! from HTML glues words together (`hereGoogle Analytics`, `Server logKeep for 6 months`).
//!
//! * **Vendors**: every signature vendor's name and aliases, a few synonyms (`gtag`, `Google
//!   DoubleClick`, …) and owners' names. An owner of several vendors named alone (`Google`,
//!   `Google LLC`) is an owner mention with no vendor id; a product name wins over its owner
//!   (`Google Analytics` → `google-analytics`). Whole words only. Names shorter than 4
//!   characters need a capital letter and must appear in exactly that case (`GA4`, `GTM`);
//!   names that are ordinary words (`Segment`, `Heap`, `Drift`, … in `COMMON`) count only
//!   capitalised mid-sentence or followed by a product word (`Heap Analytics`, `Drift chat`);
//!   names too common even then (`Next`, `Basis`, `Cookie Notice`, … in `NEVER`) never count.
//!   Hand-written signatures win over imported ones (the Open Cookie Database).
//! * **Cookie names**: code-like tokens (`_ga`, `__utma`, `IDE`, `CookieConsent`, quoted
//!   names) that match a signature cookie pattern, and any names listed after "cookie(s)
//!   named/called …"; the category comes from the signature's purpose.
//! * **Technologies**: `cookies`, `web-beacons`, `local-storage`, `session-storage`,
//!   `indexeddb`, `fingerprinting`, `session-replay`, `sdk`, `server-logs`, `do-not-track`,
//!   `gpc`, from the English, German, French, Spanish, Italian, Dutch, Polish, Portuguese and
//!   Chinese terms in `TECHNOLOGIES`. A mention in a sentence that denies it does not count.
//! * **Retention**: "6 months", "two years", "a year", "half a year", "30 Tage", "6个月", … in
//!   a sentence about keeping or deleting (retain, store, delete, expire, …), but not ages
//!   ("under 16 years"), look-backs ("in the last 12 months") or notice periods. The subject is
//!   the nearest preceding known noun phrase (a cookie name, "server logs", "personal data",
//!   …; see `SUBJECTS`), else the nearest following one, else `unspecified`. Months are 30
//!   days, years 365 days.
//! * **Denials**: "we do not use advertising/marketing/targeting cookies" → `marketing`;
//!   "… analytics/statistics/performance cookies" → `statistics`; "… tracking cookies" →
//!   `marketing` (cross-site tracking is what consent managers file under marketing);
//!   "… non-essential cookies" → both; "… (any) cookies" → `cookies`; "no third-party
//!   cookies" → `third-party-cookies`; "… fingerprinting" → `fingerprinting`; "… web beacons"
//!   → `web-beacons`; "we do not sell your personal data" → `sale-of-data`. Negations: do not,
//!   don't, does not, will not, never, no, passive "are not used"; German keine/nicht, French
//!   ne … pas/aucun, Spanish/Portuguese/Italian/Polish no/não/non/nie, Dutch geen. Not denials:
//!   conditional or someone else's clauses ("if you do not accept cookies", "third parties do
//!   not …"), exceptions ("… except strictly necessary ones", "… without your consent"),
//!   "Do Not Sell My Personal Information" links, and Do Not Track disclosures ("we do not
//!   respond to DNT signals" is the technology `do-not-track`).
//!
//! Inputs over 20 MB are cut to their first 20 MB. Every pass is linear: byte loops for
//! sentences, words and code tokens, one hash lookup per word for vendor names, one regex
//! pass (the `regex` crate) for technologies, periods and negation cues, and fixed windows
//! around each hit. Work per hit is capped (8 periods and 8 negations per sentence or
//! kilobyte of a long one, 5,000 negations, 20,000 distinct cookie-name lookups; the last
//! two are reported as problems), so hostile input costs time in proportion to its size
//! (about 1 s of CPU for 5 MB in an unoptimised build) and never panics.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use regex::{Regex, RegexBuilder};

use super::model::{
    DeclaredCategory, DeclaredItem, DeclaredPolicy, DeclaredTechnology, DeclaredVendor, ItemKind,
    NegativeStatement, PolicySource, RetentionStatement,
};
use crate::signatures::{Purpose, Scope, SignatureIndex, Vendor};

const KIND: &str = "policy-text";
const MAX_BYTES: usize = super::MAX_DOCUMENT_BYTES;
const QUOTE_CHARS: usize = 200;
/// Lower→upper case changes inside words tried as word starts by the regex pass, at most.
const MAX_JUNCTIONS: usize = 5_000;
/// Long sentences are cut into blocks of this many bytes for the limits below.
const BLOCK: usize = 1024;
/// Periods judged, and negation cues weighed, per sentence (or block of a long one), at most.
const PER_BLOCK: u8 = 8;
/// Negation cues followed by something they could deny, weighed at most.
const MAX_CUES: usize = 5_000;
/// Distinct cookie-name candidates looked up in the signature index, at most.
const MAX_COOKIE_LOOKUPS: usize = 20_000;

/// Reads a policy's free text. `location` is the URL or file it came from.
pub fn from_policy_text(text: &str, location: &str, index: &SignatureIndex) -> DeclaredPolicy {
    let mut problems = Vec::new();
    let text = bounded(text, &mut problems);
    let mut policy = DeclaredPolicy::default();
    if text.trim().is_empty() {
        problems.push("the policy text is empty".to_string());
    } else {
        check_text(text, &mut problems);
        match &*PATTERNS {
            Err(e) => problems.push(format!("internal error: {e}")),
            Ok(p) => {
                let doc = Doc::new(text);
                let cookies = find_cookies(&doc, p, index, &mut problems);
                let mut found = Found::default();
                policy.vendors = find_vendors(&doc, &dictionary(index));
                scan(&doc, p, &cookies.mentions, &mut found);
                if found.cues > MAX_CUES {
                    problems.push(format!(
                        "{} negation candidates; only the first {MAX_CUES} were weighed",
                        found.cues
                    ));
                }
                cased_terms(&doc, &mut found);
                cjk_retention(&doc, &cookies.mentions, &mut found);
                policy.technologies = technologies(&doc, &found);
                policy.negatives = negatives(&mut found);
                policy.retention = retention(&mut found);
                policy.items = cookies.items;
            }
        }
    }
    policy.sources.push(PolicySource {
        kind: KIND.to_string(),
        location: location.to_string(),
        items: policy.items.len(),
        vendors: policy.vendors.len(),
        statements: policy.technologies.len() + policy.retention.len() + policy.negatives.len(),
        problems,
    });
    policy
}

/// Cuts the input to [`MAX_BYTES`] on a character boundary.
fn bounded<'a>(text: &'a str, problems: &mut Vec<String>) -> &'a str {
    if text.len() <= MAX_BYTES {
        return text;
    }
    let end = floor_char(text, MAX_BYTES);
    problems.push(format!(
        "the text is {} bytes; only its first {} MB were read",
        text.len(),
        MAX_BYTES / (1024 * 1024)
    ));
    &text[..end]
}

/// Notes text that does not look like prose (binary data read as text).
fn check_text(text: &str, problems: &mut Vec<String>) {
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            odd += 1;
        }
    }
    if odd > 10 && odd * 100 > total {
        problems.push(format!(
            "{odd} of {total} characters are control or replacement characters: the input may not be text"
        ));
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

fn has_any(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| s.contains(w))
}

/// Byte classes for the byte loops (a table lookup is cheap even in unoptimised builds).
const ALNUM: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;
/// `[A-Za-z0-9_.#$-]`: may be part of a cookie name.
const TOKEN: u8 = 8;
/// `\n . ! ?` and the lead byte of the CJK full stops: may end a sentence.
const STOP: u8 = 16;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_alphanumeric() {
            c |= ALNUM | TOKEN;
        }
        if b.is_ascii_uppercase() {
            c |= UPPER;
        }
        if b.is_ascii_lowercase() {
            c |= LOWER;
        }
        if matches!(b, b'_' | b'.' | b'-' | b'#' | b'$') {
            c |= TOKEN;
        }
        if matches!(b, b'\n' | b'.' | b'!' | b'?' | 0xE3 | 0xEF) {
            c |= STOP;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// FNV-1a: a hasher that is fast in unoptimised builds too. The maps it serves hold fixed
/// dictionaries or a bounded number of keys.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut i = 0;
        while i < bytes.len() {
            h = (h ^ u64::from(bytes[i])).wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;
type FastSet<K> = HashSet<K, std::hash::BuildHasherDefault<Fnv>>;

// ---------------------------------------------------------------------------------------------
// The document: text, lower-cased copy, sentences.

struct Doc<'a> {
    text: &'a str,
    /// ASCII-lower-cased copy: same byte offsets as `text`.
    lower: String,
    /// Sentence byte ranges, trimmed, in order.
    sentences: Vec<(usize, usize)>,
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Doc<'a> {
        Doc {
            text,
            lower: text.to_ascii_lowercase(),
            sentences: split_sentences(text),
        }
    }

    /// Index of the sentence holding byte `pos` (the previous one if `pos` is between two).
    fn sentence_index(&self, pos: usize) -> usize {
        self.sentences
            .partition_point(|&(s, _)| s <= pos)
            .saturating_sub(1)
    }

    /// Byte range of the sentence holding `pos` (an empty range at `pos` between sentences).
    fn sentence_at(&self, pos: usize) -> (usize, usize) {
        match self.sentences.get(self.sentence_index(pos)) {
            Some(&(s, e)) if s <= pos && pos < e.max(s + 1) => (s, e),
            _ => (pos, pos),
        }
    }

    /// The sentence holding the hit `start..end`, whitespace collapsed, at most
    /// [`QUOTE_CHARS`] characters: from the sentence start when the hit fits, else from up
    /// to 60 characters before the hit.
    fn quote(&self, start: usize, end: usize) -> String {
        let (s, e) = self.sentence_at(start);
        let (s, e) = if s <= start && end <= e {
            (s, e)
        } else {
            (start, end)
        };
        let fits = |to: usize, max: usize| to - s <= max * 4 && self.text[s..to].chars().count() <= max;
        let from = if fits(e, QUOTE_CHARS) || fits(end, QUOTE_CHARS - 20) {
            s
        } else {
            self.text[s..start]
                .char_indices()
                .rev()
                .take(61)
                .last()
                .map_or(start, |(i, _)| s + i)
        };
        collapse(&self.text[from..e], QUOTE_CHARS)
    }
}

/// Whitespace runs to one space, trimmed, cut to `max` characters.
fn collapse(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        let need = if space { 2 } else { 1 };
        if n + need > max {
            break;
        }
        if space {
            out.push(' ');
            n += 1;
            space = false;
        }
        out.push(c);
        n += 1;
    }
    out
}

#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "eg", "ie", "etc", "inc", "ltd", "co", "no", "nr", "vs", "mr", "mrs", "ms", "dr", "st", "approx",
    "incl", "z.b", "bzw", "ca", "u.a", "d.h", "art", "abs", "ggf", "vgl", "p.ex", "p.e", "cf", "sec", "fig", "corp",
    "llc", "s.a", "b.v", "n.v", "resp", "max", "min", "u.s", "u.k",
];

/// Splits text into sentences: at `.`/`!`/`?` followed by a space (not after an
/// abbreviation, an initial or a leading list number), at a `.` glued to a capitalised word
/// (`logs.Include`), at CJK full stops, and at line breaks unless a lower-case line runs on.
fn split_sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        // Candidates: ASCII `\n . ! ?` and the lead byte of the CJK marks.
        if CLASS[usize::from(bytes[i])] & STOP == 0 || i < start || !text.is_char_boundary(i) {
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            continue;
        };
        let after = i + c.len_utf8();
        let ends = match c {
            '\n' => {
                let last_solid = text[start..i]
                    .trim_end_matches([' ', '\t', '\r'])
                    .chars()
                    .next_back();
                let following = text[after..].chars().find(|c| !matches!(c, ' ' | '\t' | '\r'));
                let runs_on = last_solid.is_some_and(|p| p.is_lowercase() || p == ',')
                    && following.is_some_and(char::is_lowercase);
                !runs_on
            }
            '。' | '！' | '？' | '；' => true,
            '.' | '!' | '?' => match text[after..].chars().next() {
                None => true,
                Some(n) if n.is_whitespace() => c != '.' || !abbreviation(text, start, i),
                Some(n) if c == '.' && n.is_uppercase() => {
                    let mut before = text[start..i].chars().rev();
                    before.next().is_some_and(char::is_lowercase)
                        && before.next().is_some_and(char::is_lowercase)
                }
                Some('"' | '”' | '’' | '»') => {
                    text[after..].chars().nth(1).is_none_or(char::is_whitespace)
                }
                _ => false,
            },
            _ => false,
        };
        if ends {
            push_trimmed(text, start, after, &mut out);
            start = after;
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    if !t.is_empty() {
        out.push((start + lead, start + lead + t.len()));
    }
}

/// Whether the `.` at `dot` ends an abbreviation, an initial or a leading list number.
fn abbreviation(text: &str, sentence_start: usize, dot: usize) -> bool {
    let before = &text[sentence_start..dot];
    let word_start = before
        .char_indices()
        .rev()
        .take(12)
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[word_start..];
    if word.is_empty() {
        return false;
    }
    if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
        return true;
    }
    if word.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return before[..word_start].trim().is_empty();
    }
    ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

// ---------------------------------------------------------------------------------------------
// Word boundaries: a lower→upper case change counts, so does any CJK character.

fn is_word(c: char) -> bool {
    c == '_' || (c.is_alphanumeric() && (c as u32) < 0x2E80)
}

fn left_ok(text: &str, start: usize) -> bool {
    let (Some(p), Some(f)) = (text[..start].chars().next_back(), text[start..].chars().next()) else {
        return true;
    };
    !is_word(p) || !is_word(f) || (p.is_lowercase() && f.is_uppercase())
}

fn right_ok(text: &str, end: usize) -> bool {
    let (Some(l), Some(n)) = (text[..end].chars().next_back(), text[end..].chars().next()) else {
        return true;
    };
    !is_word(l) || !is_word(n) || (l.is_lowercase() && n.is_uppercase())
}

// ---------------------------------------------------------------------------------------------
// Static patterns: technology terms, periods, negation cues.

struct Patterns {
    /// Technology terms, retention periods and negation cues, in that order of preference.
    scanner: Regex,
    /// Each technology's terms, anchored at both ends.
    techs: Vec<(&'static str, Regex)>,
    /// "cookies named", anchored at the start.
    named_list: Regex,
    cookie_token: Regex,
}

static PATTERNS: LazyLock<Result<Patterns, String>> = LazyLock::new(build_patterns);

/// Technologies and their terms (lower case; a term must start at a word start, its end is
/// checked in code).
#[rustfmt::skip]
const TECHNOLOGIES: &[(&str, &str)] = &[
    ("cookies", r"cookies?|ciasteczk[a-z]*|témoins de connexion"),
    ("web-beacons", concat!(
        r"web[\s-]?beacons?|website beacons?|clear[\s-]?gifs?|pixel[\s-]?tags?|tracking[\s-]?pixels?|pixels",
        r"|web[\s-]?bugs?|spy[\s-]?pixels?|zählpixel[a-z]*|balises? web|balises? pixels?|pixels? espions?",
        r"|pixels? invisibles?|balizas? web|píxeles|píxel de seguimiento|pixel di tracciamento|webbakens?",
        r"|trackingpixels?|piksel[a-ząęśłó]*\s+śledząc[a-z]*|sygnalizator[a-zó]*\s+www",
        r"|sinalizadores? (?:da |de )?web|pixels? de rastreamento|网络信标|网页信标|像素标签",
    )),
    ("local-storage", concat!(
        r"local[\s-]?storage|html\s?5(?:[\s-]storage)?|web[\s-]?storage|lokale[nr]?\s+speicher[a-z]*",
        r"|stockage local|almacenamiento local|archiviazione locale|memorizzazione locale|lokale opslag",
        r"|pamię(?:ć|ci) lokaln[a-ząęy]*|armazenamento local|本地存储",
    )),
    ("session-storage", r"session[\s-]?storage|sitzungsspeicher|stockage de session|almacenamiento de sesi(?:ó|o)n|会话存储"),
    ("indexeddb", r"indexed[\s-]?db|indexed database"),
    ("fingerprinting", concat!(
        r"fingerprinting|\b(?:device|browser|digital|canvas)[\s-]fingerprints?|digitale[nr]? fingerabdr(?:ü|u)ck[a-z]*",
        r"|ger(?:ä|a)te-?fingerabdr(?:ü|u)ck[a-z]*|browser-?fingerabdr(?:ü|u)ck[a-z]*|empreintes? num(?:é|e)riques?",
        r"|prise d'empreintes?|huellas? digital(?:es)? del (?:dispositivo|navegador)|设备指纹|浏览器指纹",
    )),
    ("session-replay", concat!(
        r"session[\s-]?(?:replays?|recordings?)|recordings? of (?:your |user |users' |visitors' |visitor )?sessions?",
        r"|heat[\s-]?maps?|sitzungsaufzeichnung(?:en)?|sitzungswiedergabe|enregistrements? de(?:s)? sessions?",
        r"|cartes? de chaleur|grabaci(?:ó|o)n(?:es)? de(?: las)? sesi(?:ó|o)n(?:es)?|mapas? de calor",
        r"|registrazion[ei] (?:delle|della) session[ei]|mapp[ae] di calore|mapy? ciepła",
        r"|grava(?:ç|c)(?:ã|a)o de sess(?:õ|o)es|sessie-?opnames?|热图|会话回放|会话录制",
    )),
    ("sdk", r"sdks?|software development kits?|kits? de d(?:é|e)veloppement logiciel|kits? de desarrollo de software|软件开发工具包"),
    ("server-logs", concat!(
        r"server[\s-]?log(?:s|[\s-]?files?|-?dateien|daten)?|log[\s-]?files?|log[\s-]?dateien|access[\s-]logs?",
        r"|protokolldateien|fichiers? (?:de )?journaux|journaux (?:du|de|des) serveurs?|archivos? de registro",
        r"|registros? del servidor|file di log|log del server|logbestanden|serverlogs?|logi serwer[a-z]*",
        r"|pliki? (?:logów|dziennika)|arquivos? de log|registros? do servidor|服务器日志|日志文件|网络日志",
    )),
    ("do-not-track", r"do[\s-]not[\s-]track|dnt[\s-]signals?"),
    ("gpc", r"global privacy control|sec-gpc"),
];

/// English number words and their values.
#[rustfmt::skip]
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("half a", 0.5), ("half an", 0.5), ("eleven", 11.0), ("twelve", 12.0), ("thirteen", 13.0),
    ("fourteen", 14.0), ("fifteen", 15.0), ("sixteen", 16.0), ("seventeen", 17.0), ("eighteen", 18.0),
    ("nineteen", 19.0), ("twenty", 20.0), ("thirty", 30.0), ("forty", 40.0), ("fifty", 50.0), ("sixty", 60.0),
    ("seventy", 70.0), ("eighty", 80.0), ("ninety", 90.0), ("one", 1.0), ("two", 2.0), ("three", 3.0),
    ("four", 4.0), ("five", 5.0), ("six", 6.0), ("seven", 7.0), ("eight", 8.0), ("nine", 9.0), ("ten", 10.0),
    ("an", 1.0), ("a", 1.0),
];

const SECOND: u64 = 1;
const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const WEEK: u64 = 7 * DAY;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

/// Time units: English, German, French, Spanish/Portuguese, Italian, Dutch, Polish.
#[rustfmt::skip]
const UNITS: &[(&str, u64)] = &[
    ("seconds", SECOND), ("second", SECOND), ("secs", SECOND), ("sec", SECOND), ("minutes", MINUTE),
    ("minute", MINUTE), ("mins", MINUTE), ("min", MINUTE), ("hours", HOUR), ("hour", HOUR), ("hrs", HOUR),
    ("hr", HOUR), ("days", DAY), ("day", DAY), ("weeks", WEEK), ("week", WEEK), ("months", MONTH),
    ("month", MONTH), ("years", YEAR), ("year", YEAR), ("yrs", YEAR), ("yr", YEAR),
    ("sekunden", SECOND), ("sekunde", SECOND), ("minuten", MINUTE), ("stunden", HOUR), ("stunde", HOUR),
    ("tagen", DAY), ("tage", DAY), ("tag", DAY), ("wochen", WEEK), ("woche", WEEK), ("monaten", MONTH),
    ("monate", MONTH), ("monat", MONTH), ("jahren", YEAR), ("jahre", YEAR), ("jahr", YEAR),
    ("secondes", SECOND), ("seconde", SECOND), ("heures", HOUR), ("heure", HOUR), ("jours", DAY), ("jour", DAY),
    ("semaines", WEEK), ("semaine", WEEK), ("mois", MONTH), ("années", YEAR), ("année", YEAR), ("ans", YEAR),
    ("an", YEAR),
    ("segundos", SECOND), ("segundo", SECOND), ("minutos", MINUTE), ("minuto", MINUTE), ("horas", HOUR),
    ("hora", HOUR), ("días", DAY), ("día", DAY), ("dias", DAY), ("dia", DAY), ("semanas", WEEK), ("semana", WEEK),
    ("meses", MONTH), ("mes", MONTH), ("mês", MONTH), ("años", YEAR), ("año", YEAR), ("anos", YEAR), ("ano", YEAR),
    ("secondi", SECOND), ("minuti", MINUTE), ("ore", HOUR), ("giorni", DAY), ("giorno", DAY),
    ("settimane", WEEK), ("settimana", WEEK), ("mesi", MONTH), ("mese", MONTH), ("anni", YEAR), ("anno", YEAR),
    ("seconden", SECOND), ("minuut", MINUTE), ("uren", HOUR), ("uur", HOUR), ("dagen", DAY), ("dag", DAY),
    ("weken", WEEK), ("maanden", MONTH), ("maand", MONTH), ("jaren", YEAR), ("jaar", YEAR),
    ("sekundy", SECOND), ("sekund", SECOND), ("minuty", MINUTE), ("minut", MINUTE), ("godziny", HOUR),
    ("godzin", HOUR), ("dni", DAY), ("dzień", DAY), ("tygodnie", WEEK), ("tygodni", WEEK), ("tydzień", WEEK),
    ("miesięcy", MONTH), ("miesiące", MONTH), ("miesiąc", MONTH), ("lata", YEAR), ("lat", YEAR),
    ("roku", YEAR), ("rok", YEAR),
];

/// Units written after digits in Chinese text.
#[rustfmt::skip]
const CJK_UNITS: &[(&str, u64)] = &[
    ("个月", MONTH), ("個月", MONTH), ("小时", HOUR), ("小時", HOUR), ("分钟", MINUTE), ("星期", WEEK),
    ("周", WEEK), ("天", DAY), ("年", YEAR),
];

/// Negation cues (`\b` is an ASCII word boundary).
const CUES: &str = concat!(
    r"\b(?:do|does|did|will|shall|would)\s+not\b|\b(?:don|doesn|didn|won)['’]t\b|\bnever\b|\bnor\s+do\s+we\b",
    r"|\bn['’]\s?|\bne\b|\bnon\b|\bnie\b|\bnão\b",
    r"|\bno\b|\bkeine?[nm]?\b|\bkein\b|\baucune?s?\b|\bningun[oa]?s?\b|\bningún\b|\bnessun[oa]?\b|\bgeen\b",
    r"|\bżadn[a-ząęy]*|\bnenhum[a]?\b",
    r"|\b(?:are|is|will\s+be|be|been|get)\s+(?:not|never)\s+(?:used|set|placed|deployed|employed|sold|stored|installed|utili[sz]ed)\b",
    r"|\bnicht\s+(?:verwendet|eingesetzt|gesetzt|genutzt|verkauft|gespeichert)\b|\bverkaufen\b[^.;:]{0,60}?\bnicht\b",
);

/// `\b` in the patterns means an ASCII word boundary (cheap on any input).
fn compile(p: &str) -> Result<Regex, String> {
    RegexBuilder::new(&p.replace(r"\b", r"(?-u:\b)"))
        .size_limit(32 << 20)
        .dfa_size_limit(32 << 20)
        .build()
        .map_err(|e| format!("pattern {:?}: {e}", p.chars().take(120).collect::<String>()))
}

/// `a|b(c|d)|e` → `\ba|\bb(c|d)|\be`: a word boundary before each top-level alternative that
/// starts with an ASCII letter or digit, so that the regex never starts inside a word.
fn word_initial(p: &str) -> String {
    let mut out = String::new();
    let mut depth = 0i32;
    let mut escaped = false;
    let mut alt_start = true;
    for c in p.chars() {
        if alt_start && c.is_ascii_alphanumeric() {
            out.push_str(r"\b");
        }
        alt_start = false;
        out.push(c);
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '|' if depth == 0 => alt_start = true,
            _ => {}
        }
    }
    out
}

fn alternation<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = words.collect();
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v.dedup();
    v.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|")
}

fn build_patterns() -> Result<Patterns, String> {
    let techs = TECHNOLOGIES
        .iter()
        .map(|(t, p)| Ok((*t, compile(&format!("^(?:{p})$"))?)))
        .collect::<Result<Vec<_>, String>>()?;
    let tech_any = TECHNOLOGIES
        .iter()
        .map(|(_, p)| word_initial(p))
        .collect::<Vec<_>>()
        .join("|");
    let numbers = alternation(NUMBER_WORDS.iter().map(|(w, _)| *w));
    let units = alternation(UNITS.iter().map(|(w, _)| *w));
    let tens = "(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?:one|two|three|four|five|six|seven|eight|nine)";
    let period =
        format!(r"\b(?:\d{{1,4}}(?:[.,]\d{{1,2}})?(?:\s?-\s?|\s*)|(?:{tens}|{numbers})[\s-]+)(?:{units})");
    Ok(Patterns {
        scanner: compile(&format!("{tech_any}|{period}|{CUES}"))?,
        techs,
        named_list: compile(concat!(
            r"^cookies?\s+(?:named|called|with the names?|namens|mit dem namen|nommés?|appelés?|llamad[ao]s?",
            r"|denominad[ao]s?|chiamat[io]|genaamd|o nazwie|chamad[ao]s?)\s*:?\s*",
        ))?,
        cookie_token: compile(r"[A-Za-z0-9_#$][A-Za-z0-9_.\-#$]*\*?")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Vendors.

/// How a dictionary phrase must appear to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Whole word, any case.
    Plain,
    /// Short name: exactly this case (`GA4`).
    ExactCase,
    /// An ordinary word: capitalised mid-sentence, or followed by a product word.
    Common,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The signature id; `None` for an owner of several vendors named on its own.
    vendor: Option<String>,
    rule: Rule,
    /// The phrase as the dictionary spells it (for `ExactCase`).
    spelling: String,
    /// 0 hand-written name or alias, 1 owner, 2 imported vendor's name.
    rank: u8,
}

/// Phrases never matched: ordinary words or phrases even when capitalised.
#[rustfmt::skip]
const NEVER: &[&str] = &[
    "next", "blue", "rack", "line", "smart", "turn", "basis", "centro", "human", "signal", "satellite", "tracks",
    "stencil", "compass", "impact", "branch", "split", "convert", "square", "craft", "piano", "arbor", "oath",
    "atlas", "clerk", "funda", "photon", "fingerprint", "ozone", "devise", "text", "block", "harness", "defiant",
    "habla", "cookie notice", "cookie information", "cookie control", "cookie compliance", "cookie script",
    "cookie law info", "gdpr cookie consent", "gdpr cookie compliance", "cookieconsent", "live agent",
    "embedded service", "pay later", "pay in 4", "account engagement", "header bidding", "demand manager",
    "digital audience", "perfect audience", "digital factory", "accept hosted", "live helper chat", "unified id",
    "panorama id", "functional software", "prospect one", "cloud software", "google cmp", "b2c commerce",
    "service cloud chat", "salesforce chat", "interaction studio", "marketing cloud", "sharedid",
    "transparent ad marketplace", "universal tracking tag", "application load balancer", "classic load balancer",
    "people-based attribution", "pubcommon id", "tag commander", "tracking code", "pin it button",
];

/// Short capitalised names that are ordinary abbreviations.
#[rustfmt::skip]
const SHORT_NEVER: &[&str] = &[
    "x", "ix", "td", "dv", "t1", "cj", "ats", "aps", "gpt", "gcs", "utt", "ias", "aam", "sap", "ly", "szm", "sm",
    "osm", "ga", "id", "ad", "ads", "api", "cdn", "js",
];

/// Vendor or owner names that are ordinary words (rule [`Rule::Common`]).
#[rustfmt::skip]
const COMMON: &[&str] = &[
    "segment", "heap", "drift", "amplitude", "plausible", "fathom", "clarity", "crisp", "braze", "drip", "privy",
    "sumo", "sift", "loom", "twitch", "stripe", "paddle", "affirm", "decibel", "chameleon", "honeybadger",
    "undertone", "unruly", "conversant", "iterable", "attentive", "ahoy", "umami", "pirsch", "nativo", "kargo",
    "boomerang", "sentry", "intercom", "glassbox", "ketch", "moat", "grapeshot", "rudder", "urchin", "momentive",
    "duda", "jetpack", "monotype", "lightspeed", "indeed", "civic", "claritas", "perl", "meta", "snap", "apple",
    "visa", "amazon", "oracle", "verve", "epsilon", "acuity", "floodlight", "clicky", "soundest", "shop pay",
    "enhanced conversions", "conversion linker", "performance horizon", "funding choices", "application insights",
    "commanders act", "mux", "optimize 360", "parsely", "wikipedia", "engage", "insights", "observe", "ask",
    "amplify", "realize", "feed", "newsroom", "radar", "elements", "checkout", "link", "forms", "sheets", "slides",
    "drive", "calendar", "photon", "tracks", "compass", "satellite", "smarttag",
];

/// Words that make an ordinary-word vendor name a product name when they follow it.
#[rustfmt::skip]
const PRODUCT_WORDS: &[&str] = &[
    "analytics", "pixel", "tag", "tags", "sdk", "api", "cdp", "chat", "messenger", "insights", "tracking", "tracker",
    "script", "plugin", "widget", "player", "embed", "ads", "advertising", "cookie", "cookies", "inc", "llc", "ltd",
    "gmbh", "corp", "corporation", "technologies", "software", "platform", "session", "replay", "heatmaps",
    "recordings", "io", "com",
];

/// Synonyms the signatures may lack: (phrase, signature id). Kept only if the id exists.
#[rustfmt::skip]
const SYNONYMS: &[(&str, &str)] = &[
    ("gtag", "google-analytics"), ("GA4", "google-analytics"), ("Universal Analytics", "google-analytics"),
    ("Google Analytics 4", "google-analytics"), ("Google Signals", "google-analytics"),
    ("Google DoubleClick", "google-doubleclick"), ("DoubleClick", "google-doubleclick"),
    ("Google AdSense", "google-adsense"), ("AdSense", "google-adsense"), ("Google AdWords", "google-ads"),
    ("Google Ads", "google-ads"), ("Google reCAPTCHA", "google-recaptcha"), ("reCAPTCHA", "google-recaptcha"),
    ("YouTube", "youtube"), ("Google Maps", "google-maps"), ("Google Fonts", "google-fonts"),
    ("Google Tag Manager", "google-tag-manager"), ("Google Docs", "google-docs"), ("Meta Pixel", "meta-pixel"),
    ("Facebook Pixel", "meta-pixel"), ("Facebook", "meta-pixel"), ("Instagram", "instagram"),
    ("LinkedIn Insight Tag", "linkedin-insight"), ("LinkedIn", "linkedin-insight"), ("TikTok Pixel", "tiktok-pixel"),
    ("Twitter Pixel", "x-ads"), ("Twitter Ads", "x-ads"), ("Twitter", "x-twitter"), ("X (Twitter)", "x-twitter"),
    ("Bing Ads", "microsoft-advertising"), ("Microsoft Clarity", "microsoft-clarity"), ("Hotjar", "hotjar"),
];

#[rustfmt::skip]
const CORPORATE_SUFFIXES: &[&str] = &[
    "inc.", "inc", "incorporated", "llc", "l.l.c.", "ltd.", "ltd", "limited", "gmbh", "ag", "sa", "s.a.", "sas",
    "s.a.s.", "se", "plc", "b.v.", "bv", "n.v.", "nv", "a/s", "aps", "ab", "oy", "oü", "co.", "co", "kg", "kgaa",
    "&", "corporation", "corp.", "corp", "pty", "pte.", "pte", "pvt.", "pvt", "private", "company", "s.r.o.",
    "s.r.l.", "srl", "ug", "(haftungsbeschränkt)", "d.o.o.", "uab", "ehf.", "sl", "s.l.", "fz-llc", "llp", "lp",
    "sp.", "z", "o.o.",
];

/// `Google LLC` → `Google`; `Amazon.com, Inc.` → `Amazon.com`; `None` for owners that are not
/// a company's name (open-source projects, people).
fn owner_name(owner: &str) -> Option<String> {
    let lower = owner.to_lowercase();
    if lower.contains("open source") || lower.contains("open-source") {
        return None;
    }
    let base = owner.split(" (").next().unwrap_or(owner);
    let mut words: Vec<&str> = base.split_whitespace().collect();
    while let Some(last) = words.last() {
        let w = last.trim_end_matches(',').to_lowercase();
        if words.len() > 1 && CORPORATE_SUFFIXES.contains(&w.as_str()) {
            words.pop();
        } else {
            break;
        }
    }
    if let [_, last] = words.as_slice()
        && matches!(
            last.trim_end_matches(',').to_lowercase().as_str(),
            "group" | "groupe" | "holdings"
        )
    {
        words.pop();
    }
    let name = words.join(" ").trim_end_matches(',').trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// A vendor's name (and its parts: `Meta Pixel (Facebook)` → `Meta Pixel`, `Facebook`) and
/// aliases.
fn vendor_phrases(v: &Vendor) -> Vec<String> {
    let mut out = vec![v.name.clone()];
    if let Some((base, rest)) = v.name.split_once(" (") {
        out.push(base.to_string());
        let inner = rest.trim_end_matches(')');
        if !inner.contains(',') {
            out.push(inner.to_string());
        }
    }
    out.extend(v.aliases.iter().cloned());
    out
}

/// The first ASCII-alphanumeric run of a phrase: the key it is looked up by.
fn first_word(s: &str) -> &str {
    let end = s.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len());
    &s[..end]
}

/// Bit index for a word's length (up to 31), first and last byte.
fn shape(word: &[u8]) -> usize {
    let first = usize::from(word.first().copied().unwrap_or(0));
    let last = usize::from(word.last().copied().unwrap_or(0));
    word.len().min(31) << 16 | first << 8 | last
}

/// The vendor dictionary of one signature index.
struct Dictionary {
    entries: FastMap<String, Entry>,
    /// First word → phrases starting with it, longest first.
    by_first: FastMap<String, Vec<String>>,
    /// Bit set of the [`shape`] of every first word: most words are rejected here.
    shapes: Vec<u64>,
    /// Phrases that do not start with an ASCII letter or digit (`百度统计`).
    special: Vec<String>,
}

impl Dictionary {
    fn build(index: &SignatureIndex) -> Dictionary {
        let mut d = Dictionary {
            entries: FastMap::default(),
            by_first: FastMap::default(),
            shapes: vec![0; 1 << 15],
            special: Vec::new(),
        };
        let hand_written = |v: &Vendor| v.source == "built-in" && !v.origin.file.contains("imported/");
        for v in index.vendors().iter().filter(|v| hand_written(v)) {
            for phrase in vendor_phrases(v) {
                d.add(&phrase, Some(&v.id), 0);
            }
        }
        for (phrase, id) in SYNONYMS {
            if index.vendor(id).is_some() {
                d.add(phrase, Some(id), 0);
            }
        }
        // Owners: a name that owns several vendors names none of them (`Google`), except an
        // owner whose only vendor has its name (`GitHub`, `Ruby on Rails`).
        let mut owners: HashMap<String, (String, Vec<&Vendor>)> = HashMap::new();
        for v in index.vendors() {
            if let Some(owner) = owner_name(&v.owner) {
                owners
                    .entry(owner.to_ascii_lowercase())
                    .or_insert_with(|| (owner, Vec::new()))
                    .1
                    .push(v);
            }
        }
        let mut owners: Vec<(String, (String, Vec<&Vendor>))> = owners.into_iter().collect();
        owners.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, (owner, vs)) in &owners {
            let vendor = match vs.as_slice() {
                [only] if only.name.to_ascii_lowercase() == *key => Some(only.id.as_str()),
                _ => None,
            };
            d.add(owner, vendor, 1);
            if let Some(short) = owner.strip_suffix(".com") {
                d.add(short, None, 1);
            }
        }
        for v in index.vendors().iter().filter(|v| !hand_written(v)) {
            for phrase in vendor_phrases(v) {
                d.add(&phrase, Some(&v.id), 2);
            }
        }
        for key in d.entries.keys() {
            let first = first_word(key);
            if first.is_empty() {
                d.special.push(key.clone());
                continue;
            }
            let bit = shape(first.as_bytes());
            if let Some(w) = d.shapes.get_mut(bit / 64) {
                *w |= 1 << (bit % 64);
            }
            d.by_first.entry(first.to_string()).or_default().push(key.clone());
        }
        for list in d.by_first.values_mut() {
            list.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        }
        d.special.sort();
        d
    }

    fn add(&mut self, phrase: &str, vendor: Option<&str>, rank: u8) {
        let spelling = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = spelling.to_ascii_lowercase();
        let chars = key.chars().count();
        if chars < 2 || NEVER.contains(&key.as_str()) {
            return;
        }
        let rule = if chars < 4 {
            if !spelling.chars().any(|c| c.is_ascii_uppercase()) || SHORT_NEVER.contains(&key.as_str()) {
                return;
            }
            Rule::ExactCase
        } else if COMMON.contains(&key.as_str()) {
            Rule::Common
        } else {
            Rule::Plain
        };
        if let Some(e) = self.entries.get_mut(&key) {
            // Two owners spelled alike name no single vendor.
            if e.rank == 1 && rank == 1 && e.vendor.as_deref() != vendor {
                e.vendor = None;
            }
            if e.rank <= rank {
                return;
            }
        }
        let entry = Entry {
            vendor: vendor.map(str::to_string),
            rule,
            spelling,
            rank,
        };
        self.entries.insert(key, entry);
    }

    /// Whether some phrase starts with this word (a cheap test first).
    fn may_start(&self, word: &str) -> Option<&Vec<String>> {
        let bit = shape(word.as_bytes());
        if self
            .shapes
            .get(bit / 64)
            .is_none_or(|w| w & (1 << (bit % 64)) == 0)
        {
            return None;
        }
        self.by_first.get(word)
    }
}

/// A hash of what the dictionary is built from, to reuse it across calls.
fn fingerprint(index: &SignatureIndex) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    index.version().hash(&mut h);
    for v in index.vendors() {
        (
            &v.id,
            &v.name,
            &v.owner,
            &v.aliases,
            &v.source,
            v.origin.file.as_ref(),
        )
            .hash(&mut h);
    }
    h.finish()
}

static DICTIONARY: Mutex<Option<(u64, Arc<Dictionary>)>> = Mutex::new(None);

/// The dictionary of `index`, built once per signature set.
fn dictionary(index: &SignatureIndex) -> Arc<Dictionary> {
    let key = fingerprint(index);
    if let Some((k, d)) = DICTIONARY.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        && *k == key
    {
        return Arc::clone(d);
    }
    let d = Arc::new(Dictionary::build(index));
    *DICTIONARY.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, Arc::clone(&d)));
    d
}

/// Vendor names, owners and synonyms, one entry per vendor (or owner) with its first quote.
fn find_vendors(doc: &Doc, dict: &Dictionary) -> Vec<DeclaredVendor> {
    let (text, lower) = (doc.text, doc.lower.as_str());
    let (lb, tb) = (lower.as_bytes(), text.as_bytes());
    // (start, end, phrase)
    let mut hits: Vec<(usize, usize, &str)> = Vec::new();
    // The vendor id, or the owner's name: one hit per key from the word loop.
    fn key<'a>(dict: &'a Dictionary, phrase: &'a str) -> Option<&'a str> {
        dict.entries
            .get(phrase)
            .map(|e| e.vendor.as_deref().unwrap_or(phrase))
    }
    let mut first: FastSet<&str> = FastSet::default();
    let mut covered = 0;
    let mut try_at = |s: usize, word_end: usize| {
        if s < covered {
            return;
        }
        let Some(list) = dict.may_start(&lower[s..word_end]) else {
            return;
        };
        // Not inside a host name, a URL path or an e-mail address (`www.google.com`).
        if s.checked_sub(1)
            .is_some_and(|j| matches!(lb[j], b'.' | b'/' | b'@'))
        {
            return;
        }
        if let Some(end) = vendor_at(doc, dict, list, s).filter(|_| left_ok(text, s)) {
            if key(dict, &lower[s..end]).is_some_and(|k| first.insert(k)) {
                hits.push((s, end, &lower[s..end]));
            }
            covered = end;
        }
    };
    let n = lb.len().min(tb.len());
    let mut i = 0;
    while i < n {
        if CLASS[usize::from(lb[i])] & ALNUM == 0 {
            i += 1;
            continue;
        }
        // A word, and the case changes inside it ("hereGoogle").
        let run_start = i;
        let mut junction = false;
        i += 1;
        while i < n && CLASS[usize::from(lb[i])] & ALNUM != 0 {
            junction |= CLASS[usize::from(tb[i])] & UPPER != 0 && CLASS[usize::from(tb[i - 1])] & LOWER != 0;
            i += 1;
        }
        try_at(run_start, i);
        if junction {
            for k in run_start + 1..i {
                if CLASS[usize::from(tb[k])] & UPPER != 0 && CLASS[usize::from(tb[k - 1])] & LOWER != 0 {
                    try_at(k, i);
                }
            }
        }
    }
    for phrase in &dict.special {
        for (s, _) in lower.match_indices(phrase.as_str()) {
            let list = std::slice::from_ref(phrase);
            if left_ok(text, s)
                && let Some(end) = vendor_at(doc, dict, list, s)
            {
                hits.push((s, end, &lower[s..end]));
            }
        }
    }
    hits.sort_by_key(|h| h.0);
    let mut seen: FastSet<&str> = FastSet::default();
    let mut out = Vec::new();
    for (start, end, phrase) in hits {
        let (Some(entry), Some(k)) = (dict.entries.get(phrase), key(dict, phrase)) else {
            continue;
        };
        if seen.insert(k) {
            out.push(DeclaredVendor {
                name: text[start..end].to_string(),
                vendor: entry.vendor.clone(),
                source: 0,
                quote: Some(doc.quote(start, end)),
            });
        }
    }
    out
}

/// The end of the longest acceptable phrase of `list` starting at `start`.
fn vendor_at(doc: &Doc, dict: &Dictionary, list: &[String], start: usize) -> Option<usize> {
    let rest = &doc.lower[start..];
    list.iter().find_map(|phrase| {
        let end = start + phrase.len();
        let entry = dict.entries.get(phrase)?;
        (rest.starts_with(phrase.as_str()) && right_ok(doc.text, end) && accepted(doc, entry, start, end))
            .then_some(end)
    })
}

/// Whether the dictionary hit `start..end` satisfies its entry's rule.
fn accepted(doc: &Doc, entry: &Entry, start: usize, end: usize) -> bool {
    let found = &doc.text[start..end];
    match entry.rule {
        Rule::Plain => true,
        Rule::ExactCase => found == entry.spelling,
        Rule::Common => {
            let rest = &doc.text[end..];
            if rest.starts_with('-') {
                return false;
            }
            let capitalised = found.chars().next().is_some_and(char::is_uppercase);
            let shouting = found.chars().filter(|c| c.is_uppercase()).count() >= 2
                && !found.chars().any(char::is_lowercase)
                && entry.spelling.chars().any(char::is_lowercase);
            if capitalised && !shouting {
                let (s, _) = doc.sentence_at(start);
                // A letter before it in its sentence (looking back 200 bytes at most).
                let from = floor_char(doc.text, start.saturating_sub(200).max(s));
                if s < start && doc.text[from..start].chars().any(char::is_alphabetic) {
                    return true;
                }
            }
            let next = rest.trim_start_matches([' ', '.']);
            let word = &next[..next
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(next.len())];
            rest.starts_with([' ', '.']) && PRODUCT_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cookie names.

/// A cookie name mentioned at `start..end`.
type Mention = (usize, usize, Arc<str>);

struct Cookies {
    items: Vec<DeclaredItem>,
    /// Every accepted mention, sorted by start: (start, end, name).
    mentions: Vec<Mention>,
}

#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "a", "an", "the", "and", "or", "which", "that", "this", "these", "those", "is", "are", "was", "be", "by", "for",
    "with", "to", "from", "in", "on", "of", "as", "it", "its", "we", "us", "our", "you", "your", "session",
    "persistent", "first-party", "third-party", "cookie", "cookies", "such", "e.g", "i.e", "etc", "der", "die",
    "das", "le", "la", "les", "el", "los", "las", "il", "de", "du", "des", "und", "et", "y", "e", "en", "un", "une",
];

/// Opening and closing quote characters around a quoted name.
fn quoted(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    matches!(
        before,
        Some('"' | '\'' | '`' | '“' | '‘' | '„' | '«' | '‚' | '「')
    ) && matches!(after, Some('"' | '\'' | '`' | '”' | '’' | '“' | '»' | '‘' | '」'))
}

/// Tokens that may be cookie names: runs of `[A-Za-z0-9_.#$-]` (plus a trailing `*`) with an
/// underscore, mixed case or only capitals (`_ga`, `CookieConsent`, `IDE`), or in quotes.
fn code_tokens(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        let class = CLASS[usize::from(b)];
        if class & ALNUM == 0 && !matches!(b, b'_' | b'#' | b'$') {
            i += 1;
            continue;
        }
        let start = i;
        let (mut underscore, mut upper_after_first, mut lower, mut not_caps) = (false, false, false, false);
        let first_upper = class & UPPER != 0;
        while i < n {
            let b = bytes[i];
            let c = CLASS[usize::from(b)];
            if c & TOKEN == 0 {
                break;
            }
            underscore |= b == b'_';
            upper_after_first |= i > start && c & UPPER != 0;
            lower |= c & LOWER != 0;
            not_caps |= c & (UPPER | ALNUM) == 0 && b != b'.' && b != b'-' || c & LOWER != 0 || b == b'_';
            i += 1;
        }
        if i < n && bytes[i] == b'*' {
            i += 1;
        }
        let caps = first_upper && !not_caps && (3..=21).contains(&(i - start));
        let quote_before = match start.checked_sub(1).map(|j| bytes[j]) {
            Some(b'"' | b'\'' | b'`') => true,
            Some(b) if b >= 0x80 => {
                matches!(
                    text[..start].chars().next_back(),
                    Some('“' | '‘' | '„' | '«' | '‚' | '「')
                )
            }
            _ => false,
        };
        if underscore || upper_after_first && lower || caps || quote_before {
            out.push((start, i));
        }
    }
    out
}

/// A name as [`crate::signatures::pattern::NamePattern`] reads it: placeholder runs
/// (`XXXXXX`, `xxxx`, `####`) between separators become `#` (`_ga_XXXXXXXX` → `_ga_#`).
fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, part) in name.split_inclusive(['_', '-', '.']).enumerate() {
        let (body, sep) = match part.char_indices().next_back() {
            Some((j, '_' | '-' | '.')) => (&part[..j], &part[j..]),
            _ => (part, ""),
        };
        let (body, star) = body.strip_suffix('*').map_or((body, ""), |b| (b, "*"));
        let placeholder = body.len() >= 3 && body.chars().all(|c| matches!(c, 'x' | 'X' | '#'));
        if placeholder && (i > 0 || !sep.is_empty()) {
            out.push('#');
        } else {
            out.push_str(body);
        }
        out.push_str(star);
        out.push_str(sep);
    }
    out
}

fn purpose_category(p: Purpose) -> DeclaredCategory {
    match p {
        Purpose::Necessary => DeclaredCategory::Necessary,
        Purpose::Preferences => DeclaredCategory::Preferences,
        Purpose::Statistics => DeclaredCategory::Statistics,
        Purpose::Marketing => DeclaredCategory::Marketing,
        Purpose::Unclassified => DeclaredCategory::Unclassified,
    }
}

/// Looks a token up: the category of the first signature that may apply. A generic name (a
/// signature scoped to its vendor's own domains) applies only when `generic_ok`.
fn lookup(
    index: &SignatureIndex,
    token: &str,
    generic_ok: bool,
    cache: &mut FastMap<String, Option<(DeclaredCategory, bool)>>,
    budget: &mut usize,
) -> Option<DeclaredCategory> {
    let found = match cache.get(token) {
        Some(v) => *v,
        None => {
            *budget = budget.checked_sub(1)?;
            let all = index.match_cookie_all(token);
            let v = all
                .iter()
                .find(|m| m.signature.scope == Scope::Any)
                .map(|m| (purpose_category(m.signature.purpose), true))
                .or_else(|| {
                    all.first()
                        .map(|m| (purpose_category(m.signature.purpose), false))
                });
            cache.insert(token.to_string(), v);
            v
        }
    };
    match found {
        Some((cat, true)) => Some(cat),
        Some((cat, false)) if generic_ok => Some(cat),
        _ => None,
    }
}

fn find_cookies(doc: &Doc, p: &Patterns, index: &SignatureIndex, problems: &mut Vec<String>) -> Cookies {
    let (text, lower) = (doc.text, doc.lower.as_str());
    let mut items: Vec<DeclaredItem> = Vec::new();
    let mut names: FastMap<String, Arc<str>> = FastMap::default();
    let mut mentions = Vec::new();
    let mut cache = FastMap::default();
    let mut budget = MAX_COOKIE_LOOKUPS;
    let mut add = |found: &str, cat: DeclaredCategory, start: usize, items: &mut Vec<DeclaredItem>| {
        let name = normalise_name(found);
        let name = name.as_str();
        let end = start + found.len();
        if let Some(shared) = names.get(name) {
            mentions.push((start, end, Arc::clone(shared)));
        } else {
            let shared: Arc<str> = Arc::from(name);
            names.insert(name.to_string(), Arc::clone(&shared));
            mentions.push((start, end, shared));
            items.push(DeclaredItem {
                name: name.to_string(),
                kind: ItemKind::Cookie,
                provider: None,
                category: cat,
                category_label: None,
                purpose: None,
                expiry_text: None,
                expiry_secs: None,
                session: None,
                count: 1,
                source: 0,
                location: Some("text".to_string()),
            });
        }
    };

    // Names listed after "cookie(s) named/called …".
    let mut listed: FastSet<usize> = FastSet::default();
    for (at, _) in lower.match_indices("cookie") {
        let window = &lower[at..ceil_char(lower, at + 60)];
        let Some(m) = p.named_list.find(window).filter(|_| left_ok(text, at)) else {
            continue;
        };
        let mut pos = at + m.end();
        for _ in 0..20 {
            let rest = &text[pos..];
            let tstart = pos + rest.len()
                - rest
                    .trim_start_matches([' ', '"', '\'', '`', '“', '‘', '„', '«'])
                    .len();
            let Some(tm) = p
                .cookie_token
                .find_at(&text[..ceil_char(text, tstart + 80)], tstart)
            else {
                break;
            };
            let token = tm.as_str().trim_end_matches(['.', '-']);
            if tm.start() != tstart
                || token.is_empty()
                || token.len() > 64
                || NOT_NAMES.contains(&token.to_ascii_lowercase().as_str())
            {
                break;
            }
            let cat =
                lookup(index, token, true, &mut cache, &mut budget).unwrap_or(DeclaredCategory::Unknown);
            listed.insert(tstart);
            add(token, cat, tstart, &mut items);
            pos = tstart + token.len();
            let rest = &text[pos..];
            let sep = rest.len()
                - rest
                    .trim_start_matches(['"', '\'', '`', '”', '’', '»', ')'])
                    .len();
            let after = &lower[pos + sep..];
            let next = [
                ", and ", ", or ", ", ", " and ", " or ", " und ", " et ", " y ", " e ", " en ", " i ",
                " / ", "/",
            ]
            .iter()
            .find(|s| after.starts_with(**s));
            match next {
                Some(s) => pos += sep + s.len(),
                None => break,
            }
        }
    }

    // Code-like tokens anywhere.
    let mut capped = false;
    for (start, raw_end) in code_tokens(text) {
        if listed.contains(&start) || !left_ok(text, start) {
            continue;
        }
        let token = text[start..raw_end].trim_end_matches(['.', '-']);
        let end = start + token.len();
        if token.len() < 2 || token.len() > 64 || !token.bytes().any(|c| c.is_ascii_alphabetic()) {
            continue;
        }
        let is_quoted = quoted(text, start, end);
        let underscore = token.contains('_');
        let mixed = token.bytes().skip(1).any(|c| c.is_ascii_uppercase())
            && token.bytes().any(|c| c.is_ascii_lowercase());
        let caps = (3..=20).contains(&token.len())
            && token.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
            && token
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let code_like = underscore || mixed || caps;
        let quoted_name =
            is_quoted && token.len() >= 3 && !NOT_NAMES.contains(&token.to_ascii_lowercase().as_str());
        if !(code_like || quoted_name) {
            continue;
        }
        // A generic name (one a vendor only sets on its own domains) counts when it is
        // quoted in a sentence about cookies.
        let generic_ok = is_quoted && {
            let (s, e) = doc.sentence_at(start);
            let from = floor_char(lower, start.saturating_sub(300).max(s));
            lower[from..ceil_char(lower, (end + 300).min(e.max(end)))].contains("cookie")
        };
        if budget == 0 && !cache.contains_key(token) {
            capped = true;
            continue;
        }
        if let Some(cat) = lookup(index, token, generic_ok, &mut cache, &mut budget) {
            add(token, cat, start, &mut items);
        }
    }
    if capped {
        problems.push(format!(
            "more than {MAX_COOKIE_LOOKUPS} distinct cookie-like tokens; the rest were not looked up"
        ));
    }

    // "_ ga": a name split by machine translation or text extraction; exact names only.
    let bytes = text.as_bytes();
    let mut split_names: FastMap<String, Option<DeclaredCategory>> = FastMap::default();
    for (at, _) in text.match_indices("_ ") {
        let word: String = text[at + 2..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .take(30)
            .collect();
        if word.len() < 2 || at.checked_sub(1).and_then(|j| bytes.get(j)) == Some(&b'_') {
            continue;
        }
        let name = format!("_{word}");
        let exact = match split_names.get(&name) {
            Some(found) => *found,
            None if budget > 0 => {
                budget -= 1;
                let found = index
                    .match_cookie_all(&name)
                    .into_iter()
                    .find(|m| m.signature.scope == Scope::Any && m.signature.pattern.source() == name)
                    .map(|m| purpose_category(m.signature.purpose));
                split_names.insert(name.clone(), found);
                found
            }
            None => None,
        };
        if let Some(cat) = exact {
            add(&name, cat, at, &mut items);
        }
    }
    mentions.sort_by_key(|m| m.0);
    Cookies { items, mentions }
}

// ---------------------------------------------------------------------------------------------
// The regex pass: technologies, retention periods, negation cues.

/// What the regex pass finds.
#[derive(Default)]
struct Found {
    /// (technology, start, end), at most one per technology and sentence.
    tech_hits: Vec<(&'static str, usize, usize)>,
    tech_seen: FastSet<(&'static str, usize)>,
    retention: Vec<(usize, RetentionStatement)>,
    negs: Vec<Neg>,
    neg_seen: FastSet<(usize, &'static str)>,
    /// Negation cues weighed so far.
    cues: usize,
    /// Per (sentence, block): periods judged, cues weighed, whether it is about keeping data.
    judged: FastMap<(usize, usize), u8>,
    weighed: FastMap<(usize, usize), u8>,
    about_keeping: FastMap<(usize, usize), bool>,
}

impl Found {
    fn tech(&mut self, doc: &Doc, tech: &'static str, start: usize, end: usize) {
        if self.tech_seen.insert((tech, doc.sentence_index(start))) {
            self.tech_hits.push((tech, start, end));
        }
    }
}

/// A denial found at `pos`.
struct Neg {
    pos: usize,
    sentence: usize,
    denies: &'static str,
    quote: String,
}

/// The regex pass over the whole text, then at case changes inside words.
fn scan(doc: &Doc, p: &Patterns, cookies: &[Mention], f: &mut Found) {
    let lower = doc.lower.as_str();
    let mut kinds: FastMap<&str, Option<&'static str>> = FastMap::default();
    for m in p.scanner.find_iter(lower) {
        handle(doc, p, cookies, &mut kinds, f, m.start(), m.end());
    }
    // Word starts the regex's ASCII `\b` does not see: a case change inside a word
    // ("analyzeServer log"). A slice starting there puts a boundary at its start.
    let bytes = doc.text.as_bytes();
    let mut junctions = Vec::new();
    let mut i = 1;
    while i < bytes.len() && junctions.len() < MAX_JUNCTIONS {
        if CLASS[usize::from(bytes[i])] & UPPER != 0 && CLASS[usize::from(bytes[i - 1])] & LOWER != 0 {
            junctions.push(i);
        }
        i += 1;
    }
    for j in junctions {
        let window = &lower[j..ceil_char(lower, j + 200)];
        if let Some(m) = p.scanner.find(window).filter(|m| m.start() == 0) {
            handle(doc, p, cookies, &mut kinds, f, j, j + m.end());
        }
    }
}

/// Handles one hit of the regex pass.
fn handle<'d>(
    doc: &'d Doc,
    p: &Patterns,
    cookies: &[Mention],
    kinds: &mut FastMap<&'d str, Option<&'static str>>,
    f: &mut Found,
    start: usize,
    end: usize,
) {
    let hit = &doc.lower[start..end];
    let tech = *kinds
        .entry(hit)
        .or_insert_with(|| p.techs.iter().find(|(_, re)| re.is_match(hit)).map(|(t, _)| *t));
    if let Some(tech) = tech {
        if left_ok(doc.text, start) && right_ok(doc.text, end) {
            f.tech(doc, tech, start, end);
        }
    } else if let Some((amount, unit)) = parse_period(hit) {
        if let Some(r) = retention_at(doc, (amount, unit), start, end, cookies, f) {
            f.retention.push((start, r));
        }
    } else if let Some(kind) = cue_kind(hit) {
        negation_at(doc, kind, start, end, f);
    }
}

// ---------------------------------------------------------------------------------------------
// Technologies.

/// Denials that make a mention of the technology in the same sentence not count.
fn denied_by(tech: &str) -> &'static [&'static str] {
    match tech {
        "cookies" => &["cookies", "marketing", "statistics", "third-party-cookies"],
        "web-beacons" => &["web-beacons"],
        "fingerprinting" => &["fingerprinting"],
        _ => &[],
    }
}

/// The technologies: the first mention of each in a sentence that does not deny it.
fn technologies(doc: &Doc, f: &Found) -> Vec<DeclaredTechnology> {
    let denied: HashSet<(usize, &str)> = f.negs.iter().map(|n| (n.sentence, n.denies)).collect();
    let mut hits = f.tech_hits.clone();
    hits.sort_by_key(|&(_, start, _)| start);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (tech, start, end) in hits {
        let si = doc.sentence_index(start);
        if seen.contains(tech) || denied_by(tech).iter().any(|d| denied.contains(&(si, *d))) {
            continue;
        }
        seen.insert(tech);
        out.push(DeclaredTechnology {
            technology: tech.to_string(),
            source: 0,
            quote: Some(doc.quote(start, end)),
        });
    }
    out
}

/// `DNT` and `GPC` written in capitals.
fn cased_terms(doc: &Doc, f: &mut Found) {
    let bytes = doc.text.as_bytes();
    for (term, tech) in [("DNT", "do-not-track"), ("GPC", "gpc")] {
        for (i, _) in doc.text.match_indices(term) {
            let end = i + term.len();
            let before = i.checked_sub(1).and_then(|j| bytes.get(j));
            if before.is_some_and(u8::is_ascii_alphanumeric)
                || bytes.get(end).is_some_and(u8::is_ascii_alphanumeric)
            {
                continue;
            }
            f.tech(doc, tech, i, end);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Retention.

/// Words that make a sentence about keeping or deleting things (lower-case stems).
#[rustfmt::skip]
const RETENTION_WORDS: &[&str] = &[
    "retain", "retention", "keep", "kept", "store", "stored", "storage", "storing", "delete", "deleted", "deletion",
    "erase", "erased", "expire", "expiry", "expiration", "expires", "lifetime", "lifespan", "life span", "persist",
    "remain", "valid for", "duration", "anonymi", "purge", "archive", "hold", "held", "save", "saved", "destroy",
    "speicher", "aufbewahr", "lösch", "gelöscht", "laufzeit", "ablauf", "gültig", "conserv", "supprim", "effac",
    "expir", "durée", "almacen", "elimin", "borra", "caduc", "duración", "guard", "memorizz", "cancell", "scad",
    "durata", "bewaar", "opgeslagen", "verwijder", "verloop", "looptijd", "przechowyw", "usuw", "usunię", "wygas",
    "ważn", "armazen", "exclu", "duração", "mantid", "保存", "保留", "存储", "删除", "期限", "有效期", "留存",
];

/// Known subjects of a retention sentence.
#[rustfmt::skip]
const SUBJECTS: &[&str] = &[
    "web server logs", "server log files", "server logfiles", "server logs", "server log", "access logs",
    "log files", "logfiles", "log file", "log data", "log information", "logs", "ip addresses", "ip address",
    "your personal data", "your personal information", "personal data", "personal information", "your data",
    "your information", "account data", "account information", "usage data", "analytics data",
    "session recordings", "recordings", "cookies", "cookie", "backups", "records", "messages", "data", "information",
    "server-logfiles", "log-dateien", "protokolldaten", "ip-adressen", "ip-adresse", "personenbezogenen daten",
    "personenbezogene daten", "ihre daten", "daten", "fichiers journaux", "journaux", "données personnelles",
    "données à caractère personnel", "vos données", "données", "adresse ip", "datos personales", "sus datos",
    "datos", "registros", "dirección ip", "dati personali", "dati", "indirizzo ip", "persoonsgegevens", "gegevens",
    "logbestanden", "dane osobowe", "dane", "logi", "dados pessoais", "dados", "服务器日志", "日志", "个人信息", "数据",
];

/// Words before a period that make it an age, a look-back or a recurrence.
#[rustfmt::skip]
const NOT_RETENTION_BEFORE: &[&str] = &[
    "age of", "aged", "under", "last", "past", "previous", "preceding", "over the", "every", "each", "per",
];

/// Words after a period that make it an age, a look-back or a notice period.
#[rustfmt::skip]
const NOT_RETENTION_AFTER: &[&str] = &[
    " old", " of age", " ago", " of experience", " of operation", " in advance", " prior", " notice", "'s notice",
    "’s notice", " alt", " jünger", " älter",
];

/// Words one of which must come right before "a"/"an" used as a number ("for a year").
#[rustfmt::skip]
const ARTICLE_LEADS: &[&str] = &[
    "for", "of", "after", "than", "to", "within", "about", "approximately", "least", "most", "up", "over", "half",
    "only", "just", "maximum", "max",
];

/// Splits a period into its amount and its unit's length in seconds: `6 months`, `24-hour`,
/// `twenty-four hours`, `half a year`, `1,5 Jahre`.
fn parse_period(hit: &str) -> Option<(f64, u64)> {
    let (number, unit) = if hit.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let i = hit.find(|c: char| !c.is_ascii_digit() && c != '.' && c != ',')?;
        hit.split_at(i)
    } else {
        hit.split_at(hit.rfind(|c: char| c.is_whitespace() || c == '-')?)
    };
    let number = number.trim_matches(|c: char| c.is_whitespace() || c == '-');
    let unit = unit.trim_matches(|c: char| c.is_whitespace() || c == '-');
    let secs = UNITS.iter().find(|(w, _)| *w == unit)?.1;
    let amount = if number.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        number.replace(',', ".").parse::<f64>().ok()?
    } else {
        word_number(&number.split_whitespace().collect::<Vec<_>>().join(" "))?
    };
    Some((amount, secs))
}

fn word_number(w: &str) -> Option<f64> {
    if let Some((tens, ones)) = w.split_once('-') {
        return Some(word_number(tens)? + word_number(ones)?);
    }
    NUMBER_WORDS.iter().find(|(n, _)| *n == w).map(|(_, v)| *v)
}

/// A retention statement for the period `hit` found at `start..end`.
fn retention_at(
    doc: &Doc,
    (amount, unit): (f64, u64),
    start: usize,
    end: usize,
    cookies: &[Mention],
    f: &mut Found,
) -> Option<RetentionStatement> {
    let (text, lower) = (doc.text, doc.lower.as_str());
    let hit = &lower[start..end];
    if text[..start]
        .chars()
        .next_back()
        .is_some_and(|ch| ch.is_alphanumeric() || ch == '.' || ch == ',')
        || text[end..].chars().next().is_some_and(char::is_alphanumeric)
        || amount <= 0.0
    {
        return None;
    }
    if ["a ", "an ", "a-", "an-"].iter().any(|a| hit.starts_with(a)) {
        let prev_word = lower[floor_char(lower, start.saturating_sub(40))..start]
            .split_whitespace()
            .next_back();
        if !prev_word.is_some_and(|w| ARTICLE_LEADS.contains(&w)) {
            return None;
        }
    }
    judge(doc, start, end, (amount * unit as f64).round() as u64, cookies, f)
}

/// Periods written with CJK units: `6个月`, `30天`.
fn cjk_retention(doc: &Doc, cookies: &[Mention], f: &mut Found) {
    let bytes = doc.lower.as_bytes();
    for (unit, secs) in CJK_UNITS {
        for (i, _) in doc.lower.match_indices(unit) {
            let digits_end = if i > 0 && bytes.get(i - 1) == Some(&b' ') {
                i - 1
            } else {
                i
            };
            let mut j = digits_end;
            while j > 0 && bytes.get(j - 1).is_some_and(u8::is_ascii_digit) && digits_end - j < 4 {
                j -= 1;
            }
            if j == digits_end
                || digits_end - j > 3
                || j > 0 && bytes.get(j - 1).is_some_and(u8::is_ascii_digit)
            {
                continue;
            }
            let Some(n) = doc.lower[j..digits_end].parse::<u64>().ok().filter(|n| *n > 0) else {
                continue;
            };
            if let Some(r) = judge(doc, j, i + unit.len(), n.saturating_mul(*secs), cookies, f) {
                f.retention.push((j, r));
            }
        }
    }
}

/// A retention statement for the period at `start..end`, if its sentence is about keeping
/// or deleting and the period is not an age, a look-back or a notice period.
fn judge(
    doc: &Doc,
    start: usize,
    end: usize,
    secs: u64,
    cookies: &[Mention],
    f: &mut Found,
) -> Option<RetentionStatement> {
    let lower = doc.lower.as_str();
    let (s, e) = doc.sentence_at(start);
    let before = lower[floor_char(lower, start.saturating_sub(30).max(s))..start].trim_end();
    if NOT_RETENTION_BEFORE.iter().any(|w| before.ends_with(w)) {
        return None;
    }
    let after = &lower[end..ceil_char(lower, end + 20)];
    if NOT_RETENTION_AFTER.iter().any(|w| after.starts_with(w)) {
        return None;
    }
    // Whether the sentence (or, in a long one, the kilobyte around the period) is about
    // keeping or deleting; and at most a few periods per such stretch.
    let block = (doc.sentence_index(start), (start - s.min(start)) / BLOCK);
    let judged = f.judged.entry(block).or_insert(0);
    *judged = judged.saturating_add(1);
    if *judged > PER_BLOCK {
        return None;
    }
    let about_keeping = *f.about_keeping.entry(block).or_insert_with(|| {
        let block_start = s + block.1 * BLOCK;
        let from = floor_char(lower, block_start.saturating_sub(400).max(s));
        let to = ceil_char(lower, (block_start + BLOCK + 400).min(e.max(end)).max(end));
        has_any(&lower[from..to], RETENTION_WORDS)
    });
    if !about_keeping {
        return None;
    }
    Some(RetentionStatement {
        subject: find_subject(doc, start, end, cookies),
        duration_secs: secs,
        quote: doc.quote(start, end),
        source: 0,
    })
}

/// [`SUBJECTS`] by their first ASCII word (longest first), and those without one.
type SubjectIndex = (FastMap<&'static str, Vec<&'static str>>, Vec<&'static str>);

static SUBJECT_INDEX: LazyLock<SubjectIndex> = LazyLock::new(|| {
    let mut by_first: FastMap<&'static str, Vec<&'static str>> = FastMap::default();
    let mut special = Vec::new();
    for subject in SUBJECTS {
        match first_word(subject) {
            "" => special.push(*subject),
            first => by_first.entry(first).or_default().push(subject),
        }
    }
    for list in by_first.values_mut() {
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
    (by_first, special)
});

/// The nearest known subject before the period (a cookie name when the subject is a
/// cookie), else the nearest after it, in its sentence.
fn find_subject(doc: &Doc, start: usize, end: usize, cookies: &[Mention]) -> String {
    let (text, lower) = (doc.text, doc.lower.as_str());
    let (s, e) = doc.sentence_at(start);
    let from = floor_char(lower, start.saturating_sub(300).max(s));
    let to = ceil_char(lower, (end + 200).min(e.max(end)));
    // (end, length, subject) before; (start, subject) after.
    let mut before: Option<(usize, usize, &str)> = None;
    let mut after: Option<(usize, &str)> = None;
    let mut consider = |a: usize, subject: &'static str| {
        let b = a + subject.len();
        if !left_ok(text, a) || !right_ok(text, b) {
            return;
        }
        if b <= start {
            if before.is_none_or(|x| (b, subject.len()) > (x.0, x.1)) {
                before = Some((b, subject.len(), subject));
            }
        } else if a >= end && after.is_none_or(|x| a < x.0) {
            after = Some((a, subject));
        }
    };
    let (by_first, special) = &*SUBJECT_INDEX;
    let (lb, tb) = (lower.as_bytes(), text.as_bytes());
    let mut i = from;
    while i < to {
        let word_start = CLASS[usize::from(lb[i])] & ALNUM != 0
            && (i == 0
                || CLASS[usize::from(lb[i - 1])] & ALNUM == 0
                || CLASS[usize::from(tb[i - 1])] & LOWER != 0 && CLASS[usize::from(tb[i])] & UPPER != 0);
        if word_start {
            let mut j = i;
            while j < lb.len() && CLASS[usize::from(lb[j])] & ALNUM != 0 {
                j += 1;
            }
            if let Some(list) = by_first.get(&lower[i..j]) {
                // The longest subject written here (`server logs` before `server`).
                if let Some(subject) = list.iter().find(|sub| lower[i..].starts_with(**sub)) {
                    consider(i, subject);
                }
            }
        }
        i += 1;
    }
    for subject in special {
        for (i, _) in lower[from..to].match_indices(subject) {
            consider(from + i, subject);
        }
    }
    // Mentions are sorted by start: those in the window before the period.
    let (lo, hi) = (
        cookies.partition_point(|m| m.0 < from),
        cookies.partition_point(|m| m.0 < start),
    );
    let cookie = cookies
        .get(lo..hi)
        .unwrap_or_default()
        .iter()
        .filter(|m| m.1 <= start)
        .max_by_key(|m| m.1);
    match (before, cookie) {
        (Some((b, _, sub)), Some((_, cb, name))) if *cb >= b || sub.starts_with("cookie") => name.to_string(),
        (Some((_, _, sub)), _) => sub.to_string(),
        (None, Some((_, _, name))) => name.to_string(),
        (None, None) => after.map_or("unspecified", |x| x.1).to_string(),
    }
}

/// Retention statements in text order, one per subject and duration.
fn retention(f: &mut Found) -> Vec<RetentionStatement> {
    let mut all = std::mem::take(&mut f.retention);
    all.sort_by_key(|(pos, _)| *pos);
    let mut seen = HashSet::new();
    all.into_iter()
        .map(|(_, r)| r)
        .filter(|r| seen.insert((r.subject.clone(), r.duration_secs)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Negative statements.

/// How a negation cue relates to what it denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// "do not use …": the object follows, after a verb.
    Active,
    /// "no …", "keine …": the object follows directly.
    Determiner,
    /// "… are not used": the object comes first.
    Passive,
}

/// The kind of a cue the regex found.
fn cue_kind(hit: &str) -> Option<Cue> {
    let first = hit.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let negated = hit.contains(" not") || hit.contains(" never");
    match first {
        "will" if negated && hit.contains(" be ") => Some(Cue::Passive),
        "are" | "is" | "be" | "been" | "get" if negated => Some(Cue::Passive),
        "nicht" | "verkaufen" => Some(Cue::Passive),
        "no" | "kein" | "keine" | "keinen" | "keinem" | "aucun" | "aucune" | "aucuns" | "aucunes"
        | "ningún" | "ninguno" | "ninguna" | "ningunos" | "ningunas" | "ningun" | "nessun" | "nessuno"
        | "nessuna" | "geen" | "nenhum" | "nenhuma" => Some(Cue::Determiner),
        w if w.starts_with("żadn") => Some(Cue::Determiner),
        "do" | "does" | "did" | "will" | "shall" | "would" | "don" | "doesn" | "didn" | "won" | "never"
        | "nor" | "n" | "ne" | "non" | "nie" | "não" => Some(Cue::Active),
        _ => None,
    }
}

/// Words in the clause before a negation that make it conditional.
#[rustfmt::skip]
const CONDITIONALS: &[&str] = &[
    "if", "unless", "when", "whenever", "whether", "should", "wenn", "falls", "si", "cuando", "se", "als", "jeśli",
    "jeżeli", "caso", "may", "might", "cannot",
];

/// Words in the clause before an active negation that make it about someone else.
#[rustfmt::skip]
const OTHER_SUBJECTS: &[&str] = &[
    "you", "your", "they", "them", "their", "third party", "third parties", "third-party", "partners", "browser",
    "browsers", "sie", "vous", "tu", "usted", "u", "você", "ihr", "du",
];

/// Words after a negation that make it an exception or a condition.
#[rustfmt::skip]
const EXCEPTIONS: &[&str] = &[
    "unless", "except", "other than", "apart from", "besides", "without your", "without consent", "until you",
    "before you", "before consent", "prior to", "only if", "only with", "sofern", "außer", "es sei denn",
    "ohne ihre", "ohne deine", "ohne einwilligung", "sauf", "sans votre", "sans consentement", "salvo", "excepto",
    "sin su", "sin tu", "sin consentimiento", "tranne", "senza il", "senza tuo", "senza vostro", "behalve",
    "zonder", "chyba że", "bez zgody", "bez twojej", "exceto", "sem o seu", "sem seu", "sem consentimento",
];

/// Verbs of using (stems), one of which an active negation needs before its object.
#[rustfmt::skip]
const USE_VERBS: &[&str] = &[
    "use", "using", "employ", "set", "place", "deploy", "utili", "rely", "install", "serve", "drop", "include",
    "allow", "permit", "activate", "load", "embed", "engage", "make use", "track", "practi", "perform", "store",
    "verwend", "nutz", "setz", "einsetz", "benutz", "speicher", "utilis", "dépos", "depos", "utiliz", "usa",
    "usamos", "emple", "instal", "usiamo", "gebruik", "plaats", "używa", "wykorzyst", "stosuj", "ricorr", "recorr",
    "colocamos",
];

/// Words one of which every denied object holds.
#[rustfmt::skip]
const OBJECT_ANCHORS: &[&str] = &[
    "cookie", "ciasteczk", "fingerprint", "fingerabdr", "empreinte", "huella", "sell", "sold", "verkauf", "vend",
    "verkop", "sprzeda", "beacon", "pixel", "gif", "bug", "balise", "baliza",
];

/// Whether `object` holds one of [`OBJECT_ANCHORS`]: one pass, dispatching on the first byte.
fn has_anchor(object: &str) -> bool {
    let bytes = object.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(
            bytes[i],
            b'b' | b'c' | b'e' | b'f' | b'g' | b'h' | b'p' | b's' | b'v'
        ) && OBJECT_ANCHORS
            .iter()
            .any(|a| bytes[i..].starts_with(a.as_bytes()))
        {
            return true;
        }
        i += 1;
    }
    false
}

/// Records what the negation cue at `cs..ce` denies, if its clause is the site's own plain
/// statement.
fn negation_at(doc: &Doc, kind: Cue, cs: usize, ce: usize, f: &mut Found) {
    let lower = doc.lower.as_str();
    let (s, e) = doc.sentence_at(cs);
    if !(s <= cs && ce <= e) {
        return;
    }
    let object = match kind {
        Cue::Passive => &lower[floor_char(lower, cs.saturating_sub(100).max(s))..ce],
        Cue::Determiner => &lower[ce..ceil_char(lower, (ce + 40).min(e))],
        Cue::Active => &lower[ce..ceil_char(lower, (ce + 100).min(e))],
    };
    if !has_anchor(object) {
        return;
    }
    f.cues += 1;
    let weighed = f
        .weighed
        .entry((doc.sentence_index(cs), (cs - s) / BLOCK))
        .or_insert(0);
    *weighed = weighed.saturating_add(1);
    if f.cues > MAX_CUES || *weighed > PER_BLOCK {
        return;
    }
    // Do Not Track disclosures and Do Not Sell links.
    if lower[cs..].starts_with("do not track")
        || lower[cs..].starts_with("do-not-track")
        || lower[..cs].ends_with("do-")
    {
        return;
    }
    let after = &lower[ce..ceil_char(lower, (ce + 160).min(e))];
    if has_any(after, &["do not track", "do-not-track", "dnt"]) {
        return;
    }
    if ["only", "necessarily", "limited", "just", "always", "all "]
        .iter()
        .any(|w| after.trim_start().starts_with(w))
    {
        return;
    }
    let verb_ok = kind != Cue::Active || has_any(object, USE_VERBS);
    let denied = denials(object, verb_ok);
    if denied.is_empty() || has_any(after, EXCEPTIONS) {
        return;
    }
    // The clause before the negation: not conditional, and (unless the object comes first)
    // about the site itself.
    let prefix = &lower[floor_char(lower, cs.saturating_sub(60).max(s))..cs];
    let prefix = [
        ",", ";", ":", " that ", " dass ", " que ", " che ", " dat ", " że ", "(", "–", " - ",
    ]
    .iter()
    .filter_map(|sep| prefix.rfind(sep).map(|i| &prefix[i + sep.len()..]))
    .min_by_key(|p| p.len())
    .unwrap_or(prefix);
    let words: Vec<&str> = prefix.split(|c: char| !c.is_alphanumeric() && c != '-').collect();
    let other = words.iter().any(|w| OTHER_SUBJECTS.contains(w))
        || OTHER_SUBJECTS
            .iter()
            .filter(|w| w.contains(' '))
            .any(|w| prefix.contains(w));
    if words.iter().any(|w| CONDITIONALS.contains(w)) || kind != Cue::Passive && other {
        return;
    }
    let si = doc.sentence_index(cs);
    for denies in denied {
        if f.neg_seen.insert((si, denies)) {
            f.negs.push(Neg {
                pos: cs,
                sentence: si,
                denies,
                quote: doc.quote(cs, ce),
            });
        }
    }
}

/// What a negated phrase denies.
fn denials(object: &str, verb_ok: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    let sell = has_any(
        object,
        &[
            "sell", "sold", "selling", "verkauf", "vendons", "vendemos", "vendiamo", "vendre", "vender",
            "verkopen", "sprzeda", "vendem",
        ],
    );
    let data = &[
        "personal",
        "data",
        "information",
        "daten",
        "données",
        "datos",
        "dati",
        "gegevens",
        "dane",
        "dados",
        "informa",
    ];
    if sell
        && !has_any(
            object,
            &["sell my", "sell or share my", "sell and share my", "sale of my"],
        )
        && has_any(object, data)
    {
        out.push("sale-of-data");
    }
    if !verb_ok {
        return out;
    }
    if has_any(
        object,
        &["fingerprint", "empreinte", "huella digital", "fingerabdr"],
    ) {
        out.push("fingerprinting");
    }
    #[rustfmt::skip]
    let beacons = &[
        "web beacon", "web-beacon", "webbeacon", "pixel tag", "clear gif", "tracking pixel", "web bug", "zählpixel",
        "balises web", "balizas web", "pixels",
    ];
    if has_any(object, beacons) {
        out.push("web-beacons");
    }
    if !has_any(object, &["cookie", "ciasteczk"]) || sell {
        return out;
    }
    #[rustfmt::skip]
    let third_party = &[
        "third-party cookie", "third party cookie", "cookies from third", "cookies of third", "drittanbieter",
        "cookies tiers", "cookies de terceros", "cookie di terze", "cookies van derden", "stron trzecich",
        "cookies de terceiros",
    ];
    if has_any(object, third_party) {
        out.push("third-party-cookies");
        return out;
    }
    #[rustfmt::skip]
    let marketing = has_any(object, &[
        "advertis", "marketing", "targeting", "targeted", "retargeting", "tracking", "track ", "behavioural",
        "behavioral", "werbe", "werbung", "publicit", "publicid", "pubblicit", "reclame", "reklam", "profil",
    ]);
    #[rustfmt::skip]
    let statistics = has_any(object, &[
        "analytic", "statistic", "performance", "measurement", "analyse", "analysis", "análisis", "analíti",
        "analisi", "analitic", "statistik", "statystyczn", "analityczn", "estadístic", "audience",
    ]);
    #[rustfmt::skip]
    let non_essential = has_any(object, &[
        "non-essential", "nonessential", "non essential", "unnecessary", "non-necessary", "optional",
        "nicht notwendig", "nicht erforderlich", "non essenziali", "no esenciales", "non essentiels",
    ]);
    if marketing || non_essential {
        out.push("marketing");
    }
    if statistics || non_essential {
        out.push("statistics");
    }
    if !(marketing || statistics || non_essential) && plain_cookies(object) {
        out.push("cookies");
    }
    out
}

/// Whether the words before "cookie" are only a verb and determiners ("use any cookies").
fn plain_cookies(object: &str) -> bool {
    #[rustfmt::skip]
    const ALLOWED: &[&str] = &[
        "use", "uses", "using", "any", "employ", "set", "place", "deploy", "utilise", "utilize", "store", "install",
        "we", "our", "on", "this", "website", "site", "at", "all", "de", "des", "d", "les", "aucun", "aucune",
        "verwenden", "nutzen", "setzen", "einsetzen", "benutzen", "keine", "kein", "utilisons", "utilise",
        "utilizamos", "usamos", "utiliza", "usa", "ninguna", "ningún", "utilizziamo", "usiamo", "utilizza", "alcun",
        "i", "gli", "il", "gebruiken", "gebruikt", "geen", "używamy", "wykorzystujemy", "plików", "pliki", "plik",
        "żadnych", "nenhum", "os", "other", "also", "ever", "currently", "hier", "ici", "aquí", "qui", "here", "wir",
        "nous", "la", "le", "las", "los", "pas",
    ];
    let Some(at) = object.find("cookie").or_else(|| object.find("ciasteczk")) else {
        return false;
    };
    object[..at]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| ALLOWED.contains(&w))
}

/// Denials in text order, one per kind of denial (the first quote).
fn negatives(f: &mut Found) -> Vec<NegativeStatement> {
    let mut all: Vec<&Neg> = f.negs.iter().collect();
    all.sort_by_key(|n| n.pos);
    let mut seen = HashSet::new();
    all.into_iter()
        .filter(|n| seen.insert(n.denies))
        .map(|n| NegativeStatement {
            denies: n.denies.to_string(),
            quote: n.quote.clone(),
            source: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> &'static SignatureIndex {
        crate::signatures::builtin_index().expect("built-in signatures")
    }

    fn seed(name: &str) -> String {
        let path = format!("{}/../shared/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn run(text: &str) -> DeclaredPolicy {
        from_policy_text(text, "test", index())
    }

    fn techs(p: &DeclaredPolicy) -> Vec<&str> {
        let mut v: Vec<&str> = p.technologies.iter().map(|t| t.technology.as_str()).collect();
        v.sort_unstable();
        v
    }

    fn vendor_ids(p: &DeclaredPolicy) -> Vec<(&str, Option<&str>)> {
        p.vendors
            .iter()
            .map(|v| (v.name.as_str(), v.vendor.as_deref()))
            .collect()
    }

    fn denies(p: &DeclaredPolicy) -> Vec<&str> {
        let mut v: Vec<&str> = p.negatives.iter().map(|n| n.denies.as_str()).collect();
        v.sort_unstable();
        v
    }

    fn retention(p: &DeclaredPolicy) -> Vec<(&str, u64)> {
        p.retention
            .iter()
            .map(|r| (r.subject.as_str(), r.duration_secs))
            .collect()
    }

    fn items(p: &DeclaredPolicy) -> Vec<(&str, DeclaredCategory)> {
        p.items.iter().map(|i| (i.name.as_str(), i.category)).collect()
    }

    #[test]
    fn seed_004_cloud_sms() {
        let p = run(&seed("004_e2c901a0d9520351.txt"));
        assert_eq!(
            vendor_ids(&p),
            [
                ("Google Adsense", Some("google-adsense")),
                ("Google reCAPTCHA", Some("google-recaptcha")),
                ("Google Analytics", Some("google-analytics")),
                ("Google", None),
            ]
        );
        assert_eq!(items(&p), [("_ga", DeclaredCategory::Statistics)]);
        assert_eq!(p.items[0].location.as_deref(), Some("text"));
        assert_eq!(p.items[0].count, 1);
        assert_eq!(techs(&p), ["cookies", "local-storage", "server-logs"]);
        assert_eq!(p.retention.len(), 1);
        let r = &p.retention[0];
        assert_eq!(r.duration_secs, 180 * 86_400);
        assert!(r.subject.contains("log"), "{r:?}");
        assert_eq!(r.quote, "Server logKeep for 6 months.");
        assert!(p.negatives.is_empty(), "{:?}", p.negatives);
        let src = &p.sources[0];
        assert_eq!(
            (src.kind.as_str(), src.items, src.vendors, src.statements),
            ("policy-text", 1, 4, 4)
        );
        assert!(src.problems.is_empty());
        let adsense = p.vendors[0].quote.as_deref().unwrap_or("");
        assert!(
            adsense.starts_with("When you are using the cloud SMS service, Google Adsense"),
            "{adsense}"
        );
    }

    #[test]
    fn seed_001_qiniu() {
        let p = run(&seed("001_79d0e3ef17235cd8.txt"));
        assert_eq!(techs(&p), ["cookies", "do-not-track", "sdk", "web-beacons"]);
        assert_eq!(vendor_ids(&p), []);
        assert!(p.items.is_empty());
        assert!(p.retention.is_empty(), "{:?}", p.retention);
        assert!(p.negatives.is_empty(), "{:?}", p.negatives);
        let wb = p
            .technologies
            .iter()
            .find(|t| t.technology == "web-beacons")
            .and_then(|t| t.quote.as_deref());
        assert_eq!(wb, Some("3.2 Website Beacons and Pixel Tags"));
    }

    #[test]
    fn seed_002_clarifai() {
        let p = run(&seed("002_60ed235d1c8b3da9.txt"));
        assert_eq!(techs(&p), ["cookies", "do-not-track", "sdk", "web-beacons"]);
        assert_eq!(
            vendor_ids(&p),
            [
                ("Github", Some("ocd-github")),
                ("Google", None),
                ("LinkedIn", Some("linkedin-insight")),
                ("Google Sign-In", Some("google-sign-in")),
                ("Stripe", Some("stripe")),
                ("HubSpot", Some("hubspot")),
                ("Google Analytics", Some("google-analytics")),
                ("Hotjar", Some("hotjar")),
            ]
        );
        assert!(p.items.is_empty());
        assert!(p.retention.is_empty(), "{:?}", p.retention);
        assert_eq!(denies(&p), ["sale-of-data"]);
        assert!(
            p.negatives[0]
                .quote
                .contains("we do not sell or share Sensitive Personal Information")
        );
    }

    #[test]
    fn seed_003_cloud_code() {
        let p = run(&seed("003_fb878c281b62f0cf.txt"));
        assert_eq!(techs(&p), ["cookies", "local-storage"]);
        let html5 = p
            .technologies
            .iter()
            .find(|t| t.technology == "local-storage")
            .and_then(|t| t.quote.as_deref());
        assert!(html5.is_some_and(|q| q.contains("HTML 5")), "{html5:?}");
        assert_eq!(vendor_ids(&p), []);
        assert!(p.items.is_empty() && p.retention.is_empty() && p.negatives.is_empty());
    }

    #[test]
    fn seed_000_policy_part() {
        let all = seed("000_1d3e92ae33ea1a38.txt");
        let start = all
            .find("PRIVACY POLICY We, at Cloudinary")
            .expect("policy start");
        let end = all[start..].find('\n').map_or(all.len(), |e| start + e);
        let p = run(&all[start..end]);
        let dnt = p
            .technologies
            .iter()
            .find(|t| t.technology == "do-not-track")
            .and_then(|t| t.quote.as_deref());
        assert_eq!(
            dnt,
            Some("Our Service does not respond to Do Not Track (DNT) signals.")
        );
        assert_eq!(techs(&p), ["cookies", "do-not-track", "sdk"]);
        // "Our Service does not respond to DNT signals" is a disclosure, not a denial.
        assert_eq!(denies(&p), ["sale-of-data"]);
        assert!(p.retention.is_empty(), "{:?}", p.retention);
        assert_eq!(
            vendor_ids(&p),
            [
                ("Cloudinary", Some("cloudinary")),
                ("Google Analytics", Some("google-analytics"))
            ]
        );
        assert!(p.items.is_empty());
    }

    #[test]
    fn negative_statement_forms() {
        let cases: &[(&str, &[&str])] = &[
            ("We do not use advertising cookies.", &["marketing"]),
            (
                "We don't use marketing or targeting cookies on this site.",
                &["marketing"],
            ),
            ("We do not use analytics cookies.", &["statistics"]),
            ("This website does not use tracking cookies.", &["marketing"]),
            (
                "We do not use analytics or advertising cookies.",
                &["marketing", "statistics"],
            ),
            ("We do not use cookies.", &["cookies"]),
            ("This website does not use any cookies.", &["cookies"]),
            ("We never use fingerprinting.", &["fingerprinting"]),
            (
                "We do not employ device fingerprinting techniques.",
                &["fingerprinting"],
            ),
            ("We do not sell your personal data.", &["sale-of-data"]),
            (
                "We will never sell your personal information to anyone.",
                &["sale-of-data"],
            ),
            ("This site uses no third-party cookies.", &["third-party-cookies"]),
            ("We don't use web beacons.", &["web-beacons"]),
            (
                "We do not use cookies or web beacons.",
                &["cookies", "web-beacons"],
            ),
            (
                "Advertising cookies are not used on this website.",
                &["marketing"],
            ),
            ("Your personal data is never sold.", &["sale-of-data"]),
            (
                "The company does not use non-essential cookies.",
                &["marketing", "statistics"],
            ),
            ("Wir verwenden keine Cookies.", &["cookies"]),
            ("Wir setzen keine Marketing-Cookies ein.", &["marketing"]),
            ("Wir verkaufen Ihre Daten nicht.", &["sale-of-data"]),
            ("Nous n'utilisons pas de cookies publicitaires.", &["marketing"]),
            ("Nous ne vendons pas vos données personnelles.", &["sale-of-data"]),
            ("No utilizamos cookies de terceros.", &["third-party-cookies"]),
            ("No utilizamos cookies.", &["cookies"]),
            ("Non utilizziamo cookie di profilazione.", &["marketing"]),
            ("Wij gebruiken geen tracking cookies.", &["marketing"]),
            ("Nie używamy plików cookie.", &["cookies"]),
            ("Não utilizamos cookies de publicidade.", &["marketing"]),
            // Not denials.
            ("If you do not accept cookies, some features may not work.", &[]),
            (
                "We cannot guarantee that third parties do not use tracking cookies.",
                &[],
            ),
            (
                "We do not use cookies except those that are strictly necessary.",
                &[],
            ),
            ("We do not use advertising cookies without your consent.", &[]),
            ("Our Service does not respond to Do Not Track signals.", &[]),
            ("Do Not Sell My Personal Information", &[]),
            ("Do Not Sell or Share My Personal Information", &[]),
            ("We do not share cookie data with advertisers.", &[]),
            (
                "Wenn Sie keine Cookies akzeptieren, funktioniert die Seite nicht.",
                &[],
            ),
            (
                "Si vous n'acceptez pas les cookies, le site peut ne pas fonctionner.",
                &[],
            ),
            ("We use cookies.", &[]),
        ];
        for (text, want) in cases {
            let p = run(text);
            assert_eq!(denies(&p), *want, "{text:?}");
            for n in &p.negatives {
                assert_eq!(n.quote, *text);
                assert_eq!(n.source, 0);
            }
        }
    }

    #[test]
    fn denied_technologies_do_not_count() {
        let p = run("We do not use cookies. We don't use web beacons either. We never use fingerprinting.");
        assert_eq!(denies(&p), ["cookies", "fingerprinting", "web-beacons"]);
        assert_eq!(techs(&p), Vec::<&str>::new());
        let p = run("We do not use advertising cookies. Analytics cookies are kept for 13 months.");
        assert_eq!(techs(&p), ["cookies"]);
        assert_eq!(
            p.technologies[0].quote.as_deref(),
            Some("Analytics cookies are kept for 13 months.")
        );
        let p = run("Our Service does not respond to DNT signals. We honour Global Privacy Control (GPC).");
        assert_eq!(techs(&p), ["do-not-track", "gpc"]);
        assert!(p.negatives.is_empty());
    }

    #[test]
    fn retention_forms() {
        const D: u64 = 86_400;
        let cases: &[(&str, &[(&str, u64)])] = &[
            ("We keep server logs for 6 months.", &[("server logs", 180 * D)]),
            ("The _ga cookie expires after 2 years.", &[("_ga", 730 * D)]),
            (
                "Personal data is retained for no longer than thirteen months.",
                &[("personal data", 390 * D)],
            ),
            (
                "Cookies are stored for up to twenty-four hours.",
                &[("cookies", D)],
            ),
            ("We delete your data after a year.", &[("your data", 365 * D)]),
            (
                "Log files are kept for half a year.",
                &[("log files", 365 * D / 2)],
            ),
            (
                "IP addresses are anonymised after 1 year.",
                &[("ip addresses", 365 * D)],
            ),
            (
                "Session recordings are deleted after 30 days.",
                &[("session recordings", 30 * D)],
            ),
            (
                "For a maximum of 18 months, we retain analytics data.",
                &[("analytics data", 540 * D)],
            ),
            (
                "The _ga cookie expires after 2 years, _gid after 24 hours.",
                &[("_ga", 730 * D), ("_gid", D)],
            ),
            ("We store it for 2 weeks.", &[("unspecified", 14 * D)]),
            (
                "Die Server-Logfiles werden nach 7 Tagen gelöscht.",
                &[("server-logfiles", 7 * D)],
            ),
            (
                "Les cookies sont conservés pendant 13 mois.",
                &[("cookies", 390 * D)],
            ),
            (
                "Los datos personales se conservan durante 5 años.",
                &[("datos personales", 5 * 365 * D)],
            ),
            ("服务器日志保存6个月。", &[("服务器日志", 180 * D)]),
            // Not retention.
            ("Children under 16 years may not use the service.", &[]),
            ("In the last 12 months we have collected identifiers.", &[]),
            ("We will respond to your request within 30 days.", &[]),
            ("Changes take effect 30 days after we post a notice.", &[]),
            ("We have 20 years of experience storing data.", &[]),
            ("Users must be 18 years old to store files.", &[]),
            (
                "We will notify you at least thirty days in advance and delete your data.",
                &[],
            ),
        ];
        for (text, want) in cases {
            let p = run(text);
            assert_eq!(retention(&p), *want, "{text:?}");
        }
        let p = run("Personal data is retained for no longer than thirteen months.");
        assert_eq!(
            p.retention[0].quote,
            "Personal data is retained for no longer than thirteen months."
        );
    }

    #[test]
    fn vendor_word_rules() {
        let none = |t: &str| {
            let p = run(t);
            assert!(p.vendors.is_empty(), "{t:?}: {:?}", vendor_ids(&p));
        };
        let one = |t: &str, id: &str| {
            let p = run(t);
            assert_eq!(
                p.vendors
                    .iter()
                    .filter_map(|v| v.vendor.as_deref())
                    .collect::<Vec<_>>(),
                [id],
                "{t:?}"
            );
        };
        none("We analyse each segment of users separately.");
        none("Segment users by country before analysing them.");
        none("We store a heap of data and drift between servers.");
        none("THE SERVICE MAY SEGMENT OR DRIFT AT ANY TIME.");
        none("the gtm team and the ga4 property");
        none("Please read our Cookie Notice for details.");
        none("We use Segment-based targeting.");
        none("See https://www.google.com/privacy or write to privacy@hotjar.com.");
        one("We use Segment to collect product events.", "segment");
        one("Segment Analytics collects product events.", "segment");
        one("We use Heap to measure clicks.", "heap");
        one("Chat with us through Drift chat.", "drift");
        one("Our measurement uses GA4.", "google-analytics");
        one("Tags are managed with GTM.", "google-tag-manager");
        one("We load gtag on every page.", "google-analytics");
        one("Pages embed YouTube videos.", "youtube");
        one("We embed maps from Google Maps.", "google-maps");
        one("We use the Meta Pixel.", "meta-pixel");
        one("The Facebook Pixel is used.", "meta-pixel");
        one("We use the LinkedIn Insight Tag.", "linkedin-insight");
        one("We use the TikTok Pixel.", "tiktok-pixel");
        one("We advertise on Bing Ads.", "microsoft-advertising");
        one("We use Microsoft Clarity.", "microsoft-clarity");
        one("Session recordings by Hotjar are enabled.", "hotjar");
        one("Ads are served by DoubleClick.", "google-doubleclick");
        one("Forms are protected by reCAPTCHA.", "google-recaptcha");
        one("We use Universal Analytics.", "google-analytics");
        one("We use Optimizely and nothing else.", "optimizely");
        one("Scraped text: hereGoogle Analytics cookies.", "google-analytics");
        // An owner named alone is no single vendor; a product name wins over its owner.
        let p = run("Google LLC provides Google Analytics. Ask Google.");
        assert_eq!(
            vendor_ids(&p),
            [("Google", None), ("Google Analytics", Some("google-analytics"))]
        );
        // One entry per vendor, with the first quote.
        let p = run("We use Hotjar. Hotjar records sessions.");
        assert_eq!(p.vendors.len(), 1);
        assert_eq!(p.vendors[0].quote.as_deref(), Some("We use Hotjar."));
    }

    #[test]
    fn cookie_names() {
        let p = run("We set the cookies _ga, _gid and __utma, as well as IDE and NID.");
        assert_eq!(
            items(&p).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            ["_ga", "_gid", "__utma", "IDE", "NID"]
        );
        assert_eq!(p.items[0].category, DeclaredCategory::Statistics);
        assert_eq!(p.items[3].category, DeclaredCategory::Marketing);
        let p = run("The session uses cookies named `sessionid` and `csrftoken`.");
        assert_eq!(
            items(&p).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            ["sessionid", "csrftoken"]
        );
        let p = run("A cookie called acme_pref keeps your settings.");
        assert_eq!(items(&p), [("acme_pref", DeclaredCategory::Unknown)]);
        let p = run("We use PHPSESSID to keep you signed in, and \"_fbp\" for ads.");
        assert_eq!(
            items(&p).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            ["PHPSESSID", "_fbp"]
        );
        // Ordinary upper-case words and identifiers that are no cookie stay out.
        let p = run("Under the GDPR and CCPA, the API returns item_id values.");
        assert!(p.items.is_empty(), "{:?}", items(&p));
    }

    #[test]
    fn other_languages() {
        let p = run(
            "Wir verwenden Cookies, Zählpixel und lokalen Speicher. Die Logfiles werden nach 14 Tagen gelöscht.",
        );
        assert_eq!(
            techs(&p),
            ["cookies", "local-storage", "server-logs", "web-beacons"]
        );
        assert_eq!(retention(&p), [("logfiles", 14 * 86_400)]);
        let p = run("Nous utilisons des cookies, des balises web et le stockage local.");
        assert_eq!(techs(&p), ["cookies", "local-storage", "web-beacons"]);
        let p = run("Utilizamos cookies y píxeles. Usiamo l'archiviazione locale.");
        assert_eq!(techs(&p), ["cookies", "local-storage", "web-beacons"]);
        let p = run("隐私政策\n我们使用Cookie、网络信标和本地存储。");
        assert_eq!(techs(&p), ["cookies", "local-storage", "web-beacons"]);
        let p = run("We use session replay, heatmaps, IndexedDB, sessionStorage and an SDK.");
        assert_eq!(
            techs(&p),
            ["indexeddb", "sdk", "session-replay", "session-storage"]
        );
    }

    #[test]
    fn placeholder_names() {
        assert_eq!(normalise_name("_ga_XXXXXXXXXX"), "_ga_#");
        assert_eq!(normalise_name("_hjSession_xxxxxx"), "_hjSession_#");
        assert_eq!(normalise_name("mp_####_mixpanel"), "mp_#_mixpanel");
        assert_eq!(normalise_name("SESS*"), "SESS*");
        assert_eq!(normalise_name("XXX"), "XXX");
        assert_eq!(normalise_name("_gat_UA-XXXXXXX-X"), "_gat_UA-#-X");
        let p = run("Google Analytics sets the _ga_XXXXXXXXXX cookie, which expires after 2 years.");
        assert_eq!(items(&p), [("_ga_#", DeclaredCategory::Statistics)]);
        assert_eq!(p.retention[0].subject, "_ga_#");
    }

    #[test]
    fn quotes_are_short_sentences() {
        let long = format!("{} We use Hotjar here. {}", "ä".repeat(500), "ö".repeat(500));
        let p = run(&long);
        let q = p.vendors[0].quote.as_deref().unwrap_or("");
        assert!(q.contains("Hotjar") && q.chars().count() <= 200, "{q}");
        let long = format!("We use Hotjar{}", " and more".repeat(100));
        let q = run(&long).vendors[0].quote.clone().unwrap_or_default();
        assert!(q.starts_with("We use Hotjar") && q.chars().count() <= 200, "{q}");
        assert_eq!(collapse("  a \n\t b  ", 200), "a b");
        assert_eq!(collapse("abcdef", 3), "abc");
    }

    #[test]
    fn sentences() {
        let t = "We use cookies, e.g. _ga. Server logs.Include IP\n1. Scope of this policy\nWrapped line\ncontinues here. 终于。好";
        let s: Vec<&str> = split_sentences(t).iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            s,
            [
                "We use cookies, e.g. _ga.",
                "Server logs.",
                "Include IP",
                "1. Scope of this policy",
                "Wrapped line\ncontinues here.",
                "终于。",
                "好"
            ]
        );
    }

    #[test]
    fn malformed_inputs() {
        let p = run("");
        assert_eq!(p.sources.len(), 1);
        assert_eq!(p.sources[0].problems, ["the policy text is empty"]);
        assert!(p.vendors.is_empty() && p.items.is_empty());
        let p = run("   \n\t ");
        assert_eq!(p.sources[0].problems.len(), 1);
        // Binary garbage read as text.
        let mut x: u64 = 7;
        let bytes: Vec<u8> = (0..100_000)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (x >> 56) as u8
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let p = run(&text);
        assert_eq!(p.sources[0].problems.len(), 1, "{:?}", p.sources[0].problems);
        assert!(p.sources[0].problems[0].contains("may not be text"));
        // Over 20 MB: cut on a character boundary.
        let big = "é".repeat(MAX_BYTES / 2 + 1);
        let mut problems = Vec::new();
        let cut = bounded(&big, &mut problems);
        assert!(cut.len() <= MAX_BYTES && cut.len() + 2 > MAX_BYTES);
        assert_eq!(problems.len(), 1);
        // Odd fragments.
        for t in [
            "_",
            "_ ",
            "_ ga",
            "cookies named",
            "cookie called \"",
            "6",
            "a year",
            "n'",
            "do not",
            "。",
            "\u{0}",
        ] {
            let p = run(t);
            assert_eq!(p.sources.len(), 1, "{t:?}");
        }
    }

    fn noise() -> String {
        let words = [
            "the", "we", "cookies", "Google", "data", "6", "months", "do", "not", "use", "_ga", "Segment",
            "kept", "for", "logs", "IDE", "pixels", "é", "数据", "Hotjar", "never", "sell", "a", "year",
            "and", "no", "HTML5",
        ];
        let mut x: u64 = 42;
        let mut text = String::with_capacity(5 << 20);
        while text.len() < 5 << 20 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = (x >> 33) as usize;
            if r.is_multiple_of(3) {
                text.push_str(words[(r >> 8) % words.len()]);
            } else {
                for k in 0..(2 + r % 9) {
                    text.push(char::from(b'a' + ((r >> (k * 3)) % 26) as u8));
                }
            }
            text.push(match (r >> 4) % 37 {
                0 => '.',
                1 => '\n',
                2 => ',',
                _ => ' ',
            });
        }
        text
    }

    /// CPU time this thread has run, where Linux tells (`/proc/thread-self/schedstat`):
    /// unlike wall time, it does not grow when other processes share the machine.
    fn thread_cpu_time() -> Option<std::time::Duration> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let ns = stat.split_whitespace().next()?.parse::<u64>().ok()?;
        Some(std::time::Duration::from_nanos(ns))
    }

    #[test]
    fn pathological_shapes_stay_linear() {
        let one_sentence = format!(
            "{}{}",
            "1 ".repeat(500_000),
            "'_ga' Segment, cookies kept 6 months, no cookies ".repeat(20_000)
        );
        let camel = "aBcDeFgHiJ ".repeat(200_000);
        let lists = "cookies named a, b, c and d; ".repeat(50_000);
        let glued = "x".repeat(2_000_000);
        for text in [one_sentence, camel, lists, glued] {
            let cpu = thread_cpu_time();
            let wall = std::time::Instant::now();
            let p = run(&text);
            let took = match (cpu, thread_cpu_time()) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => wall.elapsed(),
            };
            // A guard against super-linear blow-ups, not a speed measurement (speed is in benches).
            assert!(took.as_secs_f64() < 30.0, "{} bytes took {took:?}", text.len());
            assert_eq!(p.sources.len(), 1);
        }
    }

    #[test]
    fn five_megabytes_of_noise_return_quickly() {
        let text = noise();
        let (wall, cpu) = (std::time::Instant::now(), thread_cpu_time());
        let p = run(&text);
        let wall = wall.elapsed();
        let took = match (cpu, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => wall,
        };
        eprintln!("5 MB of noise: {took:?} ({wall:?} wall)");
        // A guard against super-linear blow-ups, not a speed measurement (speed is in benches).
        assert!(took.as_secs_f64() < 30.0, "took {took:?}");
        assert_eq!(p.sources.len(), 1);
        assert!(p.technologies.iter().any(|t| t.technology == "cookies"));
        for q in p.vendors.iter().filter_map(|v| v.quote.as_deref()) {
            assert!(q.chars().count() <= QUOTE_CHARS);
        }
    }
}
