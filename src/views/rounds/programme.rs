//! The programme section of a round's admin page: what the round's texts
//! call the programme, the group and a selected applicant, and the domicile
//! rule.

use maud::{Markup, html};

use super::{FormView, csrf, field_error, form_alert, input, msg};
use crate::domain::programme::DomicileRule;
use crate::domain::programme::{PROGRAMME_FIELDS, ProgrammeSettings};
use crate::domain::round::RoundDetail;
use crate::views::layout::PageCtx;

/// The form values of the round's stored programme settings.
pub fn programme_values(d: &RoundDetail, csrf_token: &str) -> FormView {
    FormView::new(ProgrammeSettings::of(&d.round).form_values(), csrf_token)
}

/// `#program` on the round's admin page: a form while the round is a
/// draft, the frozen values after.
pub fn programme_section(ctx: &PageCtx, d: &RoundDetail, f: &FormView) -> Markup {
    let action = format!("/admin/seleksi/{}/program", d.round.id);
    let p = d.round.programme();
    html! {
        h2 id="program" { (ctx.t("Program dan domisili", "Programme and domicile")) }
        @if d.state().is_editable() {
            p.muted { (ctx.t(
                "Nama-nama ini dipakai di semua halaman, e-mail, pengumuman dan tanda terima seleksi ini (misalnya «Seleksi Pokmas Probebaya», «terpilih sebagai anggota Pokmas»). Aturan domisili menentukan siapa yang boleh melamar formasi: warga RT yang dicakup formasi, warga kelurahan formasi, atau warga kota mana pun (pendaftar lalu memilih formasinya). Keduanya dikunci saat pendaftaran dibuka.",
                "These names appear on every page, e-mail, announcement and receipt of this round (e.g. «Pokmas Probebaya selection», «selected as Pokmas member»). The domicile rule says who may apply to a formation: residents of an RT it covers, of its kelurahan, or of anywhere in the city (applicants then choose the formation). Both are frozen when registration opens."
            )) }
            (form_alert(ctx, f))
            form method="post" action=(action) novalidate {
                (csrf(f))
                @for (name, id, en, _, _) in PROGRAMME_FIELDS {
                    (input(ctx, f, name, ctx.t(id, en), "text"))
                }
                div {
                    label for="domicile_rule" { (ctx.t("Aturan domisili", "Domicile rule")) }
                    select id="domicile_rule" name="domicile_rule" {
                        @for r in DomicileRule::ALL {
                            option value=(r.as_str()) selected[f.values.get("domicile_rule") == r.as_str()] { (msg(ctx, &r.label())) }
                        }
                    }
                    (field_error(ctx, f, "domicile_rule"))
                }
                button type="submit" { (ctx.t("Simpan program", "Save the programme")) }
            }
        } @else {
            dl {
                dt { (ctx.t("Seleksi", "Selection")) } dd { (msg(ctx, &p.selection_title())) }
                dt { (ctx.t("Anggota terpilih", "A selected applicant becomes")) } dd { (msg(ctx, &p.member())) }
                dt { (ctx.t("Aturan domisili", "Domicile rule")) } dd { (msg(ctx, &d.round.domicile_rule().label())) }
            }
        }
    }
}
