//! The demo's information section: help desks for every kelurahan (each set
//! by its own operator) and the city's call centre, a few announcements, an
//! SOP in two versions and a FAQ, all through the same use cases as the web.

use anyhow::Context;
use time::OffsetDateTime;

use super::Ctx;
use super::people::small_pdf;
use crate::db::audit::Actor;
use crate::domain::role::Role;
use crate::services::info_docs::{self as docs, HelpDeskInput, SopInput};
use crate::services::information::{self as info, AnnouncementInput, Editor};

fn wita_input(t: OffsetDateTime) -> String {
    let l = t.to_offset(crate::domain::round::WITA);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

const FAQ: [(&str, &str); 4] = [
    (
        "Siapa yang boleh mendaftar menjadi anggota Pokmas?",
        "Warga yang tinggal di RT formasi tersebut dan memenuhi persyaratan yang diumumkan di halaman seleksi. Persyaratan dikunci sebelum pendaftaran dibuka.",
    ),
    (
        "Saya tidak punya e-mail. Bagaimana cara mendaftar?",
        "Datang ke **help desk kelurahan** dengan KTP dan KK. Petugas mendaftarkan Anda, memberi nomor pendaftaran dan PIN, dan dengan persetujuan Anda mengirim kabar lewat SMS atau WhatsApp.",
    ),
    (
        "Bagaimana saya tahu hasil seleksi?",
        "Hasil diumumkan di halaman seleksi. Dengan nomor pendaftaran dan PIN Anda dapat membuka menu *Cek status*.",
    ),
    (
        "Apakah saya bisa menyanggah hasil?",
        "Ya, selama masa sanggah. Tanyakan ke help desk kelurahan atau call center bila butuh bantuan.",
    ),
];

/// Fills the information section.
pub(super) async fn fill(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let admin = Editor {
        actor: ctx.admin,
        role: Role::Admin,
        scopes: &[],
    };
    docs::set_help_desk(
        ctx.db,
        admin,
        docs::CALL_CENTRE,
        &HelpDeskInput {
            address: "Balai Kota Samarinda, Jl. Kesuma Bangsa No. 1".into(),
            opening_hours: "Senin–Jumat 08.00–16.00 WITA".into(),
            phone: "0541 741 112".into(),
            whatsapp: "0811 5500 1120".into(),
        },
        now,
    )
    .await
    .context("call centre")?;
    let mut first_kelurahan = None;
    for (n, (code, operator)) in ctx.operators.iter().enumerate() {
        let scopes = [code.clone()];
        let editor = Editor {
            actor: Actor::Account {
                id: *operator,
                role: Role::Operator,
            },
            role: Role::Operator,
            scopes: &scopes,
        };
        let name = crate::services::info_docs::help_desk(ctx.db, code)
            .await?
            .0
            .kelurahan_name;
        docs::set_help_desk(
            ctx.db,
            editor,
            code,
            &HelpDeskInput {
                address: format!("Kantor Kelurahan {name}, ruang pelayanan Probebaya"),
                opening_hours: if n % 2 == 0 {
                    "Senin–Jumat 08.00–15.00 WITA".into()
                } else {
                    "Senin–Kamis 08.00–14.00, Sabtu 09.00–12.00 WITA".into()
                },
                phone: format!("0541 7{:02} {:03}", 10 + n % 90, 100 + n),
                whatsapp: format!("0812 5{:03} {:04}", 100 + n, 2000 + n),
            },
            now,
        )
        .await
        .with_context(|| format!("help desk {code}"))?;
        if first_kelurahan.is_none() {
            first_kelurahan = Some((code.clone(), name, editor.actor));
        }
    }
    let slug = ctx.summary.round_slug.clone();
    let mut notices = vec![
        (
            admin,
            AnnouncementInput {
                title: "Pendaftaran anggota Pokmas Probebaya dibuka".into(),
                body: "Pendaftaran dibuka **tiga minggu** sebelum hari ini dan ditutup dua minggu lagi.\n\n- Daftar sendiri lewat ponsel, atau\n- datang ke help desk kelurahan dengan KTP dan KK.\n\nPersyaratan dan kriteria ada di halaman seleksi.".into(),
                publish_at: wita_input(ctx.clock.at(-21, 9)),
                kelurahan: String::new(),
                round: slug.clone(),
            },
        ),
        (
            admin,
            AnnouncementInput {
                title: "Call center & help desk Probebaya".into(),
                body: "Pertanyaan tentang seleksi Pokmas dapat diajukan ke call center kota atau help desk kelurahan. Jadwal tiap kelurahan ada di halaman *Informasi*.".into(),
                publish_at: wita_input(ctx.clock.at(-20, 10)),
                kelurahan: String::new(),
                round: String::new(),
            },
        ),
        (
            admin,
            AnnouncementInput {
                title: "SOP pelayanan help desk versi 2 berlaku".into(),
                body: "SOP pelayanan help desk diperbarui: persetujuan warga untuk kabar lewat SMS/WhatsApp dicatat saat nomor HP diberikan.".into(),
                publish_at: wita_input(ctx.clock.at(-7, 8)),
                kelurahan: String::new(),
                round: String::new(),
            },
        ),
    ];
    let scopes;
    if let Some((code, name, actor)) = &first_kelurahan {
        scopes = [code.clone()];
        notices.push((
            Editor {
                actor: *actor,
                role: Role::Operator,
                scopes: &scopes,
            },
            AnnouncementInput {
                title: format!("Help desk Kelurahan {name} buka hari Sabtu"),
                body: "Selama masa pendaftaran help desk juga buka **Sabtu 09.00–12.00 WITA**."
                    .into(),
                publish_at: wita_input(ctx.clock.at(-10, 8)),
                kelurahan: code.clone(),
                round: String::new(),
            },
        ));
    }
    for (editor, input) in &notices {
        info::publish_announcement(ctx.db, *editor, input, now)
            .await
            .with_context(|| format!("announcement {}", input.title))?;
    }
    for (version, days) in [(1, -60), (2, -7)] {
        let effective = ctx.clock.today + time::Duration::days(days);
        docs::publish_sop(
            ctx.db,
            &ctx.store,
            admin,
            &SopInput {
                title: "SOP Pelayanan Help Desk Probebaya".into(),
                slug: "pelayanan-help-desk".into(),
                effective_from: effective.to_string(),
                kelurahan: String::new(),
            },
            "sop-help-desk.pdf",
            &small_pdf(
                "SOP Pelayanan Help Desk Probebaya",
                &format!("Versi {version}, berlaku {effective}"),
            ),
            now,
        )
        .await
        .context("SOP")?;
    }
    for (q, a) in FAQ {
        docs::save_faq(ctx.db, admin, None, "", q, a, now)
            .await
            .context("FAQ")?;
    }
    Ok(())
}
