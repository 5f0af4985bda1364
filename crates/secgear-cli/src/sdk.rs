//! `secgear sdk install`: the C SDK of secGear-rs laid out as the original
//! installs it — headers and EDL files flat in `include/secGear/`, the
//! libraries in `lib/`, pkg-config files in `lib/pkgconfig/` — so secGear C
//! applications build with the commands README's "Porting a secGear C
//! application" gives. The headers are compiled into this binary; the
//! libraries are the ones cargo built next to it.

use std::path::{Path, PathBuf};

/// The files of `sdk/include/secGear/`, installed as they are.
pub(crate) const INCLUDE: &[(&str, &str)] = &[
    (
        "enclave.h",
        include_str!("../../../sdk/include/secGear/enclave.h"),
    ),
    (
        "enclave_log.h",
        include_str!("../../../sdk/include/secGear/enclave_log.h"),
    ),
    (
        "memory_check.h",
        include_str!("../../../sdk/include/secGear/memory_check.h"),
    ),
    (
        "rust_attestation_agent.h",
        include_str!("../../../sdk/include/secGear/rust_attestation_agent.h"),
    ),
    (
        "secgear_dataseal.h",
        include_str!("../../../sdk/include/secGear/secgear_dataseal.h"),
    ),
    (
        "secgear_log.h",
        include_str!("../../../sdk/include/secGear/secgear_log.h"),
    ),
    (
        "secgear_platform.h",
        include_str!("../../../sdk/include/secGear/secgear_platform.h"),
    ),
    (
        "secgear_pthread.edl",
        include_str!("../../../sdk/include/secGear/secgear_pthread.edl"),
    ),
    (
        "secgear_random.h",
        include_str!("../../../sdk/include/secGear/secgear_random.h"),
    ),
    (
        "secgear_shared_memory.h",
        include_str!("../../../sdk/include/secGear/secgear_shared_memory.h"),
    ),
    (
        "secgear_tcalls.h",
        include_str!("../../../sdk/include/secGear/secgear_tcalls.h"),
    ),
    (
        "secgear_tkey_exchange.edl",
        include_str!("../../../sdk/include/secGear/secgear_tkey_exchange.edl"),
    ),
    (
        "secgear_tprotected_fs.edl",
        include_str!("../../../sdk/include/secGear/secgear_tprotected_fs.edl"),
    ),
    (
        "secgear_tssl.edl",
        include_str!("../../../sdk/include/secGear/secgear_tssl.edl"),
    ),
    (
        "secgear_tstdc.edl",
        include_str!("../../../sdk/include/secGear/secgear_tstdc.edl"),
    ),
    (
        "secgear_tswitchless.edl",
        include_str!("../../../sdk/include/secGear/secgear_tswitchless.edl"),
    ),
    (
        "secgear_ucalls.h",
        include_str!("../../../sdk/include/secGear/secgear_ucalls.h"),
    ),
    (
        "secgear_urts.h",
        include_str!("../../../sdk/include/secGear/secgear_urts.h"),
    ),
    (
        "secgear_uswitchless.h",
        include_str!("../../../sdk/include/secGear/secgear_uswitchless.h"),
    ),
    (
        "secgear_wire.h",
        include_str!("../../../sdk/include/secGear/secgear_wire.h"),
    ),
    (
        "secure_channel.edl",
        include_str!("../../../sdk/include/secGear/secure_channel.edl"),
    ),
    (
        "secure_channel.h",
        include_str!("../../../sdk/include/secGear/secure_channel.h"),
    ),
    (
        "secure_channel_client.h",
        include_str!("../../../sdk/include/secGear/secure_channel_client.h"),
    ),
    (
        "secure_channel_enclave.h",
        include_str!("../../../sdk/include/secGear/secure_channel_enclave.h"),
    ),
    (
        "secure_channel_host.h",
        include_str!("../../../sdk/include/secGear/secure_channel_host.h"),
    ),
    (
        "status.h",
        include_str!("../../../sdk/include/secGear/status.h"),
    ),
];

/// The libraries, built by `cargo build --release --workspace` next to this binary.
const LIBRARIES: [&str; 5] = [
    "libsecgear.so",
    "libattestation_agent.so",
    "libsecgear_tee.a",
    "libcsecure_channel.so",
    "libusecure_channel.so",
];

/// `libtsecure_channel.a`, the name the original's enclave side of the
/// secure channel has, as a GNU ld script naming the enclave runtime: that
/// code is in `libsecgear_tee.a`, since two Rust static libraries (each with
/// its own copy of the standard library) cannot be linked into one image.
const TEE_CHANNEL_SCRIPT: (&str, &str) = (
    "libtsecure_channel.a",
    "/* secgear-rs: the enclave side of the secure channel is part of the enclave runtime. */\nINPUT(-lsecgear_tee)\n",
);

/// The CMake package (`find_package(secGear)`), templates over
/// `@PREFIX@` and `@VERSION@`.
const CMAKE: [(&str, &str); 2] = [
    (
        "secGearConfig.cmake",
        include_str!("../../../sdk/cmake/secGearConfig.cmake.in"),
    ),
    (
        "secGearConfigVersion.cmake",
        include_str!("../../../sdk/cmake/secGearConfigVersion.cmake.in"),
    ),
];

/// What a static Rust library needs from the system (`--print native-static-libs`).
const TEE_SYSTEM_LIBS: &str = "-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc";

#[derive(Debug, thiserror::Error)]
pub(crate) enum SdkError {
    #[error(
        "{0} is not next to this program in {1}: build it first (cargo build --release --workspace)"
    )]
    MissingLibrary(&'static str, PathBuf),
    #[error(
        "the prefix must be UTF-8 without quotes, backslashes, `$`, `;` or newlines (the CMake and pkg-config files name it)"
    )]
    Prefix,
    #[error("cannot find this program or the prefix: {0}")]
    Exe(std::io::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SdkError> {
    write_atomically_mode(path, bytes, 0o644)
}

fn write_atomically_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), SdkError> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |source| SdkError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes).map_err(fail)?;
    if let Err(e) = std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e)
    })
}

fn pkg_config(prefix: &Path, name: &str, description: &str, libs: &str) -> String {
    format!(
        "prefix={}\nincludedir=${{prefix}}/include\nlibdir=${{prefix}}/lib\n\nName: {name}\nDescription: {description}\nVersion: {}\nCflags: -I${{includedir}}/secGear\nLibs: {libs}\n",
        prefix.display(),
        env!("CARGO_PKG_VERSION"),
    )
}

/// The pkg-config files: (file name, contents).
fn pkg_configs(prefix: &Path) -> Vec<(&'static str, String)> {
    let host = "-L${libdir} -Wl,-rpath,${libdir} -lsecgear -lpthread";
    let tee = format!("${{libdir}}/libsecgear_tee.a {TEE_SYSTEM_LIBS}");
    vec![
        (
            "secgear.pc",
            pkg_config(
                prefix,
                "secgear",
                "secGear host library (libsecgear.so)",
                host,
            ),
        ),
        (
            "secure_channel_client.pc",
            pkg_config(
                prefix,
                "secure_channel_client",
                "secGear secure channel client (libcsecure_channel.so)",
                "-L${libdir} -Wl,-rpath,${libdir} -lcsecure_channel -lpthread",
            ),
        ),
        (
            "secure_channel_host.pc",
            pkg_config(
                prefix,
                "secure_channel_host",
                "secGear secure channel server host (libusecure_channel.so, over libsecgear.so)",
                "-L${libdir} -Wl,-rpath,${libdir} -lusecure_channel -lsecgear -lpthread",
            ),
        ),
        (
            "secure_channel_enclave.pc",
            pkg_config(
                prefix,
                "secure_channel_enclave",
                "secGear secure channel in the enclave (part of libsecgear_tee.a)",
                &format!("-L${{libdir}} -ltsecure_channel {TEE_SYSTEM_LIBS}"),
            ),
        ),
        (
            "secgear_attestation_agent.pc",
            pkg_config(
                prefix,
                "secgear_attestation_agent",
                "secGear attestation agent (libattestation_agent.so, rust_attestation_agent.h)",
                "-L${libdir} -Wl,-rpath,${libdir} -lattestation_agent -lpthread",
            ),
        ),
        (
            "secgear_tee.pc",
            pkg_config(
                prefix,
                "secgear_tee",
                "secGear enclave runtime (libsecgear_tee.a): link an enclave image with it",
                &tee,
            ),
        ),
    ]
}

/// Installs the SDK under `prefix`; returns the files written.
pub(crate) fn install(prefix: &Path) -> Result<Vec<PathBuf>, SdkError> {
    let exe = std::env::current_exe().map_err(SdkError::Exe)?;
    let bin_dir = exe.parent().unwrap_or(Path::new(".")).to_path_buf();
    // The pkg-config and CMake files name the prefix: it must hold from anywhere.
    let prefix = std::path::absolute(prefix).map_err(SdkError::Exe)?;
    // The prefix is pasted into CMake and pkg-config files as text.
    let text = prefix.to_str().ok_or(SdkError::Prefix)?;
    if text.contains(['"', '\\', '$', ';', '\n']) {
        return Err(SdkError::Prefix);
    }
    install_from(&prefix, &bin_dir, &exe)
}

fn install_from(prefix: &Path, bin_dir: &Path, exe: &Path) -> Result<Vec<PathBuf>, SdkError> {
    let mut written = Vec::new();
    for lib in LIBRARIES {
        let from = bin_dir.join(lib);
        let bytes = std::fs::read(&from)
            .map_err(|_| SdkError::MissingLibrary(lib, bin_dir.to_path_buf()))?;
        let path = prefix.join("lib").join(lib);
        write_atomically(&path, &bytes)?;
        written.push(path);
    }
    // The CMake package runs the secgear program the SDK came with.
    let bytes = std::fs::read(exe).map_err(SdkError::Exe)?;
    let path = prefix.join("bin/secgear");
    write_atomically_mode(&path, &bytes, 0o755)?;
    written.push(path);
    let (script, text) = TEE_CHANNEL_SCRIPT;
    let path = prefix.join("lib").join(script);
    write_atomically(&path, text.as_bytes())?;
    written.push(path);
    for (name, text) in INCLUDE {
        let path = prefix.join("include/secGear").join(name);
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    for (name, template) in CMAKE {
        let text = template
            .replace("@PREFIX@", &prefix.display().to_string())
            .replace("@VERSION@", env!("CARGO_PKG_VERSION"));
        let path = prefix.join("lib/cmake/secGear").join(name);
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    for (name, text) in pkg_configs(prefix) {
        let path = prefix.join("lib/pkgconfig").join(name);
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_file_is_installed() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/include/secGear");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("sdk/include/secGear")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let listed: Vec<String> = INCLUDE.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(
            listed, on_disk,
            "INCLUDE must list every file of sdk/include/secGear"
        );
    }

    const SELF: &str = "/proc/self/exe";

    #[test]
    fn a_prefix_the_generated_files_cannot_name_is_refused() {
        for bad in ["/tmp/a;b", "/tmp/$HOME", "/tmp/q\"x", "/tmp/back\\slash"] {
            let err = install(Path::new(bad)).expect_err(bad);
            assert!(matches!(err, SdkError::Prefix), "{bad}: {err}");
        }
    }

    #[test]
    fn a_missing_library_is_named_and_nothing_half_written_is_left() {
        let dir = tempfile::tempdir().expect("dir");
        let err = install_from(&dir.path().join("p"), dir.path(), Path::new(SELF))
            .expect_err("no libraries");
        assert!(err.to_string().contains("libsecgear.so"), "{err}");
        assert!(!dir.path().join("p/include").exists());
    }
}
