//! The information section's reference material: versioned SOP documents,
//! the FAQ and the help desks (per kelurahan, and the city's call centre).
//! Every change appends its audit event in the same transaction.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, ModelTrait,
    QueryFilter, QueryOrder,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::ServiceError;
use super::information::{Editor, account_of, invalid};
use super::regions::kelurahan_names;
use crate::db::audit::{NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{faq_entry, help_desk, kecamatan, kelurahan, sop_document, stored_file};
use crate::domain::form::FieldErrors;
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::domain::text::plain_text;
use crate::storage::{DocKind, FileStore};

// ---------------------------------------------------------------------------
// SOP documents
// ---------------------------------------------------------------------------

/// The SOP upload form as typed.
#[derive(Clone, Debug, Default)]
pub struct SopInput {
    pub title: String,
    /// Empty: made from the title. The same slug makes a new version.
    pub slug: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    /// Empty: city-wide.
    pub kelurahan: String,
}

/// The address of an SOP: lowercase ASCII words joined by `-`, at most 80
/// characters (`SOP Pelayanan Help Desk` → `sop-pelayanan-help-desk`).
fn sop_slug(s: &str) -> String {
    let mut slug = String::new();
    for word in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > 80 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

/// Publishes a version of an SOP (a PDF): `sop.published` with its version
/// and the file's SHA-256. The same slug as an earlier SOP makes the next
/// version; older versions stay downloadable.
///
/// # Errors
/// `Invalid` for a missing title or date, a file that is not a PDF or is too
/// large, a kelurahan the caller does not serve.
pub async fn publish_sop(
    db: &DatabaseConnection,
    files: &FileStore,
    editor: Editor<'_>,
    input: &SopInput,
    file_name: &str,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<(String, i32), ServiceError> {
    editor.require_staff()?;
    let mut errs = FieldErrors::new();
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 || !plain_text(title, false) {
        errs.insert(
            "title".into(),
            Msg::new(
                "Judul wajib diisi, satu baris, paling banyak 200 karakter.",
                "A title is required: one line, at most 200 characters.",
            ),
        );
    }
    let slug = if input.slug.trim().is_empty() {
        sop_slug(title)
    } else {
        sop_slug(input.slug.trim())
    };
    if slug.is_empty() && !errs.contains_key("title") {
        errs.insert(
            "slug".into(),
            Msg::new(
                "Alamat SOP harus berisi huruf atau angka.",
                "The SOP's address needs letters or digits.",
            ),
        );
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let effective = Date::parse(input.effective_from.trim(), &format).ok();
    if effective.is_none() {
        errs.insert(
            "effective_from".into(),
            Msg::new(
                "Tulis tanggal berlaku seperti 2026-12-01.",
                "Write the effective date like 2026-12-01.",
            ),
        );
    }
    let kelurahan = Some(input.kelurahan.trim().to_owned()).filter(|k| !k.is_empty());
    if !editor.may_manage(kelurahan.as_deref()) {
        errs.insert(
            "kelurahan".into(),
            Msg::new(
                "Pilih kelurahan yang Anda layani; SOP seluruh kota hanya oleh admin.",
                "Choose a kelurahan you serve; city-wide SOPs are for admins only.",
            ),
        );
    }
    let blob = match files.check(bytes) {
        Ok(DocKind::Pdf) => None,
        Ok(_) => Some(Msg::new(
            "SOP harus berkas PDF.",
            "An SOP must be a PDF file.",
        )),
        Err(e) => Some(Msg::new(
            format!("Berkas tidak dapat diterima: {e}."),
            format!("The file cannot be accepted: {e}."),
        )),
    };
    if let Some(m) = blob {
        errs.insert("file".into(), m);
    }
    let (Some(effective), true) = (effective, errs.is_empty()) else {
        return Err(ServiceError::Fields(errs));
    };
    let stored = files
        .put(bytes)
        .map_err(|e| anyhow::anyhow!("storing the SOP: {e}"))?;
    let tx = begin_write(db).await?;
    if let Some(k) = &kelurahan
        && kelurahan::Entity::find_by_id(k.clone())
            .one(&*tx)
            .await?
            .is_none()
    {
        return Err(invalid(
            "kelurahan",
            "Kelurahan tidak dikenal.",
            "Unknown kelurahan.",
        ));
    }
    let previous = sop_document::Entity::find()
        .filter(sop_document::Column::Slug.eq(slug.clone()))
        .order_by_desc(sop_document::Column::Version)
        .one(&*tx)
        .await?;
    if let Some(p) = &previous
        && !editor.may_manage(p.kelurahan_code.as_deref())
    {
        return Err(invalid(
            "slug",
            "SOP dengan alamat ini dikelola pihak lain; pilih alamat lain.",
            "An SOP with this address is managed by someone else; choose another address.",
        ));
    }
    let version = previous.map_or(1, |p| p.version + 1);
    let at = crate::mail::db_time(now);
    if stored_file::Entity::find_by_id(stored.sha256.clone())
        .one(&*tx)
        .await?
        .is_none()
    {
        stored_file::ActiveModel {
            sha256: Set(stored.sha256.clone()),
            size_bytes: Set(i64::try_from(stored.size).unwrap_or(i64::MAX)),
            content_type: Set(stored.kind.content_type().to_owned()),
            created_at: Set(at),
        }
        .insert(&*tx)
        .await?;
    }
    let id = Uuid::now_v7();
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '/' | '\\'))
        .take(120)
        .collect();
    sop_document::ActiveModel {
        id: Set(id),
        slug: Set(slug.clone()),
        version: Set(version),
        title: Set(title.to_owned()),
        kelurahan_code: Set(kelurahan.clone()),
        effective_from: Set(effective),
        sha256: Set(stored.sha256.clone()),
        file_name: Set(if file_name.is_empty() {
            format!("{slug}.pdf")
        } else {
            file_name
        }),
        size_bytes: Set(i64::try_from(stored.size).unwrap_or(i64::MAX)),
        created_by: Set(account_of(editor.actor)),
        created_at: Set(at),
    }
    .insert(&*tx)
    .await?;
    let mut e = NewEvent::new(editor.actor, "sop.published", "sop", slug.clone()).payload(
        serde_json::json!({
            "title": title,
            "version": version,
            "effective_from": effective.to_string(),
            "sha256": stored.sha256,
            "kelurahan_code": kelurahan.clone().unwrap_or_default(),
        }),
    );
    e.kelurahan_code = kelurahan;
    append(&tx, e).await?;
    tx.commit().await?;
    Ok((slug, version))
}

pub use crate::domain::information::{FaqItem, HelpDeskItem, SopItem};

/// The latest version of every SOP, city-wide ones first, with the older
/// versions listed. `kelurahan`: only city-wide ones and this kelurahan's.
///
/// # Errors
/// Storage failures.
pub async fn sops(
    db: &DatabaseConnection,
    kelurahan: Option<&str>,
) -> Result<Vec<SopItem>, ServiceError> {
    let names = kelurahan_names(db).await?;
    let mut rows = sop_document::Entity::find()
        .order_by_asc(sop_document::Column::Slug)
        .order_by_desc(sop_document::Column::Version)
        .all(db)
        .await?;
    if let Some(k) = kelurahan {
        rows.retain(|r| r.kelurahan_code.as_deref().is_none_or(|c| c == k));
    }
    let mut out: Vec<SopItem> = Vec::new();
    for r in rows {
        if let Some(last) = out.last_mut().filter(|l| l.slug == r.slug) {
            last.older.push((r.version, r.effective_from));
            continue;
        }
        out.push(SopItem {
            kelurahan_name: r
                .kelurahan_code
                .as_ref()
                .and_then(|k| names.get(k))
                .cloned(),
            slug: r.slug,
            version: r.version,
            title: r.title,
            kelurahan_code: r.kelurahan_code,
            effective_from: r.effective_from,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            file_name: r.file_name,
            older: Vec::new(),
        });
    }
    out.sort_by(|a, b| {
        (a.kelurahan_code.is_some(), &a.title).cmp(&(b.kelurahan_code.is_some(), &b.title))
    });
    Ok(out)
}

/// The stored file of an SOP version (the latest when `version` is `None`):
/// `(file name, sha256)`.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn sop_file(
    db: &DatabaseConnection,
    slug: &str,
    version: Option<i32>,
) -> Result<(String, String), ServiceError> {
    let mut q = sop_document::Entity::find().filter(sop_document::Column::Slug.eq(slug));
    if let Some(v) = version {
        q = q.filter(sop_document::Column::Version.eq(v));
    }
    let r = q
        .order_by_desc(sop_document::Column::Version)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((r.file_name, r.sha256))
}

// ---------------------------------------------------------------------------
// FAQ
// ---------------------------------------------------------------------------

/// Adds a question (`id` `None`) or changes one: `faq.saved`. Admins only.
///
/// # Errors
/// `Invalid` for an empty or overlong question or answer.
pub async fn save_faq(
    db: &DatabaseConnection,
    editor: Editor<'_>,
    id: Option<Uuid>,
    position: &str,
    question: &str,
    answer: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    if editor.role != Role::Admin {
        return Err(ServiceError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let question = question.trim();
    let answer = answer.trim();
    if question.is_empty() || question.chars().count() > 300 || !plain_text(question, false) {
        errs.insert(
            "question".into(),
            Msg::new(
                "Pertanyaan wajib diisi, satu baris, paling banyak 300 karakter.",
                "A question is required: one line, at most 300 characters.",
            ),
        );
    }
    if answer.is_empty() || answer.chars().count() > 10_000 || !plain_text(answer, true) {
        errs.insert(
            "answer".into(),
            Msg::new(
                "Jawaban wajib diisi, paling banyak 10.000 karakter.",
                "An answer is required, at most 10,000 characters.",
            ),
        );
    }
    let position = match position.trim() {
        "" => None,
        p => match p.parse::<i32>() {
            Ok(n) if (0..=1000).contains(&n) => Some(n),
            _ => {
                errs.insert(
                    "position".into(),
                    Msg::new(
                        "Urutan harus angka 0–1000.",
                        "The order must be a number from 0 to 1000.",
                    ),
                );
                None
            }
        },
    };
    if !errs.is_empty() {
        return Err(ServiceError::Fields(errs));
    }
    let tx = begin_write(db).await?;
    let at = crate::mail::db_time(now);
    let id = match id {
        Some(id) => {
            let old = faq_entry::Entity::find_by_id(id)
                .one(&*tx)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let mut m: faq_entry::ActiveModel = old.into();
            if let Some(p) = position {
                m.position = Set(p);
            }
            m.question = Set(question.to_owned());
            m.answer_markdown = Set(answer.to_owned());
            m.updated_at = Set(at);
            m.update(&*tx).await?;
            id
        }
        None => {
            let last = faq_entry::Entity::find()
                .order_by_desc(faq_entry::Column::Position)
                .one(&*tx)
                .await?
                .map_or(0, |f| f.position);
            let id = Uuid::now_v7();
            faq_entry::ActiveModel {
                id: Set(id),
                position: Set(position.unwrap_or(last + 10)),
                question: Set(question.to_owned()),
                answer_markdown: Set(answer.to_owned()),
                updated_at: Set(at),
            }
            .insert(&*tx)
            .await?;
            id
        }
    };
    append(
        &tx,
        NewEvent::new(editor.actor, "faq.saved", "faq", id.to_string()).payload(
            serde_json::json!({
                "question": question,
                "answer_sha256": crate::domain::lottery::sha256_hex(answer),
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a question: `faq.removed`. Admins only.
///
/// # Errors
/// `NotFound`; `Forbidden` for other roles.
pub async fn remove_faq(
    db: &DatabaseConnection,
    editor: Editor<'_>,
    id: Uuid,
) -> Result<(), ServiceError> {
    if editor.role != Role::Admin {
        return Err(ServiceError::Forbidden);
    }
    let tx = begin_write(db).await?;
    let old = faq_entry::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let question = old.question.clone();
    old.delete(&*tx).await?;
    append(
        &tx,
        NewEvent::new(editor.actor, "faq.removed", "faq", id.to_string())
            .payload(serde_json::json!({ "question": question })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The FAQ in its order.
///
/// # Errors
/// Storage failures.
pub async fn faq(db: &DatabaseConnection) -> Result<Vec<FaqItem>, ServiceError> {
    Ok(faq_entry::Entity::find()
        .order_by_asc(faq_entry::Column::Position)
        .order_by_asc(faq_entry::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|f| FaqItem {
            id: f.id,
            position: f.position,
            question: f.question,
            answer_markdown: f.answer_markdown,
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Help desks
// ---------------------------------------------------------------------------

/// The code under which the city's call centre is stored.
pub const CALL_CENTRE: &str = "";

/// Contact details of a help desk as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelpDeskInput {
    pub address: String,
    pub opening_hours: String,
    pub phone: String,
    pub whatsapp: String,
}

/// Sets the help desk of `kelurahan` ([`CALL_CENTRE`] for the city's call
/// centre, admins only): `help_desk.updated`.
///
/// # Errors
/// `Invalid` for missing or malformed fields; `NotFound` for an unknown
/// kelurahan or one the operator does not serve.
pub async fn set_help_desk(
    db: &DatabaseConnection,
    editor: Editor<'_>,
    kelurahan_code: &str,
    input: &HelpDeskInput,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    editor.require_staff()?;
    let code = kelurahan_code.trim();
    let scope = (code != CALL_CENTRE).then_some(code);
    if !editor.may_manage(scope) {
        return Err(ServiceError::NotFound);
    }
    let mut errs = FieldErrors::new();
    let one_line = |v: &str, max: usize| v.chars().count() <= max && plain_text(v, false);
    let address = input.address.trim();
    let hours = input.opening_hours.trim();
    if !one_line(address, 300) || (scope.is_some() && address.is_empty()) {
        errs.insert(
            "address".into(),
            Msg::new(
                "Alamat wajib diisi, satu baris, paling banyak 300 karakter.",
                "An address is required: one line, at most 300 characters.",
            ),
        );
    }
    if hours.is_empty() || !one_line(hours, 200) {
        errs.insert(
            "opening_hours".into(),
            Msg::new(
                "Jam buka wajib diisi, misalnya Senin–Jumat 08.00–15.00 WITA.",
                "Opening hours are required, e.g. Monday–Friday 08.00–15.00 WITA.",
            ),
        );
    }
    let phone_ok = |v: &str| {
        let digits = v.chars().filter(char::is_ascii_digit).count();
        v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
            && (3..=15).contains(&digits)
    };
    let phone = input.phone.trim();
    if !phone_ok(phone) {
        errs.insert(
            "phone".into(),
            Msg::new(
                "Nomor telepon wajib diisi: 3–15 angka, misalnya 0541 123456 atau 112.",
                "A phone number is required: 3–15 digits, e.g. 0541 123456 or 112.",
            ),
        );
    }
    let whatsapp = input.whatsapp.trim();
    let wa = if whatsapp.is_empty() {
        Some(String::new())
    } else {
        crate::sms::normalise_phone(whatsapp)
    };
    if wa.is_none() {
        errs.insert(
            "whatsapp".into(),
            Msg::new(
                "Nomor WhatsApp harus nomor HP, misalnya 081234567890 (boleh dikosongkan).",
                "The WhatsApp number must be a mobile number, e.g. 081234567890 (or leave it empty).",
            ),
        );
    }
    if !errs.is_empty() {
        return Err(ServiceError::Fields(errs));
    }
    let tx = begin_write(db).await?;
    if let Some(k) = scope
        && kelurahan::Entity::find_by_id(k.to_owned())
            .one(&*tx)
            .await?
            .is_none()
    {
        return Err(ServiceError::NotFound);
    }
    let at = crate::mail::db_time(now);
    let m = help_desk::ActiveModel {
        kelurahan_code: Set(code.to_owned()),
        address: Set(address.to_owned()),
        opening_hours: Set(hours.to_owned()),
        phone: Set(phone.to_owned()),
        whatsapp: Set(wa.clone().unwrap_or_default()),
        updated_at: Set(at),
    };
    if help_desk::Entity::find_by_id(code.to_owned())
        .one(&*tx)
        .await?
        .is_some()
    {
        m.update(&*tx).await?;
    } else {
        m.insert(&*tx).await?;
    }
    let mut e = NewEvent::new(
        editor.actor,
        "help_desk.updated",
        "help_desk",
        if code.is_empty() { "call-centre" } else { code },
    )
    .payload(serde_json::json!({
        "address": address,
        "opening_hours": hours,
        "phone": phone,
        "whatsapp": wa.unwrap_or_default(),
    }));
    e.kelurahan_code = scope.map(str::to_owned);
    append(&tx, e).await?;
    tx.commit().await?;
    Ok(())
}

/// The city's call centre, when set.
///
/// # Errors
/// Storage failures.
pub async fn call_centre(db: &DatabaseConnection) -> Result<Option<HelpDeskItem>, ServiceError> {
    Ok(help_desk::Entity::find_by_id(CALL_CENTRE.to_owned())
        .one(db)
        .await?
        .map(|d| HelpDeskItem {
            kelurahan_code: String::new(),
            kelurahan_name: String::new(),
            kecamatan_name: String::new(),
            address: d.address,
            opening_hours: d.opening_hours,
            phone: d.phone,
            whatsapp: d.whatsapp,
        }))
}

/// Every kelurahan by kecamatan, each with its help desk when one is set.
///
/// # Errors
/// Storage failures.
pub async fn help_desks(
    db: &DatabaseConnection,
) -> Result<Vec<(String, Vec<(HelpDeskItem, bool)>)>, ServiceError> {
    let desks: BTreeMap<String, help_desk::Model> = help_desk::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.kelurahan_code.clone(), d))
        .collect();
    let kecs = kecamatan::Entity::find()
        .order_by_asc(kecamatan::Column::Name)
        .all(db)
        .await?;
    let kels = kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Name)
        .all(db)
        .await?;
    Ok(kecs
        .into_iter()
        .map(|kc| {
            let list = kels
                .iter()
                .filter(|k| k.kecamatan_code == kc.code)
                .map(|k| {
                    let d = desks.get(&k.code);
                    (
                        HelpDeskItem {
                            kelurahan_code: k.code.clone(),
                            kelurahan_name: k.name.clone(),
                            kecamatan_name: kc.name.clone(),
                            address: d.map(|d| d.address.clone()).unwrap_or_default(),
                            opening_hours: d.map(|d| d.opening_hours.clone()).unwrap_or_default(),
                            phone: d.map(|d| d.phone.clone()).unwrap_or_default(),
                            whatsapp: d.map(|d| d.whatsapp.clone()).unwrap_or_default(),
                        },
                        d.is_some(),
                    )
                })
                .collect();
            (kc.name, list)
        })
        .collect())
}

/// One kelurahan's help desk (with empty contact fields when none is set).
///
/// # Errors
/// `NotFound` for an unknown kelurahan.
pub async fn help_desk(
    db: &DatabaseConnection,
    code: &str,
) -> Result<(HelpDeskItem, bool), ServiceError> {
    help_desks(db)
        .await?
        .into_iter()
        .flat_map(|(_, l)| l)
        .find(|(d, _)| d.kelurahan_code == code)
        .ok_or(ServiceError::NotFound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sop_addresses_are_plain_ascii_words() {
        assert_eq!(
            super::sop_slug("SOP Pelayanan Help Desk"),
            "sop-pelayanan-help-desk"
        );
        assert_eq!(super::sop_slug("  Verifikasi — v2 "), "verifikasi-v2");
        assert_eq!(super::sop_slug("…"), "");
    }
}
