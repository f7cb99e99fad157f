//! Domain types: rows as stored, and their rendering into Seam's JSON objects.

pub mod access_code;
pub mod action_attempt;
pub mod conditions;
pub mod device;
pub mod event;
