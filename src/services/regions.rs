//! Region data (kecamatan, kelurahan, RT) is importable data, never code:
//! regions get renamed and split.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Select,
};

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{kecamatan, kelurahan, rt};
use crate::domain::region::{Kecamatan, Kelurahan};
use crate::export::regions_csv::RegionFile;

/// What an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub kecamatan_added: u64,
    pub kelurahan_added: u64,
    pub renamed: u64,
    pub rt_added: u64,
}

impl ImportReport {
    fn changed(&self) -> bool {
        *self != ImportReport::default()
    }
}

/// Imports a parsed region or RT file in one transaction: new rows are added,
/// renamed ones updated, nothing is deleted. Importing the same file twice
/// changes nothing the second time (and writes no audit event).
///
/// # Errors
/// `Invalid` when an RT names a kelurahan that is not known; nothing is imported then.
pub async fn import(
    db: &DatabaseConnection,
    actor: Actor,
    file: &RegionFile,
) -> Result<ImportReport, ServiceError> {
    let tx = begin_write(db).await?;
    let mut report = ImportReport::default();
    match file {
        RegionFile::Regions {
            kecamatan: kecs,
            kelurahan: kels,
        } => {
            for k in kecs {
                match kecamatan::Entity::find_by_id(k.code.clone())
                    .one(&tx)
                    .await?
                {
                    None => {
                        kecamatan::ActiveModel {
                            code: Set(k.code.clone()),
                            name: Set(k.name.clone()),
                        }
                        .insert(&tx)
                        .await?;
                        report.kecamatan_added += 1;
                    }
                    Some(m) if m.name != k.name => {
                        kecamatan::ActiveModel {
                            code: Set(k.code.clone()),
                            name: Set(k.name.clone()),
                        }
                        .update(&tx)
                        .await?;
                        report.renamed += 1;
                    }
                    Some(_) => {}
                }
            }
            for l in kels {
                match kelurahan::Entity::find_by_id(l.code.clone())
                    .one(&tx)
                    .await?
                {
                    None => {
                        kelurahan::ActiveModel {
                            code: Set(l.code.clone()),
                            kecamatan_code: Set(l.kecamatan_code.clone()),
                            name: Set(l.name.clone()),
                            rt_count: Set(None),
                        }
                        .insert(&tx)
                        .await?;
                        report.kelurahan_added += 1;
                    }
                    Some(m) if m.name != l.name || m.kecamatan_code != l.kecamatan_code => {
                        kelurahan::ActiveModel {
                            code: Set(l.code.clone()),
                            kecamatan_code: Set(l.kecamatan_code.clone()),
                            name: Set(l.name.clone()),
                            ..Default::default()
                        }
                        .update(&tx)
                        .await?;
                        report.renamed += 1;
                    }
                    Some(_) => {}
                }
            }
        }
        RegionFile::Rts(rts) => {
            let mut touched = BTreeSet::new();
            let mut unknown = BTreeSet::new();
            for (code, _) in rts {
                if !touched.contains(code) {
                    if kelurahan::Entity::find_by_id(code.clone())
                        .one(&tx)
                        .await?
                        .is_none()
                    {
                        unknown.insert(code.clone());
                    }
                    touched.insert(code.clone());
                }
            }
            if !unknown.is_empty() {
                let unknown = unknown.into_iter().collect::<Vec<_>>().join(", ");
                return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                    format!(
                        "Kelurahan belum terdaftar: {unknown}. Impor berkas wilayah terlebih dahulu."
                    ),
                    format!(
                        "Kelurahan not registered yet: {unknown}. Import the region file first."
                    ),
                )));
            }
            for (code, number) in rts {
                if rt::Entity::find_by_id((code.clone(), *number))
                    .one(&tx)
                    .await?
                    .is_none()
                {
                    rt::ActiveModel {
                        kelurahan_code: Set(code.clone()),
                        number: Set(*number),
                    }
                    .insert(&tx)
                    .await?;
                    report.rt_added += 1;
                }
            }
            for code in touched {
                let count = rt::Entity::find()
                    .filter(rt::Column::KelurahanCode.eq(code.clone()))
                    .count(&tx)
                    .await?;
                kelurahan::ActiveModel {
                    code: Set(code),
                    rt_count: Set(Some(i32::try_from(count).unwrap_or(i32::MAX))),
                    ..Default::default()
                }
                .update(&tx)
                .await?;
            }
        }
    }
    if report.changed() {
        append(
            &tx,
            NewEvent::new(actor, "regions.imported", "regions", "samarinda").payload(
                serde_json::json!({
                    "kecamatan_added": report.kecamatan_added,
                    "kelurahan_added": report.kelurahan_added,
                    "renamed": report.renamed,
                    "rt_added": report.rt_added,
                }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// Loads the bundled Samarinda regions when the database has none yet.
///
/// # Errors
/// Storage failures; the bundled file itself is checked by a unit test.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<ImportReport>, ServiceError> {
    if kecamatan::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let file = crate::export::regions_csv::parse(
        include_bytes!("../../fixtures/regions_samarinda.csv").as_slice(),
    )
    .map_err(|e| anyhow::anyhow!("bundled regions file is invalid: {e}"))?;
    import(db, Actor::System, &file).await.map(Some)
}

/// How many kecamatan and kelurahan are loaded.
///
/// # Errors
/// Storage failures.
pub async fn counts(db: &DatabaseConnection) -> Result<(u64, u64), ServiceError> {
    use sea_orm::PaginatorTrait;
    Ok((
        kecamatan::Entity::find().count(db).await?,
        kelurahan::Entity::find().count(db).await?,
    ))
}

/// Every kelurahan by code, and every kecamatan's name by code: what a page
/// showing a kelurahan under its kecamatan looks up.
///
/// # Errors
/// Storage failures.
pub(crate) async fn kelurahan_and_kecamatan_by_code<C: ConnectionTrait>(
    db: &C,
) -> Result<(BTreeMap<String, kelurahan::Model>, BTreeMap<String, String>), DbErr> {
    let kels = kelurahan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code.clone(), k))
        .collect();
    let kecs = kecamatan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    Ok((kels, kecs))
}

/// Every kelurahan's name, by code.
///
/// # Errors
/// Storage failures.
pub(crate) async fn kelurahan_names<C: ConnectionTrait>(
    db: &C,
) -> Result<BTreeMap<String, String>, DbErr> {
    names_by_code(db, kelurahan::Entity::find()).await
}

/// The names of the kelurahan `codes`, by code.
///
/// # Errors
/// Storage failures.
pub(crate) async fn kelurahan_names_of<C: ConnectionTrait>(
    db: &C,
    codes: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, String>, DbErr> {
    names_by_code(
        db,
        kelurahan::Entity::find().filter(kelurahan::Column::Code.is_in(codes)),
    )
    .await
}

async fn names_by_code<C: ConnectionTrait>(
    db: &C,
    q: Select<kelurahan::Entity>,
) -> Result<BTreeMap<String, String>, DbErr> {
    Ok(q.all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect())
}

/// All kecamatan with their kelurahan, ordered by code.
///
/// # Errors
/// Storage failures.
pub async fn list(
    db: &DatabaseConnection,
) -> Result<Vec<(Kecamatan, Vec<Kelurahan>)>, ServiceError> {
    let kecs = kecamatan::Entity::find()
        .order_by_asc(kecamatan::Column::Code)
        .all(db)
        .await?;
    let kels = kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Code)
        .all(db)
        .await?;
    Ok(kecs
        .into_iter()
        .map(|k| {
            let children = kels
                .iter()
                .filter(|l| l.kecamatan_code == k.code)
                .map(|l| Kelurahan {
                    code: l.code.clone(),
                    kecamatan_code: l.kecamatan_code.clone(),
                    name: l.name.clone(),
                    rt_count: l.rt_count,
                })
                .collect();
            (
                Kecamatan {
                    code: k.code,
                    name: k.name,
                },
                children,
            )
        })
        .collect())
}
