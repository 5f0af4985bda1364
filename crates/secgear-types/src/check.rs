//! Names of the checks a verifier reports in `Verified.checks`.
//!
//! Policies (Rego) and tokens see these as the JSON keys of `checks`, so
//! each name's text is part of the wire format: existing policies and test
//! vectors match on it. TEEs whose evidence has several signed layers (Arm
//! CCA: platform and realm tokens) prefix the layer, which is why the CCA
//! signature is `platform.signature` where the single-layer TEEs report
//! `signature`; what a check *is* (a signature, a binding, freshness) is
//! asked of the type, never read off the text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One check a verifier reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckName {
    /// The evidence's signature (single-layer evidence: sim, virtCCA, iTrustee).
    Signature,
    /// The signing key chains to a trust anchor (or is one).
    Endorsement,
    /// The evidence carries the expected challenge.
    Freshness,
    /// virtCCA: the device certificate chains to a trust anchor.
    DeviceCertificate,
    /// CCA: the platform token's signature.
    PlatformSignature,
    /// CCA: a trust anchor knows the platform.
    PlatformEndorsement,
    /// CCA: the realm token's signature.
    RealmSignature,
    /// CCA: the platform token's challenge is the hash of the realm key.
    RealmBinding,
    /// SGX/TDX: the quoting enclave's report is signed by the PCK.
    QeReportSignature,
    /// SGX/TDX: the QE report data is the hash of the attestation key.
    QeReportBinding,
    /// SGX/TDX: the quoting enclave matches Intel's QE identity.
    QeIdentity,
    /// Endorsements beyond the certificate chain (TCB info, QE identity,
    /// CRLs, VCEK certificates): present, signed and current.
    Collateral,
    /// The platform's TCB matches a level the collateral knows (SGX/TDX),
    /// or the one its certificate was issued for (SNP).
    Tcb,
    /// The measured-boot event log replays to the reported registers.
    EventLog,
    /// The IMA runtime log replays to its register and lists only known files.
    Ima,
    /// TDX: the TD's attributes leave it trustworthy: not migratable,
    /// SEPT_VE_DISABLE set, no reserved bits, no service TD bound.
    TdAttributes,
}

/// A check name no [`CheckName`] has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{0}`")]
pub struct UnknownCheck(pub String);

impl CheckName {
    pub const ALL: [CheckName; 16] = [
        CheckName::Signature,
        CheckName::Endorsement,
        CheckName::Freshness,
        CheckName::DeviceCertificate,
        CheckName::PlatformSignature,
        CheckName::PlatformEndorsement,
        CheckName::RealmSignature,
        CheckName::RealmBinding,
        CheckName::QeReportSignature,
        CheckName::QeReportBinding,
        CheckName::QeIdentity,
        CheckName::Collateral,
        CheckName::Tcb,
        CheckName::EventLog,
        CheckName::Ima,
        CheckName::TdAttributes,
    ];

    /// The name policies and tokens know the check by.
    pub fn name(self) -> &'static str {
        match self {
            CheckName::Signature => "signature",
            CheckName::Endorsement => "endorsement",
            CheckName::Freshness => "freshness",
            CheckName::DeviceCertificate => "device_certificate",
            CheckName::PlatformSignature => "platform.signature",
            CheckName::PlatformEndorsement => "platform.endorsement",
            CheckName::RealmSignature => "realm.signature",
            CheckName::RealmBinding => "realm.binding",
            CheckName::QeReportSignature => "qe_report.signature",
            CheckName::QeReportBinding => "qe_report.binding",
            CheckName::QeIdentity => "qe_identity",
            CheckName::Collateral => "collateral",
            CheckName::Tcb => "tcb",
            CheckName::EventLog => "event_log",
            CheckName::Ima => "ima",
            CheckName::TdAttributes => "td_attributes",
        }
    }

    /// A signature over (a layer of) the evidence.
    pub fn is_signature(self) -> bool {
        matches!(
            self,
            CheckName::Signature
                | CheckName::PlatformSignature
                | CheckName::RealmSignature
                | CheckName::QeReportSignature
        )
    }

    /// A binding between layers of the evidence.
    pub fn is_binding(self) -> bool {
        matches!(self, CheckName::RealmBinding | CheckName::QeReportBinding)
    }

    pub fn is_freshness(self) -> bool {
        matches!(self, CheckName::Freshness)
    }

    /// Whether the check is about the evidence's own integrity (signature,
    /// binding, freshness), which no policy may excuse, rather than about
    /// whom it is endorsed by, which policies judge.
    pub fn is_integrity(self) -> bool {
        self.is_signature() || self.is_binding() || self.is_freshness()
    }
}

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CheckName {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<Self, UnknownCheck> {
        CheckName::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownCheck(s.to_owned()))
    }
}

// Ordered by name, so a map of checks serialises in the same key order as
// it did when it was keyed by the names themselves (tokens, snapshots).
impl Ord for CheckName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for CheckName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for CheckName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for CheckName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_ones_are_named() {
        for check in CheckName::ALL {
            assert_eq!(check.name().parse::<CheckName>(), Ok(check));
        }
        assert_eq!(
            "Signature".parse::<CheckName>(),
            Err(UnknownCheck("Signature".into())),
            "names are exact: policies match them byte for byte"
        );
    }

    /// The names existing policies and test vectors use.
    #[test]
    fn the_wire_names_are_stable() {
        let names: Vec<&str> = CheckName::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "signature",
                "endorsement",
                "freshness",
                "device_certificate",
                "platform.signature",
                "platform.endorsement",
                "realm.signature",
                "realm.binding",
                "qe_report.signature",
                "qe_report.binding",
                "qe_identity",
                "collateral",
                "tcb",
                "event_log",
                "ima",
                "td_attributes",
            ]
        );
    }

    #[test]
    fn kinds_of_check() {
        let signatures: Vec<CheckName> = CheckName::ALL
            .into_iter()
            .filter(|c| c.is_signature())
            .collect();
        assert_eq!(
            signatures,
            [
                CheckName::Signature,
                CheckName::PlatformSignature,
                CheckName::RealmSignature,
                CheckName::QeReportSignature
            ]
        );
        let integrity: Vec<CheckName> = CheckName::ALL
            .into_iter()
            .filter(|c| c.is_integrity())
            .collect();
        assert_eq!(
            integrity,
            [
                CheckName::Signature,
                CheckName::Freshness,
                CheckName::PlatformSignature,
                CheckName::RealmSignature,
                CheckName::RealmBinding,
                CheckName::QeReportSignature,
                CheckName::QeReportBinding
            ]
        );
        assert!(CheckName::Freshness.is_freshness());
        assert!(!CheckName::Endorsement.is_integrity());
        assert!(!CheckName::PlatformEndorsement.is_integrity());
        assert!(!CheckName::DeviceCertificate.is_integrity());
    }

    #[test]
    fn maps_of_checks_serialise_by_name_in_name_order() {
        let map: std::collections::BTreeMap<CheckName, u8> =
            CheckName::ALL.into_iter().zip(0..).collect();
        assert_eq!(
            serde_json::to_string(&map).expect("json"),
            r#"{"collateral":11,"device_certificate":3,"endorsement":1,"event_log":13,"freshness":2,"ima":14,"platform.endorsement":5,"platform.signature":4,"qe_identity":10,"qe_report.binding":9,"qe_report.signature":8,"realm.binding":7,"realm.signature":6,"signature":0,"tcb":12,"td_attributes":15}"#
        );
        let back: std::collections::BTreeMap<CheckName, u8> =
            serde_json::from_str(&serde_json::to_string(&map).expect("json")).expect("parse");
        assert_eq!(back, map);
        assert!(serde_json::from_str::<CheckName>(r#""signatur""#).is_err());
    }
}
