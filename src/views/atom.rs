//! The Atom feed of announcements, written by `atom_syndication` (which
//! escapes every value through its XML writer).

use std::str::FromStr;

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::information::AnnouncementItem;
use crate::domain::markdown;

/// What the feed is about: its title and its own and alternate addresses.
#[derive(Clone, Debug)]
pub struct FeedMeta {
    /// The public base URL without a trailing slash.
    pub base_url: String,
    pub title: String,
    /// The feed's own path with query, e.g. `/informasi/feed.atom?kelurahan=…`.
    pub self_path: String,
    /// The page showing the same announcements.
    pub alternate_path: String,
}

fn stamp(t: OffsetDateTime) -> FixedDateTime {
    t.format(&Rfc3339)
        .ok()
        .and_then(|s| FixedDateTime::from_str(&s).ok())
        .unwrap_or_default()
}

/// The feed document.
#[must_use]
pub fn feed(meta: &FeedMeta, items: &[AnnouncementItem], now: OffsetDateTime) -> String {
    let base = meta.base_url.trim_end_matches('/');
    let mut feed = Feed::default();
    feed.set_title(Text::plain(meta.title.clone()));
    feed.set_id(format!("{base}{}", meta.self_path));
    feed.set_lang(Some("id".to_owned()));
    feed.set_updated(stamp(
        items.iter().map(|i| i.updated_at).max().unwrap_or(now),
    ));
    feed.set_authors(vec![Person {
        name: "Pemerintah Kota Samarinda — Probebaya".to_owned(),
        ..Person::default()
    }]);
    feed.set_links(vec![
        Link {
            href: format!("{base}{}", meta.self_path),
            rel: "self".to_owned(),
            mime_type: Some("application/atom+xml".to_owned()),
            ..Link::default()
        },
        Link {
            href: format!("{base}{}", meta.alternate_path),
            mime_type: Some("text/html".to_owned()),
            ..Link::default()
        },
    ]);
    let entries: Vec<Entry> = items
        .iter()
        .map(|i| {
            let url = format!("{base}/informasi/pengumuman/{}", i.id);
            let mut e = Entry::default();
            e.set_title(Text::plain(i.title.clone()));
            e.set_id(format!("urn:uuid:{}", i.id));
            e.set_updated(stamp(i.updated_at));
            e.set_published(Some(stamp(i.publish_at)));
            e.set_links(vec![Link {
                href: url,
                mime_type: Some("text/html".to_owned()),
                ..Link::default()
            }]);
            e.set_summary(Some(Text::plain(markdown::summary(&i.body_markdown, 280))));
            e.set_content(Some(Content {
                value: Some(markdown::to_safe_html(&i.body_markdown)),
                content_type: Some("html".to_owned()),
                ..Content::default()
            }));
            e
        })
        .collect();
    feed.set_entries(entries);
    feed.to_string()
}
