//! The audit chain: canonical form, hashing and verification.
//!
//! Pure: no I/O. The CSV export and its streaming verifier live in
//! `crate::export::audit_csv` and build on the pieces here.
//!
//! `hash` is the lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785
//! (JCS) canonical JSON of the object with the keys `action, actor,
//! actor_role, at, payload, prev_hash, reason, round_id, seq, subject_id,
//! subject_type` — `seq` a JSON integer, `payload` the JSON object itself and
//! everything else a string. That key list is already in JCS order, so the
//! canonical text is assembled directly instead of going through a JSON tree.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// `prev_hash` of event 1: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Largest integer magnitude allowed in a payload (2^53 − 1).
///
/// RFC 8785 serializes numbers as IEEE 754 doubles; beyond this bound a
/// generic JCS implementation would print a different (rounded) number than
/// the decimal we hash, so such payloads are refused rather than made
/// unverifiable with off-the-shelf tools.
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// Deepest nesting of objects/arrays allowed in a payload (the top-level
/// object counts as 1). Bounds recursion when checking hostile input.
pub const MAX_PAYLOAD_DEPTH: usize = 64;

/// One audit event, exactly as stored and exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// 1, 2, 3 … without gaps.
    pub seq: u64,
    /// UTC time, see [`format_at`].
    pub at: String,
    /// Account UUID or `system`.
    pub actor: String,
    pub actor_role: String,
    /// Dotted action name, e.g. `score.amended`.
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    /// Round UUID or empty.
    pub round_id: String,
    /// Canonical JSON text of a JSON object, as produced by
    /// [`canonical_payload`]; it is hashed byte for byte.
    pub payload: String,
    /// Free text, may be empty.
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    /// The exact RFC 8785 text that is hashed.
    ///
    /// `payload` is embedded verbatim as a JSON value (not as a string), so it
    /// must already be canonical; [`Verifier`] rejects events where it is not.
    pub fn canonical_text(&self) -> String {
        let mut out = String::with_capacity(self.approx_len());
        self.as_ref().write_canonical(&mut out);
        out
    }

    /// Lowercase hex SHA-256 of [`Event::canonical_text`].
    pub fn compute_hash(&self) -> String {
        let mut buf = String::with_capacity(self.approx_len());
        let mut hex = [0u8; 64];
        self.as_ref().hash_hex(&mut buf, &mut hex);
        hex.iter().map(|&b| char::from(b)).collect()
    }

    fn approx_len(&self) -> usize {
        200 + self.at.len()
            + self.actor.len()
            + self.actor_role.len()
            + self.action.len()
            + self.subject_type.len()
            + self.subject_id.len()
            + self.round_id.len()
            + self.payload.len()
            + self.reason.len()
            + self.prev_hash.len()
            + self.hash.len()
    }

    pub(crate) fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            actor_role: &self.actor_role,
            action: &self.action,
            subject_type: &self.subject_type,
            subject_id: &self.subject_id,
            round_id: &self.round_id,
            payload: &self.payload,
            reason: &self.reason,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

/// A borrowed event, so the CSV verifier can check rows in place without
/// allocating twelve strings per row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EventRef<'a> {
    pub seq: u64,
    pub at: &'a str,
    pub actor: &'a str,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub round_id: &'a str,
    pub payload: &'a str,
    pub reason: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl EventRef<'_> {
    pub(crate) fn to_event(self) -> Event {
        Event {
            seq: self.seq,
            at: self.at.to_owned(),
            actor: self.actor.to_owned(),
            actor_role: self.actor_role.to_owned(),
            action: self.action.to_owned(),
            subject_type: self.subject_type.to_owned(),
            subject_id: self.subject_id.to_owned(),
            round_id: self.round_id.to_owned(),
            payload: self.payload.to_owned(),
            reason: self.reason.to_owned(),
            prev_hash: self.prev_hash.to_owned(),
            hash: self.hash.to_owned(),
        }
    }

    fn write_canonical(&self, out: &mut String) {
        out.push_str("{\"action\":");
        push_json_string(out, self.action);
        out.push_str(",\"actor\":");
        push_json_string(out, self.actor);
        out.push_str(",\"actor_role\":");
        push_json_string(out, self.actor_role);
        out.push_str(",\"at\":");
        push_json_string(out, self.at);
        out.push_str(",\"payload\":");
        out.push_str(self.payload);
        out.push_str(",\"prev_hash\":");
        push_json_string(out, self.prev_hash);
        out.push_str(",\"reason\":");
        push_json_string(out, self.reason);
        out.push_str(",\"round_id\":");
        push_json_string(out, self.round_id);
        out.push_str(",\"seq\":");
        push_decimal(out, self.seq);
        out.push_str(",\"subject_id\":");
        push_json_string(out, self.subject_id);
        out.push_str(",\"subject_type\":");
        push_json_string(out, self.subject_type);
        out.push('}');
    }

    /// Hashes into `hex` using `buf` as scratch so callers can reuse it.
    fn hash_hex(&self, buf: &mut String, hex: &mut [u8; 64]) {
        buf.clear();
        self.write_canonical(buf);
        let digest = Sha256::digest(buf.as_bytes());
        // 32 bytes always fit 64 hex digits; the error arm is unreachable.
        if hex::encode_to_slice(digest.as_slice(), hex).is_err() {
            hex.fill(b'!');
        }
    }
}

/// Word-at-a-time byte search (SWAR): hashing is fast enough that
/// byte-by-byte scanning of strings would dominate verification.
pub(crate) mod swar {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;

    /// High bit set in the bytes of `w` equal to `b`. Only the lowest set
    /// bit is exact (borrows can flag bytes above it), which is all a
    /// "find first" needs.
    #[inline]
    pub(crate) fn eq(w: u64, b: u8) -> u64 {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGHS
    }

    /// High bit set in the bytes of `w` below `n` (`n` ≤ 128); lowest exact.
    #[inline]
    pub(crate) fn below(w: u64, n: u8) -> u64 {
        w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
    }

    /// Index of the first byte at or after `i` for which `hit` flags a
    /// byte (`hit` maps a word to a SWAR mask; `byte` is the scalar test),
    /// or `bytes.len()`.
    #[inline]
    pub(crate) fn find(
        bytes: &[u8],
        mut i: usize,
        hit: impl Fn(u64) -> u64,
        byte: impl Fn(u8) -> bool,
    ) -> usize {
        while let Some(word) = bytes.get(i..i + 8) {
            let mut arr = [0u8; 8];
            arr.copy_from_slice(word);
            let m = hit(u64::from_le_bytes(arr));
            if m != 0 {
                return i + (m.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while i < bytes.len() && !byte(bytes[i]) {
            i += 1;
        }
        i
    }
}

/// First byte at or after `i` that a JSON string cannot hold literally.
#[inline]
fn find_escapable(bytes: &[u8], i: usize) -> usize {
    swar::find(
        bytes,
        i,
        |w| swar::below(w, 0x20) | swar::eq(w, b'"') | swar::eq(w, b'\\'),
        |b| b < 0x20 || b == b'"' || b == b'\\',
    )
}

/// Appends `s` as an RFC 8785 string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = find_escapable(bytes, start);
        // Every escaped byte is ASCII, so `i` is a char boundary.
        out.push_str(&s[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x09 => out.push_str("\\t"),
            0x0a => out.push_str("\\n"),
            0x0c => out.push_str("\\f"),
            0x0d => out.push_str("\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
        }
        start = i + 1;
    }
    out.push('"');
}

fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        // n % 10 < 10, so the cast cannot truncate.
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

// ---------------------------------------------------------------------------
// Payload
// ---------------------------------------------------------------------------

/// Why a payload cannot be (or is not) in canonical form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the payload must be a JSON object")]
    NotAnObject,
    #[error("payload numbers must be integers; write fractions as \"p/q\" strings")]
    Float,
    #[error("payload values may not be true/false; write them as strings")]
    Bool,
    #[error("payload values may not be null; omit the key or use an empty string")]
    Null,
    #[error("payload integers must lie within ±9007199254740991 (2^53 − 1)")]
    IntegerOutOfRange,
    #[error("payload nesting is deeper than {MAX_PAYLOAD_DEPTH} levels")]
    TooDeep,
    #[error("payload text is not in canonical form (first difference near byte {offset})")]
    NotCanonical { offset: usize },
}

/// Serializes a payload object as RFC 8785 canonical JSON.
///
/// Only the subset the README's hash rule allows is accepted: a top-level object whose
/// values are strings, integers within ±(2^53 − 1), arrays and objects.
/// Object keys are sorted by UTF-16 code units, as JCS requires.
///
/// # Errors
///
/// [`PayloadError`] when the value is not an object, or contains a float,
/// `true`/`false`, `null`, an out-of-range integer or nesting deeper than
/// [`MAX_PAYLOAD_DEPTH`].
pub fn canonical_payload(value: &serde_json::Value) -> Result<String, PayloadError> {
    if !value.is_object() {
        return Err(PayloadError::NotAnObject);
    }
    let mut out = String::new();
    write_value(&mut out, value, 1)?;
    Ok(out)
}

fn write_value(
    out: &mut String,
    value: &serde_json::Value,
    depth: usize,
) -> Result<(), PayloadError> {
    use serde_json::Value;
    match value {
        Value::Null => Err(PayloadError::Null),
        Value::Bool(_) => Err(PayloadError::Bool),
        Value::String(s) => {
            push_json_string(out, s);
            Ok(())
        }
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(PayloadError::IntegerOutOfRange);
                }
                push_decimal(out, u);
                Ok(())
            } else if let Some(i) = n.as_i64() {
                let magnitude = i.unsigned_abs();
                if magnitude > MAX_SAFE_INTEGER {
                    return Err(PayloadError::IntegerOutOfRange);
                }
                // as_u64 failed, so i is negative.
                out.push('-');
                push_decimal(out, magnitude);
                Ok(())
            } else {
                Err(PayloadError::Float)
            }
        }
        Value::Array(items) => {
            if depth > MAX_PAYLOAD_DEPTH {
                return Err(PayloadError::TooDeep);
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, depth + 1)?;
            }
            out.push(']');
            Ok(())
        }
        Value::Object(map) => {
            if depth > MAX_PAYLOAD_DEPTH {
                return Err(PayloadError::TooDeep);
            }
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                write_value(out, v, depth + 1)?;
            }
            out.push('}');
            Ok(())
        }
    }
}

/// Checks that `text` is exactly the output [`canonical_payload`] would give
/// for the JSON it denotes, without building a JSON tree.
///
/// Equivalent to "parse, re-canonicalize, compare", but allocation-free so
/// the verifier can run it on every row of a large trail.
///
/// # Errors
///
/// The first reason `text` is not canonical. The kind is a best-effort hint;
/// any `Err` means "not canonical".
pub fn check_canonical_payload(text: &str) -> Result<(), PayloadError> {
    let mut c = Checker {
        s: text,
        b: text.as_bytes(),
        i: 0,
    };
    match c.b.first() {
        Some(b'{') => {}
        Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
            return Err(PayloadError::NotAnObject);
        }
        _ => return Err(PayloadError::NotCanonical { offset: 0 }),
    }
    c.object(1)?;
    if c.i != c.b.len() {
        return Err(c.not_canonical());
    }
    Ok(())
}

struct Checker<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Checker<'a> {
    fn not_canonical(&self) -> PayloadError {
        PayloadError::NotCanonical { offset: self.i }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), PayloadError> {
        if self.peek() == Some(byte) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.not_canonical())
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), PayloadError> {
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(|_| ()),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't' | b'f') => Err(PayloadError::Bool),
            Some(b'n') => Err(PayloadError::Null),
            _ => Err(self.not_canonical()),
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), PayloadError> {
        if depth > MAX_PAYLOAD_DEPTH {
            return Err(PayloadError::TooDeep);
        }
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let mut prev: Option<(&'a str, bool)> = None;
        loop {
            let key_at = self.i;
            let key = self.string()?;
            let plain = is_plain_key(key);
            if let Some((prev, prev_plain)) = prev {
                let order = if prev_plain && plain {
                    short_cmp(prev.as_bytes(), key.as_bytes())
                } else {
                    utf16_cmp_escaped(prev, key)
                };
                // Strictly increasing also rules out duplicate keys.
                if order != Ordering::Less {
                    return Err(PayloadError::NotCanonical { offset: key_at });
                }
            }
            prev = Some((key, plain));
            self.expect(b':')?;
            self.value(depth + 1)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.not_canonical()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), PayloadError> {
        if depth > MAX_PAYLOAD_DEPTH {
            return Err(PayloadError::TooDeep);
        }
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.not_canonical()),
            }
        }
    }

    /// Returns the raw (still escaped) contents between the quotes.
    fn string(&mut self) -> Result<&'a str, PayloadError> {
        self.expect(b'"')?;
        let start = self.i;
        loop {
            self.i = find_escapable(self.b, self.i);
            let Some(b) = self.peek() else {
                return Err(self.not_canonical());
            };
            match b {
                b'"' => {
                    let raw = &self.s[start..self.i];
                    self.i += 1;
                    return Ok(raw);
                }
                b'\\' => {
                    let esc = self.b.get(self.i + 1).copied();
                    match esc {
                        Some(b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r') => self.i += 2,
                        Some(b'u') => {
                            let ok = match self.b.get(self.i + 2..self.i + 6) {
                                Some(&[b'0', b'0', hi @ (b'0' | b'1'), lo]) => {
                                    let lo = match lo {
                                        b'0'..=b'9' => Some(lo - b'0'),
                                        b'a'..=b'f' => Some(lo - b'a' + 10),
                                        _ => None,
                                    };
                                    // Controls that have a short escape must use it.
                                    match (hi, lo) {
                                        (b'0', Some(8 | 9 | 10 | 12 | 13)) => false,
                                        (_, lo) => lo.is_some(),
                                    }
                                }
                                _ => false,
                            };
                            if !ok {
                                return Err(self.not_canonical());
                            }
                            self.i += 6;
                        }
                        _ => return Err(self.not_canonical()),
                    }
                }
                0x00..=0x1f => return Err(self.not_canonical()),
                _ => self.i += 1,
            }
        }
    }

    fn number(&mut self) -> Result<(), PayloadError> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let digits_start = self.i;
        let mut value: u64 = 0;
        let mut overflow = false;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            value = match value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
            {
                Some(v) => v,
                None => {
                    overflow = true;
                    0
                }
            };
            self.i += 1;
        }
        let digits = &self.b[digits_start..self.i];
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return Err(PayloadError::Float);
        }
        let canonical_digits = match digits {
            [] => false,
            [b'0'] => !negative, // "-0" is not canonical
            [b'0', ..] => false,
            _ => true,
        };
        if !canonical_digits {
            return Err(PayloadError::NotCanonical { offset: start });
        }
        if overflow || value > MAX_SAFE_INTEGER {
            return Err(PayloadError::IntegerOutOfRange);
        }
        Ok(())
    }
}

/// Decodes a validated canonical string body (between the quotes).
fn decode_escaped(raw: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = raw.chars();
    std::iter::from_fn(move || {
        let c = chars.next()?;
        if c != '\\' {
            return Some(c);
        }
        Some(match chars.next()? {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            'u' => {
                let code = chars
                    .by_ref()
                    .take(4)
                    .fold(0u32, |acc, h| acc * 16 + h.to_digit(16).unwrap_or(0));
                char::from_u32(code).unwrap_or('\u{0}')
            }
            other => other,
        })
    })
}

/// Maps a char to a number whose order matches the order of its first UTF-16
/// code unit (then its code point): surrogate-pair chars sort between
/// U+D7FF and U+E000.
fn utf16_rank(c: char) -> u32 {
    let c = u32::from(c);
    if c < 0xD800 {
        c
    } else if c >= 0x1_0000 {
        c - 0x1_0000 + 0xD800
    } else {
        c + 0x10_0000
    }
}

/// Byte order of two short keys; an inline loop beats a `memcmp` call here.
fn short_cmp(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// `a == b` for a 64-digit hash, compared as a fixed-size array so it is
/// inlined rather than a `memcmp` call (three per row).
fn eq64(a: &[u8], b: &[u8; 64]) -> bool {
    <&[u8; 64]>::try_from(a).is_ok_and(|a| a == b)
}

/// Without escapes and without chars from U+E000 up (lead bytes 0xEE and
/// above), UTF-8 byte order is UTF-16 order: the common case, made cheap.
fn is_plain_key(raw: &str) -> bool {
    raw.bytes().all(|b| b != b'\\' && b < 0xEE)
}

fn utf16_cmp_escaped(a: &str, b: &str) -> Ordering {
    decode_escaped(a)
        .map(utf16_rank)
        .cmp(decode_escaped(b).map(utf16_rank))
}

// ---------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------

/// Formats `t` in UTC as RFC 3339 with exactly six fractional digits and `Z`,
/// e.g. `2023-05-02T03:04:05.123456Z`.
///
/// Sub-microsecond precision is truncated (never rounded), so a time is never
/// moved into the next second. Years outside 0000–9999 have no RFC 3339 form;
/// they are still printed but [`parse_at`] will not accept them.
pub fn format_at(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Parses exactly the shape [`format_at`] writes; anything else (other
/// offsets, fewer or more fractional digits, lowercase `z`, leap seconds)
/// yields `None`.
pub fn parse_at(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 27 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            26 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    let num = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(num(0, 4)).ok()?;
    let month = Month::try_from(u8::try_from(num(5, 7)).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(num(8, 10)).ok()?).ok()?;
    let time = Time::from_hms_micro(
        u8::try_from(num(11, 13)).ok()?,
        u8::try_from(num(14, 16)).ok()?,
        u8::try_from(num(17, 19)).ok()?,
        num(20, 26),
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

/// A published `(seq, hash)` the trail must contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    /// 64 lowercase hex digits.
    pub hash: String,
}

/// Why a `SEQ:HASH` checkpoint argument was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a checkpoint is SEQ:HASH, with HASH 64 hex digits (got {0:?})")]
pub struct CheckpointParseError(pub String);

impl FromStr for Checkpoint {
    type Err = CheckpointParseError;

    /// Parses `SEQ:HASH`; hex digits may be in either case and are stored
    /// lowercase.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CheckpointParseError(s.to_owned());
        let (seq, hash) = s.split_once(':').ok_or_else(err)?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let seq = seq.parse().map_err(|_| err())?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        Ok(Checkpoint {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// What is wrong with a row (or with the trail as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `hash` does not match the row's content.
    Edited,
    /// `hash` is not 64 lowercase hex digits.
    BadHashFormat,
    /// `prev_hash` is not 64 lowercase hex digits.
    BadPrevHashFormat,
    /// `payload` is not exactly its own canonical form.
    PayloadNotCanonical,
    /// `at` is not in the exact [`format_at`] shape.
    BadTimestamp,
    /// `prev_hash` differs from the previous event's hash (64 zeros for seq 1).
    BrokenLink,
    /// `seq` is not the previous seq + 1 (or 1 for the first row).
    SeqGap { expected: u64, found: u64 },
    /// `seq` repeats the previous row's seq.
    Duplicate,
    /// The trail ends below the checkpoint's seq.
    TruncatedBeforeCheckpoint { checkpoint_seq: u64, last_seq: u64 },
    /// The event at the checkpoint's seq has another hash.
    CheckpointMismatch {
        seq: u64,
        expected: String,
        found: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Edited => f.write_str("the hash does not match the row's content: the row was edited"),
            Problem::BadHashFormat => f.write_str("hash is not 64 lowercase hex digits"),
            Problem::BadPrevHashFormat => f.write_str("prev_hash is not 64 lowercase hex digits"),
            Problem::PayloadNotCanonical => f.write_str(
                "payload is not canonical JSON (RFC 8785 text of an object, integers only): it was edited",
            ),
            Problem::BadTimestamp => {
                f.write_str("at is not a UTC timestamp shaped like 2023-05-02T03:04:05.123456Z")
            }
            Problem::BrokenLink => f.write_str(
                "prev_hash does not equal the previous event's hash (64 zeros for seq 1): \
                 a row was inserted, deleted or reordered",
            ),
            Problem::SeqGap { expected, found } if found > expected => write!(
                f,
                "expected seq {expected} but found {found}: events are missing (deleted) or reordered"
            ),
            Problem::SeqGap { expected, found } => {
                write!(f, "expected seq {expected} but found {found}: rows are reordered or inserted")
            }
            Problem::Duplicate => {
                f.write_str("seq repeats the previous row's seq: a row was duplicated or inserted")
            }
            Problem::TruncatedBeforeCheckpoint { checkpoint_seq, last_seq } => write!(
                f,
                "the trail ends at seq {last_seq} but the checkpoint is at seq {checkpoint_seq}: \
                 it was truncated below the checkpoint"
            ),
            Problem::CheckpointMismatch { seq, expected, found } => write!(
                f,
                "the event at checkpoint seq {seq} has hash {found}, but the checkpoint says {expected}"
            ),
        }
    }
}

/// The first thing found wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1-based data row (header excluded). For truncation it is the first
    /// missing row; 0 only for a checkpoint at seq 0 that is not genesis.
    pub row: u64,
    /// The seq written in that row, when there is one.
    pub seq: Option<u64>,
    pub problem: Problem,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "row {} (seq {seq}): {}", self.row, self.problem),
            None => write!(f, "row {}: {}", self.row, self.problem),
        }
    }
}

impl std::error::Error for Failure {}

/// A trail that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub events: u64,
    /// 0 for an empty trail.
    pub head_seq: u64,
    /// [`GENESIS_HASH`] for an empty trail.
    pub head_hash: String,
}

/// Streaming chain verifier: feed events in order, then [`Verifier::finish`].
///
/// Memory is constant in the trail length; only the previous hash is kept.
#[derive(Debug)]
pub struct Verifier {
    checkpoint: Option<Checkpoint>,
    head: Head,
    last_row: u64,
}

/// Where the chain stands after the rows accepted so far.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub events: u64,
    pub seq: u64,
    /// Lowercase hex, as in the file.
    pub hash: [u8; 64],
}

impl Head {
    fn genesis() -> Self {
        let mut hash = [0u8; 64];
        hash.copy_from_slice(GENESIS_HASH.as_bytes());
        Head {
            events: 0,
            seq: 0,
            hash,
        }
    }
}

/// The check between a row and the chain head before it: seq order, chain
/// link, checkpoint. `prev_hash` and `hash` must already have passed
/// [`check_content`]. Pure, so the CSV verifier can apply it inside a chunk
/// in parallel and only across chunks in order.
pub(crate) fn check_link(
    head: &Head,
    seq: u64,
    prev_hash: &[u8],
    hash: &[u8],
    checkpoint: Option<&Checkpoint>,
) -> Result<(), Problem> {
    let expected = head.seq.saturating_add(1);
    if seq != expected {
        if head.events > 0 && seq == head.seq {
            return Err(Problem::Duplicate);
        }
        return Err(Problem::SeqGap {
            expected,
            found: seq,
        });
    }
    if !eq64(prev_hash, &head.hash) {
        return Err(Problem::BrokenLink);
    }
    if let Some(cp) = checkpoint
        && cp.seq == seq
        && cp.hash.as_bytes() != hash
    {
        return Err(Problem::CheckpointMismatch {
            seq,
            expected: cp.hash.clone(),
            found: String::from_utf8_lossy(hash).into_owned(),
        });
    }
    Ok(())
}

impl Verifier {
    /// Starts a verification, optionally against a published checkpoint.
    pub fn new(checkpoint: Option<Checkpoint>) -> Self {
        Verifier {
            checkpoint,
            head: Head::genesis(),
            last_row: 0,
        }
    }

    /// Checks one event, found at data row `row`.
    ///
    /// # Errors
    ///
    /// The [`Failure`] for this row; later calls after an error are
    /// meaningless.
    pub fn push(&mut self, row: u64, ev: &Event) -> Result<(), Failure> {
        let mut buf = String::new();
        check_content(&ev.as_ref(), &mut buf).map_err(|problem| Failure {
            row,
            seq: Some(ev.seq),
            problem,
        })?;
        self.link(row, ev.seq, ev.prev_hash.as_bytes(), ev.hash.as_bytes())
    }

    /// Checks consecutive events starting at data row `first_row`, hashing
    /// them in parallel; reports exactly what repeated [`Verifier::push`]
    /// would.
    ///
    /// # Errors
    ///
    /// The first [`Failure`] in row order.
    pub fn push_batch(&mut self, first_row: u64, evs: &[Event]) -> Result<(), Failure> {
        let content: Vec<Result<(), Problem>> = evs
            .par_iter()
            .map_init(String::new, |buf, ev| check_content(&ev.as_ref(), buf))
            .collect();
        for ((row, ev), res) in (first_row..).zip(evs).zip(content) {
            res.map_err(|problem| Failure {
                row,
                seq: Some(ev.seq),
                problem,
            })?;
            self.link(row, ev.seq, ev.prev_hash.as_bytes(), ev.hash.as_bytes())?;
        }
        Ok(())
    }

    pub(crate) fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// [`check_link`] against the current head, then advances it.
    pub(crate) fn link(
        &mut self,
        row: u64,
        seq: u64,
        prev_hash: &[u8],
        hash: &[u8],
    ) -> Result<(), Failure> {
        check_link(&self.head, seq, prev_hash, hash, self.checkpoint.as_ref()).map_err(
            |problem| Failure {
                row,
                seq: Some(seq),
                problem,
            },
        )?;
        self.advance(row, seq, hash, 1);
        Ok(())
    }

    /// Moves the head to a row whose links the caller has already checked;
    /// `events` rows were accepted on the way.
    pub(crate) fn advance(&mut self, row: u64, seq: u64, hash: &[u8], events: u64) {
        self.head.hash.copy_from_slice(hash);
        self.head.seq = seq;
        self.head.events += events;
        self.last_row = row;
    }

    /// Ends the verification.
    ///
    /// # Errors
    ///
    /// [`Problem::TruncatedBeforeCheckpoint`] when the trail stops below the
    /// checkpoint, naming the first missing row.
    pub fn finish(self) -> Result<Verified, Failure> {
        let head_hash = String::from_utf8_lossy(&self.head.hash).into_owned();
        if let Some(cp) = self.checkpoint {
            if cp.seq > self.head.seq {
                return Err(Failure {
                    row: self.last_row + 1,
                    seq: None,
                    problem: Problem::TruncatedBeforeCheckpoint {
                        checkpoint_seq: cp.seq,
                        last_seq: self.head.seq,
                    },
                });
            }
            if cp.seq == 0 && cp.hash != GENESIS_HASH {
                return Err(Failure {
                    row: 0,
                    seq: None,
                    problem: Problem::CheckpointMismatch {
                        seq: 0,
                        expected: cp.hash,
                        found: GENESIS_HASH.to_owned(),
                    },
                });
            }
        }
        Ok(Verified {
            events: self.head.events,
            head_seq: self.head.seq,
            head_hash,
        })
    }
}

fn is_lower_hex64(s: &str) -> bool {
    // A fold without early exit vectorizes; this runs twice per row.
    s.len() == 64
        && s.bytes()
            .fold(true, |ok, b| ok & matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The per-row half of the check, independent of other rows so it can run in
/// parallel. `buf` is scratch space reused across rows.
pub(crate) fn check_content(ev: &EventRef<'_>, buf: &mut String) -> Result<(), Problem> {
    if !is_lower_hex64(ev.hash) {
        return Err(Problem::BadHashFormat);
    }
    if !is_lower_hex64(ev.prev_hash) {
        return Err(Problem::BadPrevHashFormat);
    }
    if parse_at(ev.at).is_none() {
        return Err(Problem::BadTimestamp);
    }
    if check_canonical_payload(ev.payload).is_err() {
        return Err(Problem::PayloadNotCanonical);
    }
    let mut hex = [0u8; 64];
    ev.hash_hex(buf, &mut hex);
    if !eq64(ev.hash.as_bytes(), &hex) {
        return Err(Problem::Edited);
    }
    Ok(())
}

/// Builders shared by the tests of this module and of the CSV export.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use serde_json::json;

    /// Sets `prev_hash` and recomputes `hash`, as the database append does.
    pub(crate) fn seal(mut ev: Event, prev_hash: &str) -> Event {
        ev.prev_hash = prev_hash.to_owned();
        ev.hash = ev.compute_hash();
        ev
    }

    /// A correctly chained trail of `n` events with varied content: text
    /// that needs CSV quoting or formula escaping, non-ASCII, nested payloads.
    pub(crate) fn chain(n: u64) -> Vec<Event> {
        let reasons = [
            "",
            "-2 after recount",
            "=HYPERLINK(\"x\")",
            "line one\nline two, with comma",
            "'quoted already",
            "Sungai Siring Pelita — Ñ 😀",
            "tab\there \"quoted\" \\ back",
            "@mention",
            "+62 811",
            "\rcarriage",
        ];
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let k = usize::try_from(seq).unwrap_or(0);
                let payload = json!({
                    "registration_no": format!("REG-{seq:04}"),
                    "from_rank": seq - 1,
                    "to_rank": -1 - i64::try_from(seq).unwrap_or(0),
                    "total": format!("{}/3", seq * 7),
                    "nested": {"list": [seq, "x\u{1}y", {"z": "é"}], "empty": {}},
                });
                let ev = Event {
                    seq,
                    at: format!(
                        "2023-05-{:02}T03:04:05.{:06}Z",
                        1 + seq % 28,
                        seq * 1013 % 1_000_000
                    ),
                    actor: if seq % 3 == 0 {
                        "system".to_owned()
                    } else {
                        format!("0b9e5c1e-8f3a-4d2b-9c1a-{seq:012}")
                    },
                    actor_role: ["system", "panelist", "=admin"][k % 3].to_owned(),
                    action: ["score.amended", "ranking.changed", "application.submitted"][k % 3]
                        .to_owned(),
                    subject_type: "application".to_owned(),
                    subject_id: format!("REG-{seq:04}"),
                    round_id: if seq % 4 == 0 {
                        String::new()
                    } else {
                        "5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7".to_owned()
                    },
                    payload: canonical_payload(&payload).unwrap_or_default(),
                    reason: reasons[k % reasons.len()].to_owned(),
                    prev_hash: String::new(),
                    hash: String::new(),
                };
                let ev = seal(ev, &prev);
                prev = ev.hash.clone();
                ev
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{chain, seal};
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use time::macros::datetime;

    const ROUND: &str = "5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7";

    fn event(
        seq: u64,
        at: &str,
        actor: &str,
        role: &str,
        action: &str,
        subject: (&str, &str),
    ) -> Event {
        Event {
            seq,
            at: at.to_owned(),
            actor: actor.to_owned(),
            actor_role: role.to_owned(),
            action: action.to_owned(),
            subject_type: subject.0.to_owned(),
            subject_id: subject.1.to_owned(),
            round_id: ROUND.to_owned(),
            payload: String::new(),
            reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    // The pinned texts and hashes below were computed independently of this
    // code, with Python 3.11:
    //   t = json.dumps(obj, ensure_ascii=False, separators=(',', ':'), sort_keys=True)
    //   h = hashlib.sha256(t.encode('utf-8')).hexdigest()
    // where obj is the event as a dict (payload a nested dict, seq an int,
    // prev_hash the previous h). For ASCII/BMP keys and integer-only numbers
    // that output is exactly RFC 8785.
    const GOLDEN_TEXT_1: &str = r#"{"action":"application.submitted","actor":"0b9e5c1e-8f3a-4d2b-9c1a-2f6e7d8c9b0a","actor_role":"applicant","at":"2023-05-02T03:04:05.123456Z","payload":{"formation":"Sungai Siring Pelita — Ñ 😀","registration_no":"REG-2023-0001"},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","reason":"Sungai Siring Pelita — Ñ 😀","round_id":"5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7","seq":1,"subject_id":"REG-2023-0001","subject_type":"application"}"#;
    const GOLDEN_HASH_1: &str = "b8f78a139a42bc5e13198d55e833bb45fadc5378a6b1817521cf26d480f53043";
    const GOLDEN_TEXT_2: &str = r#"{"action":"score.amended","actor":"system","actor_role":"system","at":"2023-05-03T10:00:00.000001Z","payload":{"version":2},"prev_hash":"b8f78a139a42bc5e13198d55e833bb45fadc5378a6b1817521cf26d480f53043","reason":"line one\nsaid \"no\" \\ done","round_id":"5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7","seq":2,"subject_id":"sc-17","subject_type":"scorecard"}"#;
    const GOLDEN_HASH_2: &str = "fb5cd8d7dc64a81465eedf9e96dc3df7efdeab85292b117d60e614ea7467fba5";
    const GOLDEN_TEXT_3: &str = r#"{"action":"ranking.changed","actor":"system","actor_role":"system","at":"2023-05-03T10:00:00.000002Z","payload":{"cause_seq":2,"delta":-15,"detail":{"inner":{"a":-9007199254740991,"z":0},"ranks":[3,2,-1]},"total":"7/3"},"prev_hash":"fb5cd8d7dc64a81465eedf9e96dc3df7efdeab85292b117d60e614ea7467fba5","reason":"","round_id":"","seq":3,"subject_id":"REG-2023-0001","subject_type":"application"}"#;
    const GOLDEN_HASH_3: &str = "87d81597e07cdafd0328c16274c4f54a4d5fda2c8da44c03cc2f937b78e3959b";

    fn golden_events() -> Vec<Event> {
        let mut e1 = event(
            1,
            "2023-05-02T03:04:05.123456Z",
            "0b9e5c1e-8f3a-4d2b-9c1a-2f6e7d8c9b0a",
            "applicant",
            "application.submitted",
            ("application", "REG-2023-0001"),
        );
        e1.payload = canonical_payload(
            &json!({"registration_no": "REG-2023-0001", "formation": "Sungai Siring Pelita — Ñ 😀"}),
        )
        .unwrap();
        e1.reason = "Sungai Siring Pelita — Ñ 😀".to_owned();
        let e1 = seal(e1, GENESIS_HASH);

        let mut e2 = event(
            2,
            "2023-05-03T10:00:00.000001Z",
            "system",
            "system",
            "score.amended",
            ("scorecard", "sc-17"),
        );
        e2.payload = canonical_payload(&json!({"version": 2})).unwrap();
        e2.reason = "line one\nsaid \"no\" \\ done".to_owned();
        let e2 = seal(e2, &e1.hash);

        let mut e3 = event(
            3,
            "2023-05-03T10:00:00.000002Z",
            "system",
            "system",
            "ranking.changed",
            ("application", "REG-2023-0001"),
        );
        e3.round_id = String::new();
        e3.payload = canonical_payload(&json!({
            "cause_seq": 2,
            "detail": {"ranks": [3, 2, -1], "inner": {"z": 0, "a": -9_007_199_254_740_991_i64}},
            "total": "7/3",
            "delta": -15,
        }))
        .unwrap();
        let e3 = seal(e3, &e2.hash);
        vec![e1, e2, e3]
    }

    #[test]
    fn golden_vectors_match_the_independent_computation() {
        let evs = golden_events();
        let pinned = [
            (GOLDEN_TEXT_1, GOLDEN_HASH_1),
            (GOLDEN_TEXT_2, GOLDEN_HASH_2),
            (GOLDEN_TEXT_3, GOLDEN_HASH_3),
        ];
        for (ev, (text, hash)) in evs.iter().zip(pinned) {
            assert_eq!(ev.canonical_text(), text, "seq {}", ev.seq);
            assert_eq!(ev.compute_hash(), hash, "seq {}", ev.seq);
            assert_eq!(ev.hash, hash);
        }
        let mut v = Verifier::new(Some(Checkpoint {
            seq: 3,
            hash: GOLDEN_HASH_3.to_owned(),
        }));
        v.push_batch(1, &evs).unwrap();
        let verified = v.finish().unwrap();
        assert_eq!(
            verified,
            Verified {
                events: 3,
                head_seq: 3,
                head_hash: GOLDEN_HASH_3.to_owned()
            }
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units_not_utf8_bytes() {
        // U+E000 is EE 80 80 in UTF-8 (before F0 9F 98 80 for U+1F600) but
        // 0xE000 in UTF-16, after the surrogate 0xD83D that U+1F600 starts with.
        let v = json!({"\u{E000}": 2, "😀": 1, "b": 0, "a": 0, "aa": 0, "B": 0, "": 0});
        assert_eq!(
            canonical_payload(&v).unwrap(),
            "{\"\":0,\"B\":0,\"a\":0,\"aa\":0,\"b\":0,\"😀\":1,\"\u{E000}\":2}"
        );
        check_canonical_payload(&canonical_payload(&v).unwrap()).unwrap();
        // The UTF-8 byte order is not canonical.
        assert!(check_canonical_payload("{\"\u{E000}\":2,\"😀\":1}").is_err());
    }

    #[test]
    fn control_characters_are_escaped_the_jcs_way() {
        let v = json!({"k": "\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f}\"\\/\u{2028}\u{7f}é"});
        let text = canonical_payload(&v).unwrap();
        assert_eq!(
            text,
            "{\"k\":\"\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\\\"\\\\/\u{2028}\u{7f}é\"}"
        );
        check_canonical_payload(&text).unwrap();
    }

    #[test]
    fn non_integers_and_non_objects_are_rejected() {
        let cases: [(Value, PayloadError); 10] = [
            (json!({"x": 1.5}), PayloadError::Float),
            (
                serde_json::from_str("{\"x\":1.0}").unwrap(),
                PayloadError::Float,
            ),
            (json!({"x": true}), PayloadError::Bool),
            (json!({"x": [null]}), PayloadError::Null),
            (
                json!({"x": 9_007_199_254_740_992_u64}),
                PayloadError::IntegerOutOfRange,
            ),
            (
                json!({"x": -9_007_199_254_740_992_i64}),
                PayloadError::IntegerOutOfRange,
            ),
            (json!({"x": u64::MAX}), PayloadError::IntegerOutOfRange),
            (json!([1]), PayloadError::NotAnObject),
            (json!("x"), PayloadError::NotAnObject),
            (json!(1), PayloadError::NotAnObject),
        ];
        for (v, want) in cases {
            assert_eq!(canonical_payload(&v), Err(want), "{v}");
        }
        let edge = json!({"max": 9_007_199_254_740_991_u64, "min": -9_007_199_254_740_991_i64});
        assert_eq!(
            canonical_payload(&edge).unwrap(),
            "{\"max\":9007199254740991,\"min\":-9007199254740991}"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let mut v = json!({});
        for _ in 1..MAX_PAYLOAD_DEPTH {
            v = json!({ "a": v });
        }
        let text = canonical_payload(&v).unwrap();
        check_canonical_payload(&text).unwrap();
        let deeper = json!({ "a": v });
        assert_eq!(canonical_payload(&deeper), Err(PayloadError::TooDeep));
        assert_eq!(
            check_canonical_payload(&format!("{{\"a\":{text}}}")),
            Err(PayloadError::TooDeep)
        );
    }

    #[test]
    fn checker_rejects_every_non_canonical_spelling() {
        for bad in [
            "",
            " {}",
            "{} ",
            "{ }",
            "{\"a\": 1}",
            "{\"b\":1,\"a\":2}",
            "{\"a\":1,\"a\":1}",
            "{\"a\":-0}",
            "{\"a\":01}",
            "{\"a\":1.0}",
            "{\"a\":1e3}",
            "{\"a\":+1}",
            "{\"a\":\"\\u0041\"}",
            "{\"a\":\"\\/\"}",
            "{\"a\":\"\\u001F\"}",
            "{\"a\":\"\\u0008\"}",
            "{\"a\":\"\\u000a\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"x}",
            "{\"a\":[1,]}",
            "{\"a\":true}",
            "{\"a\":null}",
            "{\"a\":1}{}",
            "[]",
            "{\"a\":9007199254740992}",
            "{\"a\":99999999999999999999999}",
        ] {
            assert!(check_canonical_payload(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn timestamps_have_exactly_one_spelling() {
        let t = datetime!(2023-05-02 03:04:05.123_456_789 UTC);
        assert_eq!(format_at(t), "2023-05-02T03:04:05.123456Z");
        let local = datetime!(2023-05-02 11:04:05.5 +08:00);
        assert_eq!(format_at(local), "2023-05-02T03:04:05.500000Z");
        assert_eq!(
            parse_at("2023-05-02T03:04:05.123456Z"),
            Some(datetime!(2023-05-02 03:04:05.123_456 UTC))
        );
        assert_eq!(
            parse_at("2024-02-29T23:59:59.999999Z")
                .map(format_at)
                .as_deref(),
            Some("2024-02-29T23:59:59.999999Z")
        );
        for bad in [
            "2023-05-02T03:04:05.12345Z",
            "2023-05-02T03:04:05.1234567Z",
            "2023-05-02T03:04:05.123456z",
            "2023-05-02 03:04:05.123456Z",
            "2023-05-02T03:04:05.123456+00:00",
            "2023-02-29T03:04:05.123456Z",
            "2023-05-02T24:00:00.000000Z",
            "2023-05-02T23:59:60.000000Z",
            "2023-13-02T03:04:05.123456Z",
            "+023-05-02T03:04:05.123456Z",
            "２023-05-02T03:04:05.12345Z",
        ] {
            assert_eq!(parse_at(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn checkpoint_argument_parses() {
        let hash = "AB".repeat(32);
        let cp: Checkpoint = format!("10:{hash}").parse().unwrap();
        assert_eq!(
            cp,
            Checkpoint {
                seq: 10,
                hash: "ab".repeat(32)
            }
        );
        for bad in [
            "10",
            "x:00",
            &format!("10:{}", "a".repeat(63)),
            &format!("+1:{}", "a".repeat(64)),
        ] {
            assert!(bad.parse::<Checkpoint>().is_err(), "{bad}");
        }
    }

    fn run(evs: &[Event], cp: Option<Checkpoint>) -> Result<Verified, Failure> {
        let mut v = Verifier::new(cp);
        for (row, ev) in (1..).zip(evs) {
            v.push(row, ev)?;
        }
        v.finish()
    }

    fn fails_with(evs: &[Event], cp: Option<Checkpoint>) -> (u64, Problem) {
        let f = run(evs, cp).unwrap_err();
        (f.row, f.problem)
    }

    #[test]
    fn an_empty_trail_is_valid_unless_a_checkpoint_is_above_it() {
        assert_eq!(run(&[], None).unwrap().head_hash, GENESIS_HASH);
        let cp = Checkpoint {
            seq: 1,
            hash: "a".repeat(64),
        };
        assert_eq!(
            fails_with(&[], Some(cp)),
            (
                1,
                Problem::TruncatedBeforeCheckpoint {
                    checkpoint_seq: 1,
                    last_seq: 0
                }
            )
        );
    }

    #[test]
    fn each_kind_of_damage_is_named() {
        let good = chain(6);
        assert_eq!(run(&good, None).unwrap().head_hash, good[5].hash);

        let mut edited = good.clone();
        edited[2].reason.push('!');
        assert_eq!(fails_with(&edited, None), (3, Problem::Edited));

        let mut resealed = edited.clone();
        resealed[2] = seal(resealed[2].clone(), &good[1].hash);
        assert_eq!(fails_with(&resealed, None), (4, Problem::BrokenLink));

        let mut whitespace = good.clone();
        whitespace[1].payload = whitespace[1].payload.replacen(':', ": ", 1);
        whitespace[1] = seal(whitespace[1].clone(), &good[0].hash);
        assert_eq!(
            fails_with(&whitespace, None),
            (2, Problem::PayloadNotCanonical)
        );

        let mut bad_at = good.clone();
        bad_at[0].at = "2023-05-02T03:04:05Z".to_owned();
        bad_at[0] = seal(bad_at[0].clone(), GENESIS_HASH);
        assert_eq!(fails_with(&bad_at, None), (1, Problem::BadTimestamp));

        let mut upper = good.clone();
        upper[4].hash = upper[4].hash.to_uppercase();
        assert_eq!(fails_with(&upper, None), (5, Problem::BadHashFormat));

        let mut deleted = good.clone();
        deleted.remove(3);
        assert_eq!(
            fails_with(&deleted, None),
            (
                4,
                Problem::SeqGap {
                    expected: 4,
                    found: 5
                }
            )
        );

        let mut dup = good.clone();
        dup.insert(3, good[2].clone());
        assert_eq!(fails_with(&dup, None), (4, Problem::Duplicate));

        let mut swapped = good.clone();
        swapped.swap(1, 2);
        assert_eq!(
            fails_with(&swapped, None),
            (
                2,
                Problem::SeqGap {
                    expected: 2,
                    found: 3
                }
            )
        );

        let mut not_genesis = good.clone();
        not_genesis[0] = seal(not_genesis[0].clone(), &"1".repeat(64));
        assert_eq!(fails_with(&not_genesis, None), (1, Problem::BrokenLink));
    }

    #[test]
    fn checkpoints_pin_the_trail() {
        let good = chain(6);
        let at = |seq: u64, hash: &str| {
            Some(Checkpoint {
                seq,
                hash: hash.to_owned(),
            })
        };
        assert!(run(&good, at(4, &good[3].hash)).is_ok());
        assert!(run(&good, at(0, GENESIS_HASH)).is_ok());
        let (row, problem) = fails_with(&good, at(4, &good[2].hash));
        assert_eq!(row, 4);
        assert!(matches!(
            problem,
            Problem::CheckpointMismatch { seq: 4, .. }
        ));
        assert_eq!(
            fails_with(&good[..3], at(4, &good[3].hash)),
            (
                4,
                Problem::TruncatedBeforeCheckpoint {
                    checkpoint_seq: 4,
                    last_seq: 3
                }
            )
        );
    }

    #[test]
    fn failures_read_as_plain_english() {
        let f = Failure {
            row: 7,
            seq: Some(9),
            problem: Problem::SeqGap {
                expected: 7,
                found: 9,
            },
        };
        assert_eq!(
            f.to_string(),
            "row 7 (seq 9): expected seq 7 but found 9: events are missing (deleted) or reordered"
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<String>().prop_map(Value::from),
            (-9_007_199_254_740_991_i64..=9_007_199_254_740_991).prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn json_object() -> impl Strategy<Value = Value> {
        prop::collection::btree_map(
            "\\PC{0,4}|[\u{E000}-\u{E002}😀a-c]{0,3}",
            json_value(),
            0..6,
        )
        .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    /// The slow, obviously-right definition the fast checker must agree with.
    fn canonical_by_reparse(text: &str) -> bool {
        serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| canonical_payload(&v).ok())
            .is_some_and(|c| c == text)
    }

    proptest! {
        #[test]
        fn canonical_payload_is_idempotent(v in json_object()) {
            let text = canonical_payload(&v).unwrap();
            let reparsed: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&reparsed, &v);
            prop_assert_eq!(canonical_payload(&reparsed).unwrap(), text.clone());
            prop_assert!(check_canonical_payload(&text).is_ok());
        }

        #[test]
        fn fast_checker_agrees_with_reparsing(
            v in json_object(),
            at in any::<prop::sample::Index>(),
            insert in prop::sample::select(vec![" ", "0", "-", ".", "\\", "\"", ",", "}", "1", "\\u0001", "e", "\u{1}"]),
            remove in any::<bool>(),
        ) {
            let text = canonical_payload(&v).unwrap();
            let cut = at.index(text.len() + 1);
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let mut mutated = text[..cut].to_owned();
            if remove {
                let rest = &text[cut..];
                mutated.push_str(rest.get(rest.chars().next().map_or(0, char::len_utf8)..).unwrap_or(""));
            } else {
                mutated.push_str(insert);
                mutated.push_str(&text[cut..]);
            }
            prop_assert_eq!(check_canonical_payload(&mutated).is_ok(), canonical_by_reparse(&mutated), "{:?}", mutated);
        }

        #[test]
        fn push_batch_reports_what_push_reports(n in 1u64..12, victim in 0usize..12, kind in 0u8..4) {
            let mut evs = chain(n);
            let i = victim % evs.len();
            match kind {
                0 => evs[i].actor.push('x'),
                1 => { evs.remove(i); }
                2 => { let e = evs[i].clone(); evs.insert(i, e); }
                _ => evs[i].seq += 1,
            }
            let mut batch = Verifier::new(None);
            let by_batch = batch.push_batch(1, &evs).and_then(|()| batch.finish());
            prop_assert_eq!(by_batch, run(&evs, None));
        }
    }
}
