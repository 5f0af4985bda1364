//! The grammar of names that reach storage: policy ids, reference names,
//! trust-anchor ids and resource paths. Nothing outside it is accepted, so
//! no name can traverse anything.
//!
//! segment  = [A-Za-z0-9] [A-Za-z0-9._-]{0,63}   (and never "." or "..")
//! id       = segment
//! path     = segment ("/" segment){0,7}

const MAX_SEGMENT: usize = 64;
const MAX_SEGMENTS: usize = 8;

fn segment(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    s.len() <= MAX_SEGMENT
        && first.is_ascii_alphanumeric()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !s.contains("..")
}

/// A policy or trust-anchor id.
pub fn valid_id(s: &str) -> bool {
    segment(s)
}

/// A resource path such as `vendor/app/key`.
pub fn valid_path(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    parts.len() <= MAX_SEGMENTS && parts.iter().all(|p| segment(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn traversal_and_odd_names_are_refused() {
        for bad in [
            "", ".", "..", "../x", "a/../b", "/abs", "a//b", "a/", "-x", ".hidden", "a b", "a\\b",
            "a%2f", "é", "a..b",
        ] {
            assert!(!valid_path(bad), "{bad:?}");
        }
        for good in ["default-sim", "vendor/app/key.pem", "a_1", "A.b-c"] {
            assert!(valid_path(good), "{good:?}");
        }
        assert!(!valid_id("a/b"));
        assert!(!valid_id(&"a".repeat(65)));
    }

    proptest! {
        /// Whatever is accepted joins under a directory without leaving it.
        #[test]
        fn accepted_paths_stay_below_their_root(s in "\\PC{0,80}") {
            if valid_path(&s) {
                let joined = std::path::Path::new("/root").join(&s);
                prop_assert!(joined.starts_with("/root"));
                prop_assert!(joined.components().all(|c| matches!(c,
                    std::path::Component::RootDir | std::path::Component::Normal(_))));
            }
        }
    }
}
