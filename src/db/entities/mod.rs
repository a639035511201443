//! sea-orm entities, one module per table.

pub mod audit_chain_head;
pub mod audit_event;
pub mod mail_outbox;
