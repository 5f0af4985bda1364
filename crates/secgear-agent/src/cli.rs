//! `attest` as a command, shared by `secgear-agent attest` and `secgear
//! agent attest`.

use crate::AgentError;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct AttestArgs {
    /// The attestation service URL.
    #[arg(long = "as", env = "SECGEAR_AS_URL")]
    pub service: String,
    /// The signed enclave image (simulation TEE).
    #[arg(long)]
    pub enclave: PathBuf,
    /// Runtime data to bind into the evidence (UTF-8).
    #[arg(long)]
    pub runtime_data: Option<String>,
    /// Appraisal policy ids (repeatable).
    #[arg(long = "policy")]
    pub policies: Vec<String>,
}

/// Attests the enclave and prints the token's claims: exit 0 when
/// affirming, 1 when not (said on stderr); errors are the caller's to print.
pub async fn attest(args: &AttestArgs) -> Result<ExitCode, AgentError> {
    let (claims, status) = crate::attest_enclave(
        &args.service,
        &args.enclave,
        args.runtime_data.as_deref().map(str::as_bytes),
        &args.policies,
    )
    .await?;
    let text =
        serde_json::to_string_pretty(&claims).map_err(|e| AgentError::Service(e.to_string()))?;
    println!("{text}");
    if status == "affirming" {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("the attestation result is {status}");
        Ok(ExitCode::from(1))
    }
}
