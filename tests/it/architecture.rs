//! The domain stays pure: the rules an auditor re-computes must not depend on
//! the web server, the database or the mail system.

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
    lines_naming(source, &FORBIDDEN)
}

/// Lines whose code (not comment) uses one of `names` as a path root.
fn lines_naming(source: &str, names: &[&str]) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or_default();
            names.iter().any(|name| {
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

/// The JSON API parses and calls services, like the HTML handlers: no file
/// of src/web/api reaches the database or its models itself.
#[test]
fn the_json_api_names_no_database_or_stored_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/api");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() >= 10, "src/web/api holds the API modules");
    let mut problems = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("read");
        for (line, text) in lines_naming(&src, &["sea_orm", "sqlx", "db"]) {
            problems.push(format!("{}:{line}: {text}", f.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "src/web/api goes through services:\n{}",
        problems.join("\n")
    );
}
