//! Evidence collection. An [`Attester`] turns 64 bytes of report data (a
//! verifier's challenge) into evidence from its TEE.
//!
//! - [`SimAttester`]: an enclave on the simulation TEE, through the
//!   runtime's built-in report call;
//! - [`TsmAttester`]: Linux configfs-tsm (`/sys/kernel/config/tsm/report`),
//!   the kernel's one interface for Arm CCA, Intel TDX and AMD SEV-SNP guests;
//! - [`VirtccaAttester`]: the seam for Huawei virtCCA's device interface.

use crate::error::AgentError;
use secgear_attest::TeeKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub trait Attester: Send + Sync {
    fn tee(&self) -> TeeKind;
    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AgentError>;

    /// Evidence binding a key the TEE made and keeps to `nonce`: the runtime
    /// data carrying its public half, and the evidence. Only TEEs that keep
    /// such a key can offer it.
    fn key_evidence(&self, nonce: &[u8]) -> Result<(Vec<u8>, Vec<u8>), AgentError> {
        let _ = nonce;
        Err(AgentError::unsupported(
            self.tee(),
            "this attester has no TEE-held key; bind a key through runtime_data instead",
        ))
    }
}

/// An enclave on the simulation TEE.
#[cfg(feature = "sim")]
pub struct SimAttester {
    enclave: Arc<secgear_host::Enclave>,
}

#[cfg(feature = "sim")]
impl SimAttester {
    pub fn new(enclave: Arc<secgear_host::Enclave>) -> Self {
        Self { enclave }
    }

    /// [`Self::load`] from async code: loading starts a process and waits.
    pub async fn load_async(image: &Path) -> Result<Self, AgentError> {
        let image = image.to_path_buf();
        off_thread(move || Self::load(&image)).await
    }

    /// Loads a signed enclave image (debug mode) to attest.
    pub fn load(image: &Path) -> Result<Self, AgentError> {
        let enclave = secgear_host::Enclave::builder(image)
            .tee(secgear_host::TeeType::Sim)
            .debug(true)
            .threads(1)
            .create()
            .map_err(|e| AgentError::Attester(format!("{}: {e}", image.display())))?;
        Ok(Self::new(Arc::new(enclave)))
    }
}

#[cfg(feature = "sim")]
impl Attester for SimAttester {
    fn tee(&self) -> TeeKind {
        TeeKind::Sim
    }

    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AgentError> {
        self.enclave
            .report(report_data)
            .map_err(|e| AgentError::Attester(e.to_string()))
    }

    fn key_evidence(&self, nonce: &[u8]) -> Result<(Vec<u8>, Vec<u8>), AgentError> {
        self.enclave
            .key_report(nonce)
            .map_err(|e| AgentError::Attester(e.to_string()))
    }
}

/// The attester of a signed sim enclave image (loaded in debug mode), or
/// [`AgentError::NotBuilt`] from an agent built without the `sim` feature.
pub async fn load_sim(image: &Path) -> Result<Arc<dyn Attester>, AgentError> {
    #[cfg(feature = "sim")]
    {
        Ok(Arc::new(SimAttester::load_async(image).await?))
    }
    #[cfg(not(feature = "sim"))]
    {
        let _ = image;
        Err(AgentError::NotBuilt {
            tee: TeeKind::Sim,
            feature: "sim",
        })
    }
}

/// Where a guest's measurement logs are, sent beside its evidence when the
/// machine has them (a missing file is skipped: not every guest boots
/// with a CCEL table or runs IMA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementLogs {
    /// The TCG2 event log of measured boot (TDX, virtCCA, CCA: the ACPI CCEL).
    pub event_log: Option<PathBuf>,
    /// The binary IMA measurement list.
    pub ima_log: Option<PathBuf>,
}

/// Where the kernel exposes the CCEL table and the IMA list.
pub const CCEL_PATH: &str = "/sys/firmware/acpi/tables/data/CCEL";
pub const IMA_PATH: &str = "/sys/kernel/security/ima/binary_runtime_measurements";

impl Default for MeasurementLogs {
    fn default() -> Self {
        Self {
            event_log: Some(CCEL_PATH.into()),
            ima_log: Some(IMA_PATH.into()),
        }
    }
}

impl MeasurementLogs {
    /// No logs at all.
    pub fn none() -> Self {
        Self {
            event_log: None,
            ima_log: None,
        }
    }

    fn read(path: &Option<PathBuf>) -> Option<Vec<u8>> {
        let path = path.as_ref()?;
        match std::fs::read(path) {
            Ok(bytes) if !bytes.is_empty() => Some(bytes),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(target: "secgear::agent", path = %path.display(), "no log sent: {e}");
                None
            }
        }
    }

    /// Wraps `evidence` in an envelope with the logs this machine has and
    /// the certificates the TEE returned beside its report; unchanged
    /// when there is nothing to add. Read after the report: the IMA list
    /// may only have grown, and the verifier judges the prefix the report
    /// attests.
    pub fn attach(&self, evidence: Vec<u8>, cert_table: Option<Vec<u8>>) -> Vec<u8> {
        let event_log = Self::read(&self.event_log).map(|log| {
            // The CCEL area is zero-padded to 1 MiB: send the events only.
            match secgear_attest::eventlog::parse(&log) {
                Ok(parsed) => log[..parsed.len.min(log.len())].to_vec(),
                Err(_) => log,
            }
        });
        let ima_log = Self::read(&self.ima_log);
        if event_log.is_none() && ima_log.is_none() && cert_table.is_none() {
            return evidence;
        }
        let envelope = secgear_attest::envelope::Envelope {
            evidence,
            event_log,
            ima_log,
            ..Default::default()
        };
        let mut json = envelope.to_json();
        if let Some(table) = cert_table {
            json["cert_table"] = secgear_as_api::b64::encode_std(&table).into();
        }
        serde_json::to_vec(&json).unwrap_or_default()
    }
}

/// The configfs-tsm report interface: make an entry, write `inblob`, read
/// `outblob` (and `provider`, which names the TEE; `auxblob`, an SNP
/// report's certificate table), checking `generation` so that a concurrent
/// writer of the same entry is detected.
pub struct TsmAttester {
    root: PathBuf,
    entry: String,
    logs: MeasurementLogs,
    /// One report at a time through the entry: the write-then-read pair is
    /// not atomic in configfs.
    busy: std::sync::Mutex<()>,
}

/// Where the kernel mounts the interface.
pub const TSM_ROOT: &str = "/sys/kernel/config/tsm/report";

impl TsmAttester {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            entry: format!("secgear-agent-{}", std::process::id()),
            logs: MeasurementLogs::default(),
            busy: std::sync::Mutex::new(()),
        }
    }

    /// Which logs to send beside the evidence (by default the kernel's).
    pub fn with_logs(mut self, logs: MeasurementLogs) -> Self {
        self.logs = logs;
        self
    }

    fn io(&self, what: &str, path: &Path, e: std::io::Error) -> AgentError {
        AgentError::Attester(format!("configfs-tsm: {what} {}: {e}", path.display()))
    }

    fn read_trimmed(&self, path: &Path) -> Result<String, AgentError> {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_string())
            .map_err(|e| self.io("cannot read", path, e))
    }

    /// The TEE the kernel's provider name stands for.
    pub fn tee_of(provider: &str) -> Result<TeeKind, AgentError> {
        match provider {
            "arm_cca_guest" => Ok(TeeKind::Cca),
            "tdx_guest" => Ok(TeeKind::Tdx),
            "sev_guest" => Ok(TeeKind::Snp),
            other => Err(AgentError::UnknownTsmProvider(other.to_string())),
        }
    }

    fn provider(&self) -> Result<String, AgentError> {
        self.read_trimmed(&self.root.join(&self.entry).join("provider"))
    }
}

impl Attester for TsmAttester {
    fn tee(&self) -> TeeKind {
        self.provider()
            .and_then(|p| Self::tee_of(&p))
            .unwrap_or(TeeKind::Cca)
    }

    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, AgentError> {
        let _one_at_a_time = self
            .busy
            .lock()
            .map_err(|_| AgentError::Attester("configfs-tsm: lock poisoned".into()))?;
        let dir = self.root.join(&self.entry);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(self.io("cannot create", &dir, e)),
        }
        let generation = |s: &Self| -> Result<u64, AgentError> {
            let path = dir.join("generation");
            s.read_trimmed(&path)?
                .parse()
                .map_err(|_| AgentError::Attester(format!("{}: not a number", path.display())))
        };
        let inblob = dir.join("inblob");
        std::fs::write(&inblob, report_data).map_err(|e| self.io("cannot write", &inblob, e))?;
        let written = generation(self)?;
        let outblob = dir.join("outblob");
        let evidence = std::fs::read(&outblob).map_err(|e| self.io("cannot read", &outblob, e))?;
        // Another writer between our write and read would have bumped it.
        if generation(self)? != written {
            return Err(AgentError::Attester(
                "configfs-tsm: the report entry changed while it was read (another writer?)".into(),
            ));
        }
        if evidence.is_empty() {
            return Err(AgentError::Attester("configfs-tsm: empty outblob".into()));
        }
        let tee = Self::tee_of(&self.provider()?)?;
        // SNP: the certificate table the host provisioned (VCEK, ASK, ARK).
        let cert_table = match tee {
            TeeKind::Snp => std::fs::read(dir.join("auxblob"))
                .ok()
                .filter(|t| !t.is_empty()),
            _ => None,
        };
        Ok(self.logs.attach(evidence, cert_table))
    }
}

/// Huawei virtCCA guests get their token from the TSI device through the
/// vendor's library. This build has no binding to it: the seam is here for
/// the backend that adds one (its token then goes through
/// [`MeasurementLogs::attach`], as configfs-tsm evidence does);
/// configfs-tsm covers CCA guests on upstream kernels.
pub struct VirtccaAttester;

impl Attester for VirtccaAttester {
    fn tee(&self) -> TeeKind {
        TeeKind::Virtcca
    }

    fn evidence(&self, _: &[u8; 64]) -> Result<Vec<u8>, AgentError> {
        Err(AgentError::unsupported(
            TeeKind::Virtcca,
            "no virtCCA device binding in this build (use configfs-tsm on a CCA guest)",
        ))
    }
}

/// Runs TEE work (which blocks on the enclave) on the blocking pool.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AgentError> + Send + 'static,
) -> Result<T, AgentError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AgentError::Attester(format!("evidence task: {e}")))?
}

/// The report data binding a nonce and runtime data: SHA-256(nonce || runtime_data),
/// zero-padded (or tagged, when the runtime data carries a TEE key).
pub fn report_data(nonce: &[u8], runtime_data: &[u8]) -> [u8; 64] {
    // Runtime data with a TEE key is bound under the TEE-key tag, which only
    // code inside the TEE (a CVM's agent, an enclave's runtime) can sign.
    let challenge = secgear_as_api::expected_challenge(nonce, runtime_data);
    let mut out = [0u8; 64];
    out[..challenge.len()].copy_from_slice(&challenge);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "sim")]
    #[tokio::test]
    async fn a_sim_image_that_cannot_be_loaded_is_an_attester_error() {
        let missing = Path::new("/nonexistent/app.signed");
        let Err(err) = load_sim(missing).await else {
            panic!("a missing image loads");
        };
        assert!(matches!(err, AgentError::Attester(_)), "{err}");
        assert!(err.to_string().contains("/nonexistent/app.signed"), "{err}");
    }

    #[cfg(not(feature = "sim"))]
    #[tokio::test]
    async fn without_the_sim_feature_a_sim_enclave_is_refused_by_name() {
        let Err(err) = load_sim(Path::new("app.signed")).await else {
            panic!("a sim enclave without the simulation TEE");
        };
        assert!(
            matches!(
                err,
                AgentError::NotBuilt {
                    tee: TeeKind::Sim,
                    feature: "sim"
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("`sim` feature"), "{err}");
    }

    /// A configfs-tsm tree as the kernel would present it after `mkdir`.
    fn fake_tree(provider: &str) -> (tempfile::TempDir, TsmAttester) {
        let root = tempfile::tempdir().expect("dir");
        let attester = TsmAttester::new(root.path()).with_logs(MeasurementLogs::none());
        let entry = root.path().join(&attester.entry);
        std::fs::create_dir(&entry).expect("entry");
        std::fs::write(entry.join("provider"), format!("{provider}\n")).expect("provider");
        std::fs::write(entry.join("generation"), "1\n").expect("generation");
        std::fs::write(entry.join("outblob"), b"cca-token-bytes").expect("outblob");
        (root, attester)
    }

    #[test]
    fn configfs_tsm_reports_are_read_after_writing_the_challenge() {
        let (root, attester) = fake_tree("arm_cca_guest");
        let data = report_data(b"nonce", b"runtime");
        assert_eq!(
            attester.evidence(&data).expect("evidence"),
            b"cca-token-bytes"
        );
        let written =
            std::fs::read(root.path().join(&attester.entry).join("inblob")).expect("inblob");
        assert_eq!(written, data);
        assert_eq!(attester.tee(), TeeKind::Cca);
    }

    #[test]
    fn tdx_and_snp_evidence_goes_with_the_logs_and_certificate_table_the_machine_has() {
        let logs_dir = tempfile::tempdir().expect("dir");
        let mut ccel = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../secgear-attest/tests/data/eventlog/CCEL_data.head"
        ))
        .expect("vector");
        ccel.resize(1 << 20, 0);
        let events = secgear_attest::eventlog::parse(&ccel).expect("log").len;
        assert!(events < 16 << 10, "the events are a small part of the area");
        let ccel_path = logs_dir.path().join("CCEL");
        std::fs::write(&ccel_path, &ccel).expect("ccel");
        let ima_path = logs_dir.path().join("ima");
        let ima = secgear_attest::ima::encode_ng(&[(10, "/bin/sh", &[1; 32])]);
        std::fs::write(&ima_path, &ima).expect("ima");
        let logs = MeasurementLogs {
            event_log: Some(ccel_path),
            ima_log: Some(ima_path),
        };

        let (_root, attester) = fake_tree("tdx_guest");
        let attester = attester.with_logs(logs.clone());
        assert_eq!(attester.tee(), TeeKind::Tdx);
        let sent = attester.evidence(&[0; 64]).expect("evidence");
        let envelope =
            secgear_attest::envelope::Envelope::parse(TeeKind::Tdx, &sent).expect("envelope");
        assert_eq!(envelope.evidence, b"cca-token-bytes");
        assert_eq!(
            envelope.event_log.as_deref(),
            Some(&ccel[..events]),
            "sent without its padding"
        );
        assert_eq!(envelope.ima_log.as_deref(), Some(ima.as_slice()));

        let (root, attester) = fake_tree("sev_guest");
        let attester = attester.with_logs(MeasurementLogs {
            event_log: Some("/nonexistent/CCEL".into()),
            ima_log: None,
        });
        let table = secgear_attest::verifiers::snp::encode_certificate_table(
            b"not-a-real-vcek",
            None,
            None,
        );
        std::fs::write(root.path().join(&attester.entry).join("auxblob"), &table).expect("aux");
        let sent = attester.evidence(&[0; 64]).expect("evidence");
        let json: serde_json::Value = serde_json::from_slice(&sent).expect("json");
        assert_eq!(json["cert_table"], secgear_as_api::b64::encode_std(&table));
        assert!(json.get("event_log").is_none(), "a missing log is skipped");

        // Nothing to add: the evidence as the kernel returned it.
        let (_root, attester) = fake_tree("arm_cca_guest");
        assert_eq!(
            attester.evidence(&[0; 64]).expect("evidence"),
            b"cca-token-bytes"
        );
    }

    #[test]
    fn configfs_tsm_refuses_unknown_providers_and_missing_trees() {
        let (_root, attester) = fake_tree("unknown_guest");
        assert!(matches!(
            attester.evidence(&[0; 64]),
            Err(AgentError::UnknownTsmProvider(p)) if p == "unknown_guest"
        ));
        let missing = TsmAttester::new("/nonexistent/tsm/report");
        assert!(matches!(
            missing.evidence(&[0; 64]),
            Err(AgentError::Attester(_))
        ));
        let (root, attester) = fake_tree("arm_cca_guest");
        std::fs::write(root.path().join(&attester.entry).join("outblob"), b"").expect("empty");
        assert!(attester.evidence(&[0; 64]).is_err());
    }
}
