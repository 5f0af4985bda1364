//! What collateral a piece of evidence still needs, given the store.

#[allow(unused_imports)]
use crate::collateral::{CollateralStore, IntelKey, Need};
use secgear_types::TeeKind;

/// What `evidence` for `tee` needs that neither it nor this store
/// (current at `now`) provides; `None` when nothing is missing or the
/// evidence cannot be read (the verifier will say why).
pub fn missing(store: &CollateralStore, tee: TeeKind, evidence: &[u8], now: i64) -> Option<Need> {
    let envelope = crate::envelope::Envelope::parse(tee, evidence).ok()?;
    match tee {
        #[cfg(any(feature = "sgx", feature = "tdx"))]
        TeeKind::Sgx | TeeKind::Tdx => {
            if envelope.collateral.is_some() {
                return None;
            }
            let quote = dcap_qvl::quote::Quote::parse(&envelope.evidence).ok()?;
            let chain = match envelope.cert_chain.first() {
                Some(leaf) => leaf.clone(),
                None => crate::envelope::certificates(quote.raw_cert_chain().ok()?)
                    .ok()?
                    .into_iter()
                    .next()?,
            };
            let ext = dcap_qvl::intel::parse_pck_extension(&chain).ok()?;
            let ca = match x509_parser::parse_x509_certificate(&chain) {
                Ok((_, c)) if c.issuer().to_string().contains("Platform") => "platform",
                _ => "processor",
            };
            let key = IntelKey {
                tee,
                fmspc: hex::encode(ext.fmspc),
            };
            match store.intel(key.tee, &key.fmspc) {
                Some(c) if c.check_current(now).is_ok() => None,
                _ => Some(Need::Intel { key, ca }),
            }
        }
        #[cfg(feature = "snp")]
        TeeKind::Snp => {
            if !envelope.cert_chain.is_empty() {
                return None;
            }
            let need = crate::verifiers::snp::vcek_need(&envelope.evidence)?;
            let stored = store
                .amd_certificates()
                .any(|der| crate::verifiers::snp::certifies(der, &envelope.evidence));
            (!stored).then_some(need)
        }
        _ => None,
    }
}
