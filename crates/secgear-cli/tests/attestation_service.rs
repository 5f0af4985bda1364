//! `secgear as serve` in a child process, administered and used through the
//! CLI: anchor, reference value, policy, resource, `secgear agent attest`.

use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const ADMIN: &str = "cli-test-admin-token";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn secgear(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secgear"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run secgear")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn sha256_hex(text: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        text.as_bytes(),
    ))
}

/// Starts `secgear as serve` on a free port. A port picked free can be
/// taken by another test before the service binds it: the service then
/// exits, and it is started again on another port. Its stderr is kept to
/// say why, should it never start.
fn serve(dir: &std::path::Path) -> (Server, u16) {
    let log = dir.join("serve.log");
    for _attempt in 0..3 {
        let port = free_port();
        let config = dir.join("as.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\ndatabase_url = \"sqlite://{}\"\nmode = \"development\"\nadmin_token_sha256 = \"{}\"\n",
                dir.join("as.db").display(),
                sha256_hex(ADMIN)
            ),
        )
        .expect("config");
        let mut server = Server(
            Command::new(env!("CARGO_BIN_EXE_secgear"))
                .args(["as", "serve", "--config"])
                .arg(&config)
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(&log).expect("log"))
                .spawn()
                .expect("serve"),
        );
        // Generous: a loaded two-core CI machine starts it slowly.
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            // Exited: the port was taken (whoever took it may be listening).
            if server.0.try_wait().expect("wait").is_some() {
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (server, port);
            }
            assert!(
                Instant::now() < deadline,
                "the service did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!(
        "the service exited three times: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

#[test]
fn the_cli_serves_administers_and_attests() {
    let dir = tempfile::tempdir().expect("dir");
    let sim = dir.path().join("sim");
    let (_server, port) = serve(dir.path());
    let url = format!("http://127.0.0.1:{port}");
    let env = [
        ("SECGEAR_AS_URL", url.as_str()),
        ("SECGEAR_AS_ADMIN_TOKEN", ADMIN),
        ("SECGEAR_SIM_STATE_DIR", sim.to_str().expect("utf-8")),
    ];
    let ok = |args: &[&str]| {
        let out = secgear(args, &env);
        assert!(
            out.status.success(),
            "secgear {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let pem = ok(&[
        "attest",
        "platform-key",
        "--state-dir",
        sim.to_str().expect("utf-8"),
    ]);
    let pem_path = dir.path().join("sim.pem");
    std::fs::write(&pem_path, pem).expect("pem");
    ok(&[
        "as",
        "trust-anchor",
        "put",
        "this-machine",
        "--tee",
        "sim",
        pem_path.to_str().expect("utf-8"),
    ]);
    // Collateral through the CLI: stored under the key it names itself by.
    let vectors =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../secgear-attest/tests/data");
    let intel = vectors.join("sgx/sgx_quote_collateral.json");
    let stored = ok(&[
        "as",
        "collateral",
        "put",
        "--kind",
        "intel",
        intel.to_str().expect("utf-8"),
    ]);
    assert!(stored.contains("sgx/00a067110000"), "{stored}");
    let vcek = vectors.join("snp/vcek_milan.der");
    ok(&[
        "as",
        "collateral",
        "put",
        "--kind",
        "amd",
        vcek.to_str().expect("utf-8"),
    ]);
    let listed = ok(&["as", "collateral", "list"]);
    assert!(
        listed.contains("sgx/00a067110000") && listed.contains("\"amd\""),
        "{listed}"
    );
    ok(&[
        "as",
        "collateral",
        "delete",
        "--kind",
        "intel",
        "sgx/00a067110000",
    ]);
    assert!(!ok(&["as", "collateral", "list"]).contains("sgx/"));
    let image = secgear_sim_tests::ENCLAVE_IMAGE;
    let measurement = ok(&["measure", image]).trim().to_string();
    ok(&[
        "as",
        "reference",
        "add",
        "--name",
        "sim.measurement",
        "--value",
        &measurement,
    ]);
    assert!(ok(&["as", "reference", "list"]).contains(&measurement));

    let claims = ok(&["agent", "attest", "--enclave", image, "--as", &url]);
    assert!(claims.contains("\"affirming\""), "{claims}");
    assert!(claims.contains(&measurement), "{claims}");

    // A broken policy is refused with Rego's error; a good one is listed.
    let broken = dir.path().join("broken.rego");
    std::fs::write(&broken, "package secgear.appraisal\ntrust_vector := {").expect("write");
    let out = secgear(
        &[
            "as",
            "policy",
            "put",
            "broken",
            broken.to_str().expect("utf-8"),
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad_request"));
    assert!(ok(&["as", "policy", "list"]).contains("default-sim"));

    // Without the admin token nothing is changed.
    let out = secgear(
        &["as", "reference", "delete", "sim.measurement"],
        &[
            ("SECGEAR_AS_URL", url.as_str()),
            ("SECGEAR_AS_ADMIN_TOKEN", "wrong"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    ok(&["as", "reference", "delete", "sim.measurement"]);
    let out = secgear(&["agent", "attest", "--enclave", image, "--as", &url], &env);
    assert_eq!(
        out.status.code(),
        Some(1),
        "not affirming without the reference value"
    );
}

#[test]
fn a_trust_anchor_for_an_unknown_tee_is_refused_before_any_request() {
    let dir = tempfile::tempdir().expect("dir");
    let pem = dir.path().join("anchor.pem");
    std::fs::write(&pem, "-----BEGIN PUBLIC KEY-----\n").expect("write");
    // Port 9 of loopback: nothing listens, so only the CLI can answer.
    let out = secgear(
        &[
            "as",
            "trust-anchor",
            "put",
            "a",
            "--tee",
            "moon",
            pem.to_str().expect("utf-8"),
        ],
        &[
            ("SECGEAR_AS_URL", "http://127.0.0.1:9"),
            ("SECGEAR_AS_ADMIN_TOKEN", ADMIN),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown TEE `moon`"), "{stderr}");
    assert!(
        !stderr.contains("127.0.0.1:9"),
        "no request was made: {stderr}"
    );
}
