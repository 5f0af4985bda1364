//! No crate of the workspace has an import cycle among its modules (see
//! the rule in the crate docs): the enclave runtime, the host and the ABI
//! had them, through process-wide statics and two-way helpers.

use std::path::{Path, PathBuf};

fn crate_roots() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut roots = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("crates/") {
        let src = entry.expect("entry").path().join("src");
        for root in ["lib.rs", "main.rs"] {
            if src.join(root).exists() {
                roots.push(src.join(root));
            }
        }
    }
    roots.sort();
    roots
}

#[test]
fn no_crate_has_a_module_cycle() {
    let roots = crate_roots();
    for named in ["secgear-enclave", "secgear-host", "secgear-abi"] {
        assert!(
            roots.iter().any(|r| r.to_string_lossy().contains(named)),
            "{named} is checked"
        );
    }
    let mut cycles = Vec::new();
    for root in &roots {
        let graph = secgear_layout::graph(root).expect("read sources");
        assert!(graph.len() > 1 || root.ends_with("main.rs") || graph.len() == 1);
        if let Some(cycle) = secgear_layout::find_cycle(&graph) {
            let names: Vec<String> = cycle.iter().map(secgear_layout::display).collect();
            cycles.push(format!("{}: {}", root.display(), names.join(" → ")));
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_checker_sees_the_cycle_the_enclave_runtime_once_had() {
    // runtime → builtin → channel → platform → runtime, as it was.
    let dir = tempfile_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write(
        "lib.rs",
        "mod builtin;\nmod channel;\nmod platform;\nmod runtime;\n",
    );
    write(
        "runtime.rs",
        "pub fn run() { crate::builtin::serve(); }\nstatic CHANNEL: u8 = 0;\n",
    );
    write(
        "builtin.rs",
        "use crate::channel::handshake;\npub fn serve() {}\n",
    );
    write(
        "channel.rs",
        "pub fn handshake() { crate::platform::report(); }\n",
    );
    write(
        "platform.rs",
        "use crate::runtime::CHANNEL;\npub fn report() {}\n",
    );
    let graph = secgear_layout::graph(&dir.join("lib.rs")).expect("graph");
    let cycle = secgear_layout::find_cycle(&graph).expect("the old cycle");
    assert_eq!(cycle.len(), 5, "{cycle:?}");
    write("platform.rs", "pub fn report() {}\n");
    let graph = secgear_layout::graph(&dir.join("lib.rs")).expect("graph");
    assert_eq!(secgear_layout::find_cycle(&graph), None);
}

/// A fresh directory under the target dir (no dev-dependency needed).
fn tempfile_dir() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("module-graph-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}
