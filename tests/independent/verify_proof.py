#!/usr/bin/env python3
"""Independent check of a Pokmas receipt (.tlog-proof), standard library only.

Written from the README section "Checking a receipt". It checks that the event
in the receipt is entry INDEX of the Merkle tree whose root the checkpoint
states, and that the checkpoint names EXPECTED_ROOT when given (e.g. a root
read from /log/checkpoint or from a witness). Signatures are left to
`pokmas audit verify-proof` or any signed-note tool (Python has no Ed25519).

Usage: verify_proof.py FILE [EXPECTED_ROOT_BASE64]   Exit: 0 valid, 1 not.
"""
import base64, hashlib, json, sys

def h(b): return hashlib.sha256(b).digest()

def check(text, expected_root=None):
    head, note = text.split("\n\n", 1)
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1", "not a tlog-proof"
    event = base64.b64decode(lines[1].removeprefix("extra "), validate=True)
    index = int(lines[2].removeprefix("index "))
    proof = [base64.b64decode(l, validate=True) for l in lines[3:]]
    origin, size, root_b64 = note.split("\n")[:3]
    size, root = int(size), base64.b64decode(root_b64)
    assert json.loads(event)["seq"] == index + 1, "the event is not entry INDEX"
    assert expected_root is None or base64.b64decode(expected_root) == root
    # RFC 9162 section 2.1.3.2, with the leaf SHA-256(0x00 || SHA-256(event)).
    fn, sn, r = index, size - 1, h(b"\x00" + h(event))
    assert index < size, "index outside the tree"
    for p in proof:
        assert sn > 0, "proof too long"
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and r == root, "the proof does not lead to the root"
    return origin, size, json.loads(event)

if __name__ == "__main__":
    try:
        origin, size, ev = check(open(sys.argv[1], encoding="utf-8").read(), *sys.argv[2:3])
    except (AssertionError, ValueError, KeyError, IndexError) as e:
        print("not valid:", e or "mismatch"); sys.exit(1)
    print(f"valid: event {ev['seq']} ({ev['action']}) is in {origin} of size {size}")
