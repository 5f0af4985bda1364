//! The simulated platform as the enclave API sees it: its calls are
//! requests of kind `Platform` that the host's sim backend answers.

use super::runtime::SimRuntime;
use crate::platform::{Evidence, KeyVersion, Platform, SharedMemory};
use secgear_abi::{CallKind, Error, Reader, Writer};
use secgear_sim::platform as calls;
use secgear_types::SealPolicy;
use zeroize::Zeroizing;

impl Platform for SimRuntime {
    fn ocall(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.call_host(request)
    }

    fn ocall_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.switchless_ocall(&request)
            .unwrap_or_else(|| self.call_host(request))
    }

    fn report(&self, report_data: &[u8; 64]) -> Result<Evidence, Error> {
        let mut w = Writer::request(CallKind::Platform, calls::REPORT);
        w.put(report_data);
        let reply = self.call_host(w.finish())?;
        let mut r = Reader::reply(&reply)?;
        let evidence: Vec<u8> = r.get_vec()?;
        r.finish()?;
        Ok(Evidence(evidence))
    }

    fn seal_key(
        &self,
        policy: SealPolicy,
        salt: &[u8; 32],
        version: KeyVersion,
    ) -> Result<(Zeroizing<[u8; 32]>, u16), Error> {
        let svn = match version {
            KeyVersion::Current => calls::CURRENT_SVN,
            KeyVersion::At(svn) => svn,
        };
        let mut w = Writer::request(CallKind::Platform, calls::SEAL_KEY);
        w.put(&(policy as u8));
        w.put(salt);
        w.put(&svn);
        let reply = self.call_host(w.finish())?;
        let mut r = Reader::reply(&reply)?;
        let key = Zeroizing::new(r.get::<[u8; 32]>()?);
        let svn: u16 = r.get()?;
        r.finish()?;
        Ok((key, svn))
    }

    fn log(&self, level: tracing::Level, target: &str, message: &str) {
        let level = match level {
            tracing::Level::ERROR => calls::level::ERROR,
            tracing::Level::WARN => calls::level::WARN,
            tracing::Level::INFO => calls::level::INFO,
            tracing::Level::DEBUG => calls::level::DEBUG,
            tracing::Level::TRACE => calls::level::TRACE,
        };
        let mut w = Writer::request(CallKind::Platform, calls::LOG);
        w.put(&level);
        w.put_slice(target.as_bytes());
        w.put_slice(message.as_bytes());
        let _ = self.call_host(w.finish());
    }

    fn shared_memory(&self) -> Option<&dyn SharedMemory> {
        self.arena.as_ref().map(|a| a as &dyn SharedMemory)
    }
}
