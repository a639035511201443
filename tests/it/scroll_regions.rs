//! Tables that must scroll sideways on a phone say so and can be reached by
//! keyboard: every scroll region written in a view is a focusable, labelled
//! region with the hint right above it (the pages' own tests and the axe
//! crawl check the pages; this check also covers pages the demo never
//! shows, such as a staged round's settings).

use std::path::{Path, PathBuf};

fn view_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/views") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            view_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The scroll regions of `source` that are not focusable and labelled, or
/// have no hint on the line above: `(line, text)`.
fn unannounced(source: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut bad = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if !t.starts_with("div.scroll") || t.starts_with("div.scroll-") {
            continue;
        }
        let focusable = t.contains(r#"tabindex="0" role="region" aria-label="#);
        let hinted = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.contains("scroll::hint(") || l.contains("p.scroll-hint"));
        if !(focusable && hinted) {
            bad.push((i + 1, (*line).to_owned()));
        }
    }
    bad
}

#[test]
fn every_scroll_region_in_the_views_is_focusable_labelled_and_announced() {
    let mut files = Vec::new();
    view_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/views"),
        &mut files,
    );
    let mut bad = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("read");
        for (n, line) in unannounced(&source) {
            bad.push(format!("{}:{n}: {}", file.display(), line.trim()));
        }
    }
    assert!(
        bad.is_empty(),
        "scroll regions without keyboard access or hint: {bad:#?}"
    );
}

#[test]
fn the_check_catches_a_bare_region_and_one_without_its_hint() {
    let bare = "html! {\n    div.scroll {\n        table {}\n    }\n}";
    assert_eq!(unannounced(bare).len(), 1);
    let unhinted =
        "h2 { \"x\" }\ndiv.scroll tabindex=\"0\" role=\"region\" aria-label=(l) { table {} }";
    assert_eq!(unannounced(unhinted).len(), 1);
    let good = "(super::scroll::hint(ctx))\ndiv.scroll tabindex=\"0\" role=\"region\" aria-label=(l) { table {} }";
    assert!(unannounced(good).is_empty());
}
