//! The one integration-test binary: every journey runs through the real router,
//! a real database file (or a fresh PostgreSQL database) and real files.

mod support;

mod db_smoke;
mod schema;
