//! `secgear as ...` (run and administer the attestation service) and
//! `secgear agent ...` (attest through it).

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AsCommand {
    /// Run the attestation service (as the `secgear-as` binary does).
    Serve {
        /// TOML configuration (every field optional).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Appraisal policies (Rego).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Reference values.
    #[command(subcommand)]
    Reference(ReferenceCommand),
    /// Trust anchors.
    #[command(subcommand, name = "trust-anchor")]
    TrustAnchor(AnchorCommand),
    /// Collateral: Intel DCAP collateral, AMD VCEK / VLEK certificates.
    #[command(subcommand)]
    Collateral(CollateralCommand),
    /// Resources released to attested TEEs.
    #[command(subcommand)]
    Resource(ResourceCommand),
}

#[derive(Subcommand)]
pub enum CollateralCommand {
    /// Store collateral: Intel collateral JSON, or an AMD certificate (PEM or DER).
    Put {
        /// `intel` or `amd`.
        #[arg(long)]
        kind: String,
        file: PathBuf,
        #[command(flatten)]
        admin: Admin,
    },
    List {
        #[command(flatten)]
        admin: Admin,
    },
    /// Delete by kind and key (as `list` shows it).
    Delete {
        #[arg(long)]
        kind: String,
        key: String,
        #[command(flatten)]
        admin: Admin,
    },
}

/// Where the service is and how to prove admin rights.
#[derive(Args, Clone)]
pub struct Admin {
    /// The service URL.
    #[arg(
        long,
        env = "SECGEAR_AS_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    url: String,
    /// A file holding the admin bearer token (else `$SECGEAR_AS_ADMIN_TOKEN`).
    #[arg(long, global = true)]
    token_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Upload (compile and store) a policy.
    Put {
        id: String,
        file: PathBuf,
        #[command(flatten)]
        admin: Admin,
    },
    Get {
        id: String,
        #[command(flatten)]
        admin: Admin,
    },
    List {
        #[command(flatten)]
        admin: Admin,
    },
    Delete {
        id: String,
        #[command(flatten)]
        admin: Admin,
    },
}

#[derive(Subcommand)]
pub enum ReferenceCommand {
    /// Add one value (`--name`, `--value`) or a file of them.
    Add {
        /// `{"reference_values": [...]}`
        #[arg(long, conflicts_with_all = ["name", "value"])]
        file: Option<PathBuf>,
        #[arg(long, requires = "value")]
        name: Option<String>,
        /// A string (e.g. the hex of `secgear measure`) or JSON.
        #[arg(long, requires = "name")]
        value: Option<String>,
        #[command(flatten)]
        admin: Admin,
    },
    List {
        #[command(flatten)]
        admin: Admin,
    },
    /// Delete a name's values (or only `--value`).
    Delete {
        name: String,
        #[arg(long)]
        value: Option<String>,
        #[command(flatten)]
        admin: Admin,
    },
}

#[derive(Subcommand)]
pub enum AnchorCommand {
    /// Store an anchor file (PEM, JSON, JWK, DER) for a TEE.
    Put {
        id: String,
        /// `sim`, `cca`, `virtcca` or `itrustee`.
        #[arg(long)]
        tee: secgear_attest::TeeKind,
        file: PathBuf,
        #[command(flatten)]
        admin: Admin,
    },
    List {
        #[command(flatten)]
        admin: Admin,
    },
    Delete {
        id: String,
        #[command(flatten)]
        admin: Admin,
    },
}

#[derive(Subcommand)]
pub enum ResourceCommand {
    /// Store a resource and the Rego policy that guards it.
    Put {
        path: String,
        #[arg(long)]
        content: PathBuf,
        #[arg(long)]
        policy: PathBuf,
        #[command(flatten)]
        admin: Admin,
    },
    List {
        #[command(flatten)]
        admin: Admin,
    },
    Delete {
        path: String,
        #[command(flatten)]
        admin: Admin,
    },
}

#[derive(Subcommand)]
pub enum AgentCommand {
    /// Attest a sim enclave through the service and print the token's
    /// claims. Exit 0 affirming, 1 not affirming, 2 on errors.
    Attest(secgear_agent::cli::AttestArgs),
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(fail)
}

fn read(path: &Path) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| fail(format!("{}: {e}", path.display())))
}

impl Admin {
    fn token(&self) -> Result<String, ExitCode> {
        match &self.token_file {
            Some(path) => Ok(read(path)?.trim().to_string()),
            None => std::env::var("SECGEAR_AS_ADMIN_TOKEN")
                .map_err(|_| fail("no admin token: set $SECGEAR_AS_ADMIN_TOKEN or --token-file")),
        }
    }

    /// Sends one admin request; prints the JSON answer; exit 0 on 2xx.
    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> ExitCode {
        let token = match self.token() {
            Ok(t) => t,
            Err(code) => return code,
        };
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(code) => return code,
        };
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        rt.block_on(async move {
            let mut req = reqwest::Client::new()
                .request(method, &url)
                .bearer_auth(token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => return fail(format!("{url}: {e}")),
            };
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if !text.is_empty() {
                match serde_json::from_str::<Value>(&text) {
                    Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap_or(text)),
                    Err(_) => println!("{text}"),
                }
            }
            if status.is_success() {
                ExitCode::SUCCESS
            } else {
                eprintln!("error: the service answered {status}");
                ExitCode::from(1)
            }
        })
    }
}

pub fn run_as(cmd: AsCommand) -> ExitCode {
    use reqwest::Method;
    match cmd {
        AsCommand::Serve { config } => {
            let config = match secgear_as::Config::from_file_and_env(config.as_deref()) {
                Ok(c) => c,
                Err(e) => return fail(e),
            };
            match runtime() {
                Ok(rt) => match rt.block_on(secgear_as::serve(config)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(e),
                },
                Err(code) => code,
            }
        }
        AsCommand::Policy(PolicyCommand::Put { id, file, admin }) => match read(&file) {
            Ok(rego) => admin.send(
                Method::PUT,
                &format!("/v1/policies/{id}"),
                Some(json!({"rego": rego})),
            ),
            Err(code) => code,
        },
        AsCommand::Policy(PolicyCommand::Get { id, admin }) => {
            admin.send(Method::GET, &format!("/v1/policies/{id}"), None)
        }
        AsCommand::Policy(PolicyCommand::List { admin }) => {
            admin.send(Method::GET, "/v1/policies", None)
        }
        AsCommand::Policy(PolicyCommand::Delete { id, admin }) => {
            admin.send(Method::DELETE, &format!("/v1/policies/{id}"), None)
        }
        AsCommand::Reference(ReferenceCommand::Add {
            file,
            name,
            value,
            admin,
        }) => {
            let body = match (file, name, value) {
                (Some(file), _, _) => {
                    match read(&file).map(|t| serde_json::from_str::<Value>(&t)) {
                        Ok(Ok(v)) => v,
                        Ok(Err(e)) => return fail(format!("{}: {e}", file.display())),
                        Err(code) => return code,
                    }
                }
                (None, Some(name), Some(value)) => {
                    json!({"reference_values": [{"name": name, "value": reference_value(value)}]})
                }
                _ => return fail("give --file, or --name and --value"),
            };
            admin.send(Method::POST, "/v1/reference-values", Some(body))
        }
        AsCommand::Reference(ReferenceCommand::List { admin }) => {
            admin.send(Method::GET, "/v1/reference-values", None)
        }
        AsCommand::Reference(ReferenceCommand::Delete { name, value, admin }) => {
            let query = value
                .map(|v| format!("?value={}", url_encode(&reference_value(v).to_string())))
                .unwrap_or_default();
            admin.send(
                Method::DELETE,
                &format!("/v1/reference-values/{name}{query}"),
                None,
            )
        }
        AsCommand::TrustAnchor(AnchorCommand::Put {
            id,
            tee,
            file,
            admin,
        }) => {
            let data = match std::fs::read(&file) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => secgear_as::b64::encode_std(e.as_bytes()),
                },
                Err(e) => return fail(format!("{}: {e}", file.display())),
            };
            admin.send(
                Method::PUT,
                &format!("/v1/trust-anchors/{id}"),
                Some(json!({"tee": tee, "data": data})),
            )
        }
        AsCommand::Collateral(CollateralCommand::Put { kind, file, admin }) => {
            let data = match std::fs::read(&file) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => secgear_as::b64::encode_std(e.as_bytes()),
                },
                Err(e) => return fail(format!("{}: {e}", file.display())),
            };
            admin.send(
                Method::PUT,
                &format!("/v1/collateral/{kind}"),
                Some(json!({"data": data})),
            )
        }
        AsCommand::Collateral(CollateralCommand::List { admin }) => {
            admin.send(Method::GET, "/v1/collateral", None)
        }
        AsCommand::Collateral(CollateralCommand::Delete { kind, key, admin }) => admin.send(
            Method::DELETE,
            &format!("/v1/collateral/{kind}/{key}"),
            None,
        ),
        AsCommand::TrustAnchor(AnchorCommand::List { admin }) => {
            admin.send(Method::GET, "/v1/trust-anchors", None)
        }
        AsCommand::TrustAnchor(AnchorCommand::Delete { id, admin }) => {
            admin.send(Method::DELETE, &format!("/v1/trust-anchors/{id}"), None)
        }
        AsCommand::Resource(ResourceCommand::Put {
            path,
            content,
            policy,
            admin,
        }) => {
            let content = match std::fs::read(&content) {
                Ok(bytes) => secgear_as::b64::encode(&bytes),
                Err(e) => return fail(format!("{}: {e}", content.display())),
            };
            match read(&policy) {
                Ok(policy) => admin.send(
                    Method::PUT,
                    &format!("/v1/resources/{path}"),
                    Some(json!({"content": content, "policy": policy})),
                ),
                Err(code) => code,
            }
        }
        AsCommand::Resource(ResourceCommand::List { admin }) => {
            admin.send(Method::GET, "/v1/resources", None)
        }
        AsCommand::Resource(ResourceCommand::Delete { path, admin }) => {
            admin.send(Method::DELETE, &format!("/v1/resources/{path}"), None)
        }
    }
}

/// A reference value as typed: a JSON object if it is one, else the string
/// itself (so `1234` or `1e5` stay strings, as measurements must).
fn reference_value(text: String) -> Value {
    serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object)
        .unwrap_or(Value::String(text))
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

pub fn run_agent(cmd: AgentCommand) -> ExitCode {
    let AgentCommand::Attest(args) = cmd;
    match runtime() {
        Ok(rt) => rt
            .block_on(secgear_agent::cli::attest(&args))
            .unwrap_or_else(fail),
        Err(code) => code,
    }
}
