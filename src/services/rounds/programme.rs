//! What a round recruits for (the programme, the group and a member as its
//! texts name them) and where its applicants must live: set while the round
//! is a draft, frozen with the other rules.

use super::*;
use crate::domain::programme::{DomicileRule, Programme};

pub use crate::domain::programme::{PROGRAMME_FIELDS, ProgrammeSettings};

impl ProgrammeSettings {
    /// The settings stored on a round.
    pub fn of(r: &Round) -> ProgrammeSettings {
        ProgrammeSettings {
            programme: r.programme(),
            domicile_rule: r.domicile_rule(),
        }
    }

    /// Parses the programme form: `programme_id`, `programme_en`,
    /// `group_id`, `group_en`, `member_id`, `member_en` and `domicile_rule`
    /// (`rt` | `kelurahan` | `city`).
    ///
    /// # Errors
    /// A message per bad field.
    pub fn parse(f: &FormData) -> Result<ProgrammeSettings, FieldErrors> {
        Self::from_fields(|name| f.get(name))
    }

    /// Checks the programme settings given as text by field name (the
    /// form's fields, or the JSON body's members of the same names).
    ///
    /// # Errors
    /// A message per bad field.
    pub fn from_fields<'a>(
        field: impl Fn(&str) -> &'a str,
    ) -> Result<ProgrammeSettings, FieldErrors> {
        let mut errs = FieldErrors::new();
        let mut texts: BTreeMap<&str, String> = BTreeMap::new();
        for (name, id, en, min, max) in PROGRAMME_FIELDS {
            let v = text_len(&mut errs, name, field(name).trim(), min, max, (id, en));
            if !crate::domain::text::plain_text(&v, false) {
                errs.insert(
                    name.to_owned(),
                    Msg::new(
                        format!("{id} tidak boleh berisi karakter kendali."),
                        format!("{en} may not hold control characters."),
                    ),
                );
            }
            texts.insert(name, v);
        }
        let domicile_rule = match DomicileRule::parse(field("domicile_rule").trim()) {
            Some(r) => r,
            None => {
                errs.insert(
                    "domicile_rule".into(),
                    Msg::new(
                        "Pilih aturan domisili: RT, kelurahan atau kota.",
                        "Choose the domicile rule: RT, kelurahan or city.",
                    ),
                );
                DomicileRule::Rt
            }
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        let mut t = |k: &str| texts.remove(k).unwrap_or_default();
        Ok(ProgrammeSettings {
            programme: Programme {
                programme_id: t("programme_id"),
                programme_en: t("programme_en"),
                group_id: t("group_id"),
                group_en: t("group_en"),
                member_id: t("member_id"),
                member_en: t("member_en"),
            },
            domicile_rule,
        })
    }

    /// The form values of these settings, e.g. to fill the form.
    pub fn form_values(&self) -> FormData {
        let p = &self.programme;
        FormData::from_pairs(
            [
                ("programme_id", &p.programme_id),
                ("programme_en", &p.programme_en),
                ("group_id", &p.group_id),
                ("group_en", &p.group_en),
                ("member_id", &p.member_id),
                ("member_en", &p.member_en),
                ("domicile_rule", &self.domicile_rule.as_str().to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect(),
        )
    }

    pub(super) fn payload(&self) -> serde_json::Value {
        let p = &self.programme;
        serde_json::json!({
            "programme_id": p.programme_id,
            "programme_en": p.programme_en,
            "group_id": p.group_id,
            "group_en": p.group_en,
            "member_id": p.member_id,
            "member_en": p.member_en,
            "domicile_rule": self.domicile_rule.as_str(),
        })
    }

    pub(super) fn apply(&self, m: &mut round::ActiveModel) {
        let p = &self.programme;
        m.programme_id = Set(p.programme_id.clone());
        m.programme_en = Set(p.programme_en.clone());
        m.group_id = Set(p.group_id.clone());
        m.group_en = Set(p.group_en.clone());
        m.member_id = Set(p.member_id.clone());
        m.member_en = Set(p.member_en.clone());
        m.domicile_rule = Set(self.domicile_rule.as_str().to_owned());
    }
}

/// Changes a draft round's programme texts and domicile rule
/// (`round.updated` with `"source": "programme"`).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` when the round is frozen; storage failures.
pub async fn set_programme(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    s: &ProgrammeSettings,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let mut m = round::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    s.apply(&mut m);
    m.update(&tx).await?;
    let mut payload = s.payload();
    payload["source"] = serde_json::json!("programme");
    append(
        &tx,
        NewEvent::new(actor, "round.updated", "round", id.to_string())
            .round(id)
            .payload(payload),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rounds::form;

    #[test]
    fn the_programme_form_reads_back_what_it_shows() {
        let s = ProgrammeSettings {
            programme: Programme {
                group_id: "TPP".into(),
                ..Programme::default()
            },
            domicile_rule: DomicileRule::City,
        };
        assert_eq!(ProgrammeSettings::parse(&s.form_values()), Ok(s));
    }

    #[test]
    fn the_programme_form_names_each_bad_field() {
        let errs = ProgrammeSettings::parse(&form(&[
            ("group_id", ""),
            ("member_id", "x"),
            ("domicile_rule", "rw"),
        ]))
        .unwrap_err();
        for k in [
            "group_id",
            "group_en",
            "member_id",
            "member_en",
            "domicile_rule",
        ] {
            assert!(errs.contains_key(k), "{k}: {errs:?}");
        }
        assert!(!errs.contains_key("programme_id"));
    }
}
