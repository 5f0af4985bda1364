//! The grammar of names that reach storage (see [`secgear_as_api::ids`]),
//! as the answers to requests naming something outside it.

use crate::error::ApiError;

pub use secgear_as_api::ids::{valid_id, valid_path};

/// [`valid_id`], as the answer to a request naming one.
pub(crate) fn checked_id(id: &str) -> Result<(), ApiError> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "invalid id {id:?}: 1-64 of [A-Za-z0-9._-], starting with a letter or digit"
        )))
    }
}

/// [`valid_path`], as the answer to a request naming a resource.
pub(crate) fn checked_path(path: &str) -> Result<(), ApiError> {
    if valid_path(path) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "invalid resource path {path:?}"
        )))
    }
}
