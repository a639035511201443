//! The result e-mails of a publication and who receives them.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::formation_results;
use crate::db::entities::{account, application, round};
use crate::mail::templates::ResultStatus;
use crate::mail::{Locale, Template, enqueue_for_round};
use crate::services::ServiceError;
use crate::services::self_service::MailCtx;

fn result_status(s: &str) -> Option<ResultStatus> {
    match s {
        "selected" => Some(ResultStatus::Selected),
        "reserve" => Some(ResultStatus::Reserve),
        "not_passed" => Some(ResultStatus::NotPassed),
        "not_selected" => Some(ResultStatus::NotSelected),
        _ => None,
    }
}

/// Where to mail an applicant, in which language: the address on the
/// application, else the account's; `None` for an assisted application
/// without any address.
///
/// # Errors
/// Storage failures.
pub async fn recipient<C: ConnectionTrait>(
    tx: &C,
    vault: &crate::pii::NikVault,
    app: &application::Model,
) -> Result<Option<(String, Locale)>, anyhow::Error> {
    let acc = match app.account_id {
        Some(id) => account::Entity::find_by_id(id).one(tx).await?,
        None => None,
    };
    let email = crate::services::data_keys::personal_of(tx, vault, app)
        .await?
        .email;
    let to = if email.trim().is_empty() {
        acc.as_ref().map(|a| a.email.clone()).unwrap_or_default()
    } else {
        email.trim().to_owned()
    };
    let locale = acc.map_or(Locale::Id, |a| Locale::parse(&a.locale));
    Ok((!to.is_empty()).then_some((to, locale)))
}

/// [`recipient`] of many applications, with their accounts and data keys
/// read in one query each.
///
/// # Errors
/// As [`recipient`].
pub async fn recipients<C: ConnectionTrait>(
    tx: &C,
    vault: &crate::pii::NikVault,
    apps: &[application::Model],
) -> Result<HashMap<Uuid, (String, Locale)>, anyhow::Error> {
    let personal = crate::services::data_keys::personal_of_many(tx, vault, apps).await?;
    let account_ids: Vec<Uuid> = apps.iter().filter_map(|a| a.account_id).collect();
    let mut accounts: HashMap<Uuid, account::Model> = HashMap::new();
    for chunk in account_ids.chunks(500) {
        for acc in account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            accounts.insert(acc.id, acc);
        }
    }
    let mut out = HashMap::with_capacity(apps.len());
    for a in apps {
        let acc = a.account_id.and_then(|id| accounts.get(&id));
        let email = personal.get(&a.id).map_or("", |p| p.email.trim());
        let to = if email.is_empty() {
            acc.map(|acc| acc.email.clone()).unwrap_or_default()
        } else {
            email.to_owned()
        };
        if !to.is_empty() {
            let locale = acc.map_or(Locale::Id, |acc| Locale::parse(&acc.locale));
            out.insert(a.id, (to, locale));
        }
    }
    Ok(out)
}

/// Queues a result e-mail (provisional or final, by `final_result`) to every
/// ranked applicant of the round with an address, in the caller's
/// (publishing) transaction. Returns how many were queued.
///
/// # Errors
/// Storage failures.
pub async fn mail_results(
    tx: &crate::db::WriteTx,
    mail: &MailCtx<'_>,
    round_id: Uuid,
    final_result: bool,
) -> Result<usize, ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut sent = 0;
    // One query for the applications and one for their data keys, not one
    // each per ranked applicant.
    let apps = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .all(tx)
        .await?;
    let to_of = recipients(tx, mail.vault, &apps).await?;
    let apps: HashMap<Uuid, application::Model> = apps.into_iter().map(|a| (a.id, a)).collect();
    for fr in formation_results(tx, &r, None).await? {
        for row in &fr.rows {
            let Some(status) = result_status(&row.status) else {
                continue;
            };
            let Some(app) = apps.get(&row.application_id) else {
                continue;
            };
            let Some((to, locale)) = to_of.get(&app.id).cloned() else {
                continue;
            };
            let link = format!(
                "{}/seleksi/{}/hasil/{}",
                mail.base_url, r.slug, fr.formation.code
            );
            let rank = row.rank.and_then(|x| u32::try_from(x).ok());
            // The status page's headline for this result, word for word.
            let headline = crate::domain::status_headline::headline(
                &crate::services::applications::Timeline {
                    result: Some((row.rank, Some(row.status.clone()))),
                    objection_window: r.provisional_at.zip(r.objection_ends_at),
                    ..Default::default()
                }
                .facts(app.state, final_result, time::OffsetDateTime::now_utc()),
            );
            let template = if final_result {
                Template::FinalResultNotice {
                    name: app.full_name.clone(),
                    registration_no: row.registration_no.clone(),
                    status,
                    rank,
                    link,
                    headline: Some(headline.clone()),
                }
            } else {
                Template::ResultNotice {
                    name: app.full_name.clone(),
                    registration_no: row.registration_no.clone(),
                    status,
                    rank,
                    link,
                    headline: Some(headline.clone()),
                }
            };
            enqueue_for_round(
                tx,
                &to,
                &app.full_name,
                locale,
                &template,
                mail.from,
                &r.programme(),
            )
            .await?;
            sent += 1;
        }
    }
    Ok(sent)
}
