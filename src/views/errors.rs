//! Friendly error pages in both languages: they render without request context.

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

use super::assets;
use crate::domain::round::Msg;

/// A complete error page for `status`, never showing internal detail.
pub fn error_page(status: StatusCode, reason: Option<&Msg>) -> Markup {
    let (id, en) = match status.as_u16() {
        404 => (
            "Halaman tidak ditemukan. Periksa alamatnya atau kembali ke beranda.",
            "Page not found. Check the address or go back to the home page.",
        ),
        403 => (
            "Anda tidak memiliki akses ke halaman ini.",
            "You do not have access to this page.",
        ),
        400 => (
            "Permintaan tidak dapat diproses.",
            "The request could not be processed.",
        ),
        405 => (
            "Alamat ini tidak dapat dibuka dengan cara itu. Kembali ke halaman sebelumnya lalu gunakan tombol di halaman itu.",
            "This address cannot be opened that way. Go back to the previous page and use the button on it.",
        ),
        413 => (
            "Berkas terlalu besar. Perkecil ukurannya lalu coba lagi.",
            "The file is too large. Make it smaller and try again.",
        ),
        503 => (
            "Layanan sedang tidak tersedia. Data yang sudah tersimpan aman; coba lagi beberapa menit lagi.",
            "The service is unavailable right now. What was saved is safe; try again in a few minutes.",
        ),
        429 => (
            "Terlalu banyak percobaan. Tunggu beberapa menit lalu coba lagi.",
            "Too many attempts. Wait a few minutes and try again.",
        ),
        _ => (
            "Terjadi gangguan pada sistem. Data Anda aman; silakan coba lagi sebentar lagi. Jika berulang, hubungi help desk kelurahan.",
            "Something went wrong on our side. Your data is safe; please try again shortly. If it keeps happening, contact the kelurahan help desk.",
        ),
    };
    html! {
        (DOCTYPE)
        html lang="id" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (status.as_u16()) " · Pokmas Probebaya" }
                link rel="stylesheet" href=(assets::url("app.css"));
            }
            body {
                header.site { a.brand href="/" { "Pokmas Probebaya" span.city { " · Samarinda" } } }
                main #isi {
                    h1 { (status.as_u16()) }
                    p { (id) }
                    p lang="en" { (en) }
                    @if let Some(reason) = reason {
                        div.alert role="alert" {
                            p { strong { "Alasan: " } (reason.id) }
                            @if !reason.en.is_empty() && reason.en != reason.id {
                                p lang="en" { strong { "Reason: " } (reason.en) }
                            }
                        }
                    }
                    p { a href="/" { "Kembali ke beranda" } " · " a href="/" lang="en" { "Back to home" } }
                }
            }
        }
    }
}
