//! The simulated locks: what the sandbox seeds, and how a lock answers programming.

pub mod catalog;
pub mod lock;
