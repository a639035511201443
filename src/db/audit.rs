//! Audit append inside the caller transaction.
