//! HAR import: an HTTP Archive file read back into a raw [`Capture`], so that every stage
//! after capture (observation, classification, the report) runs on traffic recorded by
//! other tools.
//!
//! This module owns the reading of HAR text (any tool, any year: WebPagetest, Chrome and
//! its exporters, Firefox, Firebug, Fiddler, crumbs' own [`super::har`] export) and the
//! mapping to the capture: one [`RawRequest`] per entry, redirect chains linked through
//! the entries, the main document found, and a cookie jar rebuilt by replaying every
//! `Set-Cookie` line in time order the way a browser stores them, completed by the
//! cookies that only appear in `Cookie` request headers (`request_only`).
//!
//! Every file is hostile input. Wrong JSON types in the places the mapping depends on are
//! errors that name the file, the line and column and the JSON path; optional or
//! tool-specific fields that are missing or malformed are ignored; an entry that cannot be
//! used (an invalid URL, an unreadable date) is skipped with a line in `problems`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use url::Url;

use super::model::{BlockedSetCookie, Capture, Initiator, JarCookie, RawRequest};
use crate::classify::registrable_domain;
use crate::observe::cookies::{line_name, requested_lifetime};

/// Why a HAR file could not be imported. Each message is one line naming the file and where.
#[derive(Debug, thiserror::Error)]
pub enum HarError {
    /// The text is not JSON, or a value the import depends on has the wrong type.
    #[error("{file}: line {line}, column {column}: {}{message}", path_prefix(.path))]
    Json {
        file: String,
        line: usize,
        column: usize,
        /// The JSON path of the value (`log.entries[3].request.url`), empty when unknown.
        path: String,
        message: String,
    },
    /// Valid JSON, but not an HTTP Archive.
    #[error("{file}: not a HAR file: {reason}")]
    NotHar { file: String, reason: String },
    /// `log.entries` is empty.
    #[error("{file}: the HAR has no entries")]
    NoEntries { file: String },
    /// Every entry had to be skipped.
    #[error("{file}: no entry could be imported: {reason}")]
    NoUsableEntries { file: String, reason: String },
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// The most redirect hops linked into one chain (Chromium gives up after 20).
const MAX_REDIRECTS: usize = 20;
/// The most lines added to `problems`; the rest are counted.
const MAX_PROBLEMS: usize = 50;
/// The longest URL or value quoted in a problem line, in characters.
const MAX_QUOTE: usize = 120;

/// Reads a HAR file's text into a Capture, so the whole pipeline after capture can run on it.
///
/// `file` names the input in error messages. A leading byte-order mark is ignored; bare
/// `NaN`/`Infinity` numbers (written by some Python tools) are read as `null`.
pub fn capture_from_har(text: &str, file: &str) -> Result<Capture, HarError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Problems::default();
    let root = match parse_root(text) {
        Ok(root) => root,
        Err(first) => {
            let retry = if first.is_syntax() {
                replace_non_finite(text)
            } else {
                None
            };
            match retry {
                Some(clean) => match parse_root(&clean) {
                    Ok(root) => {
                        problems.push("the file has NaN or Infinity numbers (not JSON); read as null".into());
                        root
                    }
                    Err(e) => return Err(e.into_error(file)),
                },
                None => return Err(first.into_error(file)),
            }
        }
    };
    let log = match root {
        Root::Log(Some(log)) => log,
        Root::Log(None) | Root::NotObject => {
            return Err(HarError::NotHar {
                file: file.into(),
                reason: "no `log` object at the top level".into(),
            });
        }
    };
    let Some(entries) = log.entries else {
        return Err(HarError::NotHar {
            file: file.into(),
            reason: "no `log.entries` array".into(),
        });
    };
    if entries.0.is_empty() {
        return Err(HarError::NoEntries { file: file.into() });
    }
    let pages: Vec<Page> = log.pages.0.into_iter().filter_map(|p| p.0).collect();
    build(entries.0.into_iter().map(|e| e.0).collect(), &pages, problems).map_err(|reason| {
        HarError::NoUsableEntries {
            file: file.into(),
            reason,
        }
    })
}

/// The text of a HAR file from its bytes: UTF-8 (with or without a byte-order mark),
/// UTF-16 (by byte-order mark, or guessed from a leading `{` with a zero byte), and
/// anything else read as Latin-1, so that a file is never refused for its encoding.
pub fn decode_har_bytes(bytes: &[u8]) -> String {
    let utf16 = |little: bool, body: &[u8]| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if little {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => decode_har_bytes(rest),
        [0xff, 0xfe, rest @ ..] => utf16(true, rest),
        [0xfe, 0xff, rest @ ..] => utf16(false, rest),
        [a, 0, ..] if *a != 0 => utf16(true, bytes),
        [0, b, ..] if *b != 0 => utf16(false, bytes),
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Reading the JSON.

/// A parse failure, before it is given the file name.
struct ParseFailure {
    line: usize,
    column: usize,
    path: String,
    message: String,
    syntax: bool,
}

impl ParseFailure {
    fn is_syntax(&self) -> bool {
        self.syntax
    }

    fn into_error(self, file: &str) -> HarError {
        HarError::Json {
            file: file.into(),
            line: self.line,
            column: self.column,
            path: self.path,
            message: self.message,
        }
    }

    fn from_json(e: serde_json::Error, path: String) -> Self {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let bare = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        let syntax = e.is_syntax() || e.is_eof();
        if syntax {
            let message = if bare.contains("recursion limit") {
                "nested too deeply".to_string()
            } else {
                format!("not valid JSON: {bare}")
            };
            ParseFailure {
                line,
                column,
                path: String::new(),
                message,
                syntax,
            }
        } else {
            ParseFailure {
                line,
                column,
                path,
                message: bare,
                syntax,
            }
        }
    }
}

fn parse_root(text: &str) -> Result<Root, ParseFailure> {
    let mut de = serde_json::Deserializer::from_str(text);
    let root: Root = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        ParseFailure::from_json(e.into_inner(), path)
    })?;
    de.end().map_err(|e| ParseFailure::from_json(e, String::new()))?;
    Ok(root)
}

/// The text with bare `NaN`, `Infinity` and `-Infinity` values (outside strings) replaced
/// by `null`, or `None` when there are none.
fn replace_non_finite(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let (mut in_string, mut escaped, mut changed) = (false, false, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
        } else {
            let rest = &b[i..];
            let token = [&b"-Infinity"[..], b"Infinity", b"NaN"]
                .into_iter()
                .find(|t| rest.starts_with(t));
            if let Some(t) = token {
                out.extend_from_slice(b"null");
                i += t.len();
                changed = true;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

/// Implements every scalar `visit_*` of a visitor as "accept and return `$v`".
macro_rules! ignore_scalars {
    ($v:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// The top level: an object with a `log`, or anything else.
enum Root {
    Log(Option<Log>),
    NotObject,
}

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Root;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a HAR object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
                let mut log = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "log" && log.is_none() {
                        log = map.next_value::<Option<Obj<Log>>>()?.map(|o| o.0);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Root::Log(log))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Root, A::Error> {
                skip_seq(seq)?;
                Ok(Root::NotObject)
            }
            ignore_scalars!(Root::NotObject);
        }
        d.deserialize_any(V)
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A JSON array that must be an array (`expected an array` otherwise); `null` is not accepted.
struct Array<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Array<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Array<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(Array(out))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// An array whose elements are read when it is one; anything else is ignored.
struct LaxSeq<T>(Vec<T>);

impl<T> Default for LaxSeq<T> {
    fn default() -> Self {
        LaxSeq(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LaxSeq<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LaxSeq<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(LaxSeq(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map)?;
                Ok(LaxSeq(Vec::new()))
            }
            ignore_scalars!(LaxSeq(Vec::new()));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A value that must be a JSON object, read as `T` (an array or a scalar is a type error).
struct Obj<T>(T);

impl<T> std::ops::Deref for Obj<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What a HAR object is called in type errors.
trait Named {
    const WHAT: &'static str;
}

impl<'de, T: Deserialize<'de> + Named> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Named> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::WHAT)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// An object read as `T` when it is one; anything else is ignored.
struct Maybe<T>(Option<T>);

impl<T> Default for Maybe<T> {
    fn default() -> Self {
        Maybe(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Maybe<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Maybe(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                skip_seq(seq)?;
                Ok(Maybe(None))
            }
            ignore_scalars!(Maybe(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A scalar read as text (numbers and booleans too); `null`, arrays and objects are ignored.
#[derive(Default)]
struct Text(Option<String>);

impl Text {
    /// The trimmed text, when not empty.
    fn get(&self) -> Option<&str> {
        self.0.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text, A::Error> {
                skip_seq(seq)?;
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                skip_map(map)?;
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A number (or a string holding one; `null` and other strings read as unknown). With
/// `STRICT`, booleans, arrays and objects are type errors; without, they are ignored.
#[derive(Default)]
struct Number<const STRICT: bool>(Option<f64>);

/// A number in a place the HAR format requires one.
type Num = Number<true>;
/// A number in a tool-specific field.
type LaxNum = Number<false>;

impl<const STRICT: bool> Number<STRICT> {
    /// The value when it is a finite number.
    fn get(&self) -> Option<f64> {
        self.0.filter(|v| v.is_finite())
    }
}

impl<'de, const STRICT: bool> Deserialize<'de> for Number<STRICT> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const S: bool>;
        impl<'de, const S: bool> Visitor<'de> for V<S> {
            type Value = Number<S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Number(Some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Number(v.trim().parse::<f64>().ok()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Number(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Number(None))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                if S {
                    Err(E::invalid_type(de::Unexpected::Bool(v), &self))
                } else {
                    Ok(Number(None))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                if S {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                skip_seq(seq)?;
                Ok(Number(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                if S {
                    return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
                }
                skip_map(map)?;
                Ok(Number(None))
            }
        }
        d.deserialize_any(V::<STRICT>)
    }
}

/// A boolean (or the string `"true"`/`"false"`); anything else is ignored.
#[derive(Default)]
struct LaxBool(Option<bool>);

impl<'de> Deserialize<'de> for LaxBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = Text::deserialize(d)?;
        Ok(LaxBool(match t.get().map(str::to_ascii_lowercase).as_deref() {
            Some("true") | Some("1") => Some(true),
            Some("false") | Some("0") => Some(false),
            _ => None,
        }))
    }
}

#[derive(Deserialize)]
struct Log {
    #[serde(default)]
    pages: LaxSeq<Maybe<Page>>,
    #[serde(default)]
    entries: Option<Array<Obj<Entry>>>,
}

impl Named for Log {
    const WHAT: &'static str = "a HAR `log` object";
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Page {
    id: Text,
    #[serde(rename = "startedDateTime")]
    started: Text,
    #[serde(rename = "pageTimings")]
    timings: Maybe<PageTimings>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageTimings {
    #[serde(rename = "onLoad")]
    on_load: LaxNum,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    pageref: Text,
    #[serde(rename = "startedDateTime", default)]
    started: Option<String>,
    #[serde(default)]
    time: Num,
    request: Obj<HarRequest>,
    #[serde(default)]
    response: Option<Obj<HarResponse>>,
    #[serde(rename = "serverIPAddress", default)]
    server_ip: Text,
    /// WebPagetest's server address.
    #[serde(rename = "_ip_addr", default)]
    wpt_ip: Text,
    #[serde(rename = "_resourceType", default)]
    resource_type: Text,
    #[serde(rename = "_initiator", default)]
    initiator: InitiatorField,
    /// chrome-har and WebPagetest give the initiator's type and line next to its URL.
    #[serde(rename = "_initiator_type", default)]
    initiator_type: Text,
    #[serde(rename = "_initiator_line", default)]
    initiator_line: LaxNum,
    #[serde(rename = "_error", default)]
    error: Text,
    #[serde(rename = "_failureText", default)]
    failure_text: Text,
    /// crumbs' own export.
    #[serde(rename = "_failure", default)]
    failure: Text,
    /// crumbs' own export.
    #[serde(rename = "_blockedCookies", default)]
    blocked: LaxSeq<Maybe<BlockedJson>>,
}

impl Named for Entry {
    const WHAT: &'static str = "an entry object";
}

#[derive(Deserialize)]
struct HarRequest {
    #[serde(default)]
    method: Option<String>,
    url: String,
    #[serde(rename = "httpVersion", default)]
    http_version: Text,
    #[serde(default)]
    cookies: Option<Array<Obj<HarCookie>>>,
    #[serde(default)]
    headers: Option<Array<Obj<NameValue>>>,
    #[serde(rename = "bodySize", default)]
    body_size: Num,
    #[serde(rename = "postData", default)]
    post_data: Maybe<PostData>,
}

impl Named for HarRequest {
    const WHAT: &'static str = "a request object";
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PostData {
    text: Text,
}

#[derive(Deserialize)]
struct HarResponse {
    #[serde(default)]
    status: Num,
    #[serde(rename = "statusText", default)]
    status_text: Text,
    #[serde(rename = "httpVersion", default)]
    http_version: Text,
    #[serde(default)]
    cookies: Option<Array<Obj<HarCookie>>>,
    #[serde(default)]
    headers: Option<Array<Obj<NameValue>>>,
    #[serde(default)]
    content: Maybe<Content>,
    #[serde(rename = "redirectURL", default)]
    redirect_url: Text,
    #[serde(rename = "headersSize", default)]
    headers_size: Num,
    #[serde(rename = "bodySize", default)]
    body_size: Num,
    #[serde(rename = "_transferSize", default)]
    transfer_size: LaxNum,
    #[serde(rename = "_error", default)]
    error: Text,
    #[serde(rename = "_failureText", default)]
    failure_text: Text,
}

impl Named for HarResponse {
    const WHAT: &'static str = "a response object";
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Content {
    #[serde(rename = "mimeType")]
    mime_type: Text,
}

#[derive(Deserialize)]
struct NameValue {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    value: Text,
}

impl Named for NameValue {
    const WHAT: &'static str = "a header object with `name` and `value`";
}

#[derive(Deserialize)]
struct HarCookie {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    value: Text,
    #[serde(default)]
    path: Text,
    #[serde(default)]
    domain: Text,
    #[serde(default)]
    expires: Text,
    #[serde(rename = "httpOnly", default)]
    http_only: LaxBool,
    #[serde(default)]
    secure: LaxBool,
    #[serde(rename = "sameSite", default)]
    same_site: Text,
}

impl Named for HarCookie {
    const WHAT: &'static str = "a cookie object";
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BlockedJson {
    line: Text,
    reasons: LaxSeq<Text>,
}

/// Chrome's `_initiator` object, or the bare URL string of chrome-har and WebPagetest.
#[derive(Default)]
enum InitiatorField {
    #[default]
    None,
    Url(String),
    Object(InitiatorObject),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InitiatorObject {
    #[serde(rename = "type")]
    kind: Text,
    url: Text,
    #[serde(rename = "lineNumber")]
    line: LaxNum,
    stack: Maybe<Stack>,
}

/// The top of a JavaScript stack; its `parent` chain is never read (it can be deep).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Stack {
    #[serde(rename = "callFrames")]
    frames: LaxSeq<Maybe<CallFrame>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CallFrame {
    url: Text,
    #[serde(rename = "lineNumber")]
    line: LaxNum,
}

impl<'de> Deserialize<'de> for InitiatorField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InitiatorField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an initiator object or URL")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<InitiatorField, E> {
                Ok(if v.trim().is_empty() {
                    InitiatorField::None
                } else {
                    InitiatorField::Url(v.trim().to_string())
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<InitiatorField, A::Error> {
                InitiatorObject::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(InitiatorField::Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<InitiatorField, A::Error> {
                skip_seq(seq)?;
                Ok(InitiatorField::None)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<InitiatorField, E> {
                Ok(InitiatorField::None)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<InitiatorField, E> {
                Ok(InitiatorField::None)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<InitiatorField, E> {
                Ok(InitiatorField::None)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<InitiatorField, E> {
                Ok(InitiatorField::None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<InitiatorField, E> {
                Ok(InitiatorField::None)
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------
// Mapping to the capture.

/// Problem lines, capped.
#[derive(Default)]
struct Problems {
    lines: Vec<String>,
    dropped: usize,
}

impl Problems {
    fn push(&mut self, line: String) {
        if self.lines.len() < MAX_PROBLEMS {
            self.lines.push(line);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.lines.push(format!("… and {} more problems", self.dropped));
        }
        self.lines
    }
}

/// What the mapping keeps of an entry next to its [`RawRequest`].
struct Hop {
    /// Position in `log.entries`.
    index: usize,
    /// Unix nanoseconds of `startedDateTime`.
    start_ns: i128,
    /// Milliseconds the entry took, when known.
    time_ms: Option<f64>,
    page: Option<String>,
    url: Url,
    host: Option<String>,
    /// `_resourceType` gave the type (else it was guessed).
    typed: bool,
    has_referer: bool,
    /// Cookies sent, `(name, value)`.
    sent: Vec<(String, String)>,
    /// The redirect target without its fragment, for matching the next hop.
    redirect_key: Option<String>,
    request: RawRequest,
}

fn build(entries: Vec<Entry>, pages: &[Page], mut problems: Problems) -> Result<Capture, String> {
    let mut hops: Vec<Hop> = Vec::with_capacity(entries.len());
    let mut first_skip: Option<String> = None;
    for (index, entry) in entries.into_iter().enumerate() {
        match hop(index, entry) {
            Ok(h) => hops.push(h),
            Err(why) => {
                let line = format!("entry {index}: {why}, skipped");
                first_skip.get_or_insert_with(|| line.clone());
                problems.push(line);
            }
        }
    }
    if hops.is_empty() {
        return Err(first_skip.unwrap_or_else(|| "no entries".into()));
    }
    hops.sort_by(|a, b| a.start_ns.cmp(&b.start_ns).then(a.index.cmp(&b.index)));

    let next = link_redirects(&mut hops);

    // The page: the first page's first entry, or (without pages) the first document.
    let page0 = pages.first();
    if pages.len() > 1 {
        let id = page0.and_then(|p| p.id.get()).unwrap_or("?");
        problems.push(format!(
            "the HAR holds {} pages; all their entries are imported as one page load of the first page ({})",
            pages.len(),
            quote(id)
        ));
    }
    let page0_id = page0.and_then(|p| p.id.get());
    let in_page0 = page0_id.and_then(|id| hops.iter().position(|h| h.page.as_deref() == Some(id)));
    let doc = match (page0, in_page0) {
        (_, Some(pos)) => pos,
        (Some(_), None) => 0,
        (None, None) => {
            let pos = document_without_pages(&hops);
            if pos != 0 {
                problems.push(format!(
                    "the HAR has no pages: the page load is taken to be the first document requested \
                     without a Referer, {}",
                    quote(hops[pos].url.as_str())
                ));
            }
            pos
        }
    };
    let page_start = page0.and_then(|p| p.started.get()).and_then(parse_time);
    let nav_ns = match page_start {
        Some(ps) => ps.min(hops[doc].start_ns),
        None => hops[0].start_ns,
    };
    let nav_start_wall = secs(nav_ns);

    // Times relative to the navigation start.
    let mut collected_wall = nav_start_wall;
    for h in &mut hops {
        let r = &mut h.request;
        r.wall_time = secs(h.start_ns);
        r.start_ms = ms_between(nav_ns, h.start_ns);
        r.end_ms = h.time_ms.map(|t| r.start_ms + t).filter(|e| e.is_finite());
        let end = r.wall_time + h.time_ms.unwrap_or(0.0) / 1000.0;
        if end.is_finite() && end > collected_wall {
            collected_wall = end;
        }
    }

    // The main document's redirect chain, and types along every chain.
    let mut last = doc;
    while let Some(n) = next[last] {
        last = n;
    }
    spread_types(&mut hops, &next, doc);

    let requested_url = hops[doc].request.url.clone();
    let final_hop = &hops[last].request;
    let final_url = Some(final_hop.url.clone());
    let document_status = final_hop.status;
    let navigation_error = final_hop.failure.clone();
    let first_party = hops[last]
        .host
        .clone()
        .or_else(|| hops[doc].host.clone())
        .unwrap_or_default();

    let on_load = page0
        .and_then(|p| p.timings.0.as_ref())
        .and_then(|t| t.on_load.get())
        .filter(|v| *v >= 0.0);
    let load_ms = on_load
        .map(|v| v + page_start.map_or(0.0, |ps| ms_between(nav_ns, ps)))
        .filter(|v| v.is_finite());

    let cookies = replay_cookies(&mut hops, &first_party, collected_wall, &mut problems);

    Ok(Capture {
        requested_url,
        final_url,
        nav_start_wall,
        collected_wall,
        document_status,
        navigation_error,
        load_fired: load_ms.is_some(),
        load_ms,
        requests: hops.into_iter().map(|h| h.request).collect(),
        cookies,
        problems: problems.finish(),
        ..Capture::default()
    })
}

/// One entry as a hop, or why it is skipped.
fn hop(index: usize, e: Entry) -> Result<Hop, String> {
    let start_ns = match e.started.as_deref().map(str::trim) {
        None | Some("") => return Err("no startedDateTime".into()),
        Some(s) => parse_time(s).ok_or_else(|| format!("unreadable startedDateTime {}", quote(s)))?,
    };
    let raw_url = e.request.url.trim();
    let url = Url::parse(raw_url).map_err(|err| format!("invalid URL {} ({err})", quote(raw_url)))?;
    let host = url
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
        .filter(|h| !h.is_empty());

    let req = &e.request;
    let request_headers = pairs(req.headers.as_ref());
    let mut sent: Vec<(String, String)> = req
        .cookies
        .iter()
        .flat_map(|a| a.0.iter())
        .filter_map(|c| {
            let name = c.name.get()?;
            Some((name.to_string(), c.value.0.clone().unwrap_or_default()))
        })
        .collect();
    if sent.is_empty() {
        sent = request_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| cookie_pairs(v))
            .collect();
    }
    let has_referer = request_headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("referer") && !v.trim().is_empty());
    let post_data_len = match req.post_data.0.as_ref().and_then(|p| p.text.0.as_ref()) {
        Some(t) => Some(t.len()),
        None => req
            .body_size
            .get()
            .filter(|n| *n > 0.0 && *n < 1e15)
            .map(|n| n as usize),
    };

    let resp = e.response.as_ref();
    let status = resp
        .and_then(|r| r.status.get())
        .and_then(|s| (s.fract() == 0.0 && (1.0..=999.0).contains(&s)).then_some(s as u16));
    let response_headers = pairs(resp.and_then(|r| r.headers.as_ref()));
    let mut set_cookie_lines: Vec<String> = response_headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .flat_map(|(_, v)| v.split('\n'))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if set_cookie_lines.is_empty()
        && let Some(cookies) = resp.and_then(|r| r.cookies.as_ref())
    {
        set_cookie_lines = cookies.0.iter().filter_map(|c| cookie_line(c)).collect();
    }
    let mime_type = resp
        .and_then(|r| r.content.0.as_ref())
        .and_then(|c| c.mime_type.get())
        .map(|m| m.split(';').next().unwrap_or(m).trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let protocol = resp
        .and_then(|r| r.http_version.get())
        .or(req.http_version.get())
        .and_then(protocol);
    let encoded_data_length = resp.and_then(|r| {
        let bytes = |n: f64| (0.0..1.8e19).contains(&n).then_some(n as u64);
        r.transfer_size.get().and_then(bytes).or_else(|| {
            let (h, b) = (r.headers_size.get()?, r.body_size.get()?);
            (h >= 0.0 && b >= 0.0).then(|| bytes(h + b)).flatten()
        })
    });
    let error = [
        e.error.get(),
        e.failure_text.get(),
        e.failure.get(),
        resp.and_then(|r| r.error.get()),
        resp.and_then(|r| r.failure_text.get()),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(str::to_string);
    let failure = error
        .clone()
        .or_else(|| status.is_none().then(|| "no response".to_string()));

    // A redirect: a 3xx (not 304) with a target.
    let redirect_to = status
        .filter(|s| (300..400).contains(s) && *s != 304)
        .and_then(|_| {
            resp.and_then(|r| r.redirect_url.get().map(str::to_string))
                .or_else(|| super::model::header(&response_headers, "location").map(|v| v.trim().to_string()))
        })
        .filter(|t| !t.is_empty())
        .and_then(|t| url.join(&t).ok());
    let redirect_key = redirect_to.as_ref().map(without_fragment);

    let (resource_type, typed) = match e.resource_type.get() {
        Some(t) => (cdp_resource_type(t), true),
        None => (guess_resource_type(mime_type.as_deref(), &url), false),
    };
    let remote_ip = e.server_ip.get().or(e.wpt_ip.get()).map(str::to_string);
    let blocked_cookies = e
        .blocked
        .0
        .iter()
        .filter_map(|b| b.0.as_ref())
        .filter_map(|b| {
            Some(BlockedSetCookie {
                line: b.line.get()?.to_string(),
                reasons: b
                    .reasons
                    .0
                    .iter()
                    .filter_map(|r| r.get().map(str::to_string))
                    .collect(),
            })
        })
        .collect();

    let request = RawRequest {
        cdp_id: format!("har-{index}"),
        url: url.as_str().to_string(),
        method: req
            .method
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or("GET")
            .to_string(),
        resource_type,
        initiator: initiator(&e),
        frame_id: None,
        target: "page".into(),
        request_headers,
        post_data_len,
        cookies_sent: sent.iter().map(|(n, _)| n.clone()).collect(),
        status,
        status_text: resp.and_then(|r| r.status_text.get()).map(str::to_string),
        protocol,
        mime_type,
        remote_ip,
        response_headers,
        set_cookie_lines,
        blocked_cookies,
        encoded_data_length,
        finished: status.is_some() && error.is_none(),
        failure,
        redirect_to: redirect_to.map(|u| u.to_string()),
        ..RawRequest::default()
    };
    Ok(Hop {
        index,
        start_ns,
        time_ms: e.time.get().filter(|t| *t >= 0.0),
        page: e.pageref.get().map(str::to_string),
        url,
        host,
        typed,
        has_referer,
        sent,
        redirect_key,
        request,
    })
}

/// `(name, value)` pairs of a HAR header list, in order; nameless headers are dropped.
fn pairs(list: Option<&Array<Obj<NameValue>>>) -> Vec<(String, String)> {
    list.map(|a| {
        a.0.iter()
            .filter_map(|h| {
                let name = h.name.get()?;
                Some((name.to_string(), h.value.0.clone().unwrap_or_default()))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The named `name=value` pairs of a `Cookie` request header.
fn cookie_pairs(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|p| {
            let (n, v) = p.split_once('=')?;
            let n = n.trim();
            (!n.is_empty()).then(|| (n.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// A `Set-Cookie` line rebuilt from a HAR response cookie object (for tools that keep the
/// `cookies` array but not the header).
fn cookie_line(c: &HarCookie) -> Option<String> {
    let name = c.name.get()?;
    let mut line = format!("{name}={}", c.value.0.as_deref().unwrap_or("").trim());
    if let Some(p) = c.path.get() {
        line.push_str(&format!("; Path={p}"));
    }
    if let Some(d) = c.domain.get() {
        line.push_str(&format!("; Domain={d}"));
    }
    if let Some(t) = c.expires.get().and_then(parse_time).and_then(http_date) {
        line.push_str(&format!("; Expires={t}"));
    }
    if c.http_only.0 == Some(true) {
        line.push_str("; HttpOnly");
    }
    if c.secure.0 == Some(true) {
        line.push_str("; Secure");
    }
    if let Some(s) = c.same_site.get() {
        line.push_str(&format!("; SameSite={s}"));
    }
    Some(line)
}

/// Unix nanoseconds as an HTTP date: `Thu, 01 Jan 2099 00:00:00 GMT`.
fn http_date(ns: i128) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ns).ok()?;
    t.format(time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    ))
    .ok()
}

fn initiator(e: &Entry) -> Initiator {
    let (mut kind, mut url, mut line) = (None, None, None);
    match &e.initiator {
        InitiatorField::None => {}
        InitiatorField::Url(u) => url = Some(u.clone()),
        InitiatorField::Object(o) => {
            kind = o.kind.get().map(str::to_string);
            url = o.url.get().map(str::to_string);
            line = o.line.get();
            if url.is_none()
                && let Some(frame) = o
                    .stack
                    .0
                    .as_ref()
                    .and_then(|s| s.frames.0.iter().find_map(|f| f.0.as_ref()))
            {
                url = frame.url.get().map(str::to_string);
                line = frame.line.get();
            }
        }
    }
    let kind = kind
        .or_else(|| e.initiator_type.get().map(str::to_string))
        .unwrap_or_else(|| "other".into());
    let line = line
        .or(e.initiator_line.get())
        .filter(|l| *l >= 0.0 && *l <= f64::from(u32::MAX))
        .map(|l| l as u32);
    Initiator { kind, url, line }
}

/// Chromium's resource type name for Chrome's `_resourceType` (`xhr` → `XHR`, …).
fn cdp_resource_type(t: &str) -> String {
    let lower = t.trim().to_ascii_lowercase();
    let known = match lower.as_str() {
        "document" => "Document",
        "stylesheet" => "Stylesheet",
        "image" => "Image",
        "media" => "Media",
        "font" => "Font",
        "script" => "Script",
        "texttrack" => "TextTrack",
        "xhr" => "XHR",
        "fetch" => "Fetch",
        "prefetch" => "Prefetch",
        "eventsource" => "EventSource",
        "websocket" => "WebSocket",
        "manifest" => "Manifest",
        "signed-exchange" | "signedexchange" => "SignedExchange",
        "ping" => "Ping",
        "csp-violation-report" | "cspviolationreport" => "CSPViolationReport",
        "preflight" => "Preflight",
        "fedcm" => "FedCM",
        "other" => "Other",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // Unknown: each `-`/`_` separated word capitalised.
    lower
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect::<String>()
}

/// A resource type guessed from the response MIME type, else from the URL's extension.
fn guess_resource_type(mime: Option<&str>, url: &Url) -> String {
    let m = mime.unwrap_or("");
    let by_mime = if m.contains("html") {
        Some("Document")
    } else if m.contains("javascript") || m.contains("ecmascript") {
        Some("Script")
    } else if m.starts_with("image") {
        Some("Image")
    } else if m == "text/css" {
        Some("Stylesheet")
    } else if m.starts_with("font/") || m.contains("woff") || m.contains("font") {
        Some("Font")
    } else if m.contains("json") {
        Some("XHR")
    } else if m.starts_with("video/") || m.starts_with("audio/") {
        Some("Media")
    } else {
        None
    };
    let unknown = matches!(
        m,
        "" | "x-unknown" | "application/octet-stream" | "binary/octet-stream" | "text/plain"
    );
    let by_ext = || {
        let path = url.path().to_ascii_lowercase();
        let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "js" | "mjs" => Some("Script"),
            "css" => Some("Stylesheet"),
            "png" | "gif" | "jpg" | "jpeg" | "webp" | "svg" | "ico" | "bmp" | "avif" => Some("Image"),
            "woff" | "woff2" | "ttf" | "otf" | "eot" => Some("Font"),
            _ => None,
        }
    };
    by_mime
        .or_else(|| if unknown { by_ext() } else { None })
        .unwrap_or("Other")
        .to_string()
}

/// Chromium's protocol name for a HAR `httpVersion` (`HTTP/2.0` → `h2`); junk is dropped.
fn protocol(v: &str) -> Option<String> {
    let p = v.trim().to_ascii_lowercase();
    let known = match p.as_str() {
        "http/2" | "http/2.0" | "h2" | "http2" => "h2",
        "http/3" | "http/3.0" | "h3" => "h3",
        "http/1.1" | "1.1" => "http/1.1",
        "http/1.0" | "1.0" => "http/1.0",
        _ => "",
    };
    if !known.is_empty() {
        return Some(known.into());
    }
    let plausible = ["http/", "h2", "h3", "spdy", "quic"]
        .iter()
        .any(|s| p.starts_with(s));
    plausible.then_some(p)
}

/// The URL without its fragment, as a string.
fn without_fragment(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.to_string()
}

/// Links every redirect hop to the next hop of its chain: the earliest later entry (not
/// yet claimed) whose URL is the redirect target. Fills `redirect_chain`; returns the
/// position of each hop's next hop.
fn link_redirects(hops: &mut [Hop]) -> Vec<Option<usize>> {
    let mut next = vec![None; hops.len()];
    let mut by_url: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (pos, h) in hops.iter().enumerate() {
        by_url.entry(without_fragment(&h.url)).or_default().insert(pos);
    }
    for pos in 0..hops.len() {
        let Some(key) = hops[pos].redirect_key.as_deref() else {
            continue;
        };
        if hops[pos].request.redirect_chain.len() >= MAX_REDIRECTS {
            continue;
        }
        let Some(set) = by_url.get_mut(key) else {
            continue;
        };
        let Some(n) = set.range(pos + 1..).next().copied() else {
            continue;
        };
        set.remove(&n);
        next[pos] = Some(n);
        let mut chain = hops[pos].request.redirect_chain.clone();
        chain.push(hops[pos].request.url.clone());
        hops[n].request.redirect_chain = chain;
    }
    next
}

/// Resource types along redirect chains: every guessed hop takes the type of the last hop
/// of its chain (Chromium gives all hops one type), and the main document's chain is `Document`.
fn spread_types(hops: &mut [Hop], next: &[Option<usize>], doc: usize) {
    let mut in_doc_chain = vec![false; hops.len()];
    let mut p = doc;
    in_doc_chain[p] = true;
    while let Some(n) = next[p] {
        p = n;
        in_doc_chain[p] = true;
    }
    for pos in 0..hops.len() {
        if hops[pos].typed {
            continue;
        }
        if in_doc_chain[pos] {
            hops[pos].request.resource_type = "Document".into();
            continue;
        }
        let mut end = pos;
        while let Some(n) = next[end] {
            end = n;
        }
        if end != pos {
            hops[pos].request.resource_type = hops[end].request.resource_type.clone();
        }
    }
}

/// Without pages: the first document (or redirect) requested without a Referer (a typed
/// navigation), else the first document, else the first entry.
fn document_without_pages(hops: &[Hop]) -> usize {
    let is_doc = |h: &Hop| h.request.resource_type == "Document" || h.request.redirect_to.is_some();
    hops.iter()
        .position(|h| is_doc(h) && !h.has_referer)
        .or_else(|| hops.iter().position(|h| h.request.resource_type == "Document"))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// The cookie jar.

/// A `Set-Cookie` line, parsed as a browser stores it.
struct SetCookie {
    name: String,
    value: String,
    domain_attr: Option<String>,
    path: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<String>,
    partitioned: bool,
}

fn parse_set_cookie(line: &str) -> Option<SetCookie> {
    let mut parts = line.split(';');
    let pair = parts.next().unwrap_or("");
    let value = match pair.split_once('=') {
        Some((_, v)) => v.trim(),
        None => pair.trim(),
    };
    let name = line_name(line);
    if name.is_empty() && value.is_empty() {
        return None;
    }
    let mut c = SetCookie {
        name,
        value: value.to_string(),
        domain_attr: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
        partitioned: false,
    };
    for attr in parts {
        let (k, v) = match attr.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (attr.trim(), ""),
        };
        match k.to_ascii_lowercase().as_str() {
            "domain" => {
                let d = v.trim_start_matches('.').to_ascii_lowercase();
                if !d.is_empty() {
                    c.domain_attr = Some(d);
                }
            }
            "path" => c.path = v.starts_with('/').then(|| v.to_string()),
            "secure" => c.secure = true,
            "httponly" => c.http_only = true,
            "samesite" => {
                c.same_site = match v.to_ascii_lowercase().as_str() {
                    "strict" => Some("Strict".into()),
                    "lax" => Some("Lax".into()),
                    "none" => Some("None".into()),
                    _ => None,
                }
            }
            "partitioned" => c.partitioned = true,
            _ => {}
        }
    }
    Some(c)
}

/// RFC 6265's default path of a URL: its path up to (not including) the last `/`.
fn default_path(url: &Url) -> String {
    let p = url.path();
    if !p.starts_with('/') {
        return "/".into();
    }
    match p.rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => p[..i].to_string(),
    }
}

/// `host` is inside the cookie's domain (`.a.com` covers `a.com` and `x.a.com`).
fn covers(cookie_domain: &str, host: &str) -> bool {
    match cookie_domain.strip_prefix('.') {
        Some(d) => host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')),
        None => host == cookie_domain,
    }
}

fn is_public_suffix(d: &str) -> bool {
    psl::suffix_str(d) == Some(d)
}

/// Chromium's limit on the cookies of a profile; the jar stops growing there.
const MAX_COOKIES: usize = 3300;

/// The jar being rebuilt, indexed by cookie name.
#[derive(Default)]
struct Jar {
    /// Per name: insertion number, the cookie, and for a request-only cookie its site.
    by_name: HashMap<String, Vec<(u64, JarCookie, Option<String>)>>,
    next_seq: u64,
    len: usize,
    full: bool,
    /// Registrable domains of hosts, computed once.
    sites: HashMap<String, String>,
}

impl Jar {
    fn site(&mut self, host: &str) -> String {
        if let Some(s) = self.sites.get(host) {
            return s.clone();
        }
        let s = registrable_domain(host);
        self.sites.insert(host.to_string(), s.clone());
        s
    }

    fn push(&mut self, c: JarCookie, site: Option<String>) {
        if self.len >= MAX_COOKIES {
            self.full = true;
            return;
        }
        self.len += 1;
        self.next_seq += 1;
        let seq = self.next_seq;
        self.by_name
            .entry(c.name.clone())
            .or_default()
            .push((seq, c, site));
    }

    /// Removes the cookies named `name` that `gone` selects.
    fn remove(&mut self, name: &str, gone: impl Fn(&JarCookie) -> bool) {
        if let Some(list) = self.by_name.get_mut(name) {
            let before = list.len();
            list.retain(|(_, c, _)| !gone(c));
            self.len -= before - list.len();
        }
    }

    /// The cookies at `collected` (Unix seconds), in the order they were stored.
    fn into_cookies(self, collected: f64) -> Vec<JarCookie> {
        let mut all: Vec<(u64, JarCookie)> = self
            .by_name
            .into_values()
            .flatten()
            .map(|(seq, c, _)| (seq, c))
            .collect();
        all.sort_by_key(|(seq, _)| *seq);
        all.into_iter()
            .map(|(_, c)| c)
            .filter(|c| c.expires.is_none_or(|e| e >= collected))
            .collect()
    }
}

/// Replays every `Set-Cookie` line (and notes every cookie sent) in time order; returns
/// the jar at `collected` (Unix seconds). Lines the browser would refuse are added to the
/// request's `blocked_cookies`.
fn replay_cookies(
    hops: &mut [Hop],
    first_party: &str,
    collected: f64,
    problems: &mut Problems,
) -> Vec<JarCookie> {
    let site = format!("https://{}", registrable_domain(first_party));
    let mut jar = Jar::default();
    for h in hops.iter_mut() {
        let Some(host) = h.host.clone() else {
            continue;
        };
        // The request: cookies it carried that nothing stored.
        let host_site = jar.site(&host);
        for (name, value) in &h.sent {
            let known = jar.by_name.get(name).is_some_and(|list| {
                list.iter().any(|(_, c, ro_site)| match ro_site {
                    Some(s) => *s == host_site,
                    None => covers(&c.domain, &host),
                })
            });
            if !known {
                let cookie = JarCookie {
                    name: name.clone(),
                    value: value.clone(),
                    domain: host.clone(),
                    path: "/".into(),
                    request_only: true,
                    ..JarCookie::default()
                };
                jar.push(cookie, Some(host_site.clone()));
            }
        }
        // The response: its Set-Cookie lines.
        let at = h.request.wall_time;
        let path = default_path(&h.url);
        let lines = h.request.set_cookie_lines.clone();
        for line in &lines {
            if h.request.blocked_cookies.iter().any(|b| &b.line == line) {
                continue;
            }
            if let Err(reason) = store(&mut jar, line, &host, &path, at, &site) {
                h.request.blocked_cookies.push(BlockedSetCookie {
                    line: line.clone(),
                    reasons: vec![reason.into()],
                });
            }
        }
    }
    if jar.full {
        problems.push(format!(
            "more than {MAX_COOKIES} cookies (Chromium's limit for a profile): the later ones are not in the jar"
        ));
    }
    jar.into_cookies(collected)
}

/// Stores (or deletes) one cookie line received from `host` at `at`, or says why a
/// browser refuses it.
fn store(
    jar: &mut Jar,
    line: &str,
    host: &str,
    default_path: &str,
    at: f64,
    site: &str,
) -> Result<(), &'static str> {
    let c = parse_set_cookie(line).ok_or("SyntaxError")?;
    let domain = match &c.domain_attr {
        None => host.to_string(),
        Some(d) if d == host => {
            if host.parse::<IpAddr>().is_ok() || is_public_suffix(d) {
                host.to_string()
            } else {
                format!(".{d}")
            }
        }
        Some(d) => {
            let inside = host.strip_suffix(d.as_str()).is_some_and(|r| r.ends_with('.'));
            if !inside || host.parse::<IpAddr>().is_ok() || is_public_suffix(d) {
                return Err("InvalidDomain");
            }
            format!(".{d}")
        }
    };
    let path = c.path.clone().unwrap_or_else(|| default_path.to_string());
    let partition_key = c.partitioned.then(|| site.to_string());
    let lifetime = requested_lifetime(line, at);
    let expires = lifetime.map(|l| (at.round() as i64).saturating_add(l) as f64);

    // Any cookie with the same identity is replaced (or deleted); so is a cookie known
    // only from request headers under that name.
    jar.remove(&c.name, |j| {
        if j.request_only {
            covers(&domain, &j.domain)
        } else {
            j.domain == domain && j.path == path && j.partition_key == partition_key
        }
    });
    if lifetime.is_some_and(|l| l <= 0) {
        return Ok(());
    }
    let cookie = JarCookie {
        name: c.name,
        value: c.value,
        domain,
        path,
        expires,
        http_only: c.http_only,
        secure: c.secure,
        same_site: c.same_site,
        partition_key,
        partition_cross_site: false,
        request_only: false,
    };
    jar.push(cookie, None);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Times.

/// Unix nanoseconds of an RFC 3339 / ISO 8601 date-time, read tolerantly: `T`, `t` or a
/// space between date and time, optional seconds, any number of fraction digits (`.` or
/// `,`), `Z`, `±HH:MM`, `±HHMM`, `±HH` or no offset (UTC).
fn parse_time(s: &str) -> Option<i128> {
    let mut c = Cursor {
        b: s.trim().as_bytes(),
        i: 0,
    };
    let year = c.digits(4, 4)? as i32;
    c.eat(b'-')?;
    let month = c.digits(1, 2)? as u8;
    c.eat(b'-')?;
    let day = c.digits(1, 2)? as u8;
    let (mut hour, mut minute, mut second, mut nanos) = (0u8, 0u8, 0u8, 0i128);
    if matches!(c.peek(), Some(b'T' | b't' | b' ')) {
        c.i += 1;
        hour = c.digits(1, 2)? as u8;
        c.eat(b':')?;
        minute = c.digits(2, 2)? as u8;
        if c.peek() == Some(b':') {
            c.i += 1;
            second = c.digits(2, 2)? as u8;
            if matches!(c.peek(), Some(b'.' | b',')) {
                c.i += 1;
                let mut n = 0;
                let mut scale: i128 = 100_000_000;
                while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                    nanos += i128::from(d - b'0') * scale;
                    scale /= 10;
                    c.i += 1;
                    n += 1;
                }
                if n == 0 {
                    return None;
                }
            }
        }
    }
    let offset_secs: i32 = match c.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            c.i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.digits(2, 2)? as i32;
            let om = if c.peek() == Some(b':') {
                c.i += 1;
                c.digits(2, 2)? as i32
            } else if c.peek().is_some_and(|b| b.is_ascii_digit()) {
                c.digits(2, 2)? as i32
            } else {
                0
            };
            let total = oh * 3600 + om * 60;
            if sign == b'-' { -total } else { total }
        }
        Some(_) => return None,
    };
    if c.i != c.b.len() {
        return None;
    }
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    // A leap second reads as the last second of its minute.
    let t = time::Time::from_hms(hour, minute, second.min(59)).ok()?;
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).ok()?;
    let at = time::PrimitiveDateTime::new(date, t).assume_offset(offset);
    Some(at.unix_timestamp_nanos() + nanos)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut n: u32 = 0;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(d) if d.is_ascii_digit() => {
                    n = n * 10 + u32::from(d - b'0');
                    count += 1;
                    self.i += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some(n)
    }
}

/// Unix nanoseconds as Unix seconds.
fn secs(ns: i128) -> f64 {
    let whole = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    whole as f64 + frac as f64 / 1e9
}

/// Milliseconds from `from` to `to` (Unix nanoseconds).
fn ms_between(from: i128, to: i128) -> f64 {
    let d = to.saturating_sub(from);
    let whole = d.div_euclid(1_000_000);
    let frac = d.rem_euclid(1_000_000);
    whole as f64 + frac as f64 / 1e6
}

/// A value quoted for a problem line, shortened.
fn quote(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_QUOTE).collect();
    if s.chars().nth(MAX_QUOTE).is_some() {
        out.push('…');
    }
    format!("`{out}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-03-01T10:00:00Z
    const T0: f64 = 1_709_287_200.0;

    const HAND: &str = r#"{
  "log": {
    "version": "1.2",
    "creator": {"name": "hand", "version": "1"},
    "pages": [{"startedDateTime": "2024-03-01T10:00:00.150Z", "id": "page_1", "title": "Shop",
               "pageTimings": {"onContentLoad": -1, "onLoad": 1500.5}}],
    "entries": [
      {"pageref": "page_1", "startedDateTime": "2024-03-01T10:00:00.800Z", "time": 40,
       "_resourceType": "image",
       "request": {"method": "GET", "url": "https://px.tracker.example/p.gif?id=1", "httpVersion": "h2",
                   "cookies": [{"name": "tp", "value": "q"}],
                   "headers": [{"name": "Cookie", "value": "tp=q"},
                               {"name": "Referer", "value": "https://www.shop.example/home"}],
                   "queryString": [{"name": "id", "value": "1"}], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "OK", "httpVersion": "h2", "cookies": [],
                    "headers": [{"name": "Content-Type", "value": "image/gif"},
                                {"name": "Set-Cookie", "value": "uid=xyz; Domain=.tracker.example; Path=/; Max-Age=86400; Secure; SameSite=None\nchip=1; Secure; Path=/; Partitioned; SameSite=None"}],
                    "content": {"size": 43, "mimeType": "image/gif"}, "redirectURL": "",
                    "headersSize": 100, "bodySize": 43},
       "cache": {}, "timings": {"send": 0, "wait": 40, "receive": 0}},
      {"pageref": "page_1", "startedDateTime": "2024-03-01T10:00:00.100Z", "time": 50,
       "request": {"method": "GET", "url": "http://shop.example/", "httpVersion": "HTTP/1.1", "cookies": [],
                   "headers": [{"name": "Host", "value": "shop.example"}], "queryString": [],
                   "headersSize": -1, "bodySize": 0},
       "response": {"status": 302, "statusText": "Found", "httpVersion": "HTTP/1.1", "cookies": [],
                    "headers": [{"name": "Location", "value": "https://www.shop.example/home"},
                                {"name": "Set-Cookie", "value": "sid=abc; Domain=shop.example; Path=/; HttpOnly; Max-Age=3600"}],
                    "content": {"size": 0, "mimeType": ""}, "redirectURL": "",
                    "headersSize": 120, "bodySize": 0},
       "cache": {}, "timings": {}},
      {"pageref": "page_1", "startedDateTime": "2024-03-01T11:00:00.200+01:00", "time": 300,
       "serverIPAddress": "192.0.2.1",
       "request": {"method": "GET", "url": "https://www.shop.example/home", "httpVersion": "HTTP/2.0",
                   "cookies": [], "headers": [{"name": "Cookie", "value": "sid=abc; legacy=1"}],
                   "queryString": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2.0", "cookies": [],
                    "headers": [{"name": "Content-Type", "value": "text/html; charset=utf-8"},
                                {"name": "Set-Cookie", "value": "old=1; Path=/"}],
                    "content": {"size": 5000, "mimeType": "text/html; charset=utf-8", "text": "<html></html>"},
                    "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 5000},
       "cache": {}, "timings": {}},
      {"pageref": "page_1", "startedDateTime": "2024-03-01T10:00:00.6Z", "time": 100,
       "_initiator": {"type": "parser", "url": "https://www.shop.example/home", "lineNumber": 12},
       "request": {"method": "GET", "url": "https://cdn.tracker.example/t.js", "httpVersion": "h2",
                   "cookies": [], "headers": [{"name": "Referer", "value": "https://www.shop.example/home"}],
                   "queryString": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "", "httpVersion": "h2", "cookies": [], "headers": [],
                    "content": {"size": 2048, "mimeType": "application/javascript"}, "redirectURL": "",
                    "headersSize": -1, "bodySize": -1, "_transferSize": 2048},
       "cache": {}, "timings": {}},
      {"pageref": "page_1", "startedDateTime": "2024-03-01T10:00:01Z", "time": 300, "_resourceType": "fetch",
       "request": {"method": "POST", "url": "https://www.shop.example/api/logout", "httpVersion": "h2",
                   "cookies": [], "headers": [{"name": "Cookie", "value": "sid=abc; legacy=1; old=1"}],
                   "queryString": [], "postData": {"mimeType": "application/json", "text": "{\"a\":1}"},
                   "headersSize": -1, "bodySize": 7},
       "response": {"status": 200, "statusText": "OK", "httpVersion": "h2", "cookies": [],
                    "headers": [{"name": "set-cookie", "value": "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"},
                                {"name": "Set-Cookie", "value": "a=1\nb=2; Path=/x"},
                                {"name": "Set-Cookie", "value": "evil=1; Domain=other.example"}],
                    "content": {"size": 2, "mimeType": "application/json"}, "redirectURL": "",
                    "headersSize": -1, "bodySize": 2},
       "cache": {}, "timings": {}},
      {"pageref": "page_1", "startedDateTime": "2024-03-01T10:00:01.200Z", "time": -1,
       "request": {"method": "GET", "url": "https://ads.blocked.example/ad.js", "httpVersion": "",
                   "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                    "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                    "headersSize": -1, "bodySize": -1},
       "cache": {}, "timings": {}},
      {"pageref": "page_1", "startedDateTime": "2024-03-01T10:00:01.300Z", "time": 1,
       "request": {"method": "GET", "url": "not a url", "httpVersion": "", "cookies": [], "headers": [],
                   "queryString": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                    "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
       "cache": {}, "timings": {}}
    ]
  }
}"#;

    /// name, value, domain, path, expires, request_only
    type JarRow<'a> = (&'a str, &'a str, &'a str, &'a str, Option<f64>, bool);

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn hand_written_har() {
        let cap = capture_from_har(HAND, "hand.har").expect("imports");
        assert_eq!(cap.requested_url, "http://shop.example/");
        assert_eq!(cap.final_url.as_deref(), Some("https://www.shop.example/home"));
        assert_eq!(cap.document_status, Some(200));
        assert_eq!(cap.navigation_error, None);
        // The page started at .150 but its first entry at .100: navigation starts with it.
        assert!(close(cap.nav_start_wall, T0 + 0.1), "{}", cap.nav_start_wall);
        assert!(cap.load_fired);
        assert_eq!(cap.load_ms, Some(1550.5));
        assert!(close(cap.collected_wall, T0 + 1.3), "{}", cap.collected_wall);
        assert_eq!(
            cap.problems,
            vec!["entry 6: invalid URL `not a url` (relative URL without a base), skipped"]
        );

        let r = &cap.requests;
        let ids: Vec<&str> = r.iter().map(|r| r.cdp_id.as_str()).collect();
        assert_eq!(ids, ["har-1", "har-2", "har-3", "har-0", "har-4", "har-5"]);
        let types: Vec<&str> = r.iter().map(|r| r.resource_type.as_str()).collect();
        assert_eq!(
            types,
            ["Document", "Document", "Script", "Image", "Fetch", "Script"]
        );
        let starts: Vec<f64> = r.iter().map(|r| r.start_ms).collect();
        assert_eq!(starts, [0.0, 100.0, 500.0, 700.0, 900.0, 1100.0]);
        let ends: Vec<Option<f64>> = r.iter().map(|r| r.end_ms).collect();
        assert_eq!(
            ends,
            [
                Some(50.0),
                Some(400.0),
                Some(600.0),
                Some(740.0),
                Some(1200.0),
                None
            ]
        );
        assert!(close(r[3].wall_time, T0 + 0.8));

        // The redirect.
        assert_eq!(r[0].status, Some(302));
        assert_eq!(r[0].redirect_to.as_deref(), Some("https://www.shop.example/home"));
        assert!(r[0].redirect_chain.is_empty());
        assert_eq!(r[0].encoded_data_length, Some(120));
        assert_eq!(r[0].protocol.as_deref(), Some("http/1.1"));
        assert_eq!(r[1].redirect_chain, ["http://shop.example/"]);
        assert_eq!(r[1].redirect_to, None);
        assert_eq!(r[1].mime_type.as_deref(), Some("text/html"));
        assert_eq!(r[1].protocol.as_deref(), Some("h2"));
        assert_eq!(r[1].remote_ip.as_deref(), Some("192.0.2.1"));
        assert_eq!(r[1].encoded_data_length, Some(5000));
        assert_eq!(r[1].cookies_sent, ["sid", "legacy"]);
        assert_eq!(r[1].status_text.as_deref(), Some("OK"));
        assert!(r[1].finished);

        // The script and its initiator.
        assert_eq!(
            r[2].initiator,
            Initiator {
                kind: "parser".into(),
                url: Some("https://www.shop.example/home".into()),
                line: Some(12),
            }
        );
        assert_eq!(r[0].initiator.kind, "other");
        assert_eq!(r[2].status_text, None);

        // The pixel.
        assert_eq!(r[3].url, "https://px.tracker.example/p.gif?id=1");
        assert_eq!(r[3].cookies_sent, ["tp"]);
        assert_eq!(r[3].encoded_data_length, Some(143));
        assert_eq!(r[3].set_cookie_lines.len(), 2);
        assert_eq!(
            r[3].request_header("referer"),
            Some("https://www.shop.example/home")
        );
        assert_eq!(r[3].response_header("content-type"), Some("image/gif"));

        // The fetch: several lines in one header, a deletion, a refused domain.
        assert_eq!(r[4].method, "POST");
        assert_eq!(r[4].post_data_len, Some(7));
        assert_eq!(
            r[4].set_cookie_lines,
            [
                "old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
                "a=1",
                "b=2; Path=/x",
                "evil=1; Domain=other.example"
            ]
        );
        assert_eq!(r[4].blocked_cookies.len(), 1);
        assert_eq!(r[4].blocked_cookies[0].line, "evil=1; Domain=other.example");
        assert_eq!(r[4].blocked_cookies[0].reasons, ["InvalidDomain"]);

        // The failure.
        assert_eq!(r[5].status, None);
        assert!(!r[5].finished);
        assert_eq!(r[5].failure.as_deref(), Some("no response"));
        assert_eq!(r[5].mime_type.as_deref(), Some("x-unknown"));
        assert!(r.iter().take(5).all(|r| r.finished && r.failure.is_none()));
        assert!(
            r.iter()
                .all(|r| r.target == "page" && r.frame_id.is_none() && r.image.is_none())
        );

        // The jar.
        let jar: Vec<JarRow<'_>> = cap
            .cookies
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.value.as_str(),
                    c.domain.as_str(),
                    c.path.as_str(),
                    c.expires,
                    c.request_only,
                )
            })
            .collect();
        assert_eq!(
            jar,
            [
                ("sid", "abc", ".shop.example", "/", Some(T0 + 3600.0), false),
                ("legacy", "1", "www.shop.example", "/", None, true),
                ("tp", "q", "px.tracker.example", "/", None, true),
                (
                    "uid",
                    "xyz",
                    ".tracker.example",
                    "/",
                    Some(T0 + 1.0 + 86_400.0),
                    false
                ),
                ("chip", "1", "px.tracker.example", "/", None, false),
                ("a", "1", "www.shop.example", "/api", None, false),
                ("b", "2", "www.shop.example", "/x", None, false),
            ]
        );
        let sid = &cap.cookies[0];
        assert!(sid.http_only && !sid.secure && sid.same_site.is_none());
        let uid = &cap.cookies[3];
        assert!(uid.secure && !uid.http_only);
        assert_eq!(uid.same_site.as_deref(), Some("None"));
        assert_eq!(uid.partition_key, None);
        let chip = &cap.cookies[4];
        assert_eq!(chip.partition_key.as_deref(), Some("https://shop.example"));
        assert!(cap.js_cookie_writes.is_empty() && cap.storage.is_empty() && cap.frames.is_empty());
    }

    #[test]
    fn the_pipeline_runs_on_an_import() {
        let cap = capture_from_har(HAND, "hand.har").expect("imports");
        let pass = crate::observe::build_pass("har", &cap, crate::observe::ObserveOptions::default());
        assert_eq!(pass.requests.len(), 6);
        assert_eq!(pass.cookies.len(), 7);
        let uid = pass.cookies.iter().find(|c| c.name == "uid").expect("uid");
        assert_eq!(uid.lifetime_requested_secs, Some(86_400));
        assert_eq!(uid.value, None);
        let legacy = pass.cookies.iter().find(|c| c.name == "legacy").expect("legacy");
        assert_eq!(legacy.source, crate::report::CookieSource::Request);
    }

    fn err(text: &str) -> String {
        match capture_from_har(text, "page.har") {
            Ok(_) => panic!("imported: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn malformed_inputs_say_where() {
        assert_eq!(
            err("{\"log\": {\"entries\": [}"),
            "page.har: line 1, column 22: not valid JSON: expected value"
        );
        assert_eq!(
            err("{\"log\": "),
            "page.har: line 1, column 8: not valid JSON: EOF while parsing a value"
        );
        assert_eq!(
            err("<html>"),
            "page.har: line 1, column 1: not valid JSON: expected value"
        );
        assert_eq!(
            err(""),
            "page.har: line 1, column 0: not valid JSON: EOF while parsing a value"
        );
        assert_eq!(
            err("{} x"),
            "page.har: line 1, column 4: not valid JSON: trailing characters"
        );
        assert_eq!(
            err("{\"foo\": 1}"),
            "page.har: not a HAR file: no `log` object at the top level"
        );
        assert_eq!(
            err("[1, 2]"),
            "page.har: not a HAR file: no `log` object at the top level"
        );
        assert_eq!(
            err("{\"log\": null}"),
            "page.har: not a HAR file: no `log` object at the top level"
        );
        assert_eq!(
            err("{\"log\": {}}"),
            "page.har: not a HAR file: no `log.entries` array"
        );
        assert_eq!(
            err("{\"log\": []}"),
            "page.har: line 1, column 8: log: invalid type: sequence, expected a HAR `log` object"
        );
        assert_eq!(
            err("{\"log\": {\"entries\": {}}}"),
            "page.har: line 1, column 20: log.entries: invalid type: map, expected an array"
        );
        assert_eq!(
            err("{\"log\": {\"entries\": []}}"),
            "page.har: the HAR has no entries"
        );
        let text = "{\n  \"log\": {\n    \"entries\": [\n      {\"startedDateTime\": \"2024-03-01T10:00:00Z\",\n       \"request\": {\"method\": \"GET\", \"url\": 42}}\n    ]\n  }\n}";
        assert_eq!(
            err(text),
            "page.har: line 5, column 45: log.entries[0].request.url: invalid type: integer `42`, expected a string"
        );
        assert_eq!(
            err("{\"log\": {\"entries\": [{\"request\": {\"url\": null}}]}}"),
            "page.har: line 1, column 45: log.entries[0].request.url: invalid type: null, expected a string"
        );
        assert_eq!(
            err("{\"log\": {\"entries\": [{\"startedDateTime\": \"x\"}]}}"),
            "page.har: line 1, column 45: log.entries[0]: missing field `request`"
        );
        assert_eq!(
            err("{\"log\": {\"entries\": [7]}}"),
            "page.har: line 1, column 22: log.entries[0]: invalid type: integer `7`, expected an entry object"
        );
        assert_eq!(
            err(
                r#"{"log": {"entries": [{"request": {"url": "https://a.example/", "headers": [{"name": "x", "value": "y"}, "z"]}}]}}"#
            ),
            "page.har: line 1, column 107: log.entries[0].request.headers[1]: invalid type: string \"z\", \
             expected a header object with `name` and `value`"
        );
        assert_eq!(
            err(
                r#"{"log": {"entries": [{"request": {"url": "https://a.example/"}, "response": {"status": true}}]}}"#
            ),
            "page.har: line 1, column 91: log.entries[0].response.status: invalid type: boolean `true`, expected a number"
        );
        // Every entry skipped.
        assert_eq!(
            err(
                r#"{"log": {"entries": [{"startedDateTime": "yesterday", "request": {"url": "https://a.example/"}}]}}"#
            ),
            "page.har: no entry could be imported: entry 0: unreadable startedDateTime `yesterday`, skipped"
        );
    }

    #[test]
    fn odd_but_readable_files() {
        // A byte-order mark, no pages, missing optional fields, junk in tool fields, NaN.
        let text = "\u{feff}{\"log\": {\"pages\": 5, \"entries\": [
            {\"startedDateTime\": \"2010-01-25T10:03:39.123+01:00\", \"time\": NaN,
             \"_initiator\": [1, 2], \"_resourceType\": {\"x\": 1}, \"_transferSize\": \"big\",
             \"request\": {\"url\": \"https://www.example.com/\", \"headers\": [{\"name\": \"X\", \"value\": {\"a\": 1}}]},
             \"response\": {\"status\": \"200\", \"headers\": null, \"content\": 3, \"redirectURL\": null}},
            {\"startedDateTime\": \"2010-01-25 09:03:40Z\", \"request\": {\"url\": \"https://www.example.com/a.png\", \"method\": \"GET\"},
             \"response\": null}
        ]}}";
        let cap = capture_from_har(text, "odd.har").expect("imports");
        assert_eq!(cap.requested_url, "https://www.example.com/");
        assert_eq!(cap.document_status, Some(200));
        assert!(!cap.load_fired);
        // 2010-01-25T09:03:39.123Z
        assert!(
            close(cap.nav_start_wall, 1_264_410_219.123),
            "{}",
            cap.nav_start_wall
        );
        assert_eq!(cap.requests.len(), 2);
        assert_eq!(cap.requests[0].method, "GET");
        assert_eq!(cap.requests[0].end_ms, None);
        assert_eq!(
            cap.requests[0].request_headers,
            [("X".to_string(), String::new())]
        );
        assert_eq!(cap.requests[1].start_ms, 877.0);
        assert_eq!(cap.requests[1].resource_type, "Image");
        assert_eq!(cap.requests[1].failure.as_deref(), Some("no response"));
        assert_eq!(
            cap.problems,
            ["the file has NaN or Infinity numbers (not JSON); read as null"]
        );
    }

    #[test]
    fn hostile_files_never_panic() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            err(&deep),
            "page.har: not a HAR file: no `log` object at the top level"
        );
        let deep_url = format!(
            r#"{{"log": {{"entries": [{{"request": {{"url": {}{}}}}}]}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(
            err(&deep_url),
            "page.har: line 1, column 41: log.entries[0].request.url: invalid type: sequence, expected a string"
        );
        let deep_junk = format!(
            r#"{{"log": {{"pages": {}{}, "entries": [{{"startedDateTime": "2024-01-01T00:00:00Z",
                "_initiator": {}1{}, "request": {{"url": "https://a.example/"}}}}]}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000),
            "{\"a\": ".repeat(100_000),
            "}".repeat(100_000)
        );
        let cap = capture_from_har(&deep_junk, "junk.har").expect("imports");
        assert_eq!(cap.requests.len(), 1);
        let deep_initiator = format!(
            r#"{{"log": {{"entries": [{{"startedDateTime": "2024-01-01T00:00:00Z", "request": {{"url": "https://a.example/"}},
                "_initiator": {{"type": "script", "stack": {{"callFrames": [{{"url": "https://a.example/x.js", "lineNumber": 3}}], "parent": {}null{}}}}}}}]}}}}"#,
            "{\"parent\": ".repeat(5_000),
            "}".repeat(5_000)
        );
        // Chrome's async stacks nest `parent`s: never read, so never too deep.
        let cap = capture_from_har(&deep_initiator, "deep.har").expect("imports");
        assert_eq!(
            cap.requests[0].initiator,
            Initiator {
                kind: "script".into(),
                url: Some("https://a.example/x.js".into()),
                line: Some(3)
            }
        );
        let extreme = r#"{"log": {"pages": [{"id": "p", "startedDateTime": "9999-12-31T23:59:59.999999999999-23:59",
            "pageTimings": {"onLoad": 1e308}}], "entries": [
            {"pageref": "p", "startedDateTime": "0000-01-01T00:00:00+23:59", "time": -1e308,
             "request": {"url": "https://a.example/", "bodySize": 1e300},
             "response": {"status": 1e300, "headersSize": 1e308, "bodySize": 1e308, "redirectURL": "::::",
                          "headers": [{"name": "Set-Cookie", "value": "a=1; Max-Age=9223372036854775807; Domain=a.example"},
                                      {"name": "Set-Cookie", "value": "b=1; Max-Age=-9223372036854775808"},
                                      {"name": "Set-Cookie", "value": "=; ;;; Domain=; Path"},
                                      {"name": "Set-Cookie", "value": "c=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT"}]}},
            {"startedDateTime": "2024-02-30T00:00:00Z", "request": {"url": "https://b.example/"}},
            {"startedDateTime": "2024-01-01T25:00:00Z", "request": {"url": "https://b.example/"}},
            {"startedDateTime": "2024-01-01T00:00:00+99:00", "request": {"url": "https://b.example/"}},
            {"startedDateTime": "2024-01-01T00:00:00.Z", "request": {"url": "https://b.example/"}}
        ]}}"#;
        let cap = capture_from_har(extreme, "extreme.har").expect("imports");
        assert_eq!(cap.requests.len(), 1);
        assert_eq!(cap.problems.len(), 4, "{:?}", cap.problems);
        assert_eq!(cap.requests[0].status, None);
        let names: Vec<&str> = cap.cookies.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        // The jar stops at Chromium's limit.
        let many: Vec<String> = (0..3400).map(|i| format!("c{i}=1")).collect();
        let big = format!(
            r#"{{"log": {{"entries": [{{"startedDateTime": "2024-01-01T00:00:00Z", "request": {{"url": "https://a.example/"}},
                "response": {{"status": 200, "headers": [{{"name": "Set-Cookie", "value": "{}"}}]}}}}]}}}}"#,
            many.join("\\n")
        );
        let cap = capture_from_har(&big, "big.har").expect("imports");
        assert_eq!(cap.requests[0].set_cookie_lines.len(), 3400);
        assert_eq!(cap.cookies.len(), MAX_COOKIES);
        assert_eq!(
            cap.problems,
            ["more than 3300 cookies (Chromium's limit for a profile): the later ones are not in the jar"]
        );
        // Many bad entries: the problems are capped.
        let bad = format!(
            r#"{{"log": {{"entries": [{}{{"startedDateTime": "2024-01-01T00:00:00Z", "request": {{"url": "https://a.example/"}}}}]}}}}"#,
            r#"{"startedDateTime": "2024-01-01T00:00:00Z", "request": {"url": "bad"}},"#.repeat(200)
        );
        let cap = capture_from_har(&bad, "bad.har").expect("imports");
        assert_eq!(cap.problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(cap.problems[MAX_PROBLEMS], "… and 150 more problems");
    }

    #[test]
    fn dates() {
        let at = |s: &str| parse_time(s).map(secs);
        assert_eq!(at("2024-03-01T10:00:00Z"), Some(T0));
        assert_eq!(at("2024-03-01T10:00:00.5Z"), Some(T0 + 0.5));
        assert_eq!(at("2024-03-01T11:00:00.250+01:00"), Some(T0 + 0.25));
        assert_eq!(at("2024-03-01T11:00:00.250+0100"), Some(T0 + 0.25));
        assert_eq!(at("2024-03-01T02:00:00-08"), Some(T0));
        assert_eq!(at("2024-03-01 10:00"), Some(T0));
        assert_eq!(at("2024-03-01t10:00:00z"), Some(T0));
        assert_eq!(at("2024-03-01"), Some(T0 - 36_000.0));
        assert_eq!(
            parse_time("2011-07-08T06:40:46.9724178+01:00").map(|n| n % 1_000_000_000),
            Some(972_417_800)
        );
        assert_eq!(at("2024-03-01T10:00:00ZZ"), None);
        assert_eq!(at("1709287200"), None);
        assert_eq!(at(""), None);
    }

    #[test]
    fn names_and_types() {
        assert_eq!(cdp_resource_type("xhr"), "XHR");
        assert_eq!(cdp_resource_type("CSPViolationReport"), "CSPViolationReport");
        assert_eq!(cdp_resource_type("signed-exchange"), "SignedExchange");
        assert_eq!(cdp_resource_type("new-kind"), "NewKind");
        let u = |s: &str| Url::parse(s).expect("url");
        let guess = |m: Option<&str>, url: &str| guess_resource_type(m, &u(url));
        assert_eq!(guess(Some("application/x-javascript"), "https://a/x"), "Script");
        assert_eq!(guess(Some("image"), "https://a/x"), "Image");
        assert_eq!(guess(Some("application/font-woff"), "https://a/x"), "Font");
        assert_eq!(guess(Some("application/json"), "https://a/x"), "XHR");
        assert_eq!(guess(Some("application/xhtml+xml"), "https://a/x"), "Document");
        assert_eq!(guess(None, "https://a/p.gif?x=1"), "Image");
        assert_eq!(guess(Some("text/xml"), "https://a/p.gif"), "Other");
        assert_eq!(protocol("HTTP/2.0").as_deref(), Some("h2"));
        assert_eq!(protocol("1.1").as_deref(), Some("http/1.1"));
        assert_eq!(protocol("spdy").as_deref(), Some("spdy"));
        assert_eq!(protocol("me:"), None);
        assert_eq!(default_path(&u("https://a/b/c?d")), "/b");
        assert_eq!(default_path(&u("https://a/b")), "/");
        assert!(covers(".a.com", "x.a.com") && covers(".a.com", "a.com") && !covers(".a.com", "xa.com"));
        assert_eq!(decode_har_bytes(b"\xef\xbb\xbf{}"), "{}");
        assert_eq!(decode_har_bytes(b"\xff\xfe{\0}\0"), "{}");
        assert_eq!(decode_har_bytes(b"{\0}\0"), "{}");
        assert_eq!(decode_har_bytes(b"{\"a\": \"\xe9\"}"), "{\"a\": \"\u{e9}\"}");
    }

    /// The shared reference HARs: file, entries (counted with Python's `json`), requested URL,
    /// host of the final URL, then what the import made of them (regression values): jar
    /// cookies and how many of them are known only from request headers.
    const REFERENCE: &[(&str, usize, &str, &str, usize, usize)] = &[
        (
            "aftonbladet.se_2015_wpt.har",
            212,
            "http://aftonbladet.se/",
            "www.aftonbladet.se",
            39,
            19,
        ),
        (
            "arcelormittal.com_2018_chrome-har.har",
            40,
            "http://www.arcelormittal.com/",
            "m.corporate.arcelormittal.com",
            12,
            0,
        ),
        (
            "assa.se_2017_chrome-har.har",
            127,
            "https://www.assa.se/",
            "www.assa.se",
            4,
            4,
        ),
        (
            "cnet.com_2018_chrome-har.har",
            258,
            "https://www.cnet.com/",
            "www.cnet.com",
            32,
            22,
        ),
        (
            "cnn.com_2015_firebug.har",
            145,
            "http://cnn.com/",
            "www.cnn.com",
            27,
            16,
        ),
        (
            "cnn.com_2017_chrome-har-capturer.har",
            292,
            "http://cnn.com/",
            "edition.cnn.com",
            78,
            9,
        ),
        (
            "en.wikipedia.org_2015_wpt.har",
            102,
            "https://en.wikipedia.org/wiki/Main_Page",
            "en.wikipedia.org",
            5,
            3,
        ),
        (
            "expressen.se_2018_wpt.har",
            607,
            "https://www.expressen.se/",
            "www.expressen.se",
            39,
            15,
        ),
        (
            "ferguson.com_2022_chrome-har.har",
            174,
            "https://www.ferguson.com/",
            "www.ferguson.com",
            49,
            16,
        ),
        (
            "interiordesignshow.com_2016_firefox.har",
            354,
            "http://www.interiordesignshow.com/",
            "www.interiordesignshow.com",
            6,
            4,
        ),
        (
            "lansstyrelsen.se_2016_firefox.har",
            222,
            "http://www.lansstyrelsen.se/orebro/Sv/Pages/default.aspx",
            "www.lansstyrelsen.se",
            9,
            7,
        ),
        (
            "linkedin.com_2016_firefox.har",
            23,
            "https://www.linkedin.com/",
            "www.linkedin.com",
            12,
            2,
        ),
        (
            "mousel.lu_2018_chrome-har.har",
            21,
            "http://www.mousel.lu/",
            "www.brasseriedeluxembourg.lu",
            8,
            5,
        ),
        (
            "mytoys.de_2017_chrome-har.har",
            50,
            "https://checkout.mytoys.de/checkout/registration",
            "checkout.mytoys.de",
            34,
            3,
        ),
        (
            "nytimes.com_2015_wpt.har",
            328,
            "http://www.nytimes.com/",
            "www.nytimes.com",
            102,
            22,
        ),
        (
            "ryanair.com_2016_wpt.har",
            304,
            "https://www.ryanair.com/gb/en/",
            "www.ryanair.com",
            49,
            10,
        ),
        (
            "softwareishard.com_2010_firebug.har",
            40,
            "http://www.softwareishard.com/blog/firebug/firebug-16-beta-1-released/",
            "www.softwareishard.com",
            4,
            4,
        ),
        (
            "verizonwireless.com_2018_chrome-har.har",
            169,
            "https://www.verizonwireless.com/devices",
            "www.verizonwireless.com",
            57,
            25,
        ),
        (
            "widex.com_2011_fiddler.har",
            87,
            "http://www.widex.com/en/products/hearingaids/clear/",
            "www.widex.com",
            13,
            7,
        ),
        (
            "yahoo.com_2018_chrome-har.har",
            107,
            "http://yahoo.com/",
            "www.yahoo.com",
            7,
            4,
        ),
    ];

    fn reference(name: &str) -> Capture {
        let path = format!("{}/../shared/reference/har/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).expect("reference HAR");
        match capture_from_har(&decode_har_bytes(&bytes), name) {
            Ok(cap) => cap,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn every_reference_har_loads() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/har/");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("reference directory")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".har"))
            .collect();
        names.sort();
        let listed: Vec<&str> = REFERENCE.iter().map(|r| r.0).collect();
        assert_eq!(names, listed, "every reference HAR is in the table");
        for &(name, entries, requested, host, cookies, request_only) in REFERENCE {
            let cap = reference(name);
            assert_eq!(cap.requests.len(), entries, "{name}");
            assert_eq!(cap.requested_url, requested, "{name}");
            let final_host = cap.final_url.as_deref().and_then(crate::classify::host_of);
            assert_eq!(final_host.as_deref(), Some(host), "{name}");
            assert_eq!(cap.document_status, Some(200), "{name}");
            assert_eq!(cap.cookies.len(), cookies, "{name}");
            assert_eq!(
                cap.cookies.iter().filter(|c| c.request_only).count(),
                request_only,
                "{name}"
            );
            assert!(
                cap.requests.windows(2).all(|w| w[0].start_ms <= w[1].start_ms),
                "{name}"
            );
            assert!(cap.requests.iter().all(|r| r.start_ms >= 0.0), "{name}");
        }
    }

    fn jar<'a>(cap: &'a Capture, name: &str, domain: &str) -> &'a JarCookie {
        cap.cookies
            .iter()
            .find(|c| c.name == name && c.domain == domain)
            .unwrap_or_else(|| panic!("no cookie {name} for {domain}"))
    }

    #[test]
    fn webpagetest_aftonbladet() {
        let cap = reference("aftonbladet.se_2015_wpt.har");
        let r = &cap.requests;
        assert_eq!(
            (r[0].url.as_str(), r[0].status),
            ("http://aftonbladet.se/", Some(301))
        );
        assert_eq!(r[0].redirect_to.as_deref(), Some("http://www.aftonbladet.se/"));
        assert_eq!(r[1].redirect_chain, ["http://aftonbladet.se/"]);
        assert_eq!((r[0].start_ms, r[0].end_ms), (375.0, Some(620.0)));
        // The page's startedDateTime (whole seconds) starts the navigation.
        assert_eq!(cap.nav_start_wall, 1_440_877_628.0);
        assert_eq!(cap.load_ms, Some(6656.0));
        // `Set-Cookie: X-AB-Device-Type=desktop; Expires=Wed, 01-Jan-2020 00:00:01 GMT; Path=/; Domain=.aftonbladet.se`
        let c = jar(&cap, "X-AB-Device-Type", ".aftonbladet.se");
        assert_eq!((c.value.as_str(), c.path.as_str()), ("desktop", "/"));
        assert_eq!(c.expires, Some(1_577_836_801.0));
        assert!(!c.request_only && !c.http_only);
        assert_eq!(r[2].cookies_sent, ["X-AB-Device-Type"]);
        let utma = jar(&cap, "__utma", "wwwapp.aftonbladet.se");
        assert!(utma.request_only && utma.expires.is_none());
        assert_eq!(cap.problems.len(), 1, "{:?}", cap.problems);
    }

    #[test]
    fn chrome_har_capturer_cnn() {
        let cap = reference("cnn.com_2017_chrome-har-capturer.har");
        let r = &cap.requests;
        let chain: Vec<(&str, Option<u16>)> = r[..3].iter().map(|r| (r.url.as_str(), r.status)).collect();
        assert_eq!(
            chain,
            [
                ("http://cnn.com/", Some(301)),
                ("http://www.cnn.com/", Some(302)),
                ("http://edition.cnn.com/", Some(200))
            ]
        );
        assert_eq!(r[2].redirect_chain, ["http://cnn.com/", "http://www.cnn.com/"]);
        assert!(r[..3].iter().all(|r| r.resource_type == "Document"));
        // This tool writes no `request.cookies`: names come from the `Cookie` header.
        assert_eq!(r[1].cookies_sent, ["countryCode", "geoData"]);
        // The page starts 221 ms after the first request: navigation starts with the request.
        assert_eq!(r[0].start_ms, 0.0);
        assert_eq!(r[2].start_ms, 221.0);
        let country = jar(&cap, "countryCode", ".cnn.com");
        assert_eq!(country.value, "BG");
        assert!(country.expires.is_none() && !country.request_only);
        // `IDE=…; expires=Sat, 08-Dec-2018 12:03:03 GMT; path=/; domain=.doubleclick.net; HttpOnly`
        let ide = jar(&cap, "IDE", ".doubleclick.net");
        assert_eq!(ide.expires, Some(1_544_270_583.0));
        assert!(ide.http_only);
        assert_eq!(r[0].protocol.as_deref(), Some("http/1.1"));
    }

    #[test]
    fn firefox_and_fiddler() {
        let cap = reference("lansstyrelsen.se_2016_firefox.har");
        // `ACE_LANSSTYRELSEN=R810863739; path=/; expires=Fri, 22-Jan-2016 11:54:37 GMT`
        let ace = jar(&cap, "ACE_LANSSTYRELSEN", "www.lansstyrelsen.se");
        assert_eq!(ace.expires, Some(1_453_463_677.0));
        assert!(!ace.request_only);
        let snoobi = jar(&cap, "Snoobi_rand", ".snoobi.com");
        assert_eq!(snoobi.value, "947295-e54f4ac5ced81e6e82c6331c543aa2f6");
        assert_eq!(cap.requests[0].status, Some(200));
        assert_eq!(cap.requests[0].mime_type.as_deref(), Some("text/html"));
        assert_eq!(cap.load_ms, Some(3646.0));

        // Fiddler: no pages, and a start-marker page before the one that was browsed.
        let cap = reference("widex.com_2011_fiddler.har");
        assert_eq!(
            cap.requests[0].url,
            "http://fiddlerstartmarker.com/fiddlerstartmarker.com.js"
        );
        assert!(!cap.load_fired);
        let session = jar(&cap, "ASP.NET_SessionId", "www.widex.com");
        assert!(session.http_only && session.expires.is_none());
        assert_eq!(
            cap.problems,
            [
                "the HAR has no pages: the page load is taken to be the first document requested without \
              a Referer, `http://www.widex.com/en/products/hearingaids/clear/`"
            ]
        );
        // Seven fraction digits in Fiddler's times.
        assert!(
            close(cap.requests[16].start_ms, 780.0),
            "{}",
            cap.requests[16].start_ms
        );
    }
}
