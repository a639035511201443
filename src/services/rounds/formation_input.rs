//! Formations as typed input: one RT group to add, and new seats and
//! reserve for many formations; read from a form's text or taken as the
//! JSON API sends them, and checked by the same rules before any
//! transaction begins.

use std::collections::BTreeSet;

use super::form::{Bounded, merged, text_len};
use super::*;

const SEATS: Bounded = Bounded::new("seats", 1, 1000, ("Kursi", "Seats"));
const RESERVE: Bounded = Bounded::new("reserve", 0, 1000, ("Cadangan", "Reserve"));

/// A formation to add, as submitted: the whole kelurahan (`rts` = `all`) or
/// RT numbers joined by `;`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = FormationBody)]
pub struct FormationInput {
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub rts: String,
    #[schema(minimum = 1, maximum = 1000)]
    pub seats: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub reserve: Option<i64>,
}

/// Parses the RT-group form (`code`, `name`, `kelurahan_code`, `rts`,
/// `seats`, `reserve`), then checks it as typed input.
///
/// # Errors
/// A message per bad field, text that is no whole number included.
pub fn parse_formation(f: &FormData) -> Result<FormationDraft, FieldErrors> {
    let mut errs = FieldErrors::new();
    let input = FormationInput {
        code: f.get("code").to_owned(),
        name: f.get("name").to_owned(),
        kelurahan_code: f.get("kelurahan_code").to_owned(),
        rts: f.get("rts").to_owned(),
        // Unreadable seats are refused here; the stand-in only lets the
        // other fields be checked too.
        seats: SEATS.read_required(&mut errs, f).map_or(1, i64::from),
        reserve: RESERVE.read(&mut errs, f).map(i64::from),
    };
    let checked = check_formation(&input);
    merged(errs, checked)
}

/// Checks a formation to add: code and name lengths, a kelurahan, the RTs
/// and the seats (1–1000) and reserve (0–1000, none: 0).
///
/// # Errors
/// A message per bad field.
pub fn check_formation(input: &FormationInput) -> Result<FormationDraft, FieldErrors> {
    let mut errs = FieldErrors::new();
    let code = text_len(
        &mut errs,
        "code",
        input.code.trim(),
        1,
        40,
        ("Kode formasi", "The formation code"),
    );
    let name = text_len(
        &mut errs,
        "name",
        input.name.trim(),
        3,
        120,
        ("Nama formasi", "The formation name"),
    );
    let kelurahan_code = input.kelurahan_code.trim().to_owned();
    if kelurahan_code.is_empty() {
        errs.insert(
            "kelurahan_code".into(),
            Msg::new("Pilih kelurahan.", "Choose a kelurahan."),
        );
    }
    let rts = RtSet::parse(input.rts.trim())
        .map_err(|m| errs.insert("rts".into(), m))
        .ok();
    let seats = SEATS.check_wide(&mut errs, input.seats);
    let reserve = RESERVE.check_wide(&mut errs, input.reserve.unwrap_or(0));
    match (rts, seats, reserve) {
        (Some(rts), Some(seats), Some(reserve)) if errs.is_empty() => Ok(FormationDraft {
            code,
            name,
            kelurahan_code,
            rts,
            seats,
            reserve,
        }),
        _ => Err(errs),
    }
}

/// New seats and reserve of one formation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct SeatsItem {
    pub formation_id: Uuid,
    /// Checked for every item, also one naming no formation of the round
    /// (which is then left alone), so the range is part of the schema.
    #[schema(minimum = 1, maximum = 1000)]
    pub seats: i32,
    #[schema(minimum = 0, maximum = 1000)]
    pub reserve: i32,
}

/// Reads the seats form: `seats_{formation_id}` and
/// `reserve_{formation_id}`; a formation with both empty stays as it is.
///
/// # Errors
/// A message per bad field (either of a formation's two fields left empty
/// included).
pub fn parse_seats(f: &FormData) -> Result<Vec<SeatsItem>, FieldErrors> {
    let ids: BTreeSet<Uuid> =
        f.0.keys()
            .filter_map(|k| {
                k.strip_prefix("seats_")
                    .or_else(|| k.strip_prefix("reserve_"))
            })
            .filter_map(|id| id.parse().ok())
            .collect();
    let mut errs = FieldErrors::new();
    let mut items = Vec::new();
    for id in ids {
        let (sk, rk) = (format!("seats_{id}"), format!("reserve_{id}"));
        if f.get(&sk).is_empty() && f.get(&rk).is_empty() {
            continue;
        }
        let seats = SEATS.read_field(&mut errs, &sk, f.get(&sk));
        let reserve = RESERVE.read_field(&mut errs, &rk, f.get(&rk));
        if let (Some(seats), Some(reserve)) = (seats, reserve) {
            items.push(SeatsItem {
                formation_id: id,
                seats,
                reserve,
            });
        }
    }
    let checked = check_seats(&items);
    merged(errs, checked)
}

/// Checks new seats (1–1000) and reserve (0–1000); a refusal names the
/// field as the form does (`seats_{formation_id}`).
///
/// # Errors
/// A message per bad field.
pub fn check_seats(items: &[SeatsItem]) -> Result<Vec<SeatsItem>, FieldErrors> {
    let mut errs = FieldErrors::new();
    for i in items {
        let id = i.formation_id;
        SEATS.check_field(&mut errs, &format!("seats_{id}"), i.seats);
        RESERVE.check_field(&mut errs, &format!("reserve_{id}"), i.reserve);
    }
    if errs.is_empty() {
        Ok(items.to_vec())
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_beyond_a_whole_number_are_refused_with_the_range() {
        let errs = check_formation(&FormationInput {
            code: "F1".into(),
            name: "RT 1–3".into(),
            kelurahan_code: "64.72.01.1001".into(),
            rts: "1;2;3".into(),
            seats: 5_000_000_000,
            reserve: Some(-1),
        })
        .expect_err("refused");
        assert_eq!(errs["seats"].en, "Seats must be a whole number 1–1000.");
        assert_eq!(errs["reserve"].en, "Reserve must be a whole number 0–1000.");
    }

    #[test]
    fn the_seats_form_refuses_a_half_filled_row_and_skips_an_empty_one() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let f = FormData::from_pairs(vec![
            (format!("seats_{a}"), String::new()),
            (format!("reserve_{a}"), "2".into()),
            (format!("seats_{b}"), String::new()),
            (format!("reserve_{b}"), " ".into()),
            (format!("seats_{c}"), "4".into()),
            (format!("reserve_{c}"), "1".into()),
        ]);
        let errs = parse_seats(&f).expect_err("a's seats are missing");
        assert_eq!(errs.keys().collect::<Vec<_>>(), [&format!("seats_{a}")]);
        let f = FormData::from_pairs(vec![
            (format!("seats_{c}"), "4".into()),
            (format!("reserve_{c}"), "1".into()),
            (format!("seats_{b}"), "0".into()),
            (format!("reserve_{b}"), "1".into()),
        ]);
        let errs = parse_seats(&f).expect_err("b has no seat");
        assert_eq!(
            errs[&format!("seats_{b}")].en,
            "Seats must be a whole number 1–1000."
        );
        let f = FormData::from_pairs(vec![
            (format!("seats_{c}"), "4".into()),
            (format!("reserve_{c}"), "1".into()),
        ]);
        assert_eq!(
            parse_seats(&f).expect("valid"),
            [SeatsItem {
                formation_id: c,
                seats: 4,
                reserve: 1
            }]
        );
    }
}
