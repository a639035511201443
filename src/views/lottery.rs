//! Lottery pages: the admin's witness list, the witness's commit and reveal
//! forms, and the public page that explains how to recompute the seed and
//! every lottery key from the published values.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};
use crate::domain::lottery::{WitnessSecret, derive_seed, lottery_key, sha256_hex};
use crate::domain::round::format_wita;
use crate::domain::witness::{LotteryView, MyWitness, WitnessView};

fn role_text(ctx: &PageCtx, role: &str) -> String {
    match role {
        "auditor" => ctx.t("auditor", "auditor"),
        "admin" => ctx.t("admin kota", "city admin"),
        "operator" => ctx.t("petugas kelurahan", "kelurahan operator"),
        "panelist" => ctx.t("penilai", "panelist"),
        "applicant" => ctx.t("warga", "resident"),
        _ => "",
    }
    .to_owned()
}

/// The witnesses' table (long hashes) in a scroll region a keyboard can reach.
fn witness_table(ctx: &PageCtx, ws: &[WitnessView], remove: Option<(&str, &str)>) -> Markup {
    super::scroll::scroll_table(
        ctx,
        ctx.t("Tabel saksi undian", "Lottery witnesses table"),
        witness_rows(ctx, ws, remove),
    )
}

fn witness_rows(ctx: &PageCtx, ws: &[WitnessView], remove: Option<(&str, &str)>) -> Markup {
    html! {
        table {
            thead { tr {
                th { (ctx.t("Urutan komit", "Commit order")) }
                th { (ctx.t("Saksi", "Witness")) }
                th { (ctx.t("Komitmen sha256(rahasia)", "Commitment sha256(secret)")) }
                th { (ctx.t("Rahasia (setelah diungkap)", "Secret (once revealed)")) }
                @if remove.is_some() { th {} }
            } }
            tbody {
                @for w in ws {
                    tr {
                        td.num { @if w.model.commit_hash.is_some() { (w.model.position) } @else { "–" } }
                        td { (w.model.name) @let r = role_text(ctx, &w.role); @if !r.is_empty() { br; span.muted { (r) } } }
                        td {
                            @match &w.model.commit_hash {
                                Some(h) => { code.hash { (h) } @if let Some(at) = w.model.committed_at { br; span.muted { (format_wita(at)) } } }
                                None => { span.muted { (ctx.t("belum", "not yet")) } }
                            }
                        }
                        td {
                            @match &w.model.secret {
                                Some(s) => { code { (s) } @if let Some(at) = w.model.revealed_at { br; span.muted { (format_wita(at)) } } }
                                None => { span.muted { (ctx.t("belum", "not yet")) } }
                            }
                        }
                        @if let Some((base, csrf)) = remove {
                            td { @if w.model.commit_hash.is_none() {
                                form.inline method="post" action=(format!("{base}/{}/hapus", w.model.id)) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button.link type="submit" { (ctx.t("Hapus", "Remove")) }
                                }
                            } }
                        }
                    }
                }
            }
        }
    }
}

/// The admin's witness page.
pub struct AdminWitnesses<'a> {
    pub view: &'a LotteryView,
    pub csrf: &'a str,
    pub error: Option<String>,
    pub email: String,
    pub label: String,
}

/// `GET /admin/seleksi/{id}/saksi`.
pub fn admin(ctx: &PageCtx, p: &AdminWitnesses<'_>) -> Markup {
    let r = &p.view.round;
    let base = format!("/admin/seleksi/{}/saksi", r.id);
    let open = r.state.before_registration_closes();
    let body = html! {
        p.muted {
            a href=(format!("/admin/seleksi/{}", r.id)) { (ctx.t("Ringkasan seleksi", "Round overview")) } " · "
            a href=(format!("/admin/seleksi/{}/progres", r.id)) { (ctx.t("Progres penilaian", "Scoring progress")) }
            @if r.is_public() { " · " a href=(format!("/seleksi/{}/undian", r.slug)) { (ctx.t("Halaman publik undian", "Public lottery page")) } }
        }
        h1 { (ctx.t("Saksi undian", "Lottery witnesses")) ": " (r.name) }
        p { (ctx.t(
            "Saksi (misalnya auditor dan perwakilan warga) menyerahkan komitmen sha256(rahasia) sebelum pendaftaran ditutup dan mengungkap rahasianya sesudahnya. Seed undian dihitung dari hash penutupan pendaftaran dan rahasia semua saksi, sehingga tidak seorang pun, termasuk admin, dapat mengarahkannya. Tanpa saksi, seed = hash penutupan pendaftaran.",
            "Witnesses (e.g. an auditor and a community representative) commit sha256(secret) before registration closes and reveal the secret afterwards. The seed is computed from the registration-closing hash and every witness's secret, so nobody, admins included, can steer it. Without witnesses, seed = the closing hash."
        )) }
        p.muted { (ctx.t(
            "Pendaftaran tidak dapat ditutup selama ada saksi yang belum berkomitmen, dan uji kelayakan tidak dapat dimulai sebelum semua saksi mengungkap rahasia (seed ditetapkan).",
            "Registration cannot close while a witness has not committed, and the assessment cannot start before every witness has revealed (the seed is fixed)."
        )) }
        @if let Some(e) = &p.error { div.alert role="alert" { (e) } }
        @if p.view.witnesses.is_empty() { p { (ctx.t("Belum ada saksi.", "No witnesses yet.")) } }
        @else { (witness_table(ctx, &p.view.witnesses, open.then_some((base.as_str(), p.csrf)))) }
        @if let Some(seed) = &r.lottery_seed { p { (ctx.t("Seed undian", "Lottery seed")) ": " code.hash { (seed) } } }
        @if open {
            h2 { (ctx.t("Tetapkan saksi", "Name a witness")) }
            form method="post" action=(base) {
                input type="hidden" name="csrf" value=(p.csrf);
                label for="email" { (ctx.t("E-mail akun saksi", "Witness account e-mail")) }
                input id="email" name="email" type="email" required value=(p.email);
                label for="label" { (ctx.t("Mewakili (mis. Inspektorat, perwakilan warga)", "Stands for (e.g. Inspectorate, residents)")) }
                input id="label" name="label" maxlength="100" value=(p.label);
                button type="submit" { (ctx.t("Tetapkan saksi", "Name witness")) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Saksi undian", "Lottery witnesses").into(),
            body,
        },
    )
}

/// `GET /saksi`: the signed-in account's witness roles.
pub fn mine(ctx: &PageCtx, items: &[MyWitness]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Tugas saksi undian", "Lottery witness duties")) }
        @if items.is_empty() { p { (ctx.t("Anda tidak ditetapkan sebagai saksi undian.", "You are not a lottery witness.")) } }
        @else { ul { @for m in items {
            li { a href=(format!("/saksi/{}", m.witness.id)) { (m.round.name) } " — "
                @if m.witness.commit_hash.is_none() { (ctx.t("serahkan komitmen", "commit")) }
                @else if m.witness.secret.is_none() { (ctx.t("komitmen tercatat; ungkap rahasia setelah pendaftaran ditutup", "committed; reveal after registration closes")) }
                @else { (ctx.t("rahasia sudah diungkap", "revealed")) }
            }
        } } }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Saksi undian", "Lottery witness").into(),
            body,
        },
    )
}

/// The witness's page for one round.
pub struct WitnessPage<'a> {
    pub mine: &'a MyWitness,
    pub csrf: &'a str,
    pub error: Option<String>,
    /// A fresh secret suggestion (commit step only; never stored).
    pub suggestion: String,
    /// What was typed in a refused form.
    pub typed: String,
}

/// `GET /saksi/{id}`.
pub fn witness(ctx: &PageCtx, p: &WitnessPage<'_>) -> Markup {
    let w = &p.mine.witness;
    let r = &p.mine.round;
    let action = format!("/saksi/{}", w.id);
    let before_close = r.state.before_registration_closes();
    let body = html! {
        p { a href="/saksi" { "← " (ctx.t("Tugas saksi", "Witness duties")) } }
        h1 { (ctx.t("Saksi undian", "Lottery witness")) ": " (r.name) }
        @if let Some(e) = &p.error { div.alert role="alert" { (e) } }
        @match (&w.commit_hash, &w.secret) {
            (None, _) if before_close => {
                h2 { (ctx.t("1. Serahkan komitmen", "1. Commit")) }
                p { (ctx.t(
                    "Pilih sebuah rahasia dan simpan baik-baik (tulis di kertas atau simpan di ponsel Anda). Yang Anda serahkan sekarang hanya SHA-256 dari rahasia itu; server tidak pernah menyimpan rahasia Anda sebelum Anda mengungkapnya setelah pendaftaran ditutup. Tanpa rahasia yang sama persis, seed tidak dapat ditetapkan.",
                    "Choose a secret and keep it safe (write it down or store it on your phone). You hand in only its SHA-256 now; the server never stores your secret before you reveal it after registration closes. Without exactly the same secret, the seed cannot be fixed."
                )) }
                p { (ctx.t("Usulan rahasia acak untuk Anda (tidak disimpan):", "A random secret suggested for you (not stored):")) }
                p { code.hash { (p.suggestion) } }
                @let suggested_commit = sha256_hex(&p.suggestion);
                p.muted { (ctx.t(
                    "Komitmen di bawah ini sudah diisi dengan SHA-256 usulan tersebut. Anda boleh memakai rahasia sendiri (16–200 karakter ASCII tanpa spasi dan tanpa titik dua) dan menghitung SHA-256-nya sendiri, misalnya: echo -n 'RAHASIA' | sha256sum",
                    "The commitment below is filled with the SHA-256 of that suggestion. You may use your own secret (16–200 ASCII characters without spaces or colons) and compute its SHA-256 yourself, e.g.: echo -n 'SECRET' | sha256sum"
                )) }
                form method="post" action=(format!("{action}/komit")) {
                    input type="hidden" name="csrf" value=(p.csrf);
                    label for="commit_hash" { (ctx.t("Komitmen: SHA-256 rahasia (64 digit heksadesimal)", "Commitment: SHA-256 of the secret (64 hex digits)")) }
                    input id="commit_hash" name="commit_hash" required maxlength="64" minlength="64" value=(if p.typed.is_empty() { suggested_commit } else { p.typed.clone() });
                    label.check { input type="checkbox" name="kept" value="1" required; " " (ctx.t("Rahasia saya sudah saya simpan.", "I have kept my secret.")) }
                    button type="submit" { (ctx.t("Serahkan komitmen (final)", "Commit (final)")) }
                }
            }
            (None, _) => {
                div.notice { p { (ctx.t("Pendaftaran sudah ditutup tanpa komitmen Anda.", "Registration closed without your commitment.")) } }
            }
            (Some(h), None) => {
                p { (ctx.t("Komitmen Anda", "Your commitment")) " (" (ctx.t("urutan", "order")) " " (w.position) "): " code.hash { (h) } }
                @if r.close_event_hash.is_none() {
                    div.notice { p { (ctx.t("Ungkap rahasia Anda di halaman ini setelah pendaftaran ditutup.", "Reveal your secret on this page after registration closes.")) } }
                } @else {
                    h2 { (ctx.t("2. Ungkap rahasia", "2. Reveal")) }
                    form method="post" action=(format!("{action}/ungkap")) {
                        input type="hidden" name="csrf" value=(p.csrf);
                        label for="secret" { (ctx.t("Rahasia Anda, persis seperti saat berkomitmen", "Your secret, exactly as when you committed")) }
                        input id="secret" name="secret" required autocomplete="off" value=(p.typed);
                        button type="submit" { (ctx.t("Ungkap rahasia", "Reveal secret")) }
                    }
                }
            }
            (Some(h), Some(s)) => {
                p { (ctx.t("Komitmen Anda", "Your commitment")) ": " code.hash { (h) } }
                p { (ctx.t("Rahasia yang Anda ungkap", "The secret you revealed")) ": " code { (s) } }
                @if let Some(seed) = &r.lottery_seed { p { (ctx.t("Seed undian", "Lottery seed")) ": " code.hash { (seed) } } }
                @else { p { (ctx.t("Menunggu saksi lain mengungkap rahasianya.", "Waiting for the other witnesses to reveal.")) } }
            }
        }
        @if r.is_public() { p { a href=(format!("/seleksi/{}/undian", r.slug)) { (ctx.t("Halaman publik undian", "Public lottery page")) } } }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Saksi undian", "Lottery witness").into(),
            body,
        },
    )
}

/// `GET /seleksi/{slug}/undian`: witnesses, commitments, reveals, the close
/// hash, the seed, and how to recompute them, on the real values.
pub fn public(ctx: &PageCtx, v: &LotteryView) -> Markup {
    let r = &v.round;
    let revealed: Option<Vec<WitnessSecret>> = v
        .witnesses
        .iter()
        .map(|w| {
            w.model
                .secret
                .as_deref()
                .and_then(|s| WitnessSecret::parse(s).ok())
        })
        .collect();
    let example_no = v
        .example_registration_no
        .clone()
        .unwrap_or_else(|| format!("{}-6472011001-0001", r.year));
    let body = html! {
        p { a href=(format!("/seleksi/{}", r.slug)) { "← " (r.name) } }
        h1 { (ctx.t("Undian penentu seri", "Tie-break lottery")) }
        p.lead { (ctx.t(
            "Singkatnya: bila dua pendaftar bernilai sama persis, undian menentukan urutannya. Hasil undian dikunci dari rahasia beberapa saksi sehingga tidak ada yang dapat mengaturnya, dan siapa pun dapat menghitungnya ulang.",
            "In short: when two applicants are exactly equal, a lottery decides their order. Its outcome is fixed from several witnesses' secrets so that nobody can steer it, and anyone can recompute it."
        )) }
        p { (ctx.t(
            "Bila dua pendaftar di formasi yang sama masih sama persis setelah total dan kriteria penentu seri, urutannya ditentukan oleh kunci undian: sha256(seed + \":\" + nomor pendaftaran), yang terkecil didahulukan. Seed ditetapkan dengan komit–ungkap sehingga tidak seorang pun, termasuk admin, dapat mengarahkannya.",
            "When two applicants of the same formation are still exactly equal after the total and the tie-break criteria, the lottery key sha256(seed + \":\" + registration number) decides, smallest first. The seed is fixed by commit–reveal so that nobody, admins included, can steer it."
        )) }
        h2 { (ctx.t("Saksi, komitmen dan rahasia", "Witnesses, commitments and secrets")) }
        @if v.witnesses.is_empty() {
            p { (ctx.t("Seleksi ini tidak memiliki saksi undian; seed = hash peristiwa penutupan pendaftaran.", "This round has no lottery witnesses; seed = the hash of the registration-closing event.")) }
        } @else {
            (witness_table(ctx, &v.witnesses, None))
            p.muted { (ctx.t(
                "Setiap komitmen diserahkan sebelum pendaftaran ditutup; setiap rahasia diungkap sesudahnya. Periksa sendiri: sha256(rahasia) harus sama dengan komitmennya.",
                "Every commitment was made before registration closed; every secret was revealed afterwards. Check it yourself: sha256(secret) must equal its commitment."
            )) }
        }
        h2 { (ctx.t("Hash penutupan pendaftaran", "Registration-closing hash")) }
        @match &r.close_event_hash {
            Some(h) => {
                p { (ctx.t("Hash peristiwa «round.registration_closed» (nomor", "Hash of the «round.registration_closed» event (seq")) " " (r.close_event_seq.unwrap_or(0)) ") :" }
                p { code.hash { (h) } }
                @if let Some(l) = &r.applicant_list_hash { p.muted { (ctx.t("Peristiwa itu memuat hash daftar pendaftar yang dibekukan", "That event carries the hash of the frozen applicant list")) ": " code { (l) } } }
            }
            None => { p { (ctx.t("Pendaftaran belum ditutup.", "Registration has not closed yet.")) } }
        }
        h2 { (ctx.t("Seed", "Seed")) }
        @match &r.lottery_seed {
            Some(seed) => { p { code.hash { (seed) } } }
            None => { p { (ctx.t("Belum ditetapkan: menunggu penutupan pendaftaran dan pengungkapan semua rahasia.", "Not fixed yet: waiting for registration to close and every secret to be revealed.")) } }
        }
        h2 { (ctx.t("Cara menghitung ulang", "How to recompute")) }
        ol.steps {
            li { (ctx.t(
                "Gabungkan teks: hash penutupan, lalu untuk setiap saksi menurut urutan komit, tanda titik dua \":\" diikuti rahasianya (tanpa spasi, tanpa baris baru).",
                "Join the text: the closing hash, then for each witness in commit order a colon \":\" followed by their secret (no spaces, no line breaks)."
            )) }
            li { (ctx.t("seed = SHA-256 dari teks itu (UTF-8), ditulis sebagai 64 digit heksadesimal huruf kecil. Tanpa saksi, seed = hash penutupan.", "seed = SHA-256 of that text (UTF-8), written as 64 lowercase hex digits. Without witnesses, seed = the closing hash.")) }
            li { (ctx.t("Kunci undian setiap pendaftar = SHA-256 dari seed + \":\" + nomor pendaftaran.", "Each applicant's lottery key = SHA-256 of seed + \":\" + registration number.")) }
        }
        @if let (Some(close), Some(secrets)) = (&r.close_event_hash, &revealed) {
            @if let Ok(seed) = derive_seed(close, secrets) {
                h3 { (ctx.t("Contoh dengan nilai sebenarnya", "Worked example with the real values")) }
                @let joined = std::iter::once(close.clone()).chain(secrets.iter().map(|s| s.as_str().to_owned())).collect::<Vec<_>>().join(":");
                @if secrets.is_empty() {
                    p { "seed = " code.hash { (close) } }
                } @else {
                    p { (ctx.t("Teks", "Text")) ": " code.hash { (joined) } }
                    pre { "echo -n '" (joined) "' | sha256sum" }
                    p { "= " code.hash { (seed) } }
                }
                p { (ctx.t("Kunci undian nomor", "Lottery key of number")) " " code { (example_no) } ":" }
                pre { "echo -n '" (seed) ":" (example_no) "' | sha256sum" }
                p { "= " code.hash { (lottery_key(&seed, &example_no)) } }
            }
        }
        p.muted { (ctx.t(
            "Komitmen, pengungkapan dan seed tercatat di jejak audit sebagai «lottery.committed», «lottery.revealed» dan «lottery.seed_fixed».",
            "Commitments, reveals and the seed are in the audit trail as «lottery.committed», «lottery.revealed» and «lottery.seed_fixed»."
        )) " " a href="/jejak-audit" { (ctx.t("Jejak audit", "Audit trail")) } }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Undian", "Lottery").into(),
            body,
        },
    )
}
