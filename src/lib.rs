//! seam-emulator: a self-hostable server that speaks Seam's smart-lock access-code API, with
//! virtual locks that fail like real ones and a durable backup access code pool.

/// Start-up, serving and graceful shutdown.
pub mod app;
/// The injectable time source.
pub mod clock;
/// Typed configuration (flags and environment variables).
pub mod config;
/// Repositories over Postgres.
pub mod db;
/// Stored rows and their Seam JSON shapes.
pub mod domain;
/// The error enum and Seam's error envelope.
pub mod error;
/// Routes, extractors and middleware.
pub mod http;
/// The rules of devices, access codes and the backup pool.
pub mod service;
/// The simulated locks and the sandbox catalog.
pub mod sim;
/// State shared by handlers and workers.
pub mod state;
/// The background reconciler and its job queue.
pub mod worker;
