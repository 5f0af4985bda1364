//! The IMA runtime measurement list in its binary form
//! (`/sys/kernel/security/ima/binary_runtime_measurements`), `ima-ng` and
//! `ima-sig` templates.
//!
//! Each entry (host byte order, little-endian on every platform secGear
//! runs on): PCR index (u32), template digest (20 bytes in the SHA-1 list,
//! 32 in `binary_runtime_measurements_sha256`), template name (u32 length,
//! text), template data (u32 length, then fields each with a u32 length:
//! `<alg>:\0<file digest>`, the NUL-terminated path, and for `ima-sig` the
//! signature). A register's SHA-256 bank is extended with SHA-256 of the
//! template data; a violation (all-zero template digest) extends all-ones.

use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImaError {
    #[error("IMA log truncated at byte {0}")]
    Truncated(usize),
    #[error("IMA log entry at byte {offset}: {detail}")]
    Entry { offset: usize, detail: String },
    #[error("the IMA log is empty")]
    Empty,
}

/// One measured file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub pcr: u32,
    pub template: String,
    /// `sha256`, `sha1`, ... as the log names it.
    pub file_alg: String,
    pub file_digest: Vec<u8>,
    pub path: String,
    /// A measurement the kernel could not take (open-writers, ToMToU).
    pub violation: bool,
    template_data: Vec<u8>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ImaError> {
        let end = self.at.checked_add(n).ok_or(ImaError::Truncated(self.at))?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or(ImaError::Truncated(self.at))?;
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, ImaError> {
        let raw: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| ImaError::Truncated(self.at))?;
        Ok(u32::from_le_bytes(raw))
    }

    fn sized(&mut self, limit: usize) -> Result<&'a [u8], ImaError> {
        let at = self.at;
        let len = self.u32()? as usize;
        if len > limit {
            return Err(ImaError::Entry {
                offset: at,
                detail: format!("a field of {len} bytes (at most {limit})"),
            });
        }
        self.take(len)
    }
}

/// The template digest length the list was written with: the one after
/// which a plausible template name follows.
fn digest_len(bytes: &[u8]) -> usize {
    for len in [20usize, 32] {
        let name_len = bytes
            .get(4 + len..8 + len)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes);
        if let Some(n) = name_len
            && (1..=16).contains(&n)
            && bytes
                .get(8 + len..8 + len + n as usize)
                .is_some_and(|name| name.starts_with(b"ima"))
        {
            return len;
        }
    }
    20
}

pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, ImaError> {
    if bytes.is_empty() {
        return Err(ImaError::Empty);
    }
    let digest = digest_len(bytes);
    let mut c = Cursor { bytes, at: 0 };
    let mut entries = Vec::new();
    while c.at < bytes.len() {
        let offset = c.at;
        let bad = |detail: &str| ImaError::Entry {
            offset,
            detail: detail.into(),
        };
        let pcr = c.u32()?;
        let template_digest = c.take(digest)?;
        let template = std::str::from_utf8(c.sized(16)?)
            .map_err(|_| bad("template name is not text"))?
            .to_owned();
        if template != "ima-ng" && template != "ima-sig" {
            return Err(bad(&format!(
                "template `{template}` (ima-ng or ima-sig expected)"
            )));
        }
        let template_data = c.sized(1 << 16)?;
        let mut fields = Cursor {
            bytes: template_data,
            at: 0,
        };
        let digest_field = fields.sized(128)?;
        let sep = digest_field
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| bad("the file digest has no `<alg>:` prefix"))?;
        let (prefix, rest) = digest_field.split_at(sep);
        let file_alg = std::str::from_utf8(prefix)
            .ok()
            .and_then(|p| p.strip_suffix(':'))
            .ok_or_else(|| bad("the file digest has no `<alg>:` prefix"))?
            .to_owned();
        let file_digest = rest.get(1..).unwrap_or_default().to_vec();
        let path_field = fields.sized(4096)?;
        let path = String::from_utf8_lossy(path_field.strip_suffix(&[0]).unwrap_or(path_field))
            .into_owned();
        if template == "ima-sig" {
            fields.sized(1 << 14)?;
        }
        if fields.at != template_data.len() {
            return Err(bad("template data has bytes after its fields"));
        }
        entries.push(Entry {
            pcr,
            template,
            file_alg,
            file_digest,
            path,
            violation: template_digest.iter().all(|b| *b == 0),
            template_data: template_data.to_vec(),
        });
    }
    Ok(entries)
}

/// One extension of a SHA-256 register by an entry.
fn extend(register: &[u8], e: &Entry) -> Vec<u8> {
    let measurement = if e.violation {
        vec![0xff; 32]
    } else {
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &e.template_data)
            .as_ref()
            .to_vec()
    };
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(register);
    ctx.update(&measurement);
    ctx.finish().as_ref().to_vec()
}

/// The SHA-256 bank of every register the list extends, replayed from zero.
pub fn replay_sha256(entries: &[Entry]) -> BTreeMap<u32, Vec<u8>> {
    let mut registers: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for e in entries {
        let register = registers.entry(e.pcr).or_insert_with(|| vec![0; 32]);
        *register = extend(register, e);
    }
    registers
}

/// The outcome of checking a list: why it fails, if it does, and what a
/// policy may read of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Appraisal {
    pub failure: Option<String>,
    pub claims: Value,
}

/// How a list is bound to the evidence.
pub enum Binding<'a> {
    /// Each register it extends must equal the platform's (`None`: the
    /// platform has no such register).
    Registers(&'a dyn Fn(u32) -> Option<Vec<u8>>),
    /// The evidence signs the list's hash (checked by the caller).
    Hash,
}

/// Replays the list, compares it with the evidence as `binding` says and
/// checks every file digest against `allowed` (hex digests). Unknown files
/// are named.
pub fn appraise(entries: &[Entry], binding: Binding<'_>, allowed: &[Value]) -> Appraisal {
    let replayed = replay_sha256(entries);
    let mut failure = None;
    // The list is read after the report and may have grown since: per
    // register, the attested part is the longest prefix that replays to the
    // reported value; later entries are not attested and not judged.
    let attested: Vec<&Entry> = match binding {
        Binding::Hash => entries.iter().collect(),
        Binding::Registers(register) => {
            let mut cut: BTreeMap<u32, usize> = BTreeMap::new();
            let mut running: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
            for (i, e) in entries.iter().enumerate() {
                let value = running.entry(e.pcr).or_insert_with(|| vec![0; 32]);
                *value = extend(value, e);
                if register(e.pcr).as_deref() == Some(value.as_slice()) {
                    cut.insert(e.pcr, i);
                }
            }
            for (pcr, value) in &replayed {
                if cut.contains_key(pcr) {
                    continue;
                }
                failure = Some(match register(*pcr) {
                    Some(reported) => format!(
                        "no prefix of the IMA log replays register {pcr} to the reported {} (the whole log gives {})",
                        hex::encode(reported),
                        hex::encode(value)
                    ),
                    None => format!(
                        "the IMA log extends register {pcr}, which the evidence does not report"
                    ),
                });
                break;
            }
            entries
                .iter()
                .enumerate()
                .filter(|(i, e)| cut.get(&e.pcr).is_some_and(|last| i <= last))
                .map(|(_, e)| e)
                .collect()
        }
    };
    let entries = attested;
    let known = |digest: &str| allowed.iter().any(|a| a.as_str() == Some(digest));
    let unknown: Vec<&str> = entries
        .iter()
        .filter(|e| !e.violation && !known(&hex::encode(&e.file_digest)))
        .map(|e| e.path.as_str())
        .collect();
    let violations: Vec<&str> = entries
        .iter()
        .filter(|e| e.violation)
        .map(|e| e.path.as_str())
        .collect();
    if failure.is_none() && !unknown.is_empty() {
        failure = Some(format!(
            "files not in the allow list: {}",
            unknown.join(", ")
        ));
    }
    Appraisal {
        failure,
        claims: json!({
            "entries": entries.len(),
            "registers": replayed.iter().map(|(k, v)| (k.to_string(), Value::String(hex::encode(v)))).collect::<serde_json::Map<_, _>>(),
            "unknown_files": unknown,
            "violations": violations,
        }),
    }
}

/// Builds a binary `ima-ng` list (the SHA-1 form): for tests and tools that
/// need a log of known content.
pub fn encode_ng(entries: &[(u32, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (pcr, path, file_digest) in entries {
        let mut digest_field = b"sha256:\0".to_vec();
        digest_field.extend_from_slice(file_digest);
        let mut path_field = path.as_bytes().to_vec();
        path_field.push(0);
        let mut data = Vec::new();
        for field in [&digest_field, &path_field] {
            data.extend_from_slice(&(field.len() as u32).to_le_bytes());
            data.extend_from_slice(field);
        }
        let template_digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &data);
        out.extend_from_slice(&pcr.to_le_bytes());
        out.extend_from_slice(template_digest.as_ref());
        out.extend_from_slice(&6u32.to_le_bytes());
        out.extend_from_slice(b"ima-ng");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_parses_replays_and_names_unknown_files() {
        let a = [0x11u8; 32];
        let b = [0x22u8; 32];
        let log = encode_ng(&[(10, "boot_aggregate", &a), (10, "/usr/bin/app", &b)]);
        let entries = parse(&log).expect("parses");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].path, "/usr/bin/app");
        assert_eq!(entries[1].file_alg, "sha256");
        assert_eq!(entries[1].file_digest, b);
        let registers = replay_sha256(&entries);
        // By hand: extend twice from zero.
        let extend = |reg: &[u8], data: &[u8]| {
            let m = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
            let mut all = reg.to_vec();
            all.extend_from_slice(m.as_ref());
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &all)
                .as_ref()
                .to_vec()
        };
        let r1 = extend(&[0; 32], &entries[0].template_data);
        let r2 = extend(&r1, &entries[1].template_data);
        assert_eq!(registers[&10], r2);

        let all = [Value::String(hex::encode(a)), Value::String(hex::encode(b))];
        let matching = |_| Some(r2.clone());
        let ok = appraise(&entries, Binding::Registers(&matching), &all);
        assert_eq!(ok.failure, None);
        assert_eq!(appraise(&entries, Binding::Hash, &all).failure, None);
        let partial = appraise(&entries, Binding::Registers(&matching), &all[..1]);
        assert_eq!(
            partial.failure.as_deref(),
            Some("files not in the allow list: /usr/bin/app")
        );
        assert_eq!(partial.claims["unknown_files"], json!(["/usr/bin/app"]));
        let zero = |_| Some(vec![0; 32]);
        let wrong = appraise(&entries, Binding::Registers(&zero), &all);
        assert!(
            wrong
                .failure
                .is_some_and(|f| f.contains("replays register 10"))
        );
        let none = |_| None;
        let missing = appraise(&entries, Binding::Registers(&none), &all);
        assert!(
            missing
                .failure
                .is_some_and(|f| f.contains("does not report"))
        );
    }

    #[test]
    fn truncations_and_junk_are_errors() {
        let log = encode_ng(&[(10, "/bin/sh", &[1; 32])]);
        for cut in 1..log.len() {
            assert!(parse(&log[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(parse(&[]), Err(ImaError::Empty));
        assert!(parse(&[0xff; 64]).is_err());
    }
}
