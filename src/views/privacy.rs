//! The public privacy notice (Pelindungan Data Pribadi) and the admin form
//! of the installation's privacy settings.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::account::{Field, field};
use super::layout::{Page, PageCtx, layout};
use crate::domain::privacy::DataClass;
use crate::domain::privacy::PrivacySettings;
use crate::domain::round::Msg;

fn m<'a>(ctx: &PageCtx, msg: &'a Msg) -> &'a str {
    msg.pick(ctx.lang)
}

/// `GET /pelindungan-data`: who controls the data, how to reach the data
/// protection officer, why data are processed, how long each class is
/// kept, and the applicant's rights with how to use them.
pub fn notice(ctx: &PageCtx, s: &PrivacySettings) -> Markup {
    let body = html! {
        h1 { (ctx.t("Pelindungan Data Pribadi", "Personal Data Protection (Pelindungan Data Pribadi)")) }
        p.lead { (ctx.t(
            "Pemberitahuan ini menjelaskan data pribadi apa yang diproses dalam seleksi anggota Pokmas, untuk apa, berapa lama disimpan, dan hak Anda, sesuai Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi.",
            "This notice explains which personal data the Pokmas member selection processes, what for, how long they are kept, and your rights, under Law No. 27 of 2022 on Personal Data Protection."
        )) }
        h2 #pengendali { (ctx.t("Pengendali data", "Data controller")) }
        p { strong { (s.controller_name) } @if !s.controller_address.is_empty() { br; (s.controller_address) } }
        h2 #ppdp { (ctx.t("Pejabat pelindungan data pribadi", "Data protection officer")) }
        @if s.dpo_is_set() {
            p {
                (s.dpo_name)
                @if !s.dpo_email.is_empty() { br; "E-mail: " a href=(format!("mailto:{}", s.dpo_email)) { (s.dpo_email) } }
                @if !s.dpo_phone.is_empty() { br; (ctx.t("Telepon", "Phone")) ": " (s.dpo_phone) }
            }
        } @else {
            p.muted { (ctx.t(
                "Pejabat pelindungan data pribadi belum dicantumkan. Sampaikan permintaan Anda ke kantor kelurahan atau ke pengendali data di atas.",
                "No data protection officer has been named yet. Send your request to the kelurahan office or to the controller above."
            )) }
        }
        h2 { (ctx.t("Untuk apa data diproses", "Why data are processed")) }
        ul {
            li { (ctx.t("Memeriksa persyaratan pendaftaran (domisili RT, usia, satu pendaftaran per NIK per seleksi).", "Checking the application requirements (RT of residence, age, one application per NIK per round).")) }
            li { (ctx.t("Menilai, memeringkat dan mengumumkan hasil seleksi, termasuk sanggahan.", "Scoring, ranking and announcing the results, objections included.")) }
            li { (ctx.t("Menghubungi Anda tentang pendaftaran Anda (undangan tes, hasil, keputusan).", "Contacting you about your application (test invitation, results, decisions).")) }
            li { (ctx.t("Menyimpan jejak audit yang dapat diperiksa publik; jejak itu tidak memuat NIK, alamat atau kontak.", "Keeping an audit trail the public can check; the trail holds no NIK, address or contact data.")) }
        }
        p { (ctx.t(
            "Pengumuman hasil hanya memuat nama pendaftar yang terpilih dan cadangan; pendaftar lain tercantum dengan nomor pendaftaran saja, kecuali aturan seleksi yang diumumkan dan dibekukan sebelum pendaftaran menyatakan semua nama diumumkan (halaman seleksi menyebutkannya). NIK, alamat dan kontak tidak pernah diumumkan.",
            "Result announcements name only the selected and reserve applicants; other applicants are listed by registration number only, unless the round's rules, published and frozen before registration, say every name is published (the round's page says so). NIK, address and contact data are never published."
        )) }
        h2 #retensi { (ctx.t("Berapa lama data disimpan", "How long data are kept")) }
        table {
            thead { tr { th { (ctx.t("Data", "Data")) } th { (ctx.t("Disimpan sampai", "Kept until")) } } }
            tbody {
                @for c in DataClass::ALL {
                    tr {
                        td { (m(ctx, &c.label())) }
                        td { (s.retention.months(c)) " " (m(ctx, &c.counted_from())) }
                    }
                }
                tr {
                    td { (ctx.t("Nama, nomor pendaftaran, nilai dan peringkat", "Name, registration number, scores and rank")) }
                    td { (ctx.t("Tetap disimpan: bagian dari hasil resmi dan jejak audit", "Kept: part of the official result and the audit trail")) }
                }
            }
        }
        p { (ctx.t(
            "Setelah masa simpan berakhir, dokumen dihapus dan kunci data pribadi Anda dimusnahkan, sehingga NIK, kontak dan data kelahiran tidak dapat dibaca lagi, juga dari salinan cadangan setelah salinan itu dirotasi. Akun dikosongkan (e-mail, nama, telepon, kata sandi), sesi dan token dihapus, dan alamat serta isi pesan terkirim dihapus.",
            "When the period ends, documents are deleted and your personal data key is destroyed, so NIK, contact and birth data can no longer be read, from backups too once they have been rotated. Accounts are emptied (e-mail, name, phone, password), sessions and tokens deleted, and the address and text of sent messages deleted."
        )) }
        h2 #hak { (ctx.t("Hak Anda dan cara menggunakannya", "Your rights and how to use them")) }
        ul {
            li { strong { (ctx.t("Akses", "Access")) } ": " (ctx.t(
                "unduh semua data yang kami simpan tentang Anda dari halaman Akun saya; pendaftar lewat meja bantuan mendapatkannya di kantor kelurahan dengan nomor pendaftaran dan PIN.",
                "download everything held about you from My account; applicants registered at the help desk get it at the kelurahan office with their registration number and PIN."
            )) }
            li { strong { (ctx.t("Perbaikan", "Correction")) } ": " (ctx.t(
                "perbaiki draf sendiri; setelah dikirim, minta perbaikan kepada petugas kelurahan.",
                "correct your own draft; once submitted, ask the kelurahan officer for a correction."
            )) }
            li { strong { (ctx.t("Penghapusan", "Erasure")) } ": " (ctx.t(
                "ajukan dari halaman Akun saya. Permintaan diputus oleh admin dan ditolak dengan alasan selama masih ada kewajiban hukum untuk menyimpan (seleksi belum final, sanggahan belum diputus).",
                "request it from My account. An admin decides, and refuses with the reason while the law still requires keeping the data (round not final, an objection undecided)."
            )) }
            li { strong { (ctx.t("Pemberitahuan kebocoran", "Breach notice")) } ": " (ctx.t(
                "bila terjadi kegagalan pelindungan data pribadi Anda, kami memberi tahu Anda dan lembaga pengawas secara tertulis paling lambat 3 × 24 jam.",
                "if the protection of your personal data fails, we notify you and the supervisory body in writing within 3 × 24 hours."
            )) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx
                .t("Pelindungan Data Pribadi", "Personal Data Protection")
                .into(),
            body,
        },
    )
}

/// The admin form of the privacy settings, with what was typed and the
/// errors of a refused submission.
#[derive(Clone, Debug, Default)]
pub struct SettingsForm {
    pub csrf: String,
    /// Typed (or stored) text by key.
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, Msg>,
    pub saved: bool,
}

impl SettingsForm {
    /// The form filled from stored settings.
    #[must_use]
    pub fn from_settings(csrf: String, s: &PrivacySettings) -> Self {
        let mut values: BTreeMap<String, String> = crate::domain::privacy::TEXT_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), s.text(k).to_owned()))
            .collect();
        for c in DataClass::ALL {
            values.insert(c.retention_key(), s.retention.months(c).to_string());
        }
        Self {
            csrf,
            values,
            errors: BTreeMap::new(),
            saved: false,
        }
    }
}

/// `GET|POST /admin/pelindungan-data`.
pub fn settings_page(ctx: &PageCtx, f: &SettingsForm) -> Markup {
    let labels: [(&str, &str, &str, &str); 5] = [
        (
            "controller_name",
            "Nama pengendali data",
            "Data controller's name",
            "organization",
        ),
        (
            "controller_address",
            "Alamat pengendali",
            "Controller's address",
            "street-address",
        ),
        (
            "dpo_name",
            "Nama pejabat pelindungan data",
            "Data protection officer's name",
            "off",
        ),
        (
            "dpo_email",
            "E-mail pejabat pelindungan data",
            "Officer's e-mail",
            "email",
        ),
        (
            "dpo_phone",
            "Telepon pejabat pelindungan data",
            "Officer's phone",
            "tel",
        ),
    ];
    let value = |k: &str| f.values.get(k).map_or("", String::as_str);
    let error = |k: &str| f.errors.get(k).map(|e| m(ctx, e));
    let body = html! {
        h1 { (ctx.t("Pengaturan pelindungan data pribadi", "Personal data protection settings")) }
        p { a href="/pelindungan-data" { (ctx.t("Lihat halaman publik", "See the public page")) } " · " a href="/admin/kebocoran-data" { (ctx.t("Catatan kebocoran data", "Breach records")) } " · " a href="/admin/penghapusan-data" { (ctx.t("Permintaan penghapusan data", "Erasure requests")) } }
        @if f.saved { div.notice role="status" { (ctx.t("Pengaturan disimpan.", "Settings saved.")) } }
        @if !f.errors.is_empty() { div.alert role="alert" { (ctx.t("Periksa isian yang ditandai.", "Check the marked fields.")) } }
        form method="post" action="/admin/pelindungan-data" novalidate {
            input type="hidden" name="csrf" value=(f.csrf);
            @for (key, id, en, auto) in labels {
                (field(&Field { name: key, label: ctx.t(id, en), kind: if key == "dpo_email" { "email" } else { "text" }, value: value(key), autocomplete: auto, error: error(key), hint: None }))
            }
            h2 { (ctx.t("Masa simpan (bulan)", "Retention (months)")) }
            @for c in DataClass::ALL {
                @let key = c.retention_key();
                @let from = c.counted_from();
                (field(&Field { name: &key, label: m(ctx, &c.label()), kind: "text", value: value(&key), autocomplete: "off", error: error(&key), hint: Some(m(ctx, &from)) }))
            }
            button type="submit" { (ctx.t("Simpan", "Save")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx
                .t("Pengaturan pelindungan data", "Data protection settings")
                .into(),
            body,
        },
    )
}

/// One breach record as the admin list shows it.
#[derive(Clone, Debug)]
pub struct BreachRow {
    pub record: crate::domain::privacy::BreachRecord,
    pub clock: crate::domain::privacy::BreachClock,
    pub notice_subjects: String,
    pub notice_authority: String,
}

/// `GET|POST /admin/kebocoran-data`: the records with their clocks and
/// notices, and the form for a new one.
#[derive(Clone, Debug, Default)]
pub struct BreachPage {
    pub csrf: String,
    pub rows: Vec<BreachRow>,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, Msg>,
}

fn clock_label(ctx: &PageCtx, c: crate::domain::privacy::BreachClock) -> Markup {
    use crate::domain::privacy::{BreachClock, hours_minutes};
    html! {
        @match c {
            BreachClock::Notified => span.ok { (ctx.t("Pemberitahuan selesai", "Notices sent")) },
            BreachClock::Running(d) => strong.warning { (ctx.t("Sisa waktu pemberitahuan", "Time left to notify")) ": " (m(ctx, &hours_minutes(d))) },
            BreachClock::Overdue(d) => strong.overdue { (ctx.t("Melewati batas 3 × 24 jam sejak", "Past the 3 × 24 h limit by")) " " (m(ctx, &hours_minutes(d))) },
        }
    }
}

/// The breach records page.
pub fn breaches_page(ctx: &PageCtx, v: &BreachPage) -> Markup {
    use crate::domain::round::format_wita;
    let value = |k: &str| v.values.get(k).map_or("", String::as_str);
    let error = |k: &str| v.errors.get(k).map(|e| m(ctx, e));
    let body = html! {
        h1 { (ctx.t("Catatan kebocoran data pribadi", "Personal data breach records")) }
        p { (ctx.t(
            "Pemberitahuan tertulis kepada pendaftar yang terdampak dan kepada lembaga pengawas wajib dikirim paling lambat 3 × 24 jam sejak kebocoran diketahui.",
            "The written notice to the applicants concerned and to the supervisory body is due within 3 × 24 hours of discovery."
        )) " " a href="/admin/pelindungan-data" { (ctx.t("Pengaturan pelindungan data", "Data protection settings")) } }
        @for r in &v.rows {
            section.breach {
                h2 { (ctx.t("Diketahui", "Discovered")) " " (format_wita(r.record.discovered_at)) }
                p { (clock_label(ctx, r.clock)) " · " (ctx.t("Batas", "Deadline")) ": " (format_wita(crate::domain::privacy::breach_deadline(r.record.discovered_at))) }
                @for (to, label_id, label_en, done, text) in [
                    ("subjects", "Pemberitahuan kepada pendaftar", "Notice to the applicants", r.record.subjects_notified_at, &r.notice_subjects),
                    ("authority", "Pemberitahuan kepada lembaga pengawas", "Notice to the supervisory body", r.record.authority_notified_at, &r.notice_authority),
                ] {
                    h3 { (ctx.t(label_id, label_en)) }
                    pre.notice-text { (text) }
                    @if let Some(at) = done {
                        p.ok { (ctx.t("Terkirim", "Sent")) ": " (format_wita(at)) }
                    } @else {
                        form method="post" action=(format!("/admin/kebocoran-data/{}/pemberitahuan", r.record.id)) {
                            input type="hidden" name="csrf" value=(v.csrf);
                            input type="hidden" name="to" value=(to);
                            button type="submit" { (ctx.t("Catat sudah dikirim", "Record as sent")) }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Catat kebocoran baru", "Record a new breach")) }
        @if !v.errors.is_empty() { div.alert role="alert" { (ctx.t("Periksa isian yang ditandai.", "Check the marked fields.")) } }
        form method="post" action="/admin/kebocoran-data" novalidate {
            input type="hidden" name="csrf" value=(v.csrf);
            (field(&Field { name: "discovered_at", label: ctx.t("Diketahui pada (WITA, TTTT-BB-HH JJ:MM)", "Discovered at (WITA, YYYY-MM-DD HH:MM)"), kind: "text", value: value("discovered_at"), autocomplete: "off", error: error("discovered_at"), hint: None }))
            @for (key, id, en) in [
                ("what", "Data pribadi apa yang terungkap", "What personal data were disclosed"),
                ("whom", "Siapa yang terdampak", "Whom it concerns"),
                ("how", "Bagaimana terjadinya", "How it happened"),
                ("measures", "Upaya penanganan dan pemulihan", "Measures taken"),
            ] {
                label for=(key) { (ctx.t(id, en)) }
                textarea id=(key) name=(key) rows="3" aria-invalid=[error(key).map(|_| "true")] { (value(key)) }
                @if let Some(e) = error(key) { p.field-error { (e) } }
            }
            button type="submit" { (ctx.t("Catat", "Record")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Kebocoran data", "Data breaches").into(),
            body,
        },
    )
}

/// Reminders on the admin dashboard: one line per breach whose notices are
/// not all recorded, with its clock, linking to the records.
pub fn breach_reminders(ctx: &PageCtx, open: &[crate::domain::privacy::BreachClock]) -> Markup {
    html! {
        @for c in open {
            div.alert role="alert" {
                a href="/admin/kebocoran-data" { (ctx.t("Kebocoran data pribadi", "Personal data breach")) } ": " (clock_label(ctx, *c))
            }
        }
    }
}

/// `GET /meja-bantuan/data-pendaftar`: the help desk hands a desk
/// registrant their access download after number and PIN.
pub fn desk_access_page(
    ctx: &PageCtx,
    csrf: &str,
    registration_no: &str,
    error: Option<&Msg>,
) -> Markup {
    let body = html! {
        h1 { (ctx.t("Meja bantuan: unduh data pendaftar", "Help desk: a registrant's data download")) }
        p { (ctx.t(
            "Untuk pendaftar yang didaftarkan di meja bantuan: dengan nomor pendaftaran dan PIN status dari tanda terimanya, unduh semua data yang disimpan tentang dia (data, dokumen, peristiwa jejak audit) sebagai berkas JSON untuk diserahkan kepadanya. Pengunduhan tercatat di jejak audit atas nama Anda.",
            "For a registrant registered at the help desk: with the registration number and the status PIN from their receipt, download everything held about them (data, documents, audit trail events) as a JSON file to hand to them. The download is recorded in the audit trail under your name."
        )) }
        @if let Some(e) = error { div.alert role="alert" { (m(ctx, e)) } }
        form method="post" action="/meja-bantuan/data-pendaftar" {
            input type="hidden" name="csrf" value=(csrf);
            (field(&Field { name: "registration_no", label: ctx.t("Nomor pendaftaran", "Registration number"), kind: "text", value: registration_no, autocomplete: "off", error: None, hint: None }))
            (field(&Field { name: "pin", label: ctx.t("PIN status", "Status PIN"), kind: "password", value: "", autocomplete: "off", error: None, hint: None }))
            button type="submit" { (ctx.t("Unduh data (JSON)", "Download the data (JSON)")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Data pendaftar", "Registrant's data").into(),
            body,
        },
    )
}
