//! The attestation agent for C programs. Every function returns an
//! [`SgStatus`]; on failure [`sg_last_error`] says why (per thread). Memory
//! the library hands out is freed with [`sg_buffer_free`] / [`sg_string_free`].
//!
//! ```c
//! SgAgent *agent = sg_agent_new("http://127.0.0.1:8080", "app.signed");
//! char *token = NULL;
//! if (sg_agent_attest(agent, NULL, 0, &token) == SG_STATUS_OK) { ...; sg_string_free(token); }
//! sg_agent_free(agent);
//! ```

pub mod ffi;

use secgear_agent::{AgentError, Attester, ServiceClient, SimAttester};
use std::sync::Arc;

/// Result codes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SgStatus {
    Ok = 0,
    /// A null pointer, bad UTF-8, or an out-of-range length.
    InvalidArgument = 1,
    /// The TEE could not produce evidence.
    Attester = 2,
    /// The attestation service could not be reached or answered badly.
    Service = 3,
    /// The service refused the request (see the message for its status).
    Refused = 4,
    /// The token is invalid (signature, issuer, expiry, ...).
    Token = 5,
    /// The token is valid but its result is not affirming.
    NotAffirming = 6,
    /// Anything else.
    Internal = 7,
}

impl From<&AgentError> for SgStatus {
    fn from(e: &AgentError) -> Self {
        match e {
            AgentError::Attester(_)
            | AgentError::Unsupported { .. }
            | AgentError::NotBuilt { .. }
            | AgentError::UnknownTsmProvider(_) => SgStatus::Attester,
            AgentError::Service(_) | AgentError::Sealed(_) => SgStatus::Service,
            AgentError::Refused { .. } => SgStatus::Refused,
            AgentError::Token(secgear_attest::token::TokenError::NotAffirming(_)) => {
                SgStatus::NotAffirming
            }
            AgentError::Token(_) => SgStatus::Token,
            AgentError::Invalid(_) | AgentError::Config(_) => SgStatus::InvalidArgument,
            AgentError::Appraisal(_) => SgStatus::Internal,
        }
    }
}

/// An agent: one attester (a sim enclave) and, optionally, a service.
pub struct SgAgent {
    runtime: tokio::runtime::Runtime,
    attester: Arc<dyn Attester>,
    service: Option<ServiceClient>,
}

impl SgAgent {
    fn new(service_url: Option<&str>, enclave_image: &str) -> Result<Self, AgentError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| AgentError::Config(format!("runtime: {e}")))?;
        let attester: Arc<dyn Attester> =
            Arc::new(SimAttester::load(std::path::Path::new(enclave_image))?);
        let service = service_url.map(ServiceClient::new).transpose()?;
        Ok(Self {
            runtime,
            attester,
            service,
        })
    }

    fn service(&self) -> Result<&ServiceClient, AgentError> {
        self.service.as_ref().ok_or_else(|| {
            AgentError::Invalid("the agent was created without a service URL".into())
        })
    }

    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AgentError> {
        self.attester.evidence(report_data)
    }

    fn attest(&self, runtime_data: Option<&[u8]>) -> Result<String, AgentError> {
        let service = self.service()?;
        let attested =
            self.runtime
                .block_on(service.attest(self.attester.clone(), runtime_data, &[]))?;
        Ok(attested.token)
    }

    fn verify_token(&self, token: &str) -> Result<String, AgentError> {
        let service = self.service()?;
        let claims = self.runtime.block_on(
            service.verify_token(token, &secgear_attest::token::TokenExpectations::default()),
        )?;
        serde_json::to_string(&claims).map_err(|e| AgentError::Service(e.to_string()))
    }
}
