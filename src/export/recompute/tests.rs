//! The README's worked examples, file for file, and what a change to them does.

use super::*;
use crate::export::round_csv::{SHORTLISTS, STAGES};

/// The README's worked example ("Auditing offline"), file for file.
fn example() -> Files {
    let round = "round_id,name,state,aggregation,passing_total,min_panelists,lottery_seed,final_rule\n\
                 r1,Contoh,final,mean,60,3,contoh,\n";
    let formations = "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n\
                      r1,F1,Pokmas Contoh,64.72.01.1001,all,1,1\n";
    let criteria = "round_id,code,name,weight,scale_min,scale_max,pass_min,tiebreak_order,kind,stage_code\n\
                    r1,K1,Wawancara,60,1,5,,1,panel,\n\
                    r1,K2,Tes tertulis,40,0,100,,,imported,\n";
    let mut scores = String::from(
        "round_id,registration_no,formation_code,panelist_id,criterion_code,value,version,submitted_at,latest,stage_code\n",
    );
    let panel = [
        ("R-001", [5, 4, 4]),
        ("R-002", [4, 4, 4]),
        ("R-003", [3, 3, 4]),
        ("R-004", [5, 5, 5]),
    ];
    for (no, values) in panel {
        for (p, v) in ["p1", "p2", "p3"].iter().zip(values) {
            let version = if (no, *p) == ("R-002", "p1") { 2 } else { 1 };
            scores.push_str(&format!(
                "r1,{no},F1,{p},K1,{v},{version},2026-03-02T01:00:00.000000Z,true,\n"
            ));
        }
    }
    // An amended scorecard: version 1 no longer counts.
    scores.push_str("r1,R-002,F1,p1,K1,2,1,2026-03-01T01:00:00.000000Z,false,\n");
    for (no, v) in [("R-001", 70), ("R-002", 82), ("R-003", 60), ("R-004", 45)] {
        scores.push_str(&format!(
            "r1,{no},F1,import,K2,{v},1,2026-03-01T00:00:00.000000Z,true,\n"
        ));
    }
    let rankings = "round_id,formation_code,kelurahan_code,rt,registration_no,eligibility,complete,total_exact,total,passed,rank,status,lottery_key,stage_code\n\
        r1,F1,64.72.01.1001,1,R-004,eligible,true,78/1,78.00,true,1,selected,304acf661aaf9aeda5dc0173e57ed49449dec77729a9e757c58e1ac308b9a16e,\n\
        r1,F1,64.72.01.1001,2,R-001,eligible,true,78/1,78.00,true,2,reserve,ddaa5aa34ed7f6a050e05210d172940ff6184c6fd1e76542c9164d4b8326ebba,\n\
        r1,F1,64.72.01.1001,1,R-002,eligible,true,389/5,77.80,true,3,not_selected,5b2bd7e96de49ff822c95a7009fbfa0910d6be0886b4cae7c5b69a99479d1102,\n\
        r1,F1,64.72.01.1001,3,R-003,eligible,true,59/1,59.00,false,,not_passed,3276a09c1302bbc1d661fb09a210018185b5b3db17dc4334d29ef730f37a697b,\n\
        r1,F1,64.72.01.1001,3,R-005,pending,false,,,,,,99f4a839c330c7f4e8b6aa23f727e831e2869f25e418f69a498166d34357111c,\n";
    Files {
        round: round.into(),
        formations: formations.into(),
        criteria: criteria.into(),
        scores: scores.into_bytes(),
        rankings: rankings.into(),
        stages: Some(STAGES.join(",").into_bytes()),
        shortlists: Some(SHORTLISTS.join(",").into_bytes()),
    }
}

/// `files` as an export from before stages wrote them: without the
/// appended stage columns and without `stages.csv` and `shortlists.csv`.
fn before_stages(files: Files) -> Files {
    let drop_last_column = |bytes: Vec<u8>| -> Vec<u8> {
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
            .collect::<String>()
            .into_bytes()
    };
    Files {
        round: drop_last_column(files.round),
        formations: files.formations,
        criteria: drop_last_column(files.criteria),
        scores: drop_last_column(files.scores),
        rankings: drop_last_column(files.rankings),
        stages: None,
        shortlists: None,
    }
}

#[test]
fn the_readme_worked_example_is_what_the_ranking_code_computes() {
    let report = recompute(&example()).unwrap();
    assert_eq!(report.disagreements, vec![]);
    assert_eq!((report.formations, report.applications), (1, 5));
    // The same files as written before the stage columns were appended.
    let report = recompute(&before_stages(example())).unwrap();
    assert_eq!(report.disagreements, vec![]);
}

#[test]
fn a_changed_score_moves_every_derived_field_and_each_is_reported() {
    let mut files = example();
    // p3 gave R-001 a 5 instead of a 4: 14/3 → n = 11/12 → total 83.
    let scores = String::from_utf8(files.scores).unwrap().replacen(
        "r1,R-001,F1,p3,K1,4,",
        "r1,R-001,F1,p3,K1,5,",
        1,
    );
    files.scores = scores.into_bytes();
    let report = recompute(&files).unwrap();
    let fields: Vec<(&str, &str, &str)> = report
        .disagreements
        .iter()
        .map(|d| (d.registration_no.as_str(), d.field, d.recomputed.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("R-001", "total_exact", "83/1"),
            ("R-001", "total", "83.00"),
            ("R-001", "rank", "1"),
            ("R-001", "status", "selected"),
            ("R-004", "rank", "2"),
            ("R-004", "status", "reserve"),
        ]
    );
}

#[test]
fn malformed_files_are_named_with_their_row() {
    let mut files = example();
    files.criteria = b"round_id,code\n".to_vec();
    let e = recompute(&files).unwrap_err();
    assert_eq!((e.file.as_str(), e.row), ("criteria.csv", 0));
    let mut files = example();
    files.rankings = String::from_utf8(files.rankings)
        .unwrap()
        .replacen("R-003,eligible", "R-003,maybe", 1)
        .into_bytes();
    let e = recompute(&files).unwrap_err();
    assert_eq!((e.file.as_str(), e.row), ("rankings.csv", 4));
    let mut files = example();
    files.scores = String::from_utf8(files.scores)
        .unwrap()
        .replacen("K2,70,", "K2,170,", 1)
        .into_bytes();
    assert!(
        recompute(&files)
            .unwrap_err()
            .msg
            .contains("outside its scale")
    );
}

/// The README's two-stage example ("Worked two-stage example"), file for
/// file, under the final rule `final_rule` (`last_stage` or `weighted`).
fn staged_example(final_rule: &str) -> Files {
    let round = format!(
        "round_id,name,state,aggregation,passing_total,min_panelists,lottery_seed,final_rule\n\
         r1,Contoh bertahap,final,mean,,1,contoh,{final_rule}\n"
    );
    let formations = "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n\
                      r1,F1,Pokmas Contoh,64.72.01.1001,all,1,1\n";
    let criteria = "round_id,code,name,weight,scale_min,scale_max,pass_min,tiebreak_order,kind,stage_code\n\
                    r1,T,Tes tertulis,100,0,100,,,imported,TERTULIS\n\
                    r1,I1,Wawancara: program,50,0,100,,1,panel,WAWANCARA\n\
                    r1,I2,Wawancara: komunikasi,50,0,100,,,panel,WAWANCARA\n";
    let (w1, w2) = if final_rule == "weighted" {
        ("40", "60")
    } else {
        ("", "")
    };
    let stages = format!(
        "round_id,position,code,name,scoring,advance_top_k,advance_passing_total,final_weight,shortlist_event_seq,shortlist_published_at,objection_ends_at\n\
         r1,1,TERTULIS,Tes tertulis,imported,2,50,{w1},17,2026-03-01T00:00:00.000000Z,2026-03-04T00:00:00.000000Z\n\
         r1,2,WAWANCARA,Wawancara,panel,,,{w2},,,\n"
    );
    let mut scores = String::from(
        "round_id,registration_no,formation_code,panelist_id,criterion_code,value,version,submitted_at,latest,stage_code\n",
    );
    for (no, v) in [
        ("R-001", 80),
        ("R-002", 70),
        ("R-003", 70),
        ("R-004", 65),
        ("R-005", 45),
    ] {
        scores.push_str(&format!(
            "r1,{no},F1,import,T,{v},1,2026-02-27T00:00:00.000000Z,true,TERTULIS\n"
        ));
    }
    for (no, i1, i2) in [("R-001", 70, 70), ("R-002", 60, 90), ("R-003", 80, 70)] {
        for (code, v) in [("I1", i1), ("I2", i2)] {
            scores.push_str(&format!(
                "r1,{no},F1,p1,{code},{v},1,2026-03-05T00:00:00.000000Z,true,WAWANCARA\n"
            ));
        }
    }
    let shortlists = "round_id,stage_code,formation_code,registration_no,advances,position,total_exact\n\
                      r1,TERTULIS,F1,R-001,true,1,80/1\n\
                      r1,TERTULIS,F1,R-002,true,2,70/1\n\
                      r1,TERTULIS,F1,R-003,true,2,70/1\n\
                      r1,TERTULIS,F1,R-004,false,4,65/1\n\
                      r1,TERTULIS,F1,R-005,false,,45/1\n\
                      r1,TERTULIS,F1,R-006,false,,\n";
    let finals: [&str; 3] = if final_rule == "weighted" {
        [
            "74/1,74.00,true,1,selected",
            "73/1,73.00,true,3,not_selected",
            "73/1,73.00,true,2,reserve",
        ]
    } else {
        [
            "70/1,70.00,true,3,not_selected",
            "75/1,75.00,true,2,reserve",
            "75/1,75.00,true,1,selected",
        ]
    };
    let key = |no: &str| crate::domain::lottery::LotteryKeys::new("contoh").key(no);
    let mut rankings = String::from(
        "round_id,formation_code,kelurahan_code,rt,registration_no,eligibility,complete,total_exact,total,passed,rank,status,lottery_key,stage_code\n",
    );
    for (no, tail) in ["R-001", "R-002", "R-003"].into_iter().zip(finals) {
        rankings.push_str(&format!(
            "r1,F1,64.72.01.1001,1,{no},eligible,true,{tail},{},WAWANCARA\n",
            key(no)
        ));
    }
    for (no, complete) in [("R-004", true), ("R-005", true), ("R-006", false)] {
        rankings.push_str(&format!(
            "r1,F1,64.72.01.1001,2,{no},eligible,{complete},,,false,,not_passed,{},TERTULIS\n",
            key(no)
        ));
    }
    Files {
        round: round.into_bytes(),
        formations: formations.into(),
        criteria: criteria.into(),
        scores: scores.into_bytes(),
        rankings: rankings.into_bytes(),
        stages: Some(stages.into_bytes()),
        shortlists: Some(shortlists.into()),
    }
}

fn replaced(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let out = text.replacen(from, to, 1);
    assert_ne!(out, text, "{from} not found");
    out.into_bytes()
}

fn found(report: &Report) -> Vec<(&str, &str, &str, &str, &str)> {
    report
        .disagreements
        .iter()
        .map(|d| {
            (
                d.registration_no.as_str(),
                d.stage.as_str(),
                d.field,
                d.exported.as_str(),
                d.recomputed.as_str(),
            )
        })
        .collect()
}

#[test]
fn the_readme_two_stage_example_recomputes_under_both_final_rules() {
    for rule in ["last_stage", "weighted"] {
        let report = recompute(&staged_example(rule)).unwrap();
        assert_eq!(report.disagreements, vec![], "{rule}");
        assert_eq!(
            (report.formations, report.applications, report.shortlists),
            (1, 6, 1)
        );
    }
    // The other rule's ranks are not these files' ranks.
    let mut files = staged_example("last_stage");
    files.round = staged_example("weighted").round;
    files.stages = staged_example("weighted").stages;
    let report = recompute(&files).unwrap();
    assert!(
        found(&report).contains(&("R-001", "", "rank", "3", "1")),
        "{report:?}"
    );
}

#[test]
fn a_changed_shortlist_or_stage_value_is_reported_with_its_stage() {
    // R-004 marked as going on: its total is below the cut total 70.
    let mut files = staged_example("last_stage");
    files.shortlists = Some(replaced(
        files.shortlists.as_deref().unwrap(),
        "R-004,false,4,",
        "R-004,true,4,",
    ));
    assert_eq!(
        found(&recompute(&files).unwrap()),
        [("R-004", "TERTULIS", "advances", "true", "false")]
    );

    // R-002's written test one point lower than the shortlist was decided
    // on: it falls below the cut, while the published gate still ranks it.
    let mut files = staged_example("last_stage");
    files.scores = replaced(
        &files.scores,
        "R-002,F1,import,T,70,",
        "R-002,F1,import,T,69,",
    );
    assert_eq!(
        found(&recompute(&files).unwrap()),
        [
            ("R-002", "TERTULIS", "total_exact", "70/1", "69/1"),
            ("R-002", "TERTULIS", "advances", "true", "false"),
            ("R-002", "TERTULIS", "position", "2", "3"),
        ]
    );

    // A value filed under another stage, and a rank's stage.
    let mut files = staged_example("last_stage");
    files.scores = replaced(
        &files.scores,
        "T,65,1,2026-02-27T00:00:00.000000Z,true,TERTULIS",
        "T,65,1,2026-02-27T00:00:00.000000Z,true,WAWANCARA",
    );
    let report = recompute(&files).unwrap();
    assert_eq!(
        found(&report),
        [(
            "R-004",
            "",
            "score_stage",
            "T in \"WAWANCARA\"",
            "T in \"TERTULIS\""
        )]
    );
    let mut files = staged_example("last_stage");
    let r005 = format!(
        "{},TERTULIS\n",
        crate::domain::lottery::LotteryKeys::new("contoh").key("R-005")
    );
    let moved = r005.replace("TERTULIS", "WAWANCARA");
    files.rankings = replaced(&files.rankings, &r005, &moved);
    assert_eq!(
        found(&recompute(&files).unwrap()),
        [("R-005", "", "stage_code", "WAWANCARA", "TERTULIS")]
    );
}

#[test]
fn a_shortlist_that_misses_a_candidate_or_lists_one_too_many_is_reported() {
    let mut files = staged_example("last_stage");
    files.shortlists = Some(replaced(
        files.shortlists.as_deref().unwrap(),
        "r1,TERTULIS,F1,R-006,false,,\n",
        "r1,TERTULIS,F1,R-009,false,,\n",
    ));
    assert_eq!(
        found(&recompute(&files).unwrap()),
        [
            ("R-006", "TERTULIS", "entry", "absent", "considered"),
            ("R-009", "TERTULIS", "entry", "listed", "not considered"),
        ]
    );
}

#[test]
fn a_round_file_with_the_programme_columns_recomputes_and_a_bad_domicile_rule_is_named() {
    let with_programme = |rule: &str| {
        let mut f = example();
        f.round = format!(
            "{}\nr1,Contoh,final,mean,60,3,contoh,,{rule},,,TPP,TPP,Tenaga Pendamping,facilitator\n",
            ROUND.join(",")
        )
        .into_bytes();
        f
    };
    let report = recompute(&with_programme("city")).unwrap();
    assert!(report.disagreements.is_empty(), "{report:?}");
    let e = recompute(&with_programme("rw")).unwrap_err();
    assert_eq!((e.file.as_str(), e.row), ("round.csv", 1));
    assert!(e.msg.contains("domicile_rule"), "{e}");
    // Both earlier widths still read: before the programme and before the stages.
    assert!(recompute(&example()).is_ok());
    let mut old = example();
    old.round = b"round_id,name,state,aggregation,passing_total,min_panelists,lottery_seed\n\
                  r1,Contoh,final,mean,60,3,contoh\n"
        .to_vec();
    assert!(recompute(&old).is_ok());
}
