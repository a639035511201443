//! The layers point one way: domain ← services ← web/views, with storage
//! (`db`) only under services. The domain stays pure, so the rules an
//! auditor re-computes do not depend on the web server, the database or the
//! mail system; handlers and views never reach storage; services never know
//! the web.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/domain") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Names a pure module must never mention as a path.
const FORBIDDEN: [&str; 6] = ["axum", "sea_orm", "lettre", "tokio", "tower", "sqlx"];

fn offending_lines(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or_default();
            FORBIDDEN.iter().any(|name| {
                code.match_indices(name).any(|(i, _)| {
                    let before = code[..i].chars().next_back();
                    let after = &code[i + name.len()..];
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        && after.starts_with("::")
                })
            })
        })
        .map(|(n, l)| (n + 1, l.to_owned()))
        .collect()
}

#[test]
fn domain_code_imports_no_web_database_or_mail_framework() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() >= 5, "src/domain holds the domain modules");
    let mut problems = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("read");
        for (line, text) in offending_lines(&src) {
            problems.push(format!("{}:{line}: {text}", f.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "src/domain must stay pure:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_purity_check_catches_imports_and_paths() {
    assert_eq!(offending_lines("use sea_orm::EntityTrait;").len(), 1);
    assert_eq!(offending_lines("    let x = tokio::spawn(f);").len(), 1);
    assert_eq!(
        offending_lines("use crate::domain::lang::Lang; // not axum::Router").len(),
        0
    );
    assert_eq!(offending_lines("let my_tokio::x = 1;").len(), 0);
}

/// Paths a layer must never name, by folder under `src/`.
const DIRECTIONS: [(&str, &[&str]); 4] = [
    (
        "domain",
        &[
            "crate::db",
            "crate::services",
            "crate::web",
            "crate::views",
            "crate::mail",
            "crate::app",
            "crate::error",
        ],
    ),
    ("views", &["crate::db", "sea_orm::", "crate::services"]),
    ("web", &["crate::db", "sea_orm::"]),
    (
        "services",
        &["crate::web", "crate::views", "crate::error", "AppError"],
    ),
];

/// Lines of `source` that name one of `forbidden` outside a comment.
fn naming(source: &str, forbidden: &[&str]) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or_default();
            forbidden.iter().any(|f| {
                code.match_indices(f).any(|(i, _)| {
                    !code[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
        })
        .map(|(n, l)| (n + 1, l.to_owned()))
        .collect()
}

#[test]
fn every_layer_points_only_inwards() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (layer, forbidden) in DIRECTIONS {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer} holds modules");
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            for (line, code) in naming(&text, forbidden) {
                problems.push(format!("{}:{line}: {code}", f.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "a layer reaches outwards (domain ← services ← web/views; db only under services):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_direction_check_catches_paths_but_not_comments_or_longer_names() {
    let web = ["crate::db", "sea_orm::"];
    assert_eq!(naming("use crate::db::entities::round;", &web).len(), 1);
    assert_eq!(
        naming("    let r = sea_orm::EntityTrait::find();", &web).len(),
        1
    );
    assert_eq!(naming("// reads crate::db through services", &web).len(), 0);
    assert_eq!(naming("use my_crate::db::x;", &web).len(), 0);
}

#[test]
fn the_direction_check_catches_a_view_naming_a_service_type() {
    let views = ["crate::db", "sea_orm::", "crate::services"];
    assert_eq!(
        naming(
            "    pub record: crate::services::breaches::BreachRecord,",
            &views
        )
        .len(),
        1
    );
}
