//! What the demo prints and writes: the sign-in credentials and the summary.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::*;

/// The credentials as text, one account per line.
#[must_use]
pub fn credentials_text(s: &Summary, base_url: &str) -> String {
    let mut out = format!("# Akun demo pokmas — masuk di {base_url}/masuk\n");
    if !s.witnesses.is_empty() {
        out.push_str(&format!(
            "# saksi undian: {}\n",
            witnesses_text(&s.witnesses, "diangkat", "berkomitmen", "sudah mengungkap")
        ));
    }
    out.push_str(&format!(
        "# sanggahan: {} diajukan, {} diterima, {} ditolak, {} belum diputus\n",
        s.objections_filed, s.objections_accepted, s.objections_rejected, s.objections_pending
    ));
    out.push_str("# role\temail\tpassword\tketerangan\n");
    let applicants = s.credentials.iter().filter(|c| c.role == Role::Applicant);
    // Every applicant who objected (to see their objection), then a few others.
    let objectors = applicants.clone().filter(|c| c.note.contains("sanggahan"));
    let others = applicants.filter(|c| !c.note.contains("sanggahan")).take(3);
    for c in s
        .credentials
        .iter()
        .filter(|c| c.role != Role::Applicant)
        .chain(objectors)
        .chain(others)
    {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            c.role.as_str(),
            c.email,
            c.password,
            c.note
        ));
    }
    out
}

/// Writes the credentials to `DATA_DIR/demo-credentials.txt` (mode 0600),
/// replacing an older file.
///
/// # Errors
/// When the file cannot be written.
pub fn write_credentials(data_dir: &Path, text: &str) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("demo-credentials.txt");
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).context("removing the old credentials file"),
    }
    crate::config::write_private(&path, text.as_bytes())?;
    Ok(path)
}

/// The witnesses as `email (state), …`, with the words for each state.
fn witnesses_text(
    ws: &[(String, &'static str)],
    named: &str,
    committed: &str,
    revealed: &str,
) -> String {
    ws.iter()
        .map(|(email, state)| {
            let word = match *state {
                "revealed" => revealed,
                "committed" => committed,
                _ => named,
            };
            format!("{email} ({word})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary printed at the end of `pokmas demo`.
#[must_use]
pub fn summary_text(s: &Summary) -> String {
    let round = s.round_id.map(|id| id.to_string()).unwrap_or_default();
    format!(
        "demo ready in {:.1} s: round {round} (/seleksi/{}) in state {}\n\
         {} formations, {} applications ({} at a help desk), {} withdrawn, {} ineligible, \
         {} with a NIK warning, {} absent\n\
         {} scorecards, {} amendments, {} recusals; {} audit events; database {:.1} MB\n",
        s.seconds,
        s.round_slug,
        s.state,
        s.formations,
        s.applications,
        s.assisted,
        s.withdrawn,
        s.ineligible,
        s.nik_warnings,
        s.absent,
        s.scorecards,
        s.amendments,
        s.recusals,
        s.audit_events,
        s.database_bytes as f64 / 1_000_000.0,
    ) + &format!(
        "lottery witnesses: {}; seed {}\n\
         objections: {} filed, {} accepted, {} rejected, {} pending; \
         {} rank changes from reopened scorecards\n",
        if s.witnesses.is_empty() {
            "none".to_owned()
        } else {
            witnesses_text(&s.witnesses, "named", "committed", "revealed")
        },
        s.lottery_seed.as_deref().unwrap_or("not fixed yet"),
        s.objections_filed,
        s.objections_accepted,
        s.objections_rejected,
        s.objections_pending,
        s.objection_rank_changes,
    ) + &if s.waiting_for_panel > 0 {
        format!(
            "{} applications (one per panel) wait for their panel's scores\n",
            s.waiting_for_panel
        )
    } else {
        String::new()
    } + &s.tpp.as_ref().map(tpp_text).unwrap_or_default()
        + &format!(
            "stages: {}\n",
            s.stage_seconds
                .iter()
                .map(|(n, t)| format!("{n} {t:.1} s"))
                .collect::<Vec<_>>()
                .join(", ")
        )
}

/// The second round's lines of the summary.
fn tpp_text(t: &TppSummary) -> String {
    let round = t.round_id.map(|id| id.to_string()).unwrap_or_default();
    format!(
        "two-stage round {round} (/seleksi/{}) in state {}: {} formations, {} seats, \
         {} applications, {} ineligible; written test {} values, {} went on, \
         {} interviewed, {} scorecards\n",
        t.round_slug,
        t.state,
        t.formations,
        t.seats,
        t.applications,
        t.ineligible,
        t.written_test,
        t.shortlisted,
        t.interviewed,
        t.scorecards,
    ) + &t
        .promoted
        .as_ref()
        .map(|no| {
            format!(
                "after the final result a facilitator withdrew: reserve {no} promoted, {} rank changes\n",
                t.promotion_rank_changes
            )
        })
        .unwrap_or_default()
}
