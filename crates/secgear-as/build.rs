//! `cfg(secgear_postgres)` when the tests are built with a PostgreSQL to run
//! against (`SECGEAR_TEST_POSTGRES_URL`, as `.ci/run` sets it after
//! `.ci/postgres.sh`): without one, the multi-instance test is ignored and
//! says why, instead of passing without having run.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(secgear_postgres)");
    println!("cargo::rerun-if-env-changed=SECGEAR_TEST_POSTGRES_URL");
    if std::env::var_os("SECGEAR_TEST_POSTGRES_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=secgear_postgres");
    }
}
