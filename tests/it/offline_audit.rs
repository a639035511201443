//! Offline verification with nothing but the exported folder, the signed
//! checkpoint note and the public key: `pokmas audit verify` catches every
//! kind of tampering and names the row, a forged note is refused, and
//! `pokmas audit recompute` re-derives every rank.

use std::path::{Path, PathBuf};

use pokmas::domain::audit::GENESIS_HASH;
use pokmas::domain::checkpoint::{VerifierKey, sign};
use pokmas::export::audit_csv::{AuditCsvReader, AuditCsvWriter};

use crate::exports::{pokmas, published_round, text};
use crate::support::TestApp;

/// A published round exported with `pokmas export all`, plus the latest
/// checkpoint note and the public key as the public audit page serves them.
struct Exported {
    _dir: tempfile::TempDir,
    folder: PathBuf,
    note: PathBuf,
    key: PathBuf,
    checkpoint_seq: u64,
    db_url: String,
    data_dir: PathBuf,
    /// Keeps the database alive.
    _app: TestApp,
}

async fn exported() -> Exported {
    exported_on(TestApp::new().await).await
}

async fn exported_on(app: TestApp) -> Exported {
    let mut f = published_round(app).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("ekspor");
    let o = pokmas(
        &f.app.db.url,
        dir.path(),
        &[
            "export",
            "all",
            "--round",
            "rekrutmen-pokmas-2026",
            "--out",
            folder.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let note = f.app.get("/jejak-audit/checkpoint.txt").await;
    assert_eq!(note.status, 200);
    assert!(
        note.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
    );
    let key = f.app.get("/jejak-audit/kunci.txt").await;
    assert_eq!(key.status, 200);
    let page = f.app.get("/jejak-audit").await;
    assert!(
        page.body.contains(key.body.trim()),
        "the page shows the key"
    );
    let checkpoint_seq: u64 = note
        .body
        .lines()
        .nth(1)
        .expect("size line")
        .parse()
        .expect("seq");
    assert!(
        page.body
            .contains(&format!("--checkpoint {checkpoint_seq}:")),
        "the page gives a copy-paste command"
    );
    let note_path = dir.path().join("checkpoint.txt");
    std::fs::write(&note_path, &note.body).expect("write note");
    let key_path = dir.path().join("kunci.txt");
    std::fs::write(&key_path, &key.body).expect("write key");
    Exported {
        folder,
        note: note_path,
        key: key_path,
        checkpoint_seq,
        db_url: f.app.db.url.clone(),
        data_dir: dir.path().to_path_buf(),
        _dir: dir,
        _app: f.app,
    }
}

impl Exported {
    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let o = pokmas(&self.db_url, &self.data_dir, args);
        (o.status.code(), text(&o))
    }

    /// `audit verify FILE --checkpoint-file … --public-key …`.
    fn verify(&self, file: &Path) -> (Option<i32>, String) {
        self.verify_with(file, &self.note, self.key.to_str().expect("utf8"))
    }

    fn verify_with(&self, file: &Path, note: &Path, key: &str) -> (Option<i32>, String) {
        self.run(&[
            "audit",
            "verify",
            file.to_str().expect("utf8"),
            "--checkpoint-file",
            note.to_str().expect("utf8"),
            "--public-key",
            key,
        ])
    }

    fn audit_csv(&self) -> String {
        std::fs::read_to_string(self.folder.join("audit.csv")).expect("audit.csv")
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.data_dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }
}

/// The trail's rows (header first); no field of this trail spans lines.
fn rows(csv: &str) -> Vec<String> {
    csv.lines().map(str::to_owned).collect()
}

fn joined(rows: &[String]) -> String {
    let mut s = rows.join("\n");
    s.push('\n');
    s
}

#[tokio::test]
async fn every_kind_of_tampering_with_the_exported_trail_is_caught_and_the_row_named() {
    let e = exported().await;
    let original = rows(&e.audit_csv());
    assert!(
        original.len() > 12,
        "a realistic trail: {} rows",
        original.len()
    );
    assert!(e.checkpoint_seq > 5);

    let (code, out) = e.verify(&e.folder.join("audit.csv"));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("checkpoint signature valid"), "{out}");

    // Edit: the last digit of row 3's timestamp.
    let mut edited = original.clone();
    let z = edited[3].find("Z,").expect("the at field");
    let digit = if &edited[3][z - 1..z] == "1" {
        "2"
    } else {
        "1"
    };
    edited[3].replace_range(z - 1..z, digit);
    assert_ne!(edited[3], original[3]);
    let mutations: Vec<(&str, Vec<String>, &str)> = vec![
        ("edited", edited, "row 3 (seq 3)"),
        (
            "deleted",
            [&original[..3], &original[4..]].concat(),
            "row 3 (seq 4)",
        ),
        (
            "inserted",
            [&original[..3], &original[2..]].concat(),
            "row 3 (seq 2)",
        ),
        (
            "reordered",
            [
                &original[..3],
                &[original[4].clone(), original[3].clone()][..],
                &original[5..],
            ]
            .concat(),
            "row 3 (seq 4)",
        ),
    ];
    for (what, mutated, row) in mutations {
        let path = e.write(&format!("{what}.csv"), &joined(&mutated));
        let (code, out) = e.verify(&path);
        assert_eq!(code, Some(1), "{what}: {out}");
        assert!(out.contains(row), "{what} names {row}: {out}");
    }

    // Truncated below the signed checkpoint: a valid chain, but too short.
    let keep = usize::try_from(e.checkpoint_seq).expect("small") - 1;
    let truncated = e.write("truncated.csv", &joined(&original[..=keep]));
    let (code, out) = e.run(&["audit", "verify", truncated.to_str().expect("utf8")]);
    assert_eq!(
        code,
        Some(0),
        "alone the shorter trail is consistent: {out}"
    );
    let (code, out) = e.verify(&truncated);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("row {}", keep + 1)) && out.contains("truncated"),
        "{out}"
    );

    // A rewritten history with every hash re-computed passes on its own, but
    // not against the checkpoint signed before the rewrite.
    let mut events: Vec<_> = AuditCsvReader::new(e.audit_csv().as_bytes())
        .map(|r| r.expect("row").1)
        .collect();
    events[2].reason = "diubah diam-diam".into();
    let mut prev = GENESIS_HASH.to_owned();
    for ev in &mut events {
        ev.prev_hash = prev;
        ev.hash = ev.compute_hash();
        prev = ev.hash.clone();
    }
    let mut w = AuditCsvWriter::with_header(Vec::new()).expect("header");
    for ev in &events {
        w.write_event(ev).expect("row");
    }
    let rewritten = e.write(
        "rewritten.csv",
        &String::from_utf8(w.into_inner()).expect("utf8"),
    );
    let (code, out) = e.run(&["audit", "verify", rewritten.to_str().expect("utf8")]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = e.verify(&rewritten);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!("row {0} (seq {0})", e.checkpoint_seq)),
        "the checkpoint's row is named: {out}"
    );

    // A forged note: the size changed after signing, or signed by another key
    // under the same name. Both are refused before the trail is read.
    let note = std::fs::read_to_string(&e.note).expect("note");
    let forged = note.replacen(
        &format!("\n{}\n", e.checkpoint_seq),
        &format!("\n{}\n", e.checkpoint_seq - 1),
        1,
    );
    assert_ne!(forged, note);
    let forged = e.write("forged.txt", &forged);
    let (code, out) = e.verify_with(
        &e.folder.join("audit.csv"),
        &forged,
        e.key.to_str().expect("utf8"),
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not validly signed"), "{out}");
    let key_text = std::fs::read_to_string(&e.key).expect("key");
    let key: VerifierKey = key_text.trim().parse().expect("published key parses");
    let opened = pokmas::domain::checkpoint::open(&note, &key).expect("genuine");
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let impostor = e.write(
        "impostor.txt",
        &sign(&key.name, &opened.checkpoint, &opened.root, &attacker).expect("sign"),
    );
    let (code, out) = e.verify_with(&e.folder.join("audit.csv"), &impostor, key_text.trim());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not validly signed"), "{out}");

    // Malformed input: a key that is not a key, a note that is not a note.
    let (code, out) = e.verify_with(&e.folder.join("audit.csv"), &e.note, "not+a+key");
    assert_eq!(code, Some(2), "{out}");
    let garbage = e.write("garbage.txt", "hello\n");
    let (code, out) = e.verify_with(
        &e.folder.join("audit.csv"),
        &garbage,
        e.key.to_str().expect("utf8"),
    );
    assert_eq!(code, Some(2), "{out}");
}

#[tokio::test]
async fn recompute_agrees_on_the_exported_round_and_names_an_altered_total() {
    let e = exported().await;
    let dir = e.folder.to_str().expect("utf8");
    let (code, out) = e.run(&["audit", "recompute", dir]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("agree: 1 formations, 4 applications"), "{out}");

    // Give B one more point than the scores justify.
    let rankings = std::fs::read_to_string(e.folder.join("rankings.csv")).expect("read");
    let altered = rankings.replacen(",75/1,75.00,", ",76/1,76.00,", 1);
    assert_ne!(altered, rankings);
    std::fs::write(e.folder.join("rankings.csv"), &altered).expect("write");
    let (code, out) = e.run(&["audit", "recompute", dir]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("2026-6472011001-0002 (F-6472011001): total_exact exported \"76/1\", recomputed \"75/1\""),
        "{out}"
    );
    assert!(
        out.contains("total exported \"76.00\", recomputed \"75.00\""),
        "{out}"
    );
    assert!(out.contains("2 disagreements"), "{out}");

    // A swapped rank is found too, on both applications.
    let swapped = rankings
        .replacen(",true,1,selected,", ",true,X,selected,", 1)
        .replacen(",true,2,reserve,", ",true,1,reserve,", 1)
        .replacen(",true,X,selected,", ",true,2,selected,", 1);
    std::fs::write(e.folder.join("rankings.csv"), &swapped).expect("write");
    let (code, out) = e.run(&["audit", "recompute", dir]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("2026-6472011001-0001 (F-6472011001): rank exported \"2\", recomputed \"1\""),
        "{out}"
    );
    assert!(
        out.contains("2026-6472011001-0002 (F-6472011001): rank exported \"1\", recomputed \"2\""),
        "{out}"
    );

    // A file that breaks the contract is malformed, with its name and row.
    std::fs::write(
        e.folder.join("rankings.csv"),
        rankings.replacen("lottery_key", "lottery", 1),
    )
    .expect("write");
    let (code, out) = e.run(&["audit", "recompute", dir]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("rankings.csv header row"), "{out}");
}

#[tokio::test]
async fn audit_checkpoint_prints_the_latest_note_and_the_key_that_signed_it() {
    let e = exported().await;
    let o = pokmas(&e.db_url, &e.data_dir, &["audit", "checkpoint"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let note = std::fs::read_to_string(&e.note).expect("note");
    assert_eq!(String::from_utf8_lossy(&o.stdout), note);

    // The key is read from the data folder, never created there.
    let (code, out) = e.run(&["audit", "checkpoint", "--public-key"]);
    assert_ne!(code, Some(0), "no checkpoint.key in this folder: {out}");
    assert!(!e.data_dir.join("checkpoint.key").exists());
    std::fs::write(e.data_dir.join("checkpoint.key"), "cd".repeat(32)).expect("key");
    let o = pokmas(
        &e.db_url,
        &e.data_dir,
        &["audit", "checkpoint", "--public-key"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let key = std::fs::read_to_string(&e.key).expect("key");
    assert_eq!(String::from_utf8_lossy(&o.stdout), format!("{key}{note}"));
    // Another installation's key does not pass for this one's.
    std::fs::write(e.data_dir.join("checkpoint.key"), "ef".repeat(32)).expect("key");
    let (code, out) = e.run(&["audit", "checkpoint", "--public-key"]);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("did not sign the latest checkpoint"), "{out}");
}

/// A checkpoint seed (32 equal bytes) whose verifier key, as this test
/// installation prints it, has a `+` in its base64.
pub fn seed_with_plus_in_its_key() -> u8 {
    (0..=u8::MAX)
        .find(|&n| {
            let key =
                pokmas::services::checkpoints::CheckpointKey::new("http://localhost", &[n; 32])
                    .expect("key");
            key.verifier()
                .to_string()
                .splitn(3, '+')
                .nth(2)
                .expect("base64")
                .contains('+')
        })
        .expect("some seed")
}

#[tokio::test]
async fn the_key_an_installation_prints_verifies_its_checkpoint_when_its_base64_holds_a_plus() {
    let n = seed_with_plus_in_its_key();
    let seed_hex = hex::encode([n; 32]);
    let app = TestApp::new().await.reconfigured(|c| {
        c.checkpoint_seed = pokmas::config::Secret::from_hex(&seed_hex).expect("seed");
    });
    let e = exported_on(app).await;
    std::fs::write(e.data_dir.join("checkpoint.key"), &seed_hex).expect("key");
    let o = pokmas(
        &e.db_url,
        &e.data_dir,
        &["audit", "checkpoint", "--public-key"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    let (key, note) = printed.split_once('\n').expect("key line, then the note");
    assert!(
        key.splitn(3, '+').nth(2).expect("base64").contains('+'),
        "{key}"
    );
    assert_eq!(
        std::fs::read_to_string(&e.key).expect("key").trim(),
        key,
        "the page serves the same key"
    );
    let note_path = e.write("printed-checkpoint.txt", note);
    let (code, out) = e.verify_with(&e.folder.join("audit.csv"), &note_path, key);
    assert_eq!(code, Some(0), "{out}");
}
