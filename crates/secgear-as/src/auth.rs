//! Admin authentication: a bearer token whose SHA-256 is in the
//! configuration. Only the hash is kept; comparison is constant-time.

use crate::error::ApiError;
use axum::http::HeaderMap;

/// The bearer token of an `Authorization` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Admits the request if it carries the admin token.
pub fn require_admin(headers: &HeaderMap, expected_sha256: Option<&str>) -> Result<(), ApiError> {
    let Some(expected) = expected_sha256.and_then(|h| hex::decode(h).ok()) else {
        return Err(ApiError::Forbidden(
            "the admin API is disabled: set admin_token_sha256".into(),
        ));
    };
    let token = bearer(headers)
        .ok_or_else(|| ApiError::Unauthorized("an admin bearer token is required".into()))?;
    let presented = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    aws_lc_rs::constant_time::verify_slices_are_equal(presented.as_ref(), &expected)
        .map_err(|_| ApiError::Unauthorized("the admin bearer token is not valid".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_token_is_admitted() {
        let hash = hex::encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            b"s3cret",
        ));
        let mut headers = HeaderMap::new();
        assert!(matches!(
            require_admin(&headers, Some(&hash)),
            Err(ApiError::Unauthorized(_))
        ));
        headers.insert("authorization", "Bearer wrong".parse().expect("header"));
        assert!(matches!(
            require_admin(&headers, Some(&hash)),
            Err(ApiError::Unauthorized(_))
        ));
        headers.insert("authorization", "bearer s3cret".parse().expect("header"));
        assert!(require_admin(&headers, Some(&hash)).is_ok());
        assert!(matches!(
            require_admin(&headers, None),
            Err(ApiError::Forbidden(_))
        ));
    }
}
