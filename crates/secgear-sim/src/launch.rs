//! The arguments the host's loader gives a simulated enclave process:
//! `<debug|production> <heap limit in bytes> <host pid>`. Both sides use
//! these types, so the words are written and read in one place.

use std::ffi::CString;

/// Whether the enclave runs as a debug enclave (core dumps and ptrace
/// allowed, stderr kept) or a production one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Debug,
    Production,
}

impl Mode {
    pub fn word(self) -> &'static str {
        match self {
            Mode::Debug => "debug",
            Mode::Production => "production",
        }
    }

    pub fn is_debug(self) -> bool {
        self == Mode::Debug
    }
}

/// What the loader tells the enclave process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchArgs {
    pub mode: Mode,
    /// The image's signed heap limit.
    pub heap_limit: u64,
    /// The host, which a changed parent pid shows to be gone.
    pub host_pid: i32,
}

/// Why the arguments were not a loader's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("missing argument: {0}")]
    Missing(&'static str),
    #[error("`{0}` is neither `debug` nor `production`")]
    Mode(String),
    #[error("{what} `{value}` is not a number")]
    Number { what: &'static str, value: String },
    #[error("unexpected argument `{0}`")]
    Extra(String),
    #[error("an argument holds a NUL byte")]
    Nul,
}

impl LaunchArgs {
    /// `argv[0]` of every enclave process.
    pub const PROGRAM: &'static str = "secgear-enclave";

    /// The whole argument vector, program name first.
    pub fn to_argv(&self) -> Result<Vec<CString>, LaunchError> {
        [
            Self::PROGRAM.to_owned(),
            self.mode.word().to_owned(),
            self.heap_limit.to_string(),
            self.host_pid.to_string(),
        ]
        .into_iter()
        .map(|a| CString::new(a).map_err(|_| LaunchError::Nul))
        .collect()
    }

    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, LaunchError> {
        let mut args = args.into_iter();
        let mode = match args.next().ok_or(LaunchError::Missing("mode"))?.as_str() {
            "debug" => Mode::Debug,
            "production" => Mode::Production,
            other => return Err(LaunchError::Mode(other.to_owned())),
        };
        let heap_limit = number(args.next(), "heap limit")?;
        let host_pid = number(args.next(), "host pid")?;
        if let Some(extra) = args.next() {
            return Err(LaunchError::Extra(extra));
        }
        Ok(Self {
            mode,
            heap_limit,
            host_pid,
        })
    }
}

fn number<T: std::str::FromStr>(arg: Option<String>, what: &'static str) -> Result<T, LaunchError> {
    let value = arg.ok_or(LaunchError::Missing(what))?;
    value
        .parse()
        .map_err(|_| LaunchError::Number { what, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_loader_writes_the_enclave_reads_back() {
        for mode in [Mode::Debug, Mode::Production] {
            let args = LaunchArgs {
                mode,
                heap_limit: 1 << 30,
                host_pid: 4242,
            };
            let argv: Vec<String> = args
                .to_argv()
                .expect("no NUL")
                .into_iter()
                .map(|a| a.into_string().expect("utf-8"))
                .collect();
            assert_eq!(argv[0], LaunchArgs::PROGRAM);
            assert_eq!(LaunchArgs::parse(argv.into_iter().skip(1)), Ok(args));
        }
    }

    #[test]
    fn anything_else_is_refused_with_what_was_wrong() {
        let parse = |a: &[&str]| LaunchArgs::parse(a.iter().map(|s| s.to_string()));
        assert_eq!(parse(&[]), Err(LaunchError::Missing("mode")));
        assert_eq!(
            parse(&["release", "1", "2"]),
            Err(LaunchError::Mode("release".into()))
        );
        assert!(matches!(
            parse(&["debug", "lots", "2"]),
            Err(LaunchError::Number {
                what: "heap limit",
                ..
            })
        ));
        assert_eq!(
            parse(&["debug", "1"]),
            Err(LaunchError::Missing("host pid"))
        );
        assert_eq!(
            parse(&["debug", "1", "2", "3"]),
            Err(LaunchError::Extra("3".into()))
        );
    }
}
