//! The `seam-emulator` command: serve (default), migrate, or create a workspace.

use clap::{Parser, Subcommand};
use seam_emulator::config::{LogFormat, ServerConfig};

#[derive(Debug, Parser)]
#[command(
    name = "seam-emulator",
    version,
    about = "A Seam-compatible access-code API server with virtual locks"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    server: ServerConfig,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    Migrate,
    /// Create a workspace with a fresh API key and print both.
    CreateWorkspace {
        /// Workspace name.
        #[arg(long, default_value = "My workspace")]
        name: String,
        /// Make it a sandbox workspace seeded with virtual devices.
        #[arg(long)]
        sandbox: bool,
    },
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.server.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => seam_emulator::app::serve(cli.server).await,
        Command::Migrate => seam_emulator::app::prepare(&cli.server).await.map(|_| ()),
        Command::CreateWorkspace { name, sandbox } => {
            create_workspace(&cli.server, &name, sandbox).await
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn create_workspace(config: &ServerConfig, name: &str, sandbox: bool) -> anyhow::Result<()> {
    let state = seam_emulator::app::prepare(config).await?;
    let (ws, key) = seam_emulator::service::sandbox::create_workspace(
        &state.pool,
        name,
        sandbox,
        state.clock.now(),
    )
    .await?;
    println!("workspace: {}", ws.workspace_id);
    println!("API key: {key}");
    Ok(())
}
