//! Arm CCA attestation tokens: a CBOR tag 399 collection of a platform
//! token (key 44234) and a realm token (key 44241), each a COSE_Sign1.
//!
//! - The platform token is verified with the CPAK from the trust anchors,
//!   matched by implementation id and instance id.
//! - The realm token is verified with the RAK carried in its own claims
//!   (a raw SEC1 point, or a COSE_Key in the draft-ffm profile).
//! - The platform challenge must be the hash of the RAK (by the realm's
//!   `rak-hash-algorithm`): that is what binds the realm to the platform.
//! - Both the original profile (`http://arm.com/CCA-SSD/1.0.0`) and the
//!   draft-ffm profile are accepted; missing mandatory claims are refused,
//!   unknown claims ignored.
//!
//! Verified platform tokens are cached (bounded, keyed by the digest of their
//! signed bytes, signature and key), so a platform whose token is presented
//! over and over costs one signature check per realm.

use super::cose::{self, ClaimMap};
use crate::crypto::{self, Curve, EcKey};
use crate::reference::sw_component;
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use ciborium::Value;
use serde_json::{Map, Value as Json, json};
use std::num::NonZeroUsize;
use std::sync::Mutex;

const TAG: u64 = 399;
const PLATFORM: i64 = 44234;
const REALM: i64 = 44241;
const PLATFORM_CACHE: usize = 4096;

fn bad(m: impl Into<String>) -> VerifyError {
    VerifyError::malformed(TeeKind::Cca, m)
}

pub struct CcaVerifier {
    verified_platforms: Mutex<lru::LruCache<[u8; 32], ()>>,
}

impl Default for CcaVerifier {
    fn default() -> Self {
        let size = NonZeroUsize::new(PLATFORM_CACHE).unwrap_or(NonZeroUsize::MIN);
        Self {
            verified_platforms: Mutex::new(lru::LruCache::new(size)),
        }
    }
}

/// Splits the tag-399 collection into its two tokens.
fn collection(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), VerifyError> {
    let value: Value = ciborium::from_reader(bytes).map_err(|e| bad(format!("not CBOR: {e}")))?;
    let Value::Tag(TAG, inner) = value else {
        return Err(bad("not a CBOR tag 399 collection"));
    };
    let Value::Map(entries) = *inner else {
        return Err(bad("the collection is not a map"));
    };
    let get = |key: i64| {
        entries.iter().find_map(|(k, v)| match (k, v) {
            (Value::Integer(i), Value::Bytes(b)) if i128::from(*i) == i128::from(key) => {
                Some(b.clone())
            }
            _ => None,
        })
    };
    let platform = get(PLATFORM).ok_or_else(|| bad("no platform token (44234)"))?;
    let realm = get(REALM).ok_or_else(|| bad("no realm token (44241)"))?;
    Ok((platform, realm))
}

/// The RAK: a raw uncompressed point, or a COSE_Key (draft-ffm profile).
fn rak(value: &Value) -> Result<(EcKey, Vec<u8>), VerifyError> {
    let Value::Bytes(raw) = value else {
        return Err(bad("realm public key is not a byte string"));
    };
    if raw.first() == Some(&4) {
        let curve = match raw.len() {
            65 => Curve::P256,
            97 => Curve::P384,
            133 => Curve::P521,
            _ => return Err(bad("realm public key has an unexpected length")),
        };
        return Ok((
            EcKey {
                curve,
                point: raw.clone(),
            },
            raw.clone(),
        ));
    }
    let key = ClaimMap::decode(raw, TeeKind::Cca, "realm public key")?;
    if key.uint(1, "kty")? != 2 {
        return Err(bad("realm public key is not an EC2 COSE_Key"));
    }
    let crv = key.uint(-1, "crv")?;
    let curve = Curve::from_cose(i128::from(crv)).ok_or_else(|| bad("realm public key curve"))?;
    let n = curve.coordinate_len();
    let x = key.bytes_len(-2, "x", &[n])?;
    let y = key.bytes_len(-3, "y", &[n])?;
    let mut point = vec![4u8];
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Ok((EcKey { curve, point }, raw.clone()))
}

fn component(value: &Value) -> Result<Json, VerifyError> {
    let c = ClaimMap::from_value(value.clone(), TeeKind::Cca, "software component")?;
    let mut out = sw_component(
        c.optional_text(1, "component type")?,
        Some(hex::encode(c.bytes(2, "measurement value")?)),
        Some(hex::encode(c.bytes(5, "signer id")?)),
    );
    if let (Some(version), Json::Object(o)) = (c.optional_text(4, "version")?, &mut out) {
        o.insert("version".into(), version.into());
    }
    Ok(out)
}

impl CcaVerifier {
    fn cache_key(tbs: &[u8], signature: &[u8], key: &EcKey) -> [u8; 32] {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for part in [tbs, signature, &key.point] {
            ctx.update(&(part.len() as u64).to_le_bytes());
            ctx.update(part);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    fn verify_platform(&self, sign1: &coset::CoseSign1, key: &EcKey) -> Check {
        let Some(alg) = cose::algorithm(sign1) else {
            return Check::Failed("no algorithm in the platform token".into());
        };
        let tbs = sign1.tbs_data(&[]);
        let cache_key = Self::cache_key(&tbs, &sign1.signature, key);
        if self
            .verified_platforms
            .lock()
            .is_ok_and(|mut c| c.get(&cache_key).is_some())
        {
            return Check::Ok;
        }
        let result = crypto::verify_ecdsa(key, alg, &tbs, &sign1.signature);
        if result.is_ok()
            && let Ok(mut cache) = self.verified_platforms.lock()
        {
            cache.put(cache_key, ());
        }
        Check::from_result(result)
    }

    /// How many verified platform tokens are cached (for tests).
    pub fn cached_platforms(&self) -> usize {
        self.verified_platforms.lock().map(|c| c.len()).unwrap_or(0)
    }
}

/// Decodes a bare realm claim set (no signature): mandatory claims must be
/// present, unknown claims are ignored.
pub fn decode_realm_claims(bytes: &[u8]) -> Result<Json, VerifyError> {
    let r = ClaimMap::decode(bytes, TeeKind::Cca, "realm")?;
    realm_claims(&r).map(|parts| parts.claims)
}

/// Decodes a bare platform claim set (no signature).
pub fn decode_platform_claims(bytes: &[u8]) -> Result<Json, VerifyError> {
    let p = ClaimMap::decode(bytes, TeeKind::Cca, "platform")?;
    platform_claims(&p).map(|parts| parts.claims)
}

/// Normalised platform claims and what the checks need of them.
struct PlatformParts {
    claims: Json,
    implementation_id: Vec<u8>,
    instance_id: Vec<u8>,
    challenge: Vec<u8>,
}

/// Normalised realm claims and what the checks need of them.
struct RealmParts {
    claims: Json,
    challenge: Vec<u8>,
    rak: EcKey,
    rak_bytes: Vec<u8>,
    rak_hash_algorithm: String,
}

fn platform_claims(p: &ClaimMap) -> Result<PlatformParts, VerifyError> {
    let implementation_id = p.bytes_len(2396, "implementation id", &[32])?;
    let instance_id = p.bytes_len(256, "instance id", &[33])?;
    let challenge = p.bytes_len(10, "challenge", &[32, 48, 64])?;
    let components = p
        .array(2399, "software components")?
        .iter()
        .map(component)
        .collect::<Result<Vec<_>, _>>()?;
    let claims = json!({
        "profile": p.text(265, "profile")?,
        "challenge": hex::encode(&challenge),
        "implementation_id": hex::encode(&implementation_id),
        "instance_id": hex::encode(&instance_id),
        "config": hex::encode(p.bytes(2401, "configuration")?),
        "lifecycle": p.uint(2395, "lifecycle")?,
        "hash_algorithm": p.text(2402, "hash algorithm id")?,
        "verification_service": p.optional_text(2400, "verification service")?,
        "sw_components": components,
    });
    Ok(PlatformParts {
        claims,
        implementation_id,
        instance_id,
        challenge,
    })
}

fn realm_claims(r: &ClaimMap) -> Result<RealmParts, VerifyError> {
    let challenge = r.bytes_len(10, "challenge", &[64])?;
    let (rak, rak_bytes) = rak(r.raw(44237, "realm public key")?)?;
    let rak_hash_algorithm = r.text(44240, "realm public key hash algorithm")?;
    let rem = r
        .array(44239, "extensible measurements")?
        .iter()
        .map(|v| match v {
            Value::Bytes(b) if [32, 48, 64].contains(&b.len()) => Ok(Json::String(hex::encode(b))),
            _ => Err(bad(
                "an extensible measurement is not a 32/48/64-byte string",
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if rem.len() != 4 {
        return Err(bad("there must be exactly 4 extensible measurements"));
    }
    let claims = json!({
        "profile": r.optional_text(265, "profile")?,
        "challenge": hex::encode(&challenge),
        "personalization": hex::encode(r.bytes_len(44235, "personalization value", &[64])?),
        "hash_algorithm": r.text(44236, "hash algorithm id")?,
        "rak": hex::encode(&rak_bytes),
        "rak_hash_algorithm": rak_hash_algorithm,
        "rim": hex::encode(r.bytes_len(44238, "initial measurement", &[32, 48, 64])?),
        "rem": rem,
    });
    Ok(RealmParts {
        claims,
        challenge,
        rak,
        rak_bytes,
        rak_hash_algorithm,
    })
}

impl Verifier for CcaVerifier {
    fn tee(&self) -> TeeKind {
        TeeKind::Cca
    }

    fn verify(
        &self,
        bytes: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let anchors = context.anchors;
        let envelope = crate::envelope::Envelope::parse_or_raw(TeeKind::Cca, bytes)?;
        let (platform_bytes, realm_bytes) = collection(&envelope.evidence)?;
        let platform = cose::sign1(&platform_bytes, TeeKind::Cca, "platform token")?;
        let realm = cose::sign1(&realm_bytes, TeeKind::Cca, "realm token")?;
        let p = ClaimMap::decode(
            platform
                .payload
                .as_deref()
                .ok_or_else(|| bad("platform token has no payload"))?,
            TeeKind::Cca,
            "platform",
        )?;
        let r = ClaimMap::decode(
            realm
                .payload
                .as_deref()
                .ok_or_else(|| bad("realm token has no payload"))?,
            TeeKind::Cca,
            "realm",
        )?;

        let PlatformParts {
            claims: platform_claims,
            implementation_id,
            instance_id,
            challenge: platform_challenge,
        } = platform_claims(&p)?;
        let RealmParts {
            claims: realm_claims,
            challenge: realm_challenge,
            rak: rak_key,
            rak_bytes,
            rak_hash_algorithm,
        } = realm_claims(&r)?;

        let mut v = Verified::new(TeeKind::Cca);
        let anchor = anchors.cca.iter().find(|a| {
            a.implementation_id
                .as_deref()
                .is_none_or(|i| i == implementation_id.as_slice())
                && a.instance_id
                    .as_deref()
                    .is_none_or(|i| i == instance_id.as_slice())
        });
        let platform_signature = match anchor {
            None => {
                v.check(
                    CheckName::PlatformEndorsement,
                    Check::Failed(format!(
                        "no trust anchor for implementation {} instance {}",
                        hex::encode(&implementation_id),
                        hex::encode(&instance_id)
                    )),
                );
                Check::NotChecked("no platform key".into())
            }
            Some(a) => {
                v.check(CheckName::PlatformEndorsement, Check::Ok);
                self.verify_platform(&platform, &a.key)
            }
        };
        let platform_ok = platform_signature.is_ok();
        v.check(CheckName::PlatformSignature, platform_signature);
        if platform_ok {
            let realm_alg = cose::algorithm(&realm).unwrap_or_default();
            let tbs = realm.tbs_data(&[]);
            v.check(
                CheckName::RealmSignature,
                Check::from_result(crypto::verify_ecdsa(
                    &rak_key,
                    realm_alg,
                    &tbs,
                    &realm.signature,
                )),
            );
            let binding = match cose::digest(&rak_hash_algorithm, &rak_bytes) {
                Some(h) if h == platform_challenge => Check::Ok,
                Some(_) => {
                    Check::Failed("the platform challenge is not the hash of the realm key".into())
                }
                None => Check::Failed(format!("unknown RAK hash algorithm {rak_hash_algorithm}")),
            };
            v.check(CheckName::RealmBinding, binding);
        } else {
            // An untrusted platform vouches for nothing: the realm is not evaluated.
            let why = Check::NotChecked("the platform token did not verify".into());
            v.check(CheckName::RealmSignature, why.clone());
            v.check(CheckName::RealmBinding, why);
        }
        v.check(CheckName::Freshness, freshness.check(&realm_challenge));
        let mut claims = Map::new();
        let mut realm_claims = realm_claims;
        // Logs beside the token: CCEL index i + 1 is REM i, IMA extends the
        // REM its PCR index names; the allow list is the realm's (its RIM).
        let rem: Vec<Vec<u8>> = realm_claims["rem"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|h| h.as_str().and_then(|h| hex::decode(h).ok()))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(log) = &envelope.event_log {
            let alg = match rem.first().map(Vec::len) {
                Some(48) => crate::eventlog::DigestAlg::Sha384,
                Some(64) => crate::eventlog::DigestAlg::Sha512,
                _ => crate::eventlog::DigestAlg::Sha256,
            };
            let (check, boot) = super::logs::check_event_log(log, alg, &rem);
            v.check(CheckName::EventLog, check);
            if let (Some(b), Some(obj)) = (boot, realm_claims.as_object_mut()) {
                obj.insert("event_log".into(), b);
            }
        }
        if let Some(log) = &envelope.ima_log {
            let rim = realm_claims["rim"].as_str().unwrap_or_default().to_owned();
            let rem_of = |pcr: u32| rem.get(pcr as usize).cloned();
            let (check, ima) = super::logs::check_ima(
                log,
                crate::ima::Binding::Registers(&rem_of),
                context.ima_allow_list(&rim),
            );
            v.check(CheckName::Ima, check);
            if let (Some(i), Some(obj)) = (ima, realm_claims.as_object_mut()) {
                obj.insert("ima".into(), i);
            }
        }
        claims.insert("platform".into(), platform_claims);
        claims.insert("realm".into(), realm_claims);
        v.claims = claims;
        Ok(v)
    }
}
