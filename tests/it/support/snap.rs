//! Snapshots of what users and auditors read: volatile parts (ids, dates,
//! times, hashes, form tokens) replaced by placeholders before insta compares,
//! so a snapshot changes only when the wording or the columns do.
//!
//! The redaction is applied here with `regex` rather than insta's `filters`
//! feature, which would pull in a crate this build does not otherwise need.

use std::sync::LazyLock;

use regex::Regex;

/// `(pattern, placeholder)`, applied in order: the longest shapes first, so a
/// timestamp is one `[datetime]` rather than a date and a time.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"\b[0-9a-f]{32,}\b", "[hash]"),
        (r#"name="csrf" value="[^"]*""#, r#"name="csrf" value="[csrf]""#),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?",
            "[datetime]",
        ),
        (r"\b\d{4}-\d{2}-\d{2}\b", "[date]"),
        (
            r"\b\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember|January|February|March|May|June|July|August|October|December) \d{4}\b",
            "[date]",
        ),
        (r"\b\d{2}:\d{2}( WITA)?\b", "[time]"),
        (r"\b\d{2}\.\d{2} WITA\b", "[time]"),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("redaction pattern"), r))
    .collect()
});

/// `text` with its volatile parts replaced by placeholders.
pub fn redacted(text: &str) -> String {
    RULES.iter().fold(text.to_owned(), |t, (re, to)| {
        re.replace_all(&t, *to).into_owned()
    })
}

/// An HTML fragment redacted, one tag to a line so a change shows as a
/// readable diff.
pub fn html(fragment: &str) -> String {
    redacted(fragment).replace("><", ">\n<")
}

/// Refuses to run where a changed snapshot would be accepted unseen: in CI
/// (`CI` set, as insta reads it) insta's default (`INSTA_UPDATE=auto`) writes
/// nothing and fails the assertion, but `INSTA_UPDATE=always` or `force`
/// would overwrite the `.snap` file and pass, and `INSTA_FORCE_PASS` would
/// pass without comparing.
pub fn guard_ci() {
    let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
    if !ci {
        return;
    }
    let update = std::env::var("INSTA_UPDATE").unwrap_or_default();
    assert!(
        !matches!(update.as_str(), "always" | "1" | "force" | "unseen"),
        "INSTA_UPDATE={update} in CI would accept a changed snapshot without review"
    );
    assert!(
        std::env::var_os("INSTA_FORCE_PASS").is_none(),
        "INSTA_FORCE_PASS in CI would pass a changed snapshot"
    );
}

/// The first line of a CSV file (its header).
pub fn header(csv: &str) -> &str {
    csv.lines().next().unwrap_or_default()
}

/// The element that starts at the first `start` in `html` up to and
/// including the `close` that ends it (the first one after it: fine for
/// elements that do not nest their own kind).
pub fn fragment<'a>(html: &'a str, start: &str, close: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in: {html}"));
    let at = html[..at]
        .rfind('<')
        .filter(|_| !start.starts_with('<'))
        .unwrap_or(at);
    let end = html[at..]
        .find(close)
        .unwrap_or_else(|| panic!("no {close} after {start}"))
        + at
        + close.len();
    &html[at..end]
}
