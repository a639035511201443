#!/usr/bin/env python3
"""Independent verifier for a Pokmas `audit.csv` export.

Written from the README section "Verifying the audit trail" alone (the section numbers below refer to it), with
the Python 3 standard library only, so that the platform's own verifier can be
cross-checked by a second implementation.

Usage: verify_audit.py FILE [--checkpoint SEQ:HASH]
Exit codes: 0 valid, 1 tampered, 2 malformed input (or bad arguments).
"""

import argparse
import hashlib
import json
import mmap
import re
import sys

HEADER = [b"seq", b"at", b"actor", b"actor_role", b"action", b"subject_type",
          b"subject_id", b"round_id", b"payload", b"reason", b"prev_hash", b"hash"]
GENESIS = "0" * 64
MAX_INT = 2 ** 53 - 1
MAX_DEPTH = 64

BARE = re.compile(rb'[^,\n"\r]*')
SEQ = re.compile(rb"0|[1-9][0-9]*")
HEX64 = re.compile(r"[0-9a-f]{64}")
AT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{6}Z")
CHECKPOINT = re.compile(r"([0-9]+):([0-9a-fA-F]{64})")

# Section 4: the characters a JSON string escapes; all others stay literal.
ESCAPES = {c: "\\u%04x" % c for c in range(0x20)}
ESCAPES.update({0x22: '\\"', 0x5C: "\\\\", 0x08: "\\b", 0x09: "\\t",
                0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})


class Malformed(Exception):
    def __init__(self, row, why):
        super().__init__(why)
        self.row, self.why = row, why


class Tampered(Exception):
    def __init__(self, row, seq, why):
        super().__init__(why)
        self.row, self.seq, self.why = row, seq, why


def json_string(s):
    return '"' + s.translate(ESCAPES) + '"'


# ---- section 3: canonical payload -------------------------------------------

class NotCanonical(Exception):
    pass


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise NotCanonical("duplicate key")
    return dict(pairs)


def _reject(_text):
    raise NotCanonical("not an integer")


def utf16_key(s):
    # Big-endian UTF-16 bytes compare exactly like the 16-bit code units.
    return s.encode("utf-16-be")


def canonical_value(v, depth):
    if isinstance(v, bool) or v is None:
        raise NotCanonical("true/false/null")
    if isinstance(v, int):
        if abs(v) > MAX_INT:
            raise NotCanonical("integer out of range")
        return str(v)
    if isinstance(v, str):
        return json_string(v)
    if depth > MAX_DEPTH:
        raise NotCanonical("too deep")
    if isinstance(v, list):
        return "[" + ",".join(canonical_value(x, depth + 1) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=utf16_key)
        return "{" + ",".join(json_string(k) + ":" + canonical_value(v[k], depth + 1) for k in keys) + "}"
    raise NotCanonical("unexpected value")


def payload_is_canonical(text):
    try:
        v = json.loads(text, object_pairs_hook=_no_duplicates,
                       parse_float=_reject, parse_constant=_reject)
        return isinstance(v, dict) and canonical_value(v, 1) == text
    except (ValueError, NotCanonical, RecursionError, UnicodeEncodeError):
        return False


# ---- section 2: the hash ------------------------------------------------------

def canonical_text(seq, f):
    return ('{"action":' + json_string(f["action"])
            + ',"actor":' + json_string(f["actor"])
            + ',"actor_role":' + json_string(f["actor_role"])
            + ',"at":' + json_string(f["at"])
            + ',"payload":' + f["payload"]
            + ',"prev_hash":' + json_string(f["prev_hash"])
            + ',"reason":' + json_string(f["reason"])
            + ',"round_id":' + json_string(f["round_id"])
            + ',"seq":' + str(seq)
            + ',"subject_id":' + json_string(f["subject_id"])
            + ',"subject_type":' + json_string(f["subject_type"])
            + "}")


# ---- section 5: the file ------------------------------------------------------

def records(data):
    """Yields (row, [field bytes]) for each CSV record; row 0 is the header."""
    n = len(data)
    pos = 0
    row = 0
    while pos < n:
        fields = []
        while True:
            if pos < n and data[pos] == 0x22:
                pos += 1
                buf = bytearray()
                while True:
                    q = data.find(b'"', pos)
                    if q < 0:
                        raise Malformed(row, "a quoted field is never closed")
                    buf += data[pos:q]
                    if q + 1 < n and data[q + 1] == 0x22:
                        buf += b'"'
                        pos = q + 2
                    else:
                        pos = q + 1
                        break
                fields.append(bytes(buf))
                if pos == n:
                    break
                c = data[pos]
                pos += 1
                if c == 0x2C:
                    continue
                if c == 0x0A:
                    break
                raise Malformed(row, "a closing quote is followed by something other than , or a line end")
            else:
                end = BARE.match(data, pos).end()
                fields.append(bytes(data[pos:end]))
                pos = end
                if pos == n:
                    break
                c = data[pos]
                pos += 1
                if c == 0x2C:
                    continue
                if c == 0x0A:
                    break
                if c == 0x22:
                    raise Malformed(row, "a quote inside an unquoted field")
                raise Malformed(row, "a CR outside quotes (lines must end with LF only)")
        yield row, fields
        row += 1


def leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def at_is_valid(at):
    m = AT.fullmatch(at)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(x) for x in m.groups())
    if not 1 <= mo <= 12:
        return False
    days = [31, 29 if leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
    return 1 <= d <= days and h <= 23 and mi <= 59 and s <= 59


# ---- section 6: the checks ----------------------------------------------------

def verify(data, checkpoint=None):
    """Returns (exit_code, message). `checkpoint` is (seq, lowercase hash) or None."""
    try:
        head_seq, head_hash, rows = check(data, checkpoint)
    except Malformed as e:
        where = "header row" if e.row == 0 else "row %d" % e.row
        return 2, "malformed: %s: %s" % (where, e.why)
    except Tampered as e:
        where = "row %d" % e.row if e.seq is None else "row %d (seq %d)" % (e.row, e.seq)
        return 1, "tampered: %s: %s" % (where, e.why)
    return 0, "valid: %d events, head seq %d, head hash %s" % (rows, head_seq, head_hash)


def check(data, checkpoint):
    recs = records(data)
    try:
        _, header = next(recs)
    except StopIteration:
        raise Malformed(0, "the file is empty (no header row)") from None
    if header != HEADER:
        raise Malformed(0, "the header must be exactly: " + ",".join(h.decode() for h in HEADER))

    last_seq, last_hash, rows = 0, GENESIS, 0
    for row, raw in recs:
        if len(raw) != 12:
            raise Malformed(row, "expected 12 fields but found %d" % len(raw))
        if not SEQ.fullmatch(raw[0]) or int(raw[0]) >= 2 ** 64:
            raise Malformed(row, "seq is not a plain decimal integer")
        seq = int(raw[0])
        f = {}
        for name, value in zip(HEADER[1:], raw[1:]):
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                raise Malformed(row, "%s is not valid UTF-8" % name.decode()) from None
            f[name.decode()] = text[1:] if text.startswith("'") else text

        def tampered(why):
            return Tampered(row, seq, why)

        if not HEX64.fullmatch(f["hash"]):
            raise tampered("hash is not 64 lowercase hex digits")
        if not HEX64.fullmatch(f["prev_hash"]):
            raise tampered("prev_hash is not 64 lowercase hex digits")
        if not at_is_valid(f["at"]):
            raise tampered("at is not a UTC timestamp shaped like 2023-05-02T03:04:05.123456Z")
        if not payload_is_canonical(f["payload"]):
            raise tampered("payload is not canonical JSON: it was edited")
        if hashlib.sha256(canonical_text(seq, f).encode("utf-8")).hexdigest() != f["hash"]:
            raise tampered("the hash does not match the row's content: the row was edited")
        if seq != last_seq + 1:
            if rows > 0 and seq == last_seq:
                raise tampered("seq repeats the previous row's seq: a row was duplicated or inserted")
            raise tampered("expected seq %d but found %d: rows deleted or reordered" % (last_seq + 1, seq))
        if f["prev_hash"] != last_hash:
            raise tampered("prev_hash does not equal the previous event's hash: "
                           "a row was inserted, deleted or reordered")
        if checkpoint is not None and seq == checkpoint[0] and f["hash"] != checkpoint[1]:
            raise tampered("the event at checkpoint seq %d has hash %s, but the checkpoint says %s"
                           % (seq, f["hash"], checkpoint[1]))
        last_seq, last_hash, rows = seq, f["hash"], rows + 1

    if checkpoint is not None:
        if checkpoint[0] > last_seq:
            raise Tampered(rows + 1, None, "the trail ends at seq %d but the checkpoint is at seq %d: "
                           "it was truncated below the checkpoint" % (last_seq, checkpoint[0]))
        if checkpoint[0] == 0 and checkpoint[1] != GENESIS:
            raise Tampered(0, None, "a checkpoint at seq 0 must have the hash of 64 zeros")
    return last_seq, last_hash, rows


def main(argv):
    parser = argparse.ArgumentParser(description="Verify a Pokmas audit.csv export.")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--checkpoint", metavar="SEQ:HASH")
    args = parser.parse_args(argv)
    checkpoint = None
    if args.checkpoint is not None:
        m = CHECKPOINT.fullmatch(args.checkpoint)
        if not m:
            parser.error("a checkpoint is SEQ:HASH with HASH 64 hex digits")
        checkpoint = (int(m.group(1)), m.group(2).lower())
    try:
        with open(args.file, "rb") as fh:
            try:
                # Maps the file instead of reading it, so memory stays flat.
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                data = b""
            code, message = verify(data, checkpoint)
    except OSError as e:
        print("malformed: cannot read %s: %s" % (args.file, e.strerror), file=sys.stderr)
        return 2
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
