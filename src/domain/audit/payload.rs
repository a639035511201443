//! Canonical payloads (RFC 8785 / JCS): writing them and checking stored ones.

use super::*;

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

pub(super) fn write_value(
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

pub(super) struct Checker<'a> {
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
pub(super) fn decode_escaped(raw: &str) -> impl Iterator<Item = char> + '_ {
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
pub(super) fn utf16_rank(c: char) -> u32 {
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
pub(super) fn short_cmp(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// `a == b` for a 64-digit hash, compared as a fixed-size array so it is
/// inlined rather than a `memcmp` call (three per row).
pub(super) fn eq64(a: &[u8], b: &[u8; 64]) -> bool {
    <&[u8; 64]>::try_from(a).is_ok_and(|a| a == b)
}

/// Without escapes and without chars from U+E000 up (lead bytes 0xEE and
/// above), UTF-8 byte order is UTF-16 order: the common case, made cheap.
pub(super) fn is_plain_key(raw: &str) -> bool {
    raw.bytes().all(|b| b != b'\\' && b < 0xEE)
}

pub(super) fn utf16_cmp_escaped(a: &str, b: &str) -> Ordering {
    decode_escaped(a)
        .map(utf16_rank)
        .cmp(decode_escaped(b).map(utf16_rank))
}
