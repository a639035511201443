//! Open statistics of a round: how many applied, were eligible, invited,
//! attended and selected, per kecamatan and kelurahan, by sex and age band.
//! Anyone may read them; counts from 1 to 4 are hidden (see
//! [`crate::domain::open_stats`]). "Selected" counts only once results are
//! published.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{application, ranking, test_invitation};
use crate::domain::application::ApplicationState;
use crate::domain::open_stats::{Breakdown, Shown, protect};

pub use crate::domain::open_stats::{GROUPS, RoundStats, STAGES, StatsRow};

/// The age bands (age on the day the application was submitted).
pub const AGE_BANDS: [(&str, u8, u8); 5] = [
    ("age_under_30", 0, 29),
    ("age_30_39", 30, 39),
    ("age_40_49", 40, 49),
    ("age_50_59", 50, 59),
    ("age_60_plus", 60, u8::MAX),
];

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    total: u64,
    male: u64,
    female: u64,
    age: [u64; 5],
}

impl Counts {
    fn add(&mut self, male: bool, female: bool, band: Option<usize>) {
        self.total += 1;
        self.male += u64::from(male);
        self.female += u64::from(female);
        if let Some(b) = band {
            self.age[b] += 1;
        }
    }

    /// Total, male, female, then the age bands: the columns of [`GROUPS`].
    fn cells(&self) -> [u64; 8] {
        let [a0, a1, a2, a3, a4] = self.age;
        [self.total, self.male, self.female, a0, a1, a2, a3, a4]
    }
}

/// What may be published of each row, stage by stage, given the rows' raw
/// counts and which rows add up to which (`(total row, part rows)`).
fn protect_rows(raw: &[[Counts; 5]], hierarchy: &[(usize, Vec<usize>)]) -> Vec<[[Shown; 8]; 5]> {
    let sums = sums_of(raw.len(), hierarchy);
    let mut out = vec![[[Shown::Count(0); 8]; 5]; raw.len()];
    for stage in 0..STAGES.len() {
        let values: Vec<u64> = raw.iter().flat_map(|c| c[stage].cells()).collect();
        let shown = protect(&values, &sums);
        for (r, row) in out.iter_mut().enumerate() {
            row[stage].copy_from_slice(&shown[r * 8..r * 8 + 8]);
        }
    }
    out
}

/// Every sum one stage's table publishes, over cells `row * 8 + group`: sex
/// and age within each row, then each group column down the hierarchy
/// (`(total row, part rows)`), so no hidden count follows from the others.
fn sums_of(rows: usize, hierarchy: &[(usize, Vec<usize>)]) -> Vec<Breakdown> {
    let mut sums = vec![];
    for r in 0..rows {
        let cell = |g: usize| r * 8 + g;
        sums.push(Breakdown {
            total: cell(0),
            parts: vec![cell(1), cell(2)],
        });
        sums.push(Breakdown {
            total: cell(0),
            parts: (3..8).map(cell).collect(),
        });
    }
    for (total, parts) in hierarchy {
        for g in 0..8 {
            sums.push(Breakdown {
                total: total * 8 + g,
                parts: parts.iter().map(|p| p * 8 + g).collect(),
            });
        }
    }
    sums
}

fn age_band(birth: Option<Date>, on: Date) -> Option<usize> {
    let b = birth?;
    let mut age = on.year() - b.year();
    if (on.month() as u8, on.day()) < (b.month() as u8, b.day()) {
        age -= 1;
    }
    let age = u8::try_from(age.max(0)).unwrap_or(u8::MAX);
    AGE_BANDS
        .iter()
        .position(|(_, lo, hi)| (*lo..=*hi).contains(&age))
}

/// The statistics of a published round (drafts answer `NotFound`).
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn round_stats(
    db: &DatabaseConnection,
    vault: &crate::pii::NikVault,
    slug: &str,
) -> Result<RoundStats, ServiceError> {
    let r = crate::db::rounds::public_by_slug(db, slug)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let published = r.state.is_published();
    let apps = application::Entity::find()
        .filter(application::Column::RoundId.eq(r.id))
        .filter(application::Column::SubmittedAt.is_not_null())
        .all(db)
        .await?;
    // The birth dates are under each application's data key: opened in one
    // batch, used for the age bands only.
    let births: BTreeMap<Uuid, Date> =
        crate::services::data_keys::personal_of_many(db, vault, &apps)
            .await
            .map_err(ServiceError::Internal)?
            .into_iter()
            .filter_map(|(id, p)| p.birth_date.map(|d| (id, d)))
            .collect();
    let invitations: BTreeMap<Uuid, Option<String>> = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.is_in(apps.iter().map(|a| a.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.application_id, i.attendance))
        .collect();
    let selected: std::collections::BTreeSet<Uuid> = if published {
        ranking::Entity::find()
            .filter(ranking::Column::RoundId.eq(r.id))
            .filter(ranking::Column::Published.eq(true))
            .filter(ranking::Column::Status.eq("selected"))
            .all(db)
            .await?
            .into_iter()
            .map(|x| x.application_id)
            .collect()
    } else {
        std::collections::BTreeSet::new()
    };
    // (kecamatan code, kelurahan code) → per stage counts.
    let mut by_kel: BTreeMap<String, [Counts; 5]> = BTreeMap::new();
    for a in &apps {
        let Some(code) = a.kelurahan_code.clone() else {
            continue;
        };
        let on = a
            .submitted_at
            .unwrap_or_else(OffsetDateTime::now_utc)
            .to_offset(crate::domain::round::WITA)
            .date();
        let band = age_band(births.get(&a.id).copied(), on);
        let male = a.sex == "male";
        let female = a.sex == "female";
        let inv = invitations.get(&a.id);
        let reached = [
            true,
            a.state == ApplicationState::Eligible,
            inv.is_some(),
            inv.is_some_and(|att| att.as_deref() == Some("present")),
            selected.contains(&a.id),
        ];
        let entry = by_kel.entry(code).or_default();
        for (stage, hit) in reached.iter().enumerate() {
            if *hit {
                entry[stage].add(male, female, band);
            }
        }
    }
    let (kels, kecs) = crate::services::regions::kelurahan_and_kecamatan_by_code(db).await?;
    let merge = |into: &mut [Counts; 5], from: &[Counts; 5]| {
        for (i, c) in from.iter().enumerate() {
            into[i].total += c.total;
            into[i].male += c.male;
            into[i].female += c.female;
            for b in 0..5 {
                into[i].age[b] += c.age[b];
            }
        }
    };
    // Grouped by kecamatan name, kelurahan by name.
    let mut grouped: BTreeMap<String, Vec<(String, String, [Counts; 5])>> = BTreeMap::new();
    let mut city = [Counts::default(); 5];
    for (code, counts) in &by_kel {
        merge(&mut city, counts);
        let (kec, name) = kels.get(code).map_or_else(
            || (String::new(), code.clone()),
            |k| {
                (
                    kecs.get(&k.kecamatan_code).cloned().unwrap_or_default(),
                    k.name.clone(),
                )
            },
        );
        grouped
            .entry(kec)
            .or_default()
            .push((code.clone(), name, *counts));
    }
    let mut rows = vec![StatsRow {
        level: "city",
        kecamatan: String::new(),
        kelurahan_code: String::new(),
        kelurahan: String::new(),
        counts: [[Shown::Count(0); 8]; 5],
    }];
    // Raw counts beside the rows, and which rows add up to which.
    let mut raw = vec![city];
    let mut kecamatan_sums: Vec<(usize, Vec<usize>)> = vec![];
    let mut city_parts = vec![];
    for (kec, mut list) in grouped {
        list.sort_by(|a, b| a.1.cmp(&b.1));
        let mut total = [Counts::default(); 5];
        for (_, _, c) in &list {
            merge(&mut total, c);
        }
        let k = rows.len();
        city_parts.push(k);
        rows.push(StatsRow {
            level: "kecamatan",
            kecamatan: kec.clone(),
            kelurahan_code: String::new(),
            kelurahan: String::new(),
            counts: [[Shown::Count(0); 8]; 5],
        });
        raw.push(total);
        let mut kels = vec![];
        for (code, name, c) in list {
            kels.push(rows.len());
            rows.push(StatsRow {
                level: "kelurahan",
                kecamatan: kec.clone(),
                kelurahan_code: code,
                kelurahan: name,
                counts: [[Shown::Count(0); 8]; 5],
            });
            raw.push(c);
        }
        kecamatan_sums.push((k, kels));
    }
    kecamatan_sums.push((0, city_parts));
    for (row, shown) in rows.iter_mut().zip(protect_rows(&raw, &kecamatan_sums)) {
        row.counts = shown;
    }
    Ok(RoundStats {
        round_name: r.name,
        round_slug: r.slug,
        year: r.year,
        results_published: published,
        rows,
    })
}

/// The statistics as CSV, one count per line:
/// `level,kecamatan,kelurahan_code,kelurahan,stage,group,count`, where a
/// hidden count reads `<5`.
///
/// # Errors
/// Only when the CSV writer fails (it writes to memory).
pub fn to_csv(stats: &RoundStats) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "level",
        "kecamatan",
        "kelurahan_code",
        "kelurahan",
        "stage",
        "group",
        "count",
    ])?;
    for row in &stats.rows {
        for (s, (stage, _, _)) in STAGES.iter().enumerate() {
            for (g, group) in GROUPS.iter().enumerate() {
                w.write_record([
                    row.level,
                    &row.kecamatan,
                    &row.kelurahan_code,
                    &row.kelurahan,
                    stage,
                    group,
                    &row.counts[s][g].label(),
                ])?;
            }
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_age_band_counts_the_birthday() {
        assert_eq!(
            age_band(Some(date!(1996 - 12 - 02)), date!(2026 - 12 - 01)),
            Some(0)
        );
        assert_eq!(
            age_band(Some(date!(1996 - 12 - 01)), date!(2026 - 12 - 01)),
            Some(1)
        );
        assert_eq!(
            age_band(Some(date!(1950 - 01 - 01)), date!(2026 - 12 - 01)),
            Some(4)
        );
        assert_eq!(age_band(None, date!(2026 - 12 - 01)), None);
    }

    fn applied(total: u64) -> [Counts; 5] {
        let mut c = [Counts::default(); 5];
        c[0].total = total;
        c
    }

    #[test]
    fn a_hidden_kelurahan_does_not_follow_from_its_kecamatan_or_the_city() {
        // City 45 = kecamatan 25 (kelurahan 3 + 10 + 12) + kecamatan 20.
        let raw = [
            applied(45),
            applied(25),
            applied(3),
            applied(10),
            applied(12),
            applied(20),
            applied(20),
        ];
        let hierarchy = [(1, vec![2, 3, 4]), (5, vec![6]), (0, vec![1, 5])];
        let shown = protect_rows(&raw, &hierarchy);
        let total = |r: usize| shown[r][0][0];
        assert_eq!(total(2), Shown::Suppressed, "3 is a small count");
        assert_eq!(
            total(3),
            Shown::Suppressed,
            "25 − 12 − 10 would give the 3 back"
        );
        assert_eq!(total(4), Shown::Count(12));
        assert_eq!(total(0), Shown::Count(45));
    }
}
