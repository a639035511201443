//! Nomor Kartu Keluarga (KK), the 16-digit family-card number.
//!
//! Only its keyed hash is stored; the number is parsed here so a
//! typo cannot produce a hash that silently matches nothing.
//!
//! Layout: `PP RR KK DDMMYY SSSS` — the region where the card was issued, the
//! issue date and a serial. The issue date is not checked: old cards carry
//! dates that do not exist, and a wrong date does not make the card someone
//! else's.

use std::fmt;

use thiserror::Error;

use super::lang::Lang;
use super::masking::mask_nik;
use super::nik::PROVINCE_CODES;

const KK_LEN: usize = 16;

/// A plausible family-card number: 16 ASCII digits, a known province code and
/// a serial other than `0000`.
///
/// `Debug` shows it masked, like a NIK, so it never reaches a log by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FamilyCardNo(String);

/// Why a typed family-card number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FamilyCardError {
    /// Anything but 16 digits (after trimming surrounding spaces).
    #[error("family card number must be exactly 16 digits")]
    NotSixteenDigits,
    /// Digits 1–2 are not a province code.
    #[error("family card number digits 1-2 are not a province code")]
    UnknownProvince,
    /// Digits 13–16 are `0000`.
    #[error("family card number digits 13-16 (serial) cannot be 0000")]
    ZeroSerial,
}

impl FamilyCardError {
    /// The message to show the person who typed the number.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::NotSixteenDigits, Lang::Id) => "Nomor KK harus terdiri dari tepat 16 angka.",
            (Self::NotSixteenDigits, Lang::En) => {
                "The family card (KK) number must have exactly 16 digits."
            }
            (Self::UnknownProvince, Lang::Id) => {
                "Dua angka pertama nomor KK bukan kode provinsi yang dikenal."
            }
            (Self::UnknownProvince, Lang::En) => {
                "The first two digits of the family card (KK) number are not a known province code."
            }
            (Self::ZeroSerial, Lang::Id) => {
                "Empat angka terakhir nomor KK (nomor urut) tidak boleh 0000."
            }
            (Self::ZeroSerial, Lang::En) => {
                "The last four digits of the family card (KK) number cannot be 0000."
            }
        }
    }
}

impl FamilyCardNo {
    /// Parses a family-card number as typed; surrounding whitespace is trimmed.
    ///
    /// # Errors
    /// A [`FamilyCardError`] naming the first rule broken.
    pub fn parse(input: &str) -> Result<Self, FamilyCardError> {
        let s = input.trim();
        if s.len() != KK_LEN || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FamilyCardError::NotSixteenDigits);
        }
        let d = s.as_bytes();
        let province = (d[0] - b'0') * 10 + (d[1] - b'0');
        if !PROVINCE_CODES.contains(&province) {
            return Err(FamilyCardError::UnknownProvince);
        }
        if &s[12..] == "0000" {
            return Err(FamilyCardError::ZeroSerial);
        }
        Ok(Self(s.to_owned()))
    }

    /// The full 16 digits. Handle with care: hash, never log.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FamilyCardNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyCardNo({})", mask_nik(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_digits_with_a_province_parse() {
        let kk = FamilyCardNo::parse(" 6472010101100001 ").unwrap();
        assert_eq!(kk.as_str(), "6472010101100001");
        assert_eq!(format!("{kk:?}"), "FamilyCardNo(647201**********)");
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "647201010110000",
            "64720101011000011",
            "64720101011O0001",
        ] {
            assert_eq!(
                FamilyCardNo::parse(bad),
                Err(FamilyCardError::NotSixteenDigits),
                "{bad:?}"
            );
        }
        assert_eq!(
            FamilyCardNo::parse("0072010101100001"),
            Err(FamilyCardError::UnknownProvince)
        );
        assert_eq!(
            FamilyCardNo::parse("6472010101100000"),
            Err(FamilyCardError::ZeroSerial)
        );
        let e = FamilyCardError::ZeroSerial;
        assert_ne!(e.message(Lang::Id), e.message(Lang::En));
    }
}
