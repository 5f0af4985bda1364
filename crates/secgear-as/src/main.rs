//! `secgear-as`: runs the attestation service.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "secgear-as",
    version,
    about = "The secgear-rs attestation service"
)]
struct Cli {
    /// The TOML configuration file (every field optional; see the crate docs).
    #[arg(long)]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let config = match secgear_as::Config::from_file_and_env(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("secgear-as: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("secgear-as: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The binary is the application: it chooses the TLS cryptography.
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    match runtime.block_on(secgear_as::serve_with_provider(config, provider)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("secgear-as: {e}");
            ExitCode::FAILURE
        }
    }
}
