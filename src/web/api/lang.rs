//! The language of an API answer: `Accept-Language` picks Bahasa Indonesia
//! (the default) or English for every message, refusals included.
//!
//! Error bodies are built in `IntoResponse`, which never sees the request,
//! so the choice travels in a task-local set around each API handler.

use axum::extract::Request;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::lang::Lang;
use crate::domain::msg::Msg;

tokio::task_local! {
    static LANG: Lang;
}

/// The language the current API request asked for (Indonesian outside one).
#[must_use]
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// `m` in the current API request's language.
#[must_use]
pub fn pick(m: &Msg) -> String {
    m.pick(current()).to_owned()
}

/// The preferred of Indonesian and English in an `Accept-Language` value
/// (`en-GB,en;q=0.9,id;q=0.8`): the highest weight wins, the first on a tie;
/// neither named means Indonesian.
#[must_use]
pub fn from_accept_language(value: &str) -> Lang {
    let mut best: Option<(u16, Lang)> = None;
    for part in value.split(',') {
        let mut bits = part.split(';');
        let tag = bits.next().unwrap_or_default().trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(lang) = Lang::from_code(primary) else {
            continue;
        };
        // Weights in thousandths, so no floating point is compared.
        let q = bits
            .find_map(|b| b.trim().strip_prefix("q="))
            .map_or(1000, thousandths);
        if q > 0 && best.is_none_or(|(w, _)| q > w) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

/// `0.8` → 800; anything unreadable counts as 0 (not acceptable).
fn thousandths(q: &str) -> u16 {
    let (whole, frac) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    match (whole.parse::<u16>(), frac.parse::<u16>()) {
        (Ok(1), _) => 1000,
        (Ok(0), Ok(f)) => f,
        _ => 0,
    }
}

/// Runs an API handler with the language its request asked for.
pub async fn scope(req: Request, next: Next) -> Response {
    let lang = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(from_accept_language)
        .unwrap_or_default();
    LANG.scope(lang, next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_decide_and_unknown_languages_are_skipped() {
        assert_eq!(from_accept_language("en"), Lang::En);
        assert_eq!(from_accept_language("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(from_accept_language("fr, id;q=0.5, en;q=0.4"), Lang::Id);
        assert_eq!(from_accept_language("id;q=0.3, en-US;q=0.7"), Lang::En);
        assert_eq!(from_accept_language("en;q=0, id"), Lang::Id);
        assert_eq!(from_accept_language("fr"), Lang::Id);
        assert_eq!(from_accept_language(""), Lang::Id);
    }
}
