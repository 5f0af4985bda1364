//! Which identity a sealing key is bound to.

/// Which identity a sealing key is bound to; the numbers are what the
/// enclave runtime and the platform exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SealPolicy {
    /// Only this exact enclave image and configuration.
    Measurement = 1,
    /// Any enclave signed by the same key with the same product id.
    Signer = 2,
}

impl SealPolicy {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(Self::Measurement),
            2 => Some(Self::Signer),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_numbers_round_trip_and_others_are_refused() {
        for p in [SealPolicy::Measurement, SealPolicy::Signer] {
            assert_eq!(SealPolicy::from_u8(p as u8), Some(p));
        }
        assert_eq!(SealPolicy::from_u8(0), None);
        assert_eq!(SealPolicy::from_u8(3), None);
    }
}
