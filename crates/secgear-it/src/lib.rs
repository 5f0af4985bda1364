//! Nothing but a home for tests (`tests/`) that need the attestation
//! service, the agent and a sim enclave together. They live here so that
//! the agent's own dependency tree holds neither the service nor the host:
//! dependencies point one way, from clients to the shared API.
#![forbid(unsafe_code)]
