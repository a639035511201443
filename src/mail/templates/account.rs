//! Mails of an account: the address confirmation, the password reset, the
//! staff invitation and the admin's test mail.

use super::{Block, Letter, Locale};

/// The role an invited account will hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitedRole {
    /// Kelurahan help-desk officer.
    Operator,
    /// Member of an evaluation panel.
    Panelist,
    /// City programme officer.
    Admin,
    /// Inspectorate, DPRD or independent observer.
    Auditor,
}

impl InvitedRole {
    fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (InvitedRole::Operator, Locale::Id) => "Operator Kelurahan",
            (InvitedRole::Operator, Locale::En) => "Kelurahan Operator",
            (InvitedRole::Panelist, Locale::Id) => "Anggota Tim Penilai",
            (InvitedRole::Panelist, Locale::En) => "Panel Member",
            (InvitedRole::Admin, Locale::Id) => "Admin Program",
            (InvitedRole::Admin, Locale::En) => "Programme Administrator",
            (InvitedRole::Auditor, _) => "Auditor",
        }
    }
}

/// Confirms the address of a new account.
pub(super) fn verify_email(l: Locale, name: &str, link: &str) -> Letter {
    Letter {
        subject: l.pick("Konfirmasi alamat email Anda", "Confirm your email address"),
        name: name.to_owned(),
        blocks: vec![
            Block::Para(l.pick(
                "Terima kasih telah mendaftar pada sistem Seleksi Pokmas Probebaya \
                 Kota Samarinda. Untuk mengaktifkan akun Anda, mohon konfirmasi \
                 alamat email ini melalui tombol di bawah.",
                "Thank you for registering with the Pokmas Probebaya selection \
                 system of Samarinda City. To activate your account, please confirm \
                 this email address with the button below.",
            )),
            Block::Action {
                label: l.pick("Konfirmasi email", "Confirm email"),
                url: link.to_owned(),
            },
            Block::Note(l.pick(
                "Tautan ini hanya berlaku untuk waktu terbatas. Jika Anda tidak \
                 merasa mendaftar, abaikan email ini; akun tidak akan diaktifkan.",
                "This link is valid for a limited time. If you did not register, \
                 please ignore this email; the account will not be activated.",
            )),
        ],
    }
}

/// Lets a person choose a new password.
pub(super) fn password_reset(l: Locale, name: &str, link: &str) -> Letter {
    Letter {
        subject: l.pick("Permintaan atur ulang kata sandi", "Reset your password"),
        name: name.to_owned(),
        blocks: vec![
            Block::Para(l.pick(
                "Kami menerima permintaan untuk mengatur ulang kata sandi akun Anda. \
                 Silakan buat kata sandi baru melalui tombol di bawah.",
                "We received a request to reset the password of your account. \
                 Please choose a new password with the button below.",
            )),
            Block::Action {
                label: l.pick("Atur ulang kata sandi", "Reset password"),
                url: link.to_owned(),
            },
            Block::Note(l.pick(
                "Tautan ini hanya berlaku untuk waktu terbatas dan hanya dapat \
                 digunakan satu kali. Jika Anda tidak meminta pengaturan ulang, \
                 abaikan email ini; kata sandi Anda tidak berubah.",
                "This link is valid for a limited time and can be used once. If you \
                 did not ask for a reset, please ignore this email; your password \
                 stays the same.",
            )),
        ],
    }
}

/// Invites staff to activate an account.
pub(super) fn invitation(l: Locale, name: &str, role: InvitedRole, link: &str) -> Letter {
    let id = l == Locale::Id;
    let role = role.label(l);
    Letter {
        subject: if id {
            format!("Undangan bergabung sebagai {role}")
        } else {
            format!("Invitation to join as {role}")
        },
        name: name.to_owned(),
        blocks: vec![
            Block::Para(if id {
                format!(
                    "Anda diundang untuk bergabung dalam sistem Seleksi Pokmas \
                     Probebaya Kota Samarinda sebagai {role}. Silakan aktifkan \
                     akun Anda dan buat kata sandi melalui tombol di bawah."
                )
            } else {
                format!(
                    "You are invited to join the Pokmas Probebaya selection \
                     system of Samarinda City as {role}. Please activate your \
                     account and choose a password with the button below."
                )
            }),
            Block::Action {
                label: l.pick("Terima undangan", "Accept invitation"),
                url: link.to_owned(),
            },
            Block::Note(l.pick(
                "Jika Anda merasa tidak seharusnya menerima undangan ini, abaikan \
                 email ini atau hubungi admin program.",
                "If you think you should not have received this invitation, \
                 please ignore this email or contact the programme administrator.",
            )),
        ],
    }
}

/// The admin's "send a test mail" button.
pub(super) fn test_mail(l: Locale, name: &str) -> Letter {
    Letter {
        subject: l.pick(
            "Email uji coba dari sistem Seleksi Pokmas Probebaya",
            "Test email from the Pokmas Probebaya selection system",
        ),
        name: name.to_owned(),
        blocks: vec![
            Block::Para(l.pick(
                "Ini adalah email uji coba yang dikirim oleh admin sistem Seleksi \
                 Pokmas Probebaya Kota Samarinda. Jika Anda menerima email ini, \
                 pengiriman email berfungsi dengan baik.",
                "This is a test email sent by an administrator of the Pokmas \
                 Probebaya selection system of Samarinda City. If you received it, \
                 email delivery works.",
            )),
            Block::Note(l.pick(
                "Tidak ada tindakan yang perlu Anda lakukan.",
                "No action is needed.",
            )),
        ],
    }
}
