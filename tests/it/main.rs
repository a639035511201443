//! The one integration-test binary: every journey runs through the real router,
//! a real database file (or a fresh PostgreSQL database) and real files.

mod support;

mod architecture;
mod audit_chain;
mod db_smoke;
mod login;
mod mail;
mod rounds;
mod schema;
mod web_shell;
