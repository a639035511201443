//! The table of audit events the trail browser and an application's
//! history both show, each event linked to its subject.

use maud::{Markup, html};
use uuid::Uuid;

use super::{BASE, at_wita};
use crate::domain::trail_read::TrailEvent;
use crate::views::layout::{PageCtx, urlencode};

/// The link to what an event is about: the application history when it
/// concerns an application, the round's workspace page for a round, else
/// the trail filtered to the same subject.
pub fn subject_href(e: &TrailEvent) -> String {
    if let Some(no) = e.registration_no.as_deref().filter(|n| !n.is_empty()) {
        return format!("{BASE}/pendaftaran/{}", urlencode(no));
    }
    match e.subject_type.as_str() {
        "application" => format!("{BASE}/pendaftaran/{}", urlencode(&e.subject_id)),
        "round" if e.subject_id.parse::<Uuid>().is_ok() => {
            format!("{BASE}/seleksi/{}", e.subject_id)
        }
        "formation" => format!("{BASE}/jejak?formation={}", urlencode(&e.subject_id)),
        _ => format!(
            "{BASE}/jejak?subject_type={}&subject_id={}",
            urlencode(&e.subject_type),
            urlencode(&e.subject_id)
        ),
    }
}

/// Who acted, as a link to their events (and, for a panelist, their scorecards).
fn actor_cell(
    ctx: &PageCtx,
    e: &TrailEvent,
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    let name = names.get(&e.actor).cloned();
    html! {
        a href=(format!("{BASE}/jejak?actor={}", urlencode(&e.actor))) {
            @if let Some(n) = &name { (n) } @else { code { (e.actor) } }
        }
        br;
        span.muted { (e.actor_role) }
        @if e.actor_role == "panelist" {
            " · " a href=(format!("{BASE}/penilai/{}", urlencode(&e.actor))) { (ctx.t("lembar nilai", "scorecards")) }
        }
    }
}

/// A payload as a readable list of its fields.
fn payload(text: &str) -> Markup {
    let parsed: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(text).ok();
    html! {
        @match parsed {
            Some(map) if map.is_empty() => {}
            Some(map) => {
                dl.payload {
                    @for (k, v) in &map {
                        dt { (k) }
                        dd {
                            @match v {
                                serde_json::Value::String(s) => { (s) }
                                serde_json::Value::Number(n) => { (n.to_string()) }
                                other => { code { (other.to_string()) } }
                            }
                        }
                    }
                }
            }
            None => { code { (text) } }
        }
    }
}

fn event_row(
    ctx: &PageCtx,
    e: &TrailEvent,
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    html! {
        tr id=(format!("e{}", e.seq)) {
            td.num { (e.seq) }
            td { (at_wita(&e.at)) }
            td { (actor_cell(ctx, e, names)) }
            td {
                a href=(format!("{BASE}/jejak?action={}", urlencode(&e.action))) { code { (e.action) } }
                br;
                a.subject href=(subject_href(e)) {
                    (e.subject_type) " "
                    @if let Some(no) = &e.registration_no { (no) } @else { code { (e.subject_id) } }
                }
            }
            td {
                (payload(&e.payload))
                @if !e.reason.is_empty() {
                    p { strong { (ctx.t("Alasan", "Reason")) ": " } bdi { (e.reason) } }
                }
            }
        }
    }
}

pub(super) fn events_table(
    ctx: &PageCtx,
    events: &[TrailEvent],
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    html! {
        table.trail {
            thead { tr {
                th.num { "seq" }
                th { (ctx.t("Waktu (WITA)", "Time (WITA)")) }
                th { (ctx.t("Pelaku", "Actor")) }
                th { (ctx.t("Aksi / subjek", "Action / subject")) }
                th { (ctx.t("Isi", "Payload")) }
            } }
            tbody { @for e in events { (event_row(ctx, e, names)) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(subject_type: &str, subject_id: &str, regno: Option<&str>) -> TrailEvent {
        TrailEvent {
            seq: 7,
            at: "2026-12-01T00:30:00.000000Z".into(),
            actor: "system".into(),
            actor_role: "system".into(),
            action: "x.y".into(),
            subject_type: subject_type.into(),
            subject_id: subject_id.into(),
            round_id: String::new(),
            payload: r#"{"a":"<b>"}"#.into(),
            reason: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
            registration_no: regno.map(str::to_owned),
            kelurahan_code: None,
        }
    }

    #[test]
    fn every_event_links_to_its_subject() {
        let id = Uuid::nil().to_string();
        assert_eq!(
            subject_href(&event("scorecard", "x", Some("2026-1-0001"))),
            "/audit/pendaftaran/2026-1-0001"
        );
        assert_eq!(
            subject_href(&event("round", &id, None)),
            format!("/audit/seleksi/{id}")
        );
        assert_eq!(
            subject_href(&event("account", "a&b", None)),
            "/audit/jejak?subject_type=account&subject_id=a%26b"
        );
    }

    #[test]
    fn payload_values_are_escaped_and_times_shown_in_wita() {
        let html = payload(&event("x", "y", None).payload).into_string();
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
        assert_eq!(
            at_wita("2026-12-01T00:30:00.000000Z"),
            "2026-12-01 08:30 WITA"
        );
    }
}
