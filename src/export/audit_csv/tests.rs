//! Round trips, tampering, malformed files and the parallel verifier.

use super::verify::{CHUNK_BYTES, GROUP_CHUNKS};
use super::*;
use crate::domain::audit::testing::{chain, seal};
use crate::domain::audit::{GENESIS_HASH, Problem};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The CSV bytes plus where each data row starts and ends (`rows[0]` is
/// the header), so tests can cut and splice whole rows.
fn export(evs: &[Event]) -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
    let mut out = Vec::new();
    write_header(&mut out).unwrap();
    let header = 0..out.len();
    let mut rows = vec![header];
    let mut w = AuditCsvWriter::new(out);
    for ev in evs {
        w.write_event(ev).unwrap();
        let start = rows.last().unwrap().end;
        let end = w.w.len();
        rows.push(start..end);
    }
    (w.into_inner(), rows)
}

fn csv(evs: &[Event]) -> Vec<u8> {
    export(evs).0
}

fn verify(bytes: &[u8], cp: Option<Checkpoint>) -> VerifyOutcome {
    verify_csv(bytes, cp)
}

fn tampered(outcome: VerifyOutcome) -> (u64, Problem) {
    match outcome {
        VerifyOutcome::Tampered(f) => (f.row, f.problem),
        other => panic!("expected tampered, got {other}"),
    }
}

fn malformed(outcome: VerifyOutcome) -> (u64, ReadErrorKind) {
    match outcome {
        VerifyOutcome::Malformed(e) => (e.row, e.kind),
        other => panic!("expected malformed, got {other}"),
    }
}

fn checkpoint(ev: &Event) -> Option<Checkpoint> {
    Some(Checkpoint {
        seq: ev.seq,
        hash: ev.hash.clone(),
    })
}

#[test]
fn writer_escapes_formulas_and_quotes_only_what_needs_it() {
    let evs = chain(4);
    let text = String::from_utf8(csv(&evs)).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
    assert!(text.contains(",'-2 after recount,"), "{text}");
    assert!(text.contains(",'=admin,"), "{text}");
    assert!(text.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{text}");
    assert!(
        text.contains(",\"line one\nline two, with comma\","),
        "{text}"
    );
    assert!(!text.contains('\r'));
}

#[test]
fn reader_returns_exactly_what_was_written() {
    let evs = chain(25);
    let read: Vec<(u64, Event)> = AuditCsvReader::new(&csv(&evs)[..])
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        read.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<_>>()
    );
    assert_eq!(read.into_iter().map(|(_, ev)| ev).collect::<Vec<_>>(), evs);
}

#[test]
fn an_untouched_trail_verifies_with_and_without_its_checkpoint() {
    let evs = chain(15);
    let bytes = csv(&evs);
    let want = Verified {
        events: 15,
        head_seq: 15,
        head_hash: evs[14].hash.clone(),
    };
    assert_eq!(verify(&bytes, None), VerifyOutcome::Valid(want.clone()));
    assert_eq!(
        verify(&bytes, checkpoint(&evs[9])),
        VerifyOutcome::Valid(want.clone())
    );
    assert_eq!(
        verify(&bytes, checkpoint(&evs[14])),
        VerifyOutcome::Valid(want)
    );
    assert_eq!(verify(&bytes, None).exit_code(), 0);
}

#[test]
fn a_header_only_file_is_an_empty_valid_trail() {
    let outcome = verify(HEADER_LINE, None);
    assert_eq!(
        outcome,
        VerifyOutcome::Valid(Verified {
            events: 0,
            head_seq: 0,
            head_hash: GENESIS_HASH.to_owned()
        })
    );
}

#[test]
fn the_final_line_feed_is_optional() {
    let mut bytes = csv(&chain(3));
    bytes.pop();
    assert_eq!(verify(&bytes, None).exit_code(), 0);
}

#[test]
fn a_wrong_checkpoint_hash_fails_at_its_row() {
    let evs = chain(15);
    let cp = Some(Checkpoint {
        seq: 10,
        hash: evs[8].hash.clone(),
    });
    let (row, problem) = tampered(verify(&csv(&evs), cp));
    assert_eq!(row, 10);
    assert!(
        matches!(problem, Problem::CheckpointMismatch { seq: 10, .. }),
        "{problem}"
    );
}

#[test]
fn a_rewritten_and_rehashed_history_passes_alone_but_not_against_a_checkpoint() {
    let evs = chain(15);
    let mut forged = evs.clone();
    forged[4].reason = "nothing to see".to_owned();
    let mut prev = forged[3].hash.clone();
    for ev in &mut forged[4..] {
        *ev = seal(ev.clone(), &prev);
        prev = ev.hash.clone();
    }
    let bytes = csv(&forged);
    assert_eq!(verify(&bytes, None).exit_code(), 0);
    let (row, problem) = tampered(verify(&bytes, checkpoint(&evs[9])));
    assert_eq!(row, 10);
    assert!(matches!(problem, Problem::CheckpointMismatch { .. }));
}

fn splice(bytes: &[u8], rows: &[std::ops::Range<usize>], order: &[usize]) -> Vec<u8> {
    let mut out = bytes[rows[0].clone()].to_vec();
    for &k in order {
        out.extend_from_slice(&bytes[rows[k].clone()]);
    }
    out
}

#[test]
fn deleted_inserted_swapped_duplicated_and_truncated_rows_are_named() {
    let evs = chain(15);
    let (bytes, rows) = export(&evs);
    let all: Vec<usize> = (1..=15).collect();

    let deleted: Vec<usize> = all.iter().copied().filter(|&k| k != 5).collect();
    assert_eq!(
        tampered(verify(&splice(&bytes, &rows, &deleted), None)),
        (
            5,
            Problem::SeqGap {
                expected: 5,
                found: 6
            }
        )
    );

    // A forged event that hashes correctly and links to row 7: the
    // genuine seq 8 that follows it can no longer fit.
    let mut forged = evs[7].clone();
    forged.reason = "forged".to_owned();
    let forged = seal(forged, &evs[6].hash);
    let (forged_line, _) = export(std::slice::from_ref(&forged));
    let mut inserted = splice(&bytes, &rows, &all[..7]);
    inserted.extend_from_slice(&forged_line[HEADER_LINE.len()..]);
    inserted.extend_from_slice(&bytes[rows[8].start..]);
    assert_eq!(tampered(verify(&inserted, None)), (9, Problem::Duplicate));

    let mut swapped = all.clone();
    swapped.swap(3, 4);
    assert_eq!(
        tampered(verify(&splice(&bytes, &rows, &swapped), None)),
        (
            4,
            Problem::SeqGap {
                expected: 4,
                found: 5
            }
        )
    );

    let mut duplicated = all.clone();
    duplicated.insert(6, 6);
    assert_eq!(
        tampered(verify(&splice(&bytes, &rows, &duplicated), None)),
        (7, Problem::Duplicate)
    );

    let truncated = splice(&bytes, &rows, &all[..7]);
    assert_eq!(verify(&truncated, None).exit_code(), 0);
    assert_eq!(
        tampered(verify(&truncated, checkpoint(&evs[9]))),
        (
            8,
            Problem::TruncatedBeforeCheckpoint {
                checkpoint_seq: 10,
                last_seq: 7
            }
        )
    );
}

/// Row containing byte `i` (0 = header).
fn row_of(rows: &[std::ops::Range<usize>], i: usize) -> u64 {
    rows.iter().position(|r| r.contains(&i)).unwrap() as u64
}

/// A bit flip, a printable letter, and the bytes that carry CSV structure.
fn replacements(b: u8) -> Vec<u8> {
    let mut out = vec![b ^ 0x01, if b == b'x' { b'y' } else { b'x' }, b'\n', b'"'];
    out.retain(|&r| r != b);
    out
}

#[test]
fn every_single_byte_edit_is_caught_at_its_row() {
    let evs = chain(15);
    let (bytes, rows) = export(&evs);
    let sweep = |positions: std::ops::Range<usize>| {
        let mut edits = 0;
        for i in positions {
            let want_row = row_of(&rows, i);
            for r in replacements(bytes[i]) {
                let mut edited = bytes.clone();
                edited[i] = r;
                edits += 1;
                let outcome = verify(&edited, None);
                let got_row = match &outcome {
                    VerifyOutcome::Valid(_) => {
                        panic!("byte {i} {:#04x}->{r:#04x} went unnoticed", bytes[i])
                    }
                    VerifyOutcome::Tampered(f) => f.row,
                    VerifyOutcome::Malformed(e) => e.row,
                };
                assert_eq!(
                    got_row, want_row,
                    "byte {i} {:#04x}->{r:#04x}: {outcome}",
                    bytes[i]
                );
            }
        }
        edits
    };
    // Plain threads, not rayon: verify_csv itself waits on the pool.
    let mid = bytes.len() / 2;
    let edits = std::thread::scope(|s| {
        let low = s.spawn(|| sweep(0..mid));
        sweep(mid..bytes.len()) + low.join().unwrap()
    });
    assert!(edits > 3 * bytes.len(), "{edits}");
}

#[test]
fn malformed_files_name_the_row() {
    let evs = chain(3);
    let good = String::from_utf8(csv(&evs)).unwrap();
    let cases: Vec<(Vec<u8>, u64, ReadErrorKind)> = vec![
        (Vec::new(), 0, ReadErrorKind::Empty),
        (
            good.replacen("seq,", "Seq,", 1).into_bytes(),
            0,
            ReadErrorKind::WrongHeader,
        ),
        (
            good.replacen(",hash\n", ",hash,extra\n", 1).into_bytes(),
            0,
            ReadErrorKind::WrongHeader,
        ),
        (
            good.replace('\n', "\r\n").into_bytes(),
            0,
            ReadErrorKind::Syntax("a CR outside quotes (lines must end with LF only)"),
        ),
        (
            format!("{good}\n").into_bytes(),
            4,
            ReadErrorKind::ColumnCount { found: 1 },
        ),
        (
            good.replacen("\n1,", "\n01,", 1).into_bytes(),
            1,
            ReadErrorKind::BadSeq,
        ),
        (
            good.replacen("\n2,", "\n+2,", 1).into_bytes(),
            2,
            ReadErrorKind::BadSeq,
        ),
        (
            good.replacen("\n3,", "\nthree,", 1).into_bytes(),
            3,
            ReadErrorKind::BadSeq,
        ),
        (
            format!("{good}4,\"open").into_bytes(),
            4,
            ReadErrorKind::Syntax("a quoted field is never closed"),
        ),
    ];
    for (bytes, row, kind) in cases {
        assert_eq!(
            malformed(verify(&bytes, None)),
            (row, kind.clone()),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    let mut bad_utf8 = good.into_bytes();
    let at = bad_utf8.windows(4).position(|w| w == b"REG-").unwrap();
    bad_utf8[at] = 0xff;
    assert_eq!(
        malformed(verify(&bad_utf8, None)),
        (
            1,
            ReadErrorKind::InvalidUtf8 {
                column: "subject_id"
            }
        )
    );
    assert_eq!(verify(&bad_utf8, None).exit_code(), 2);
}

/// Hands out at most `chunk` bytes per read, to exercise records that
/// straddle buffer refills.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn long_trails_verify_across_batches_and_short_reads() {
    let evs = chain(9000);
    let bytes = csv(&evs);
    assert_eq!(verify(&bytes, checkpoint(&evs[8999])).exit_code(), 0);
    let (_, rows) = export(&evs[..60]);
    let head = &bytes[..rows[60].end];
    for chunk in [1, 7, 4096] {
        let outcome = verify_csv(Trickle { data: head, chunk }, None);
        assert!(matches!(outcome, VerifyOutcome::Valid(_)), "{outcome}");
    }
    let mut edited = evs.clone();
    edited[8000].actor.push('x');
    assert_eq!(
        tampered(verify(&csv(&edited), None)),
        (8001, Problem::Edited)
    );
    let mut gap = evs;
    gap.remove(4096);
    assert_eq!(
        tampered(verify(&csv(&gap), None)),
        (
            4097,
            Problem::SeqGap {
                expected: 4097,
                found: 4098
            }
        )
    );
}

/// The obvious row-by-row verifier that the parallel one must match.
fn verify_sequentially(bytes: &[u8], cp: Option<Checkpoint>) -> VerifyOutcome {
    let mut v = Verifier::new(cp);
    for item in AuditCsvReader::new(bytes) {
        match item {
            Ok((row, ev)) => {
                if let Err(f) = v.push(row, &ev) {
                    return VerifyOutcome::Tampered(f);
                }
            }
            Err(e) => return VerifyOutcome::Malformed(e),
        }
    }
    match v.finish() {
        Ok(verified) => VerifyOutcome::Valid(verified),
        Err(f) => VerifyOutcome::Tampered(f),
    }
}

#[test]
fn chunked_verification_matches_row_by_row_verification() {
    // Long quoted fields full of line feeds and quotes, so chunk
    // boundaries must be found by quote parity, not at any line feed.
    let mut evs = chain(700);
    for ev in &mut evs {
        ev.reason = format!(
            "{}\n\"{}\"\n",
            ev.reason,
            "x,\n\"".repeat(ev.seq as usize % 900 * 2)
        );
    }
    let mut prev = GENESIS_HASH.to_owned();
    for ev in &mut evs {
        *ev = seal(ev.clone(), &prev);
        prev = ev.hash.clone();
    }
    let bytes = csv(&evs);
    assert!(bytes.len() > GROUP_CHUNKS * CHUNK_BYTES, "{}", bytes.len());
    let cp = checkpoint(&evs[650]);
    assert_eq!(
        verify(&bytes, cp.clone()),
        verify_sequentially(&bytes, cp.clone())
    );
    assert_eq!(verify(&bytes, cp.clone()).exit_code(), 0);

    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..16 {
        let mut edited = bytes.clone();
        let at = (next() % bytes.len() as u64) as usize;
        edited[at] = [b'"', b'\n', b'\r', b'x', edited[at] ^ 1][(next() % 5) as usize];
        if edited[at] == bytes[at] {
            continue;
        }
        let got = verify(&edited, cp.clone());
        assert_ne!(got.exit_code(), 0, "byte {at}");
        assert_eq!(got, verify_sequentially(&edited, cp.clone()), "byte {at}");
    }
    let cut = &bytes[..bytes.len() * 2 / 3];
    assert_eq!(verify(cut, cp.clone()), verify_sequentially(cut, cp));
}

fn any_text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "", "=", "+", "-", "@", "'", "\t", "\r", "\"", ",", "\n", "''",
        ]),
        any::<String>(),
    )
        .prop_map(|(lead, rest)| format!("{lead}{rest}"))
}

fn any_event() -> impl Strategy<Value = Event> {
    (any::<u64>(), prop::collection::vec(any_text(), 11)).prop_map(|(seq, t)| Event {
        seq,
        at: t[0].clone(),
        actor: t[1].clone(),
        actor_role: t[2].clone(),
        action: t[3].clone(),
        subject_type: t[4].clone(),
        subject_id: t[5].clone(),
        round_id: t[6].clone(),
        payload: t[7].clone(),
        reason: t[8].clone(),
        prev_hash: t[9].clone(),
        hash: t[10].clone(),
    })
}

proptest! {
    #[test]
    fn write_then_read_round_trips(evs in prop::collection::vec(any_event(), 0..8)) {
        let read: Vec<Event> = AuditCsvReader::new(&csv(&evs)[..])
            .map(|r| r.map(|(_, ev)| ev))
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(read, evs);
    }
}

// ---- the independent Python verifier ---------------------------------

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some("python3")
    } else {
        eprintln!("python3 not found: skipping the independent verifier check");
        None
    }
}

/// The scratch crate keeps it in `independent/`, the project in
/// `tests/independent/`.
fn script() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        "tests/independent/verify_audit.py",
        "independent/verify_audit.py",
    ]
    .iter()
    .map(|p| root.join(p))
    .find(|p| p.exists())
    .expect("verify_audit.py next to the crate")
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("pokmas-audit-{}-{name}.csv", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn run_script(py: &str, path: &Path, cp: Option<&Checkpoint>) -> (i32, String) {
    let mut cmd = Command::new(py);
    cmd.arg(script()).arg(path);
    if let Some(cp) = cp {
        cmd.arg("--checkpoint")
            .arg(format!("{}:{}", cp.seq, cp.hash));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_independent_python_verifier_agrees_on_files_we_write() {
    let Some(py) = python() else { return };
    let evs = chain(15);
    let bytes = csv(&evs);
    let good = temp_file("good", &bytes);
    let (code, msg) = run_script(py, &good, None);
    assert_eq!(code, 0, "{msg}");
    assert!(msg.contains(&evs[14].hash), "{msg}");
    assert_eq!(run_script(py, &good, checkpoint(&evs[9]).as_ref()).0, 0);

    let at = bytes
        .windows(16)
        .position(|w| w == b"-2 after recount")
        .unwrap()
        + 1;
    let mut edited = bytes.clone();
    edited[at] ^= 0x01;
    let edited_path = temp_file("edited", &edited);
    let (code, msg) = run_script(py, &edited_path, None);
    assert_eq!(code, 1, "{msg}");
    assert!(
        msg.contains("row 1 (seq 1)") && msg.contains("edited"),
        "{msg}"
    );
    assert_eq!(verify(&edited, None).exit_code(), 1);

    let (code, msg) = run_script(
        py,
        &good,
        Some(&Checkpoint {
            seq: 20,
            hash: evs[0].hash.clone(),
        }),
    );
    assert_eq!(code, 1, "{msg}");
    assert!(msg.contains("row 16") && msg.contains("truncated"), "{msg}");

    let crlf = temp_file(
        "crlf",
        &String::from_utf8(bytes)
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes(),
    );
    assert_eq!(run_script(py, &crlf, None).0, 2);
    for path in [good, edited_path, crlf] {
        let _ = std::fs::remove_file(path);
    }
}

/// Both verifiers must reach the same verdict and row for every one-byte
/// edit; the Python side applies the same edits in one process.
#[test]
fn both_verifiers_agree_on_every_single_byte_edit() {
    let Some(py) = python() else { return };
    let evs = chain(15);
    let bytes = csv(&evs);
    let cp = &evs[9];
    let mut expected = String::new();
    let mut edits = String::new();
    for i in 0..bytes.len() {
        for r in [bytes[i] ^ 0x01, if bytes[i] == b'x' { b'y' } else { b'x' }] {
            let mut edited = bytes.clone();
            edited[i] = r;
            let (code, row) = match verify(&edited, checkpoint(cp)) {
                VerifyOutcome::Valid(_) => (0, 0),
                VerifyOutcome::Tampered(f) => (1, f.row),
                VerifyOutcome::Malformed(e) => (2, e.row),
            };
            edits.push_str(&format!("{i} {r}\n"));
            expected.push_str(&format!("{code} {row}\n"));
        }
    }
    let good = temp_file("agree", &bytes);
    let edits_path = temp_file("agree-edits", edits.as_bytes());
    let driver = r#"
import re, sys
sys.path.insert(0, sys.argv[1])
import verify_audit as v
data = open(sys.argv[2], 'rb').read()
cp = (int(sys.argv[4]), sys.argv[5])
for line in open(sys.argv[3]):
    i, r = map(int, line.split())
    edited = bytearray(data); edited[i] = r
    code, msg = v.verify(bytes(edited), cp)
    m = re.search(r'row (\d+)', msg)
    print(code, m.group(1) if m else 0)
"#;
    let out = Command::new(py)
        .args(["-c", driver])
        .arg(script().parent().unwrap())
        .arg(&good)
        .arg(&edits_path)
        .arg(cp.seq.to_string())
        .arg(&cp.hash)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(good);
    let _ = std::fs::remove_file(edits_path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap();
    for ((e, g), edit) in expected.lines().zip(got.lines()).zip(edits.lines()) {
        assert_eq!(e, g, "edit {edit}: rust vs python");
    }
    assert_eq!(expected.lines().count(), got.lines().count());
}
