//! Which TEE runs an enclave.

use secgear_types::TeeKind;

/// Which TEE runs the enclave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TeeType {
    /// The hardware TEE of this machine, as the backend registry's probes
    /// find it; fails when there is none.
    #[default]
    Auto,
    /// The simulation TEE: a sandboxed process, on any Linux machine. Not secure.
    Sim,
    Sgx,
    Itrustee,
    Penglai,
    /// A backend the application supplied (`EnclaveBuilder::backend`).
    External,
}

impl TeeType {
    /// The concrete TEEs, in the order `Auto` tries the hardware ones.
    pub const CONCRETE: [TeeType; 4] = [
        TeeType::Sgx,
        TeeType::Itrustee,
        TeeType::Penglai,
        TeeType::Sim,
    ];

    /// The kind of evidence an enclave on this TEE produces, as the
    /// verifiers name it: the one mapping between the host's vocabulary and
    /// the attestation side's. `None` where no verifier exists yet (SGX and
    /// Penglai) or the TEE is not known (`Auto`, `External`).
    pub fn evidence_kind(self) -> Option<TeeKind> {
        match self {
            TeeType::Sim => Some(TeeKind::Sim),
            TeeType::Itrustee => Some(TeeKind::Itrustee),
            TeeType::Sgx | TeeType::Penglai | TeeType::Auto | TeeType::External => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TeeType::Auto => "auto",
            TeeType::Sim => "sim",
            TeeType::Sgx => "sgx",
            TeeType::Itrustee => "itrustee",
            TeeType::Penglai => "penglai",
            TeeType::External => "external",
        }
    }

    /// Whether this is real hardware (what `Auto` may choose).
    pub fn is_hardware(self) -> bool {
        matches!(self, TeeType::Sgx | TeeType::Itrustee | TeeType::Penglai)
    }
}

impl std::fmt::Display for TeeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tee_with_a_verifier_maps_to_its_evidence_kind_and_back_by_name() {
        for tee in TeeType::CONCRETE {
            if let Some(kind) = tee.evidence_kind() {
                assert_eq!(kind.name(), tee.name());
            }
        }
        assert_eq!(TeeType::Sim.evidence_kind(), Some(TeeKind::Sim));
        assert_eq!(TeeType::Auto.evidence_kind(), None);
    }
}
