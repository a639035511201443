//! The checks of a scorecard's values and comments against the criteria
//! and the panel.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::db::entities::criterion;
use crate::services::ServiceError;

/// Panel criterion values keyed by criterion code.
pub type Values = BTreeMap<String, i32>;

/// A value outside `c`'s scale, said with the criterion's name so the
/// panelist finds the field.
pub(super) fn off_scale(c: &criterion::Model) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(
        format!(
            "Nilai {} ({}) harus antara {} dan {}.",
            c.name_id, c.code, c.scale_min, c.scale_max
        ),
        format!(
            "The value of {} ({}) must be between {} and {}.",
            c.name_en, c.code, c.scale_min, c.scale_max
        ),
    ))
}

/// A value for a criterion the panel does not score.
pub(super) fn not_panel(code: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(
        format!("Kriteria {code} tidak dinilai oleh tim penilai."),
        format!("Criterion {code} is not scored by the panel."),
    ))
}

pub(super) fn check_values(
    criteria: &[criterion::Model],
    values: &Values,
) -> Result<Vec<(Uuid, String, i32)>, ServiceError> {
    let criteria: Vec<&criterion::Model> = criteria.iter().filter(|c| c.kind == "panel").collect();
    // Every missing value is named at once, so a partial sheet is completed in one go.
    let missing: Vec<&&criterion::Model> = criteria
        .iter()
        .filter(|c| !values.contains_key(&c.code))
        .collect();
    let names = |en: bool| {
        missing
            .iter()
            .map(|c| format!("{} ({})", if en { &c.name_en } else { &c.name_id }, c.code))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match missing.len() {
        0 => {}
        1 => {
            return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Nilai {} wajib diisi.", names(false)),
                format!("The value of {} is required.", names(true)),
            )));
        }
        n => {
            return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Nilai {n} kriteria belum diisi: {}.", names(false)),
                format!("{n} criteria have no value yet: {}.", names(true)),
            )));
        }
    }
    let mut out = Vec::new();
    for c in &criteria {
        let Some(v) = values.get(&c.code).copied() else {
            continue;
        };
        if v < c.scale_min || v > c.scale_max {
            return Err(off_scale(c));
        }
        out.push((c.id, c.code.clone(), v));
    }
    if let Some(extra) = values
        .keys()
        .find(|k| !criteria.iter().any(|c| &c.code == *k))
    {
        return Err(not_panel(extra));
    }
    Ok(out)
}

/// Optional comments per criterion code, stored with a submitted version.
pub type Comments = BTreeMap<String, String>;

/// Most characters of one criterion comment.
pub const COMMENT_MAX_CHARS: usize = 1000;

pub(super) fn check_comments(comments: &Comments) -> Result<(), ServiceError> {
    if comments
        .values()
        .any(|c| c.trim().chars().count() > COMMENT_MAX_CHARS)
    {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!("Catatan per kriteria paling banyak {COMMENT_MAX_CHARS} karakter."),
            format!("A criterion note may be at most {COMMENT_MAX_CHARS} characters."),
        )));
    }
    Ok(())
}
