//! The information section as residents read it: announcements, frequently
//! asked questions, the standard operating procedures and the help desks.
//! Plain data the services fill and the pages render.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An announcement as pages, the feed and the API show it.
#[derive(Clone, Debug)]
pub struct AnnouncementItem {
    pub id: Uuid,
    pub title: String,
    pub body_markdown: String,
    pub publish_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub kelurahan_code: Option<String>,
    pub kelurahan_name: Option<String>,
    pub round_slug: Option<String>,
    pub round_name: Option<String>,
}

/// One SOP version as listed.
#[derive(Clone, Debug)]
pub struct SopItem {
    pub slug: String,
    pub version: i32,
    pub title: String,
    pub kelurahan_code: Option<String>,
    pub kelurahan_name: Option<String>,
    pub effective_from: Date,
    pub size_bytes: i64,
    pub sha256: String,
    pub file_name: String,
    /// Earlier versions, newest first.
    pub older: Vec<(i32, Date)>,
}

/// A question and answer as listed.
#[derive(Clone, Debug)]
pub struct FaqItem {
    pub id: Uuid,
    pub position: i32,
    pub question: String,
    pub answer_markdown: String,
}

/// A help desk as shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelpDeskItem {
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub kecamatan_name: String,
    pub address: String,
    pub opening_hours: String,
    pub phone: String,
    /// International digits for `wa.me` links; empty when there is none.
    pub whatsapp: String,
}
