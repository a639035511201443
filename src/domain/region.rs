//! Samarinda's regions as pages and the API show them: a kecamatan and the
//! kelurahan in it, by official code.

/// A kecamatan (district).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kecamatan {
    pub code: String,
    pub name: String,
}

/// A kelurahan (urban village) and how many RTs it has on record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kelurahan {
    pub code: String,
    pub kecamatan_code: String,
    pub name: String,
    pub rt_count: Option<i32>,
}
