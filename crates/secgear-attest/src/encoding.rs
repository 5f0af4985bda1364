//! Evidence as users hand it over: raw bytes, hex text or base64 text.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// Decodes evidence that may be raw binary, hex text or base64 (either
/// alphabet, padded or not). Text is recognised only when every byte is a
/// printable character of that encoding, so binary evidence is never
/// mistaken for text.
pub fn decode_evidence(bytes: &[u8]) -> Vec<u8> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim(),
        Err(_) => return bytes.to_vec(),
    };
    // JSON evidence (iTrustee reports) is used as is.
    if text.starts_with('{') {
        return text.as_bytes().to_vec();
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if !compact.is_empty()
        && compact.len().is_multiple_of(2)
        && compact.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(raw) = hex::decode(&compact)
    {
        return raw;
    }
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        if let Ok(raw) = engine.decode(&compact) {
            return raw;
        }
    }
    bytes.to_vec()
}

/// Base64url without padding, as JOSE and libqca use it; tolerant of padding on input.
pub fn b64url_decode(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('='))
}

pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Standard base64, tolerant of missing padding.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s.trim_end_matches('=')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_encoding() {
        let raw = vec![0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26];
        assert_eq!(decode_evidence(&raw), raw);
        assert_eq!(decode_evidence(b"d28443a10126\n"), raw);
        assert_eq!(decode_evidence(b"0oRDoQEm"), raw);
        assert_eq!(decode_evidence(b"{\"a\":1}"), b"{\"a\":1}");
    }
}
