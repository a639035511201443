//! Unit tests of the round lifecycle, schedule, parsers and frozen rules.

use super::*;
use time::macros::datetime;

fn full_schedule() -> Schedule {
    Schedule {
        registration_opens_at: Some(datetime!(2027-01-06 00:00 UTC)),
        registration_closes_at: Some(datetime!(2027-01-13 16:00 UTC)),
        verification_ends_at: Some(datetime!(2027-01-27 16:00 UTC)),
        assessment_starts_at: Some(datetime!(2027-02-15 00:00 UTC)),
        assessment_ends_at: Some(datetime!(2027-02-17 16:00 UTC)),
        provisional_at: Some(datetime!(2027-02-20 00:00 UTC)),
        objection_ends_at: Some(datetime!(2027-02-23 16:00 UTC)),
        final_at: Some(datetime!(2027-03-07 00:00 UTC)),
    }
}

#[test]
fn states_round_trip_and_follow_the_published_line() {
    for s in RoundState::LINE.into_iter().chain([RoundState::Cancelled]) {
        assert_eq!(RoundState::parse(s.as_str()), Some(s));
    }
    assert_eq!(RoundState::parse("open"), None);
    assert_eq!(RoundState::Draft.next(), Some(RoundState::Registration));
    assert_eq!(RoundState::Final.next(), None);
    assert_eq!(RoundState::Cancelled.next(), None);
    assert!(RoundState::Draft.is_editable());
    // Which state opens which door, one column per rule:
    // before close, verifying, before assessment, scores change, recusal.
    use RoundState as S;
    let table = [
        (S::Draft, [true, false, true, false, false]),
        (S::Registration, [true, true, true, false, false]),
        (S::Verification, [false, true, true, false, true]),
        (S::Assessment, [false, false, false, true, true]),
        (S::Provisional, [false, false, false, true, true]),
        (S::Objection, [false, false, false, true, true]),
        (S::Final, [false, false, false, false, false]),
        (S::Cancelled, [false, false, false, false, false]),
    ];
    for (s, want) in table {
        let got = [
            s.before_registration_closes(),
            s.is_verifying(),
            s.before_assessment(),
            s.scores_may_change(),
            s.recusal_open(),
        ];
        assert_eq!(got, want, "{s}");
    }
    assert!(!RoundState::Registration.is_editable());
}

#[test]
fn registration_opens_only_with_a_full_ordered_schedule_before_it_closes() {
    let s = full_schedule();
    let before = datetime!(2027-01-01 00:00 UTC);
    assert_eq!(
        check_transition(RoundState::Draft, RoundState::Registration, &s, before),
        Ok(())
    );
    let mut partial = s;
    partial.final_at = None;
    let err = check_transition(
        RoundState::Draft,
        RoundState::Registration,
        &partial,
        before,
    )
    .expect_err("incomplete");
    assert!(err.id.contains("Pengumuman hasil akhir"), "{}", err.id);
    let after_close = datetime!(2027-01-14 00:00 UTC);
    let err = check_transition(RoundState::Draft, RoundState::Registration, &s, after_close)
        .expect_err("too late");
    assert!(err.id.starts_with("Sudah lewat"), "{}", err.id);
    assert!(err.en.contains("Too late"));
}

#[test]
fn each_later_step_waits_for_its_date() {
    let s = full_schedule();
    let at = |t: OffsetDateTime, from, to| check_transition(from, to, &s, t);
    use RoundState::*;
    assert!(at(datetime!(2027-01-13 15:59 UTC), Registration, Verification).is_err());
    assert!(at(datetime!(2027-01-13 16:00 UTC), Registration, Verification).is_ok());
    assert!(at(datetime!(2027-02-14 23:59 UTC), Verification, Assessment).is_err());
    assert!(at(datetime!(2027-02-15 00:00 UTC), Verification, Assessment).is_ok());
    assert!(at(datetime!(2027-02-19 00:00 UTC), Assessment, Provisional).is_err());
    assert!(at(datetime!(2027-02-20 00:00 UTC), Assessment, Provisional).is_ok());
    assert!(at(datetime!(2027-02-21 00:00 UTC), Provisional, Objection).is_ok());
    assert!(at(datetime!(2027-02-24 00:00 UTC), Provisional, Objection).is_err());
    assert!(at(datetime!(2027-02-23 15:00 UTC), Objection, Final).is_err());
    assert!(at(datetime!(2027-02-23 16:00 UTC), Objection, Final).is_ok());
}

#[test]
fn steps_out_of_order_are_refused_with_the_expected_next_step() {
    let s = full_schedule();
    let now = datetime!(2027-03-10 00:00 UTC);
    let err =
        check_transition(RoundState::Draft, RoundState::Assessment, &s, now).expect_err("skip");
    assert!(err.id.contains("«Pendaftaran dibuka»"), "{}", err.id);
    assert!(err.en.contains("the next step is «Registration open»"));
    assert!(check_transition(RoundState::Verification, RoundState::Registration, &s, now).is_err());
    assert!(check_transition(RoundState::Final, RoundState::Draft, &s, now).is_err());
}

#[test]
fn cancelling_is_possible_until_final() {
    let s = Schedule::default();
    let now = datetime!(2027-03-10 00:00 UTC);
    for from in RoundState::LINE {
        let res = check_transition(from, RoundState::Cancelled, &s, now);
        assert_eq!(res.is_ok(), from != RoundState::Final, "{from}");
    }
    assert!(check_transition(RoundState::Cancelled, RoundState::Cancelled, &s, now).is_err());
}

#[test]
fn dates_out_of_order_name_the_offending_milestone() {
    let mut s = full_schedule();
    assert_eq!(s.check_order(), Ok(()));
    s.registration_closes_at = s.registration_opens_at;
    let (m, msg) = s.check_order().expect_err("equal");
    assert_eq!(m, Milestone::RegistrationCloses);
    assert!(
        msg.id.contains("harus sesudah «Pendaftaran dibuka»"),
        "{}",
        msg.id
    );
    let mut s = full_schedule();
    s.verification_ends_at = Some(datetime!(2027-01-01 00:00 UTC));
    assert_eq!(
        s.check_order().map_err(|e| e.0),
        Err(Milestone::VerificationEnds)
    );
    // Equal is fine where no period needs a length.
    let mut s = full_schedule();
    s.verification_ends_at = s.registration_closes_at;
    assert_eq!(s.check_order(), Ok(()));
    // Unset dates are skipped while drafting.
    let partial = Schedule {
        registration_opens_at: Some(datetime!(2027-01-06 00:00 UTC)),
        final_at: Some(datetime!(2027-03-07 00:00 UTC)),
        ..Schedule::default()
    };
    assert_eq!(partial.check_order(), Ok(()));
    assert!(partial.check_complete().is_err());
}

#[test]
fn times_are_typed_and_shown_in_wita() {
    let at = parse_wita("2027-01-06T08:00").expect("ok").expect("some");
    assert_eq!(at, datetime!(2027-01-06 00:00 UTC));
    assert_eq!(input_wita(at), "2027-01-06T08:00");
    assert_eq!(format_wita(at), "2027-01-06 08:00 WITA");
    assert_eq!(parse_wita("  "), Ok(None));
    assert!(parse_wita("6 Januari").is_err());
}

#[test]
fn slugs_are_ascii_and_end_with_the_year_once() {
    assert_eq!(
        slugify("Rekrutmen Pokmas 2027", 2027),
        "rekrutmen-pokmas-2027"
    );
    assert_eq!(
        slugify("  Seleksi  Pokmas — Kelurahan Bugis! ", 2027),
        "seleksi-pokmas-kelurahan-bugis-2027"
    );
    assert_eq!(slugify("Ñandú café", 2026), "nandu-cafe-2026");
    assert_eq!(slugify("", 2026), "2026");
    assert!(slugify(&"x".repeat(200), 2026).len() <= 80);
}

proptest::proptest! {
    #[test]
    fn any_name_gives_a_clean_slug_ending_with_the_year(name in "\\PC{0,60}", year in 2020i32..2100) {
        let slug = slugify(&name, year);
        proptest::prop_assert!(slug.len() <= 80);
        proptest::prop_assert!(slug.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())), "{}", slug);
        proptest::prop_assert!(slug.ends_with(&year.to_string()) || slug.len() == 80);
    }

    #[test]
    fn rt_lists_round_trip(mut rts in proptest::collection::btree_set(1i32..500, 1..40)) {
        let list: Vec<i32> = std::mem::take(&mut rts).into_iter().rev().collect();
        let text = list.iter().map(i32::to_string).collect::<Vec<_>>().join(";");
        let parsed = RtSet::parse(&text).expect("valid");
        proptest::prop_assert_eq!(RtSet::parse(&parsed.to_csv()).expect("again"), parsed);
    }

    #[test]
    fn a_schedule_built_in_order_always_passes(gaps in proptest::collection::vec(1i64..1000, 8)) {
        let mut s = Schedule::default();
        let mut at = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        for (m, gap) in Milestone::ALL.into_iter().zip(gaps) {
            at += time::Duration::hours(gap);
            s.set(m, Some(at));
        }
        proptest::prop_assert_eq!(s.check_complete(), Ok(()));
    }
}

#[test]
fn rt_lists_parse_the_csv_spelling() {
    assert_eq!(RtSet::parse("all"), Ok(RtSet::All));
    assert_eq!(RtSet::parse("3;1; 012"), Ok(RtSet::Some(vec![1, 3, 12])));
    assert_eq!(RtSet::Some(vec![1, 3, 12]).to_csv(), "1;3;12");
    assert!(RtSet::parse("1;1").is_err());
    assert!(RtSet::parse("0").is_err());
    assert!(RtSet::parse("a").is_err());
    assert!(RtSet::parse("").is_err());
}

#[test]
fn scale_labels_need_every_point_on_short_scales() {
    let ok = parse_scale_labels(
        "1 = Sangat kurang | Very poor\n2=Kurang\n3 = Cukup | Adequate",
        1,
        3,
    )
    .expect("ok");
    assert_eq!(ok[&2].en, "Kurang");
    let back = parse_scale_labels(&format_scale_labels(&ok), 1, 3).expect("round trip");
    assert_eq!(back, ok);
    assert_eq!(scale_labels_from_json(&scale_labels_json(&ok)), ok);
    assert!(parse_scale_labels("1 = a\n3 = c", 1, 3).is_err());
    assert!(parse_scale_labels("1 = a\n2 = b\n3 = c\n4 = d", 1, 3).is_err());
    assert!(parse_scale_labels("satu = a", 1, 3).is_err());
    assert!(parse_scale_labels("0 = Tidak hadir\n100 = Sempurna", 0, 100).is_ok());
}

#[test]
fn the_weight_message_says_what_is_missing() {
    assert_eq!(weight_shortfall(100), None);
    assert_eq!(
        weight_shortfall(85).map(|m| m.id),
        Some("Total bobot 85; kurang 15.".into())
    );
    assert_eq!(
        weight_shortfall(110).map(|m| m.en),
        Some("Weights total 110; 10 too many.".into())
    );
}

fn sample_rules() -> FrozenRules {
    let mut labels = BTreeMap::new();
    labels.insert(
        1,
        PointLabel {
            id: "Kurang".into(),
            en: "Poor".into(),
        },
    );
    labels.insert(
        2,
        PointLabel {
            id: "Baik".into(),
            en: "Good".into(),
        },
    );
    FrozenRules {
        round_id: "5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7".into(),
        settings: FrozenSettings {
            aggregation: "mean".into(),
            passing_total: Some(60),
            min_panelists: 3,
            age_min: Some(21),
            age_max: None,
            publish_all_names: false,
            programme: crate::domain::programme::Programme::default(),
            domicile_rule: crate::domain::programme::DomicileRule::Rt,
        },
        criteria: vec![FrozenCriterion {
            code: "K1".into(),
            name_id: "Integritas".into(),
            name_en: "Integrity".into(),
            description_id: String::new(),
            description_en: String::new(),
            kind: "panel".into(),
            scale_min: 1,
            scale_max: 2,
            weight: 100,
            pass_min: None,
            tiebreak_order: Some(1),
            position: 1,
            scale_labels: labels,
            stage: None,
        }],
        requirements: vec![FrozenRequirement {
            code: "KTP".into(),
            kind: "document".into(),
            text_id: "Pindaian KTP".into(),
            text_en: "KTP scan".into(),
            params: String::new(),
            mandatory: true,
            position: 1,
        }],
        formations: vec![FrozenFormation {
            code: "64.72.09.1004".into(),
            name: "Bugis".into(),
            kelurahan_code: "64.72.09.1004".into(),
            all_rts: true,
            rts: vec![2, 1],
            seats: 5,
            reserve: 2,
        }],
        stages: Vec::new(),
        final_rule: None,
    }
}

#[test]
fn the_frozen_canonical_text_and_hash_are_pinned() {
    let rules = sample_rules();
    let text = rules.canonical_text().expect("canonical");
    assert_eq!(
        text,
        concat!(
            r#"{"criteria":[{"code":"K1","description_en":"","description_id":"","kind":"panel","#,
            r#""name_en":"Integrity","name_id":"Integritas","pass_min":"","position":1,"#,
            r#""scale_labels":{"1":{"en":"Poor","id":"Kurang"},"2":{"en":"Good","id":"Baik"}},"#,
            r#""scale_max":2,"scale_min":1,"tiebreak_order":1,"weight":100}],"#,
            r#""format":"pokmas-frozen-rules/1","#,
            r#""formations":[{"all_rts":"yes","code":"64.72.09.1004","kelurahan_code":"64.72.09.1004","#,
            r#""name":"Bugis","reserve":2,"rts":[1,2],"seats":5}],"#,
            r#""requirements":[{"code":"KTP","kind":"document","mandatory":"yes","params":"","#,
            r#""position":1,"text_en":"KTP scan","text_id":"Pindaian KTP"}],"#,
            r#""round_id":"5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7","#,
            r#""settings":{"age_max":"","age_min":21,"aggregation":"mean","min_panelists":3,"passing_total":60}}"#
        )
    );
    assert_eq!(rules.hash().expect("hash"), sha256_hex(&text));
    assert_eq!(
        rules.hash().expect("hash"),
        "2be0c6014bf611a7e32430432cfff98333fcb9c4b8769deab9d730bf98fcce39"
    );
}

#[test]
fn any_change_of_a_frozen_value_changes_the_hash() {
    let base = sample_rules().hash().expect("hash");
    let mut r = sample_rules();
    r.formations[0].seats = 6;
    assert_ne!(r.hash().expect("hash"), base);
    let mut r = sample_rules();
    r.criteria[0].scale_labels.clear();
    assert_ne!(r.hash().expect("hash"), base);
    let mut r = sample_rules();
    r.requirements[0].mandatory = false;
    assert_ne!(r.hash().expect("hash"), base);
    // Naming every applicant in public is a frozen rule too; off, it is
    // absent from the object, so the pinned hash above holds.
    let mut r = sample_rules();
    r.settings.publish_all_names = true;
    assert_ne!(r.hash().expect("hash"), base);
    assert!(
        r.canonical_text()
            .expect("canonical")
            .contains(r#""publish_all_names":"yes""#)
    );
    // So are the programme's names and the domicile rule, absent while
    // they are the defaults (the pinned hash above holds).
    let mut r = sample_rules();
    r.settings.programme.group_id = "TPP".into();
    assert_ne!(r.hash().expect("hash"), base);
    assert!(
        r.canonical_text()
            .expect("canonical")
            .contains(r#""programme":{"group_en":"Pokmas","group_id":"TPP","#)
    );
    let mut r = sample_rules();
    r.settings.domicile_rule = crate::domain::programme::DomicileRule::City;
    assert_ne!(r.hash().expect("hash"), base);
    assert!(
        r.canonical_text()
            .expect("canonical")
            .contains(r#""domicile_rule":"city""#)
    );
    // Listing order does not matter: the form sorts.
    let mut r = sample_rules();
    r.formations[0].rts = vec![1, 2];
    assert_eq!(r.hash().expect("hash"), base);
}

#[test]
fn the_worked_example_adds_up_exactly() {
    let ex = worked_example(&[("K1".into(), 60, 1, 5), ("K2".into(), 40, 1, 5)]);
    // A: 4 and 4 → 60·3/4 + 40·3/4 = 75. B: 5 and 3 → 60 + 20 = 80.
    assert_eq!(ex.lines[0].values, [4, 5]);
    assert_eq!(ex.lines[1].values, [4, 3]);
    assert_eq!(ex.totals, ["75/1".to_string(), "80/1".to_string()]);
    assert_eq!(ex.totals_2dp, ["75.00".to_string(), "80.00".to_string()]);
    assert_eq!(ex.first, Some(1));
    let ex = worked_example(&[("T".into(), 100, 0, 100), ("W".into(), 0, 1, 3)]);
    assert_eq!(ex.lines[0].values, [75, 100]);
}
