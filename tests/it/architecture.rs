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

/// Views (under `src/views`) that still render a service's read model,
/// because it carries stored models (`round::Model`, `formation::Model`,
/// `audit_event::Model`, …) that need a view model or a domain type first.
/// The list only shrinks: a file leaves it once its view takes view models
/// or domain types, and [`the_views_exemptions_are_all_still_needed`] fails
/// for a file that no longer needs its place, so none is kept by mistake.
const VIEWS_STILL_ON_SERVICES: &[&str] = &[
    "after_final.rs",
    "applications/check.rs",
    "applications/form.rs",
    "applications/mod.rs",
    "applications/receipt.rs",
    "applications/status.rs",
    "imports.rs",
    "lottery.rs",
    "panels.rs",
    "results.rs",
    "rounds/criteria.rs",
    "rounds/formations.rs",
    "rounds/mod.rs",
    "rounds/programme.rs",
    "rounds/public.rs",
    "rounds/requirements.rs",
    "rounds/settings.rs",
    "scoring.rs",
    "stages.rs",
    "trail/browser.rs",
    "trail/events.rs",
    "trail/history.rs",
    "trail/mod.rs",
];

/// Whether a line of `file` (relative to `src/<layer>`) that names a
/// forbidden path is one of the temporary exemptions above.
fn exempt(layer: &str, file: &str, code: &str) -> bool {
    layer == "views"
        && !code.contains("crate::db")
        && !code.contains("sea_orm::")
        && VIEWS_STILL_ON_SERVICES.contains(&file)
}

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

/// `file`'s path under `dir`, with `/` between folders.
fn relative(dir: &Path, file: &Path) -> String {
    file.strip_prefix(dir)
        .expect("under the layer's folder")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
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
            let rel = relative(&src.join(layer), &f);
            for (line, code) in naming(&text, forbidden) {
                if !exempt(layer, &rel, &code) {
                    problems.push(format!("{}:{line}: {code}", f.display()));
                }
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
fn the_views_exemptions_are_all_still_needed() {
    let views = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/views");
    let stale: Vec<&str> = VIEWS_STILL_ON_SERVICES
        .iter()
        .copied()
        .filter(|file| {
            let text = std::fs::read_to_string(views.join(file)).unwrap_or_default();
            naming(&text, &["crate::services"]).is_empty()
        })
        .collect();
    assert!(
        stale.is_empty(),
        "these views no longer import services; remove them from VIEWS_STILL_ON_SERVICES: {stale:?}"
    );
}

#[test]
fn only_the_listed_views_are_exempt_and_only_from_services() {
    assert!(!exempt(
        "views",
        "tlog.rs",
        "use crate::services::tlog::CheckpointLink;"
    ));
    assert!(!exempt(
        "web",
        "forms.rs",
        "use crate::services::rounds::FormData;"
    ));
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
