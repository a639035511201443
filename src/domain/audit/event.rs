//! One event and its hash: the canonical text is assembled directly, since
//! the key list is already in JCS order.

use super::*;

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
    pub(super) fn hash_hex(&self, buf: &mut String, hex: &mut [u8; 64]) {
        buf.clear();
        self.write_canonical(buf);
        let digest = Sha256::digest(buf.as_bytes());
        // 32 bytes always fit 64 hex digits; the error arm is unreachable.
        if hex::encode_to_slice(digest.as_slice(), hex).is_err() {
            hex.fill(b'!');
        }
    }
}

#[inline]
pub(super) fn find_escapable(bytes: &[u8], i: usize) -> usize {
    swar::find(
        bytes,
        i,
        |w| swar::below(w, 0x20) | swar::eq(w, b'"') | swar::eq(w, b'\\'),
        |b| b < 0x20 || b == b'"' || b == b'\\',
    )
}

/// Appends `s` as an RFC 8785 string literal.
pub(super) fn push_json_string(out: &mut String, s: &str) {
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

pub(super) fn push_decimal(out: &mut String, mut n: u64) {
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
