use secgear_attest::TeeKind;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("evidence: {0}")]
    Attester(String),
    #[error("{tee} evidence is not supported here: {detail}")]
    Unsupported { tee: TeeKind, detail: String },
    #[error(
        "the {tee} attester is not built into this agent (build it with the `{feature}` feature)"
    )]
    NotBuilt { tee: TeeKind, feature: &'static str },
    #[error("configfs-tsm provider `{0}` is not a TEE this agent has a verifier for")]
    UnknownTsmProvider(String),
    #[error("attestation service: {0}")]
    Service(String),
    #[error("sealed resource: {0}")]
    Sealed(#[from] secgear_as_api::sealing::SealError),
    #[error("attestation service answered {status}: {detail}")]
    Refused { status: u16, detail: String },
    #[error("token: {0}")]
    Token(#[from] secgear_attest::token::TokenError),
    #[error("local appraisal: {0}")]
    Appraisal(String),
    #[error("invalid argument: {0}")]
    Invalid(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl AgentError {
    pub fn unsupported(tee: TeeKind, detail: impl Into<String>) -> Self {
        AgentError::Unsupported {
            tee,
            detail: detail.into(),
        }
    }
}

impl From<reqwest::Error> for AgentError {
    fn from(e: reqwest::Error) -> Self {
        AgentError::Service(e.to_string())
    }
}
