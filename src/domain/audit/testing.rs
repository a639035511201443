//! Builders shared by the tests of this module and of the CSV export.

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
