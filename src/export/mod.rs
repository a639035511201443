//! CSV readers and writers over `impl Read` / `impl Write`.

pub mod analytics_csv;
pub mod audit_csv;
pub mod csv_safe;
pub mod formations_csv;
pub mod recompute;
pub mod regions_csv;
pub mod round_csv;
pub(crate) mod strict_csv;
