//! Golden hashes, canonical payloads, time text and verification.

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
