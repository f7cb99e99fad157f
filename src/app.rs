//! Start-up and shutdown: connect (creating the database if needed), migrate, seed the
//! sandbox, spawn the workers, serve until SIGINT/SIGTERM, then let in-flight work finish.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::clock::{Clock, SystemClock};
use crate::config::ServerConfig;
use crate::state::AppState;
use crate::worker::webhooks::WebhookSender;
use crate::worker::{self, Worker};

/// Embedded migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The URL with any password hidden, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Connects to Postgres, creating the database when it does not exist yet.
pub async fn connect(
    database_url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = database_url.parse().with_context(|| {
        format!(
            "DATABASE_URL {} is not a valid PostgreSQL URL",
            redacted(database_url)
        )
    })?;
    let options = options.disable_statement_logging();
    let hint = || {
        format!(
            "cannot reach PostgreSQL at {}; start PostgreSQL or point DATABASE_URL (or --database-url) at a running server",
            redacted(database_url)
        )
    };
    match options.connect().await {
        Ok(conn) => {
            conn.close().await.ok();
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            create_database(&options).await.with_context(hint)?;
        }
        Err(e) => return Err(anyhow::Error::new(e).context(hint())),
    }
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        // No ping per checkout: a broken connection fails its query (answered 503) and is
        // dropped, and the next checkout opens a fresh one.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(hint)
}

async fn create_database(options: &PgConnectOptions) -> anyhow::Result<()> {
    let name = options
        .get_database()
        .unwrap_or("seam_emulator")
        .to_string();
    let mut admin = options.clone().database("postgres").connect().await?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    match sqlx::query(&format!("CREATE DATABASE {quoted}"))
        .execute(&mut admin)
        .await
    {
        Ok(_) => Ok(()),
        // Another instance created it first.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Builds the shared state and applies migrations.
pub async fn prepare(config: &ServerConfig) -> anyhow::Result<AppState> {
    let pool = connect(
        &config.database_url,
        config.db_max_connections,
        Duration::from_millis(config.db_acquire_timeout_ms),
    )
    .await?;
    MIGRATOR
        .run(&pool)
        .await
        .context("applying database migrations")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Ok(AppState::new(pool, clock, config.behaviour.clone()))
}

/// Runs the server until a shutdown signal.
pub async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let state = prepare(&config).await?;
    let sandbox = crate::service::sandbox::ensure_sandbox(
        &state.pool,
        config.sandbox_api_key.as_deref(),
        state.clock.now(),
    )
    .await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;

    let cancel = CancellationToken::new();
    let wake = Arc::new(Notify::new());
    let wake_webhooks = Arc::new(Notify::new());
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(worker::listen(
        state.clone(),
        wake.clone(),
        wake_webhooks.clone(),
        cancel.clone(),
    ));
    for _ in 0..config.workers.max(1) {
        tasks.spawn(Worker::new(state.clone()).run(wake.clone(), cancel.clone()));
    }
    tasks.spawn(WebhookSender::new(state.clone()).run(wake_webhooks, cancel.clone()));

    println!("sandbox workspace: {}", sandbox.workspace.workspace_id);
    println!("sandbox API key: {}", sandbox.api_key);
    println!(
        "try: curl -s http://{addr}/devices/list -H 'Authorization: Bearer {}'",
        sandbox.api_key
    );
    println!("listening on http://{addr}");

    let app = crate::http::router(state.clone());
    let shutdown = cancel.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests and running jobs");
            shutdown.cancel();
        })
        .await?;
    cancel.cancel();
    while tasks.join_next().await.is_some() {}
    state.pool.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
