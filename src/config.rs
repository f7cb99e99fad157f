//! Typed configuration: every flag has an environment variable and a default.

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

/// Where to find Postgres when nothing is configured.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/seam_emulator";

/// Connection and listening settings.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// PostgreSQL URL; the database is created if it does not exist.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Address to listen on (port 0 picks a free port; the chosen one is printed).
    #[arg(
        long,
        global = true,
        env = "SEAM_EMULATOR_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: SocketAddr,
    /// Fixes the sandbox workspace's API key (must start with `seam_`); otherwise a new key is
    /// minted at every start (keys are stored only as hashes) and earlier keys keep working.
    #[arg(long, global = true, env = "SEAM_EMULATOR_SANDBOX_API_KEY")]
    pub sandbox_api_key: Option<String>,
    /// Largest number of Postgres connections this instance opens.
    #[arg(
        long,
        global = true,
        env = "SEAM_EMULATOR_DB_MAX_CONNECTIONS",
        default_value_t = 24
    )]
    pub db_max_connections: u32,
    /// How long a request waits for a database connection before answering 503; short, so
    /// clients fail fast while PostgreSQL is down.
    #[arg(
        long,
        env = "SEAM_EMULATOR_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 2000
    )]
    pub db_acquire_timeout_ms: u64,
    /// Number of background worker tasks in this instance.
    #[arg(
        long,
        global = true,
        env = "SEAM_EMULATOR_WORKERS",
        default_value_t = 4
    )]
    pub workers: usize,
    /// Log format.
    #[arg(long, global = true, env = "SEAM_EMULATOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub behaviour: Behaviour,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The knobs of the simulated locks and the backup pool.
#[derive(Debug, Clone, Args)]
pub struct Behaviour {
    /// Unpulled backup codes the worker keeps programmed on each pool-enabled lock.
    #[arg(
        long,
        global = true,
        env = "SEAM_EMULATOR_BACKUP_POOL_SIZE",
        default_value_t = 5
    )]
    pub backup_pool_size: i64,
    /// Pulled, still-active backups on one device that raise `many_active_backup_codes`.
    #[arg(
        long,
        env = "SEAM_EMULATOR_MANY_ACTIVE_BACKUP_CODES",
        default_value_t = 3
    )]
    pub many_active_backup_codes: i64,
    /// How long a code may wait to be programmed before `delay_in_setting_on_device`.
    #[arg(
        long,
        env = "SEAM_EMULATOR_DELAY_WARNING_AFTER_MS",
        default_value_t = 1000
    )]
    pub delay_warning_after_ms: i64,
    /// How long a code may wait to be programmed before `failed_to_set_on_device`.
    #[arg(
        long,
        env = "SEAM_EMULATOR_FAILED_TO_SET_AFTER_MS",
        default_value_t = 3000
    )]
    pub failed_to_set_after_ms: i64,
    /// Time a simulated lock takes for one round of programming, unless set per device.
    #[arg(
        long,
        env = "SEAM_EMULATOR_PROGRAMMING_LATENCY_MS",
        default_value_t = 50
    )]
    pub programming_latency_ms: i64,
    /// Pause before retrying after an injected programming failure.
    #[arg(
        long,
        global = true,
        env = "SEAM_EMULATOR_RETRY_INTERVAL_MS",
        default_value_t = 500
    )]
    pub retry_interval_ms: i64,
    /// How long a webhook receiver may take to answer one delivery.
    #[arg(
        long,
        env = "SEAM_EMULATOR_WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub webhook_timeout_ms: i64,
    /// First retry delay of a failed webhook delivery; it doubles at every failure.
    #[arg(
        long,
        env = "SEAM_EMULATOR_WEBHOOK_RETRY_BASE_MS",
        default_value_t = 1000
    )]
    pub webhook_retry_base_ms: i64,
    /// Longest delay between two attempts of one webhook delivery.
    #[arg(
        long,
        env = "SEAM_EMULATOR_WEBHOOK_RETRY_CAP_MS",
        default_value_t = 300_000
    )]
    pub webhook_retry_cap_ms: i64,
    /// Attempts after which a webhook delivery is given up (marked `failed`).
    #[arg(
        long,
        global = true,
        env = "SEAM_EMULATOR_WEBHOOK_MAX_ATTEMPTS",
        default_value_t = 30
    )]
    pub webhook_max_attempts: i32,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            backup_pool_size: 5,
            many_active_backup_codes: 3,
            delay_warning_after_ms: 1000,
            failed_to_set_after_ms: 3000,
            programming_latency_ms: 50,
            retry_interval_ms: 500,
            webhook_timeout_ms: 10_000,
            webhook_retry_base_ms: 1000,
            webhook_retry_cap_ms: 300_000,
            webhook_max_attempts: 30,
        }
    }
}
