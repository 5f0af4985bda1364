//! The kinds of TEE whose evidence secgear-rs appraises.

use serde::Serialize;

/// The TEE an evidence comes from. The host's `TeeType` (which TEE runs an
/// enclave, plus `Auto`) maps onto this with `TeeType::evidence_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TeeKind {
    Sim,
    Cca,
    Virtcca,
    Itrustee,
    /// Intel SGX enclaves (ECDSA/DCAP quotes).
    Sgx,
    /// Intel TDX trust domains (DCAP quotes v4/v5).
    Tdx,
    /// AMD SEV-SNP guests.
    Snp,
    /// AWS Nitro Enclaves.
    Nitro,
}

/// A TEE name no [`TeeKind`] has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown TEE `{0}` (expected sim, cca, virtcca, itrustee, sgx, tdx, snp or nitro)")]
pub struct UnknownTee(pub String);

impl TeeKind {
    pub const ALL: [TeeKind; 8] = [
        TeeKind::Sim,
        TeeKind::Cca,
        TeeKind::Virtcca,
        TeeKind::Itrustee,
        TeeKind::Sgx,
        TeeKind::Tdx,
        TeeKind::Snp,
        TeeKind::Nitro,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TeeKind::Sim => "sim",
            TeeKind::Cca => "cca",
            TeeKind::Virtcca => "virtcca",
            TeeKind::Itrustee => "itrustee",
            TeeKind::Sgx => "sgx",
            TeeKind::Tdx => "tdx",
            TeeKind::Snp => "snp",
            TeeKind::Nitro => "nitro",
        }
    }
}

impl std::str::FromStr for TeeKind {
    type Err = UnknownTee;
    fn from_str(s: &str) -> Result<Self, UnknownTee> {
        TeeKind::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownTee(s.to_owned()))
    }
}

impl std::fmt::Display for TeeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for TeeKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_case_insensitively_and_unknown_ones_are_named() {
        for kind in TeeKind::ALL {
            assert_eq!(kind.name().parse::<TeeKind>(), Ok(kind));
            assert_eq!(kind.name().to_uppercase().parse::<TeeKind>(), Ok(kind));
        }
        assert_eq!("moon".parse::<TeeKind>(), Err(UnknownTee("moon".into())));
    }
}
