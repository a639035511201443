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

/// `module::function` for each public service function whose return type
/// names a stored `Model`, under every module name it can be reached by
/// (a file's folder re-exports it); and the public service structs with a
/// field holding one.
fn stored_model_services(src: &Path) -> (Vec<String>, Vec<String>) {
    let mut files = Vec::new();
    rust_files(&src.join("services"), &mut files);
    let (mut fns, mut structs) = (Vec::new(), Vec::new());
    for f in files {
        let rel = f
            .strip_prefix(src.join("services"))
            .expect("under services");
        let mods: Vec<String> = rel
            .with_extension("")
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|p| p != "mod")
            .collect();
        let text = std::fs::read_to_string(&f).expect("read");
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(i) = rest.find("fn ") {
            let head = &rest[..i];
            let sig_start = &rest[i + 3..];
            rest = sig_start;
            let public = head
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim_start().starts_with("pub"));
            let name: String = sig_start
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let sig = sig_start.split('{').next().unwrap_or_default();
            let returns_model = sig
                .split_once("->")
                .is_some_and(|(_, ret)| !naming(ret, &["Model"]).is_empty());
            if public && returns_model && !name.is_empty() {
                fns.extend(mods.iter().map(|m| format!("{m}::{name}")));
            }
        }
        let mut current = None;
        for line in code.lines() {
            if let Some(i) = line.find("pub struct ") {
                current = Some(
                    line[i + 11..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>(),
                );
            } else if line.starts_with('}') {
                current = None;
            }
            // A field: `pub name: Type,`.
            let is_field = line.trim_start().strip_prefix("pub ").is_some_and(|f| {
                f.split_once(": ")
                    .is_some_and(|(name, _)| name.chars().all(|c| c.is_alphanumeric() || c == '_'))
            });
            if is_field && !naming(line, &["Model"]).is_empty() {
                structs.extend(current.clone());
            }
        }
    }
    (fns, structs)
}

/// Lines of a web or views file that call one of `fns` (also through an
/// alias such as `use crate::services::applications::{self as svc}`) or
/// name one of `structs`.
fn holding_stored_models(source: &str, fns: &[String], structs: &[String]) -> Vec<(usize, String)> {
    let mut aliases: Vec<(String, String)> = Vec::new();
    for line in source.lines() {
        let Some(path) = line.trim().strip_prefix("use crate::services::") else {
            continue;
        };
        let (path, alias) = match (path.split_once("::{self as "), path.split_once(" as ")) {
            (Some((p, a)), _) | (None, Some((p, a))) => (p, a),
            _ => continue,
        };
        let alias: String = alias
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let module = path.rsplit("::").next().unwrap_or(path).to_owned();
        aliases.push((alias, module));
    }
    let calls: Vec<String> = fns
        .iter()
        .flat_map(|f| {
            let (module, name) = f.split_once("::").expect("module::name");
            // `public::f(` means another module where `public` is an alias.
            let shadowed = aliases.iter().any(|(a, m)| a == module && m != module);
            let mut out: Vec<String> = (!shadowed).then(|| format!("{f}(")).into_iter().collect();
            out.extend(
                aliases
                    .iter()
                    .filter(|(_, m)| m == module)
                    .map(|(a, _)| format!("{a}::{name}(")),
            );
            out
        })
        .collect();
    let calls: Vec<&str> = calls.iter().map(String::as_str).collect();
    let structs: Vec<&str> = structs.iter().map(String::as_str).collect();
    let mut out = naming(source, &calls);
    out.extend(source.lines().enumerate().filter_map(|(n, line)| {
        let code = line.split("//").next().unwrap_or_default();
        let whole_word = structs.iter().any(|s| {
            code.match_indices(s).any(|(i, _)| {
                let after = code[i + s.len()..].chars().next();
                !code[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        });
        whole_word.then(|| (n + 1, line.to_owned()))
    }));
    out
}

/// A handler or page never holds a stored row, not even one a service
/// hands over without the handler naming `db`: every service function the
/// web calls answers domain records or read models.
#[test]
fn no_handler_or_page_receives_a_stored_model_from_a_service() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (fns, structs) = stored_model_services(&src);
    assert!(
        fns.iter().any(|f| f == "rounds::round_by_slug"),
        "the scan finds service functions answering a stored model: {fns:?}"
    );
    let mut problems = Vec::new();
    for layer in ["web", "views"] {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            for (line, code) in holding_stored_models(&text, &fns, &structs) {
                problems.push(format!("{}:{line}: {code}", f.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "a handler or page gets a stored model from a service (answer a domain record):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_stored_model_check_follows_aliases() {
    let fns = vec!["applications::published_round".to_owned()];
    let aliased = "use crate::services::applications::{self as svc, StartDraft};\n\
                   let r = svc::published_round(&app.db, slug).await?;";
    assert_eq!(holding_stored_models(aliased, &fns, &[]).len(), 1);
    let other = "use crate::services::results as svc;\n\
                 let r = svc::published_round(&app.db, slug).await?;";
    assert_eq!(holding_stored_models(other, &fns, &[]).len(), 0);
    let held = ["ApplicationView".to_owned()];
    assert_eq!(
        holding_stored_models("fn f(v: &ApplicationView) {}", &[], &held).len(),
        1
    );
    assert_eq!(
        holding_stored_models("fn f(v: &ApplicationViewer) {}", &[], &held).len(),
        0
    );
}
