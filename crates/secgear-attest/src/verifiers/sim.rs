//! The simulation TEE's evidence (format: `secgear_sim::evidence`). Always
//! marked simulated: the default policy never affirms it in production mode.

use crate::crypto::{self, Curve};
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use p384::ecdsa::VerifyingKey;
use secgear_sim::evidence;
use serde_json::json;

pub struct SimVerifier;

impl Verifier for SimVerifier {
    fn tee(&self) -> TeeKind {
        TeeKind::Sim
    }

    fn verify(
        &self,
        bytes: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let anchors = context.anchors;
        let parsed = evidence::parse(bytes)
            .map_err(|e| VerifyError::malformed(TeeKind::Sim, e.to_string()))?;
        let mut v = Verified::new(TeeKind::Sim);
        v.simulated = true;
        let c = &parsed.claims;
        // The key is found by the platform id the evidence names; an
        // unknown platform is a signature we cannot check, not a bad one.
        let key = anchors
            .sim
            .iter()
            .filter(|k| k.curve == Curve::P384)
            .find(|k| {
                VerifyingKey::from_sec1_bytes(&k.point)
                    .is_ok_and(|vk| evidence::platform_id(&vk) == c.platform_id)
            });
        match key {
            Some(key) => {
                let (tbs, sig) = parsed.signed_parts();
                v.check(
                    CheckName::Signature,
                    Check::from_result(crypto::verify_ecdsa(key, -35, &tbs, sig)),
                );
                v.check(CheckName::Endorsement, Check::Ok);
            }
            None => {
                v.check(
                    CheckName::Signature,
                    Check::NotChecked("no trust anchor for this platform".into()),
                );
                v.check(
                    CheckName::Endorsement,
                    Check::Failed(format!(
                        "platform {} is not a trusted simulation platform",
                        hex::encode(c.platform_id)
                    )),
                );
            }
        }
        v.check(CheckName::Freshness, freshness.check(&c.report_data));
        v.claims = json!({
            "measurement": hex::encode(c.measurement),
            "signer": hex::encode(c.signer_id),
            "product_id": c.product_id,
            "svn": c.svn,
            "debug": c.debug,
            "report_data": hex::encode(c.report_data),
            "platform_id": hex::encode(c.platform_id),
            "issued_at": c.issued_at,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        Ok(v)
    }
}
