//! TCG2 crypto-agile event logs (the TCG PC Client Platform Firmware
//! Profile format), as UEFI firmware and TDX's CCEL table expose them, and
//! their replay into measurement registers.
//!
//! The first event is the legacy-format Spec ID event (`Spec ID Event03`),
//! which declares the digest algorithms and their sizes; every later event
//! carries one digest per algorithm. Replaying extends each register from
//! zero: `R = H(R ‖ digest)`, per algorithm, for every event but
//! `EV_NO_ACTION`. The log area may be padded with zero or 0xFF bytes.
//!
//! Everything here is parsed from untrusted bytes: lengths are checked
//! before use and nothing panics on any input.

use std::collections::BTreeMap;
use std::fmt;

/// A digest algorithm of the log (TCG algorithm registry ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DigestAlg {
    Sha256,
    Sha384,
    Sha512,
    Sm3,
}

impl DigestAlg {
    pub fn from_tcg_id(id: u16) -> Option<Self> {
        match id {
            0x000B => Some(Self::Sha256),
            0x000C => Some(Self::Sha384),
            0x000D => Some(Self::Sha512),
            0x0012 => Some(Self::Sm3),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
            Self::Sm3 => "SM3",
        }
    }

    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha256 | Self::Sm3 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// `H(parts[0] ‖ parts[1] ‖ …)`.
    pub fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        use aws_lc_rs::digest;
        let sha2 = |algorithm: &'static digest::Algorithm| {
            let mut context = digest::Context::new(algorithm);
            for part in parts {
                context.update(part);
            }
            context.finish().as_ref().to_vec()
        };
        match self {
            Self::Sha256 => sha2(&digest::SHA256),
            Self::Sha384 => sha2(&digest::SHA384),
            Self::Sha512 => sha2(&digest::SHA512),
            Self::Sm3 => {
                use sm3::Digest;
                let mut hasher = sm3::Sm3::new();
                for part in parts {
                    hasher.update(part);
                }
                hasher.finalize().to_vec()
            }
        }
    }
}

impl fmt::Display for DigestAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `EV_NO_ACTION`: informational, never extended.
pub const EV_NO_ACTION: u32 = 0x3;

/// The TCG name of an event type (`EV_…`), or its number in hex.
pub fn type_name(event_type: u32) -> String {
    let name = match event_type {
        0x0000_0000 => "EV_PREBOOT_CERT",
        0x0000_0001 => "EV_POST_CODE",
        0x0000_0002 => "EV_UNUSED",
        0x0000_0003 => "EV_NO_ACTION",
        0x0000_0004 => "EV_SEPARATOR",
        0x0000_0005 => "EV_ACTION",
        0x0000_0006 => "EV_EVENT_TAG",
        0x0000_0007 => "EV_S_CRTM_CONTENTS",
        0x0000_0008 => "EV_S_CRTM_VERSION",
        0x0000_0009 => "EV_CPU_MICROCODE",
        0x0000_000A => "EV_PLATFORM_CONFIG_FLAGS",
        0x0000_000B => "EV_TABLE_OF_DEVICES",
        0x0000_000C => "EV_COMPACT_HASH",
        0x0000_000D => "EV_IPL",
        0x0000_000E => "EV_IPL_PARTITION_DATA",
        0x0000_000F => "EV_NONHOST_CODE",
        0x0000_0010 => "EV_NONHOST_CONFIG",
        0x0000_0011 => "EV_NONHOST_INFO",
        0x0000_0012 => "EV_OMIT_BOOT_DEVICE_EVENTS",
        0x8000_0000 => "EV_EFI_EVENT_BASE",
        0x8000_0001 => "EV_EFI_VARIABLE_DRIVER_CONFIG",
        0x8000_0002 => "EV_EFI_VARIABLE_BOOT",
        0x8000_0003 => "EV_EFI_BOOT_SERVICES_APPLICATION",
        0x8000_0004 => "EV_EFI_BOOT_SERVICES_DRIVER",
        0x8000_0005 => "EV_EFI_RUNTIME_SERVICES_DRIVER",
        0x8000_0006 => "EV_EFI_GPT_EVENT",
        0x8000_0007 => "EV_EFI_ACTION",
        0x8000_0008 => "EV_EFI_PLATFORM_FIRMWARE_BLOB",
        0x8000_0009 => "EV_EFI_HANDOFF_TABLES",
        0x8000_000A => "EV_EFI_PLATFORM_FIRMWARE_BLOB2",
        0x8000_000B => "EV_EFI_HANDOFF_TABLES2",
        0x8000_000C => "EV_EFI_VARIABLE_BOOT2",
        0x8000_0010 => "EV_EFI_HCRTM_EVENT",
        0x8000_00E0 => "EV_EFI_VARIABLE_AUTHORITY",
        0x8000_00E1 => "EV_EFI_SPDM_FIRMWARE_BLOB",
        0x8000_00E2 => "EV_EFI_SPDM_FIRMWARE_CONFIG",
        other => return format!("0x{other:08X}"),
    };
    name.to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventLogError {
    #[error("event log truncated at byte {at}: {what}")]
    Truncated { at: usize, what: &'static str },
    #[error("the first event is not a TCG2 Spec ID event (`Spec ID Event03`)")]
    NoSpecId,
    #[error(
        "event {event}: digest of algorithm 0x{alg:04X}, which the Spec ID event does not declare"
    )]
    UndeclaredAlgorithm { event: usize, alg: u16 },
    #[error(
        "the Spec ID event declares algorithm 0x{alg:04X} with {declared} bytes; it has {expected}"
    )]
    DigestSize {
        alg: u16,
        declared: u16,
        expected: usize,
    },
}

/// One measured event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The register index as written in the log (for CCEL, RTMR index + 1).
    pub index: u32,
    pub event_type: u32,
    /// The digests of algorithms this module knows, in log order.
    pub digests: Vec<(DigestAlg, Vec<u8>)>,
    pub data: Vec<u8>,
}

/// A parsed log: the declared algorithms (TCG id, digest size) and the
/// events after the Spec ID event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLog {
    pub algorithms: Vec<(u16, u16)>,
    pub events: Vec<Event>,
    /// Bytes up to the end of the last event: what remains is padding
    /// (the ACPI CCEL area is 1 MiB, mostly zeros).
    pub len: usize,
}

/// Register index → algorithm → replayed value.
pub type Registers = BTreeMap<u32, BTreeMap<DigestAlg, Vec<u8>>>;

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], EventLogError> {
        let out = self
            .at
            .checked_add(n)
            .and_then(|end| self.bytes.get(self.at..end))
            .ok_or(EventLogError::Truncated { at: self.at, what })?;
        self.at += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], EventLogError> {
        let at = self.at;
        self.take(N, what)?
            .try_into()
            .map_err(|_| EventLogError::Truncated { at, what })
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, EventLogError> {
        Ok(u8::from_le_bytes(self.array(what)?))
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, EventLogError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, EventLogError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// Only padding (all zero or all 0xFF) is left.
    fn at_padding(&self) -> bool {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        rest.iter().all(|b| *b == 0) || rest.iter().all(|b| *b == 0xFF)
    }
}

const SPEC_ID_SIGNATURE: &[u8; 16] = b"Spec ID Event03\0";

/// Parses a crypto-agile log (padding after the last event allowed).
pub fn parse(bytes: &[u8]) -> Result<EventLog, EventLogError> {
    let mut c = Cursor { bytes, at: 0 };
    // The Spec ID event, in the legacy (SHA-1) event format.
    let _index = c.u32("Spec ID event index")?;
    let event_type = c.u32("Spec ID event type")?;
    c.take(20, "Spec ID event digest")?;
    let size = c.u32("Spec ID event size")? as usize;
    let body = c.take(size, "Spec ID event")?;
    if event_type != EV_NO_ACTION || !body.starts_with(SPEC_ID_SIGNATURE) {
        return Err(EventLogError::NoSpecId);
    }
    let algorithms = spec_id_algorithms(body)?;

    let mut events = Vec::new();
    while !c.at_padding() {
        let number = events.len() + 1;
        let index = c.u32("event index")?;
        let event_type = c.u32("event type")?;
        let count = c.u32("digest count")?;
        let mut digests = Vec::new();
        for _ in 0..count {
            let alg = c.u16("digest algorithm")?;
            let size = algorithms
                .iter()
                .find(|(id, _)| *id == alg)
                .map(|(_, size)| *size)
                .ok_or(EventLogError::UndeclaredAlgorithm { event: number, alg })?;
            let digest = c.take(usize::from(size), "digest")?;
            if let Some(known) = DigestAlg::from_tcg_id(alg) {
                digests.push((known, digest.to_vec()));
            }
        }
        let size = c.u32("event size")? as usize;
        let data = c.take(size, "event data")?.to_vec();
        events.push(Event {
            index,
            event_type,
            digests,
            data,
        });
    }
    Ok(EventLog {
        algorithms,
        events,
        len: c.at,
    })
}

/// The (algorithm id, digest size) pairs the Spec ID event declares.
fn spec_id_algorithms(body: &[u8]) -> Result<Vec<(u16, u16)>, EventLogError> {
    let mut c = Cursor { bytes: body, at: 0 };
    c.take(16, "Spec ID signature")?;
    c.u32("platform class")?;
    c.take(3, "spec version")?;
    c.u8("uintn size")?;
    let count = c.u32("algorithm count")?;
    let mut algorithms = Vec::new();
    for _ in 0..count {
        let alg = c.u16("algorithm id")?;
        let declared = c.u16("digest size")?;
        if let Some(known) = DigestAlg::from_tcg_id(alg)
            && usize::from(declared) != known.digest_len()
        {
            return Err(EventLogError::DigestSize {
                alg,
                declared,
                expected: known.digest_len(),
            });
        }
        algorithms.push((alg, declared));
    }
    Ok(algorithms)
}

impl EventLog {
    /// Every register the log extends, per algorithm, replayed from zero.
    pub fn replay(&self) -> Registers {
        let mut registers = Registers::new();
        for event in self.events.iter().filter(|e| e.event_type != EV_NO_ACTION) {
            let banks = registers.entry(event.index).or_default();
            for (alg, digest) in &event.digests {
                let current = banks
                    .entry(*alg)
                    .or_insert_with(|| vec![0; alg.digest_len()]);
                *current = alg.hash(&[current, digest]);
            }
        }
        registers
    }

    /// What reference values can pin, from the events that name it:
    /// `boot_applications` (digests of EV_EFI_BOOT_SERVICES_APPLICATION, in
    /// order), and from grub's EV_IPL events the `kernel` and `initrd` file
    /// digests, the `kernel_cmdline` and the `grub` commands. Digests are
    /// the event's strongest (longest) one, as hex.
    ///
    /// Only events that count are read: those extending a register in
    /// `attested` with a digest of `alg` (the bank that was compared with
    /// the evidence). An event the replay did not cover says nothing.
    pub fn boot_claims(&self, alg: DigestAlg, attested: &[u32]) -> serde_json::Value {
        const EV_IPL: u32 = 0x0D;
        const EV_EFI_BOOT_SERVICES_APPLICATION: u32 = 0x8000_0003;
        let strongest = |e: &Event| {
            e.digests
                .iter()
                .find(|(a, _)| *a == alg)
                .map(|(_, d)| hex::encode(d))
        };
        let text = |e: &Event| {
            let trimmed = e.data.strip_suffix(&[0]).unwrap_or(&e.data);
            std::str::from_utf8(trimmed).ok().map(str::to_owned)
        };
        let mut boot_applications = Vec::new();
        let mut grub = Vec::new();
        let (mut kernel, mut initrd, mut cmdline) = (None, None, None);
        let counted = self
            .events
            .iter()
            .filter(|e| attested.contains(&e.index) && e.digests.iter().any(|(a, _)| *a == alg));
        for event in counted {
            match event.event_type {
                EV_EFI_BOOT_SERVICES_APPLICATION => boot_applications.extend(strongest(event)),
                EV_IPL => {
                    let Some(text) = text(event) else { continue };
                    if let Some(line) = text.strip_prefix("kernel_cmdline: ") {
                        cmdline = Some(line.to_owned());
                    } else if let Some(command) = text.strip_prefix("grub_cmd: ") {
                        grub.push(command.to_owned());
                    } else if text.contains("vmlinuz") || text.contains("/vmlinux") {
                        kernel = strongest(event);
                    } else if text.contains("initrd") || text.contains("initramfs") {
                        initrd = strongest(event);
                    }
                }
                _ => {}
            }
        }
        serde_json::json!({
            "boot_applications": boot_applications,
            "kernel": kernel,
            "initrd": initrd,
            "kernel_cmdline": cmdline,
            "grub": grub,
        })
    }

    /// The log as `secgear attest event-log` prints it: `events` (without
    /// `EV_NO_ACTION`) and the replayed `registers`.
    pub fn to_json(&self) -> serde_json::Value {
        let events: Vec<serde_json::Value> = self
            .events
            .iter()
            .filter(|e| e.event_type != EV_NO_ACTION)
            .map(|e| {
                serde_json::json!({
                    "index": e.index,
                    "type_name": type_name(e.event_type),
                    "digests": e.digests.iter().map(|(alg, d)| serde_json::json!({
                        "alg": alg.name(),
                        "digest": hex::encode(d),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let registers: serde_json::Map<String, serde_json::Value> = self
            .replay()
            .into_iter()
            .map(|(index, banks)| {
                let banks: serde_json::Map<String, serde_json::Value> = banks
                    .into_iter()
                    .map(|(alg, value)| (alg.name().to_owned(), hex::encode(value).into()))
                    .collect();
                (index.to_string(), banks.into())
            })
            .collect();
        serde_json::json!({ "events": events, "registers": registers })
    }
}
