//! The token-signing key lives in a private file, never in the database.

mod common;
use common::*;
use secgear_as::ServeError;
use secgear_as::config::ConfigError;
use secgear_as::signing_key::SigningKeyError;
use secgear_as::state::StateError;
use std::os::unix::fs::PermissionsExt;

async fn stored_keys(url: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url)
        .await
        .expect("open the database");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys")
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    count
}

#[tokio::test]
async fn a_generated_key_is_kept_in_a_private_file_and_not_in_the_database() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("as.db");
    let url = format!("sqlite://{}", db.display());
    let first = start_with(config(url.clone())).await;
    let published = first.jwks().await;
    first.running.shutdown().await.expect("stop");

    let key_file = dir.path().join("as.db.signing-key.pem");
    let mode = std::fs::metadata(&key_file)
        .expect("key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&key_file)
            .expect("read")
            .contains("BEGIN PRIVATE KEY")
    );
    assert_eq!(stored_keys(&url).await, 0, "no key in the database");
    for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("as.db") && !name.ends_with(".pem") {
            let bytes = std::fs::read(entry.path()).expect("read");
            assert!(
                !bytes.windows(11).any(|w| w == b"PRIVATE KEY"),
                "{name} holds a private key"
            );
        }
    }

    // The next start signs with the same key.
    let again = start_with(config(url.clone())).await;
    assert_eq!(again.jwks().await, published);
    again.running.shutdown().await.expect("stop");

    // A key file others may read is refused.
    for open in [0o640, 0o604] {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(open)).expect("chmod");
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let refused = secgear_as::start(config(url.clone()))
            .await
            .err()
            .expect("refused");
        assert!(
            matches!(
                &refused,
                ServeError::State(StateError::SigningKey(SigningKeyError::Readable { path, .. }))
                    if *path == key_file
            ),
            "{refused}"
        );
        assert!(refused.to_string().contains("chmod 600"), "{refused}");
    }
}

#[tokio::test]
async fn a_key_an_older_version_kept_in_the_database_moves_to_the_file() {
    use p384::pkcs8::EncodePrivateKey;
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("as.db").display());
    // The schema, as an older version left it, with its key.
    let first = start_with(config(url.clone())).await;
    first.running.shutdown().await.expect("stop");
    std::fs::remove_file(dir.path().join("as.db.signing-key.pem")).expect("rm");
    let legacy = p384::ecdsa::SigningKey::from_slice(&[5u8; 48]).expect("key");
    let pem = legacy
        .to_pkcs8_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem")
        .to_string();
    {
        let pool = sqlx::AnyPool::connect(&url).await.expect("open");
        sqlx::query("INSERT INTO signing_keys (slot, pem) VALUES ('current', $1)")
            .bind(&pem)
            .execute(&pool)
            .await
            .expect("insert");
        pool.close().await;
    }
    let service = start_with(config(url.clone())).await;
    service.running.shutdown().await.expect("stop");
    assert_eq!(stored_keys(&url).await, 0, "moved out of the database");
    let file = std::fs::read_to_string(dir.path().join("as.db.signing-key.pem")).expect("file");
    assert_eq!(
        file, pem,
        "the file holds the key the tokens were signed with"
    );
}

#[tokio::test]
async fn a_symlinked_key_file_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("as.db").display());
    let first = start_with(config(url.clone())).await;
    first.running.shutdown().await.expect("stop");
    let key = dir.path().join("as.db.signing-key.pem");
    let elsewhere = dir.path().join("moved.pem");
    std::fs::rename(&key, &elsewhere).expect("move");
    std::os::unix::fs::symlink(&elsewhere, &key).expect("symlink");
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let refused = secgear_as::start(config(url)).await.err().expect("refused");
    assert!(
        matches!(
            &refused,
            ServeError::State(StateError::SigningKey(SigningKeyError::Io { path, .. })) if *path == key
        ),
        "{refused}"
    );
    assert!(refused.to_string().contains("signing key"), "{refused}");
}

#[tokio::test]
async fn postgres_without_a_key_file_is_refused() {
    let mut cfg = config("postgres://nobody@127.0.0.1:1/none".into());
    cfg.signing_key_file = None;
    let refused = secgear_as::start(cfg).await.err().expect("refused");
    // Refused before any connection is tried: never with a key made up for
    // this instance alone.
    assert!(
        matches!(
            refused,
            ServeError::Config(ConfigError::Invalid {
                field: "signing_key_file",
                ..
            })
        ),
        "{refused}"
    );
}
