//! Several instances on one PostgreSQL database: a nonce issued by one is
//! redeemable exactly once, at any of them. `.ci/run` starts PostgreSQL and
//! sets `SECGEAR_TEST_POSTGRES_URL`; built without it, the test is ignored
//! (see `build.rs`), built with it, it fails unless the database answers.

mod common;
use common::*;

#[tokio::test]
#[cfg_attr(
    not(secgear_postgres),
    ignore = "needs SECGEAR_TEST_POSTGRES_URL: run .ci/postgres.sh"
)]
async fn a_nonce_is_redeemable_exactly_once_across_instances() {
    let url = std::env::var("SECGEAR_TEST_POSTGRES_URL").expect(
        "SECGEAR_TEST_POSTGRES_URL was set when this test was built, and must be when it runs",
    );
    // One key file for both: the first creates it, the second signs with it.
    let keys = tempfile::tempdir().expect("dir");
    let with_key = |url: String| secgear_as::Config {
        signing_key_file: Some(keys.path().join("as-key.pem")),
        ..config(url)
    };
    let a = start_with(with_key(url.clone())).await;
    let b = start_with(with_key(url)).await;
    a.provision().await;
    // B learns what A stored when it next attests: no manual reload.
    for round in 0..20 {
        let (issuer, other) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let nonce = issuer.challenge().await;
        let body = attest_body(&nonce, b"", MEASUREMENT);
        // Both instances at once.
        let (x, y) = tokio::join!(issuer.attest(&body), other.attest(&body));
        let mut statuses = [x.0, y.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}: {x:?} {y:?}");
        let winner = if x.0 == 200 { &x.1 } else { &y.1 };
        assert_eq!(winner["status"], "affirming", "{winner}");
    }
    // A revokes the trust anchor: B stops affirming at once.
    let (status, _) = a
        .admin(
            reqwest::Method::DELETE,
            "/v1/trust-anchors/sim-platform",
            None,
        )
        .await;
    assert_eq!(status, 204);
    let nonce = a.challenge().await;
    let (status, reply) = b.attest(&attest_body(&nonce, b"", MEASUREMENT)).await;
    assert_eq!(status, 200, "{reply}");
    assert_ne!(reply["status"], "affirming", "{reply}");
    a.running.shutdown().await.expect("a");
    b.running.shutdown().await.expect("b");
}
