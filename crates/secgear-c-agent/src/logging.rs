//! The library's log lines go to stderr. The first of `init_env_logger` or
//! any other call decides the filter: `RUST_LOG` if set (as the original's
//! env_logger), else the level given, else `info`.

use std::sync::Once;

pub(crate) fn init(level: Option<&str>) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            level
                .and_then(|l| tracing_subscriber::EnvFilter::try_new(l).ok())
                .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"))
        });
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .try_init();
    });
}
