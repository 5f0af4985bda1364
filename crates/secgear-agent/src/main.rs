//! `secgear-agent`: the attestation agent's daemon and one-shot commands.

use clap::{Parser, Subcommand};
use secgear_agent::config::AgentConfig;
use secgear_agent::daemon::{Daemon, Listen};
use secgear_agent::{
    ActiveAttestation, AgentError, Attester, ServiceClient, TsmAttester, load_sim,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "secgear-agent",
    version,
    about = "The secgear-rs attestation agent"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the REST daemon (see the crate docs for the configuration).
    Serve {
        #[arg(long)]
        config: PathBuf,
    },
    /// Attest an enclave through the service and print the token's claims.
    /// Exit 0 when affirming, 1 when not, 2 on errors.
    Attest(secgear_agent::cli::AttestArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    // The application's choice for the agent's TLS: aws-lc-rs. The library
    // uses the installed default and installs none itself.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("secgear-agent: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { config } => serve(&config).await.map(|()| ExitCode::SUCCESS),
            Command::Attest(args) => secgear_agent::cli::attest(&args).await,
        }
    });
    result.unwrap_or_else(|e| {
        eprintln!("secgear-agent: {e}");
        ExitCode::from(2)
    })
}

async fn serve(path: &Path) -> Result<(), AgentError> {
    let config = AgentConfig::load(path)?;
    let listen = match (config.listen, &config.unix) {
        (Some(addr), None) => Listen::Tcp(addr),
        (None, Some(p)) => Listen::Unix(p.clone()),
        (None, None) => {
            return Err(AgentError::Config(
                "set unix = \"/path/agent.sock\" (recommended) or listen = \"127.0.0.1:port\""
                    .into(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(AgentError::Config("set listen or unix, not both".into()));
        }
    };
    let attester: Arc<dyn Attester> = match &config.enclave {
        Some(image) => load_sim(image).await?,
        None => Arc::new(TsmAttester::new(&config.tsm_root).with_logs(config.measurement_logs())),
    };
    let service = config
        .service_url
        .as_deref()
        .map(ServiceClient::new)
        .transpose()?
        .map(Arc::new);
    let local = config.local.as_ref().map(|l| l.verifier()).transpose()?;
    let active = match (&service, config.active_refresh_seconds) {
        (Some(client), secs) if secs > 0 => Some(ActiveAttestation::start(
            client.clone(),
            attester.clone(),
            None,
            std::time::Duration::from_secs(secs),
        )),
        _ => None,
    };
    let daemon = Arc::new(Daemon {
        attester,
        service,
        local,
        active,
    });
    secgear_agent::daemon::serve(daemon, listen, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
