//! Import resolution: search-path order, diamonds, cycles, selective imports
//! and duplicate definitions reached through imports.

use secgear_edl::{Options, compile_file};
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn opts(paths: &[&Path]) -> Options {
    Options {
        search_paths: paths.iter().map(|p| p.to_path_buf()).collect(),
        defines: Vec::new(),
    }
}

#[test]
fn diamond_imports_count_once_and_ids_put_imports_first() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "base.edl",
        "enclave { struct pt { int x; }; trusted { public void base_fn(void); }; };",
    );
    write(
        d.path(),
        "left.edl",
        "enclave { from \"base.edl\" import *; trusted { public void left_fn(void); }; };",
    );
    write(
        d.path(),
        "right.edl",
        "enclave { from \"base.edl\" import *; untrusted { void right_o(void); }; };",
    );
    write(
        d.path(),
        "top.edl",
        "enclave { from \"left.edl\" import *; from \"right.edl\" import *; trusted { public void top_fn([in] struct pt *p); }; };",
    );
    let c = compile_file(&d.path().join("top.edl"), &opts(&[])).expect("read");
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let names: Vec<&str> = c
        .program
        .ecalls
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(names, ["base_fn", "left_fn", "top_fn"]);
    assert_eq!(c.program.types.len(), 1);
    assert_eq!(c.program.ocalls.len(), 1);
}

#[test]
fn circular_imports_are_detected() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "a.edl",
        "enclave { from \"b.edl\" import *; trusted { public void a(void); }; };",
    );
    write(d.path(), "b.edl", "enclave { from \"c.edl\" import *; };");
    write(d.path(), "c.edl", "enclave { from \"a.edl\" import *; };");
    let c = compile_file(&d.path().join("a.edl"), &opts(&[])).expect("read");
    let text = c.render_diagnostics();
    assert!(text.contains("circular import: `a.edl`"), "{text}");
    assert!(text.contains("note: imported from here"), "{text}");
    let direct = tempfile::tempdir().expect("tmp");
    write(
        direct.path(),
        "self.edl",
        "enclave { from \"self.edl\" import *; };",
    );
    let c = compile_file(&direct.path().join("self.edl"), &opts(&[])).expect("read");
    assert!(c.render_diagnostics().contains("circular import"));
}

#[test]
fn search_paths_are_tried_in_order_after_the_importing_directory() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "first/lib.edl",
        "enclave { trusted { public void from_first(void); }; };",
    );
    write(
        d.path(),
        "second/lib.edl",
        "enclave { trusted { public void from_second(void); }; };",
    );
    write(
        d.path(),
        "app/app.edl",
        "enclave { from \"lib.edl\" import *; };",
    );
    let app = d.path().join("app/app.edl");
    let c = compile_file(
        &app,
        &opts(&[&d.path().join("first"), &d.path().join("second")]),
    )
    .expect("read");
    assert_eq!(c.program.ecalls[0].name.name, "from_first");
    let c = compile_file(
        &app,
        &opts(&[&d.path().join("second"), &d.path().join("first")]),
    )
    .expect("read");
    assert_eq!(c.program.ecalls[0].name.name, "from_second");
    write(
        d.path(),
        "app/lib.edl",
        "enclave { trusted { public void local(void); }; };",
    );
    let c = compile_file(&app, &opts(&[&d.path().join("first")])).expect("read");
    assert_eq!(
        c.program.ecalls[0].name.name, "local",
        "the importing file's directory wins"
    );
}

#[test]
fn selective_import_takes_only_named_functions_and_checks_them() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "lib.edl",
        "enclave { trusted { public void a(void); public void b(void); }; untrusted { void o(void); }; };",
    );
    write(
        d.path(),
        "top.edl",
        "enclave { from \"lib.edl\" import a, o; };",
    );
    let c = compile_file(&d.path().join("top.edl"), &opts(&[])).expect("read");
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    assert_eq!(c.summary().trusted, 1);
    assert_eq!(c.summary().untrusted, 1);
    write(
        d.path(),
        "bad.edl",
        "enclave { from \"lib.edl\" import nope; };",
    );
    let c = compile_file(&d.path().join("bad.edl"), &opts(&[])).expect("read");
    assert!(
        c.render_diagnostics()
            .contains("`nope` is not a function of \"lib.edl\"")
    );
}

#[test]
fn duplicates_through_imports_are_errors() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "x.edl",
        "enclave { struct t { int a; }; trusted { public void f(void); }; };",
    );
    write(
        d.path(),
        "y.edl",
        "enclave { struct t { int b; }; trusted { public void f(void); }; };",
    );
    write(
        d.path(),
        "top.edl",
        "enclave { from \"x.edl\" import *; from \"y.edl\" import *; };",
    );
    let c = compile_file(&d.path().join("top.edl"), &opts(&[])).expect("read");
    let text = c.render_diagnostics();
    assert!(text.contains("duplicate definition of type `t`"), "{text}");
    assert!(
        text.contains("duplicate definition of function `f`"),
        "{text}"
    );
    assert!(text.contains("note: first defined here"), "{text}");
}

#[test]
fn missing_import_lists_where_it_looked() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "top.edl",
        "enclave { from \"gone.edl\" import *; };",
    );
    let c = compile_file(
        &d.path().join("top.edl"),
        &opts(&[Path::new("/nonexistent/dir")]),
    )
    .expect("read");
    let text = c.render_diagnostics();
    assert!(
        text.contains("imported file \"gone.edl\" not found"),
        "{text}"
    );
    assert!(text.contains("/nonexistent/dir"), "{text}");
}

#[test]
fn whole_file_import_as_open_enclave_writes_it_takes_everything() {
    let d = tempfile::tempdir().expect("tmp");
    write(
        d.path(),
        "lib/extra.edl",
        "enclave { struct pt { int x; }; trusted { public void lib_fn([in] struct pt *p); }; untrusted { void lib_o(void); }; };",
    );
    write(
        d.path(),
        "top.edl",
        "enclave { import \"extra.edl\"; trusted { public void top_fn(void); }; };",
    );
    let lib = d.path().join("lib");
    let c = compile_file(&d.path().join("top.edl"), &opts(&[&lib])).expect("read");
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    let ecalls: Vec<&str> = c
        .program
        .ecalls
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(ecalls, ["lib_fn", "top_fn"]);
    assert_eq!(c.program.ocalls.len(), 1);
    assert_eq!(c.program.types.len(), 1);
    // The same file through `from ... import *` gives the same program.
    write(
        d.path(),
        "from.edl",
        "enclave { from \"extra.edl\" import *; trusted { public void top_fn(void); }; };",
    );
    let from = compile_file(&d.path().join("from.edl"), &opts(&[&lib])).expect("read");
    let from_names: Vec<&str> = from
        .program
        .ecalls
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(from_names, ecalls);
    // A missing semicolon is still a clear error.
    write(
        d.path(),
        "bad.edl",
        "enclave { import \"extra.edl\" trusted { }; };",
    );
    let bad = compile_file(&d.path().join("bad.edl"), &opts(&[&lib])).expect("read");
    assert!(
        bad.render_diagnostics().contains("after an import"),
        "{}",
        bad.render_diagnostics()
    );
}
