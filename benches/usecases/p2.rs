//! P2 in-process: a resident's application through the service calls.

use super::*;

/// One application, as the browser sends it: the area step's POST
/// (`start_draft`), then the form's POST (`save_form`: the fields, the two
/// documents and the submission in one transaction), the calls of
/// `web::applications::{start, form_submit}`.
/// Returns the application and how long the form POST took.
pub(crate) async fn apply(
    db: &DatabaseConnection,
    w: &World,
    round_id: Uuid,
    p: &Prepared,
) -> anyhow::Result<(Uuid, Duration)> {
    let acting = Acting {
        actor: Actor::Account {
            id: w.residents[p.resident].id,
            role: Role::Applicant,
        },
        scopes: &[],
    };
    let id = apps::start_draft(
        db,
        &w.vault,
        acting,
        &StartDraft {
            round_id,
            kelurahan_code: p.kelurahan.clone(),
            rt: p.rt,
            idempotency_key: p.key.clone(),
            formation_code: None,
        },
    )
    .await?;
    let form = Instant::now();
    let done = apps::save_form(
        db,
        &w.store,
        &w.vault,
        apps::MailCtx {
            base_url: "http://localhost",
            from: &w.from,
            vault: &w.vault,
        },
        acting,
        id,
        apps::FormPost {
            fields: p.fields.clone(),
            uploads: vec![
                apps::Upload {
                    requirement_code: "KTP".into(),
                    original_name: "ktp.pdf".into(),
                    bytes: p.pdf.clone(),
                },
                apps::Upload {
                    requirement_code: "KK".into(),
                    original_name: "kk.png".into(),
                    bytes: p.png.clone(),
                },
            ],
            submit: true,
            lang: Lang::Id,
        },
    )
    .await?;
    ensure!(done.errors.is_empty(), "form refused: {:?}", done.errors);
    ensure!(done.submitted.is_some(), "form saved but not submitted");
    Ok((id, form.elapsed()))
}

pub(crate) async fn p2(
    w: &Arc<World>,
    ops: usize,
    runs: usize,
    conc: usize,
) -> anyhow::Result<Vec<Run>> {
    let mut out = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let (round_id, _) =
            draft_round(w, &format!("Bench P2 run {}", run + 1), i32::try_from(run)?).await?;
        move_round(w, round_id, RoundState::Registration, w.clock.at(-21, 8)).await?;
        let prepared: Arc<Vec<Prepared>> = Arc::new((0..ops).map(|i| prepare(w, run, i)).collect());
        checkpoint(&w.db).await?;
        note(
            started,
            &format!("P2 run {}: round open, forms prepared", run + 1),
        );
        let (w2, p2) = (w.clone(), prepared.clone());
        let op: Op = Arc::new(move |i| {
            let (w, prepared) = (w2.clone(), p2.clone());
            Box::pin(async move {
                let (_, form) = apply(&w.db, &w, round_id, &prepared[i]).await?;
                Ok(Some(form))
            })
        });
        let r = drive(ops, conc, op).await?;
        println!(
            "P2   run {}: {ops} applications (start + form POST with 2 documents), {conc} tasks: {}",
            run + 1,
            r.line()
        );
        out.push(r);
    }
    Ok(out)
}
