//! COSE_Sign1 and CBOR claim-map helpers shared by the CCA and virtCCA verifiers.

use crate::verifier::{TeeKind, VerifyError};
use ciborium::Value;
use coset::{CborSerializable, CoseSign1, TaggedCborSerializable};

/// A COSE_Sign1, tagged (18) or not.
pub fn sign1(bytes: &[u8], tee: TeeKind, what: &str) -> Result<CoseSign1, VerifyError> {
    CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|e| VerifyError::malformed(tee, format!("{what} is not a COSE_Sign1: {e:?}")))
}

/// The COSE algorithm in the protected header.
pub fn algorithm(sign1: &CoseSign1) -> Option<i64> {
    match &sign1.protected.header.alg {
        Some(coset::RegisteredLabelWithPrivate::Assigned(a)) => Some(*a as i64),
        Some(coset::RegisteredLabelWithPrivate::PrivateUse(a)) => Some(*a),
        _ => None,
    }
}

/// A claims map with integer keys.
pub struct ClaimMap {
    entries: Vec<(Value, Value)>,
    tee: TeeKind,
    what: &'static str,
}

impl ClaimMap {
    pub fn decode(bytes: &[u8], tee: TeeKind, what: &'static str) -> Result<Self, VerifyError> {
        let value: Value = ciborium::from_reader(bytes)
            .map_err(|e| VerifyError::malformed(tee, format!("{what} claims are not CBOR: {e}")))?;
        Self::from_value(value, tee, what)
    }

    pub fn from_value(value: Value, tee: TeeKind, what: &'static str) -> Result<Self, VerifyError> {
        match value {
            Value::Map(entries) => Ok(Self { entries, tee, what }),
            _ => Err(VerifyError::malformed(
                tee,
                format!("{what} claims are not a map"),
            )),
        }
    }

    fn get(&self, key: i64) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == i128::from(key)))
            .map(|(_, v)| v)
    }

    fn missing(&self, key: i64, name: &str) -> VerifyError {
        VerifyError::malformed(
            self.tee,
            format!("{} claims lack mandatory claim {name} ({key})", self.what),
        )
    }

    fn wrong(&self, name: &str, expected: &str) -> VerifyError {
        VerifyError::malformed(
            self.tee,
            format!("{} claim {name} is not {expected}", self.what),
        )
    }

    pub fn bytes(&self, key: i64, name: &str) -> Result<Vec<u8>, VerifyError> {
        match self.get(key) {
            Some(Value::Bytes(b)) => Ok(b.clone()),
            Some(_) => Err(self.wrong(name, "a byte string")),
            None => Err(self.missing(key, name)),
        }
    }

    /// A byte string of one of the given lengths.
    pub fn bytes_len(&self, key: i64, name: &str, lens: &[usize]) -> Result<Vec<u8>, VerifyError> {
        let b = self.bytes(key, name)?;
        if lens.contains(&b.len()) {
            Ok(b)
        } else {
            Err(self.wrong(name, &format!("{lens:?} bytes long")))
        }
    }

    pub fn text(&self, key: i64, name: &str) -> Result<String, VerifyError> {
        match self.get(key) {
            Some(Value::Text(t)) => Ok(t.clone()),
            Some(_) => Err(self.wrong(name, "text")),
            None => Err(self.missing(key, name)),
        }
    }

    pub fn optional_text(&self, key: i64, name: &str) -> Result<Option<String>, VerifyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t.clone())),
            Some(_) => Err(self.wrong(name, "text")),
        }
    }

    pub fn uint(&self, key: i64, name: &str) -> Result<u64, VerifyError> {
        match self.get(key) {
            Some(Value::Integer(i)) => {
                u64::try_from(*i).map_err(|_| self.wrong(name, "an unsigned integer"))
            }
            Some(_) => Err(self.wrong(name, "an integer")),
            None => Err(self.missing(key, name)),
        }
    }

    pub fn array(&self, key: i64, name: &str) -> Result<Vec<Value>, VerifyError> {
        match self.get(key) {
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(_) => Err(self.wrong(name, "an array")),
            None => Err(self.missing(key, name)),
        }
    }

    /// The raw value of a claim (for claims with several encodings).
    pub fn raw(&self, key: i64, name: &str) -> Result<&Value, VerifyError> {
        self.get(key).ok_or_else(|| self.missing(key, name))
    }
}

/// A digest by the name CCA and virtCCA tokens use.
pub fn digest(algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
    let alg = match algorithm {
        "sha-256" => &aws_lc_rs::digest::SHA256,
        "sha-384" => &aws_lc_rs::digest::SHA384,
        "sha-512" => &aws_lc_rs::digest::SHA512,
        _ => return None,
    };
    Some(aws_lc_rs::digest::digest(alg, data).as_ref().to_vec())
}
