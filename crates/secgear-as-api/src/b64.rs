//! Binary fields in the API are base64: standard or URL-safe alphabet,
//! padded or not, accepted; URL-safe without padding produced.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

pub fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let text = text.trim();
    URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .or_else(|_| STANDARD.decode(text))
        .or_else(|_| STANDARD_NO_PAD.decode(text))
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn encode_std(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
