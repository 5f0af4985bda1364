//! Resources leave the attestation service encrypted to a TEE's key (HPKE,
//! RFC 9180: X25519, HKDF-SHA256, AES-256-GCM). The key comes from the
//! attestation token: the runtime data the evidence was bound to is a JSON
//! object whose `tee-pubkey` is an X25519 JWK
//! (`{"kty": "OKP", "crv": "X25519", "x": <base64url>}`).
//!
//! Whoever holds the private key reads the resource. An enclave's runtime
//! keeps its key inside the enclave and binds it into its evidence itself
//! (`secgear_enclave::tee_key`); a key chosen by the host (runtime data the
//! host supplies) protects nothing from the host, only from the network.
#![forbid(unsafe_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeS, Serializable};
use rand_core::TryRngCore;
use serde::{Deserialize, Serialize};

pub const SUITE: &str = "X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM";

/// Why a token's runtime data yields no TEE key.
#[derive(Debug, thiserror::Error)]
pub enum TeeKeyError {
    #[error("the token's runtime data is not a JSON object")]
    NotJson(#[source] serde_json::Error),
    #[error("the token's runtime data carries no `tee-pubkey`")]
    NoKey,
    #[error("`tee-pubkey` must be an X25519 OKP JWK")]
    NotX25519,
    #[error("`tee-pubkey` has no `x`")]
    NoX,
    #[error("`tee-pubkey.x` is not 32 bytes of base64url")]
    BadX,
}

/// Why a resource cannot be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("TEE public key: {0}")]
    PublicKey(#[source] hpke::HpkeError),
    #[error("private key: {0}")]
    PrivateKey(#[source] hpke::HpkeError),
    #[error("unsupported suite {0}")]
    Suite(String),
    #[error("{field}: {source}")]
    Encoding {
        field: &'static str,
        #[source]
        source: base64::DecodeError,
    },
    #[error("enc: {0}")]
    EncappedKey(#[source] hpke::HpkeError),
    /// Encryption failed, or the ciphertext does not open with this key
    /// for this path.
    #[error("HPKE: {0}")]
    Hpke(#[source] hpke::HpkeError),
}

/// A sealed resource as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedResource {
    /// The HPKE suite.
    pub suite: String,
    /// The encapsulated key (base64url).
    pub enc: String,
    /// The ciphertext (base64url); the associated data is the resource path.
    pub ciphertext: String,
}

/// The HPKE `info` for a resource path.
pub fn info(path: &str) -> Vec<u8> {
    format!("secgear-as resource {path}").into_bytes()
}

/// The X25519 public key in a token's runtime data, if it carries one.
pub fn tee_public_key(runtime_data: &[u8]) -> Result<[u8; 32], TeeKeyError> {
    let value: serde_json::Value =
        serde_json::from_slice(runtime_data).map_err(TeeKeyError::NotJson)?;
    let jwk = value.get("tee-pubkey").ok_or(TeeKeyError::NoKey)?;
    if jwk.get("kty").and_then(|v| v.as_str()) != Some("OKP")
        || jwk.get("crv").and_then(|v| v.as_str()) != Some("X25519")
    {
        return Err(TeeKeyError::NotX25519);
    }
    let x = jwk
        .get("x")
        .and_then(|v| v.as_str())
        .ok_or(TeeKeyError::NoX)?;
    URL_SAFE_NO_PAD
        .decode(x.trim_end_matches('='))
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or(TeeKeyError::BadX)
}

/// Encrypts `plaintext` to `public_key` for `path`.
pub fn seal(
    public_key: &[u8; 32],
    path: &str,
    plaintext: &[u8],
) -> Result<SealedResource, SealError> {
    let pk = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(public_key)
        .map_err(SealError::PublicKey)?;
    let mut rng = rand_core::OsRng.unwrap_err();
    let (enc, ciphertext) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, X25519HkdfSha256, _>(
        &OpModeS::Base,
        &pk,
        &info(path),
        plaintext,
        path.as_bytes(),
        &mut rng,
    )
    .map_err(SealError::Hpke)?;
    Ok(SealedResource {
        suite: SUITE.into(),
        enc: URL_SAFE_NO_PAD.encode(enc.to_bytes()),
        ciphertext: URL_SAFE_NO_PAD.encode(&ciphertext),
    })
}

impl SealedResource {
    /// The encapsulated key and the ciphertext, decoded.
    pub fn parts(&self) -> Result<(Vec<u8>, Vec<u8>), SealError> {
        if self.suite != SUITE {
            return Err(SealError::Suite(self.suite.clone()));
        }
        let decode = |field: &'static str, text: &str| {
            URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|source| SealError::Encoding { field, source })
        };
        let enc = decode("enc", &self.enc)?;
        let ciphertext = decode("ciphertext", &self.ciphertext)?;
        Ok((enc, ciphertext))
    }
}

/// Decrypts a sealed resource with the TEE's private key.
pub fn open(
    private_key: &[u8; 32],
    path: &str,
    sealed: &SealedResource,
) -> Result<Vec<u8>, SealError> {
    let (enc, ciphertext) = sealed.parts()?;
    open_parts(private_key, path, &enc, &ciphertext)
}

/// [`open`] on the decoded parts.
pub fn open_parts(
    private_key: &[u8; 32],
    path: &str,
    enc: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, SealError> {
    let sk = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(private_key)
        .map_err(SealError::PrivateKey)?;
    let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(enc)
        .map_err(SealError::EncappedKey)?;
    hpke::single_shot_open::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &hpke::OpModeR::Base,
        &sk,
        &enc,
        &info(path),
        ciphertext,
        path.as_bytes(),
    )
    .map_err(SealError::Hpke)
}

/// A fresh X25519 key pair: (private, public).
pub fn generate_keypair() -> (zeroize::Zeroizing<[u8; 32]>, [u8; 32]) {
    let mut rng = rand_core::OsRng.unwrap_err();
    let (sk, pk) = X25519HkdfSha256::gen_keypair(&mut rng);
    let mut private = zeroize::Zeroizing::new([0u8; 32]);
    private.copy_from_slice(&sk.to_bytes());
    let mut public = [0u8; 32];
    public.copy_from_slice(&pk.to_bytes());
    (private, public)
}

/// The second half of the report data of evidence that binds a key the TEE
/// itself holds. Enclave runtimes refuse to sign report data ending in it
/// on anyone else's behalf, so a host cannot pass off a key it chose.
pub const REPORT_TAG: [u8; 32] = *b"secgear tee-held key binding v1\0";

/// Report data binding a nonce and runtime data that carries a TEE-held
/// key: `SHA-256(nonce || runtime_data) || REPORT_TAG`.
pub fn report_data(nonce: &[u8], runtime_data: &[u8]) -> [u8; 64] {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(nonce)
        .chain_update(runtime_data)
        .finalize();
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&digest);
    out[32..].copy_from_slice(&REPORT_TAG);
    out
}

/// The challenge evidence for `nonce` and `runtime_data` must carry, for
/// service and peer verifiers and the agents that make it alike:
/// `SHA-256(nonce || runtime_data)`, followed by [`REPORT_TAG`] when the
/// runtime data carries a `tee-pubkey`. A longer report-data field holds it
/// zero-padded.
pub fn expected_challenge(nonce: &[u8], runtime_data: &[u8]) -> Vec<u8> {
    let bound = report_data(nonce, runtime_data);
    let len = if carries_key(runtime_data) { 64 } else { 32 };
    bound[..len].to_vec()
}

/// Whether runtime data carries a `tee-pubkey` (and so must come with
/// [`report_data`] evidence).
pub fn carries_key(runtime_data: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(runtime_data)
        .is_ok_and(|v| v.get("tee-pubkey").is_some())
}

/// Runtime data that binds `public` as the TEE's key: `{"tee-pubkey": <X25519 JWK>}`.
pub fn runtime_data(public: &[u8; 32]) -> Vec<u8> {
    serde_json::json!({"tee-pubkey": {"kty": "OKP", "crv": "X25519", "x": URL_SAFE_NO_PAD.encode(public)}})
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_tee_key_opens_a_resource_and_only_for_its_path() {
        let (sk, pk) = generate_keypair();
        let sealed = seal(&pk, "vendor/key", b"top secret").expect("seal");
        assert_eq!(
            open(&sk, "vendor/key", &sealed).expect("open"),
            b"top secret"
        );
        assert!(
            matches!(open(&sk, "vendor/other", &sealed), Err(SealError::Hpke(_))),
            "bound to the path"
        );
        let (other, _) = generate_keypair();
        assert!(matches!(
            open(&other, "vendor/key", &sealed),
            Err(SealError::Hpke(_))
        ));
        assert_eq!(tee_public_key(&runtime_data(&pk)).expect("key"), pk);
        assert!(matches!(
            tee_public_key(b"not json"),
            Err(TeeKeyError::NotJson(_))
        ));
        assert!(matches!(
            tee_public_key(br#"{"tee-pubkey": {"kty": "EC"}}"#),
            Err(TeeKeyError::NotX25519)
        ));
        assert!(matches!(
            tee_public_key(br#"{"other": 1}"#),
            Err(TeeKeyError::NoKey)
        ));
        assert!(matches!(
            tee_public_key(br#"{"tee-pubkey": {"kty": "OKP", "crv": "X25519", "x": "AAAA"}}"#),
            Err(TeeKeyError::BadX)
        ));
        let mut odd = sealed.clone();
        odd.suite = "P-256".into();
        assert!(matches!(odd.parts(), Err(SealError::Suite(s)) if s == "P-256"));
        let mut garbled = sealed.clone();
        garbled.ciphertext = "%%%".into();
        let err = garbled.parts().expect_err("not base64url");
        assert!(
            matches!(
                err,
                SealError::Encoding {
                    field: "ciphertext",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn the_challenge_carries_the_tag_exactly_when_runtime_data_carries_a_key() {
        let (_, pk) = generate_keypair();
        let keyed = runtime_data(&pk);
        assert_eq!(
            expected_challenge(b"nonce", &keyed),
            report_data(b"nonce", &keyed).to_vec()
        );
        let plain = expected_challenge(b"nonce", b"{}");
        assert_eq!(plain, report_data(b"nonce", b"{}")[..32].to_vec());
        assert_ne!(plain, expected_challenge(b"other", b"{}"));
    }
}
