//! Each semantic rule, one case at a time, plus the diagnostics format.

use secgear_edl::{Options, compile_str};
use std::path::Path;

fn errors_of(body: &str) -> Vec<String> {
    let c = compile_str(
        Path::new("t.edl"),
        format!("enclave {{\n{body}\n}};\n"),
        &Options::default(),
    );
    c.diagnostics.errors().map(|d| d.message.clone()).collect()
}

fn warnings_of(body: &str) -> Vec<String> {
    let c = compile_str(
        Path::new("t.edl"),
        format!("enclave {{\n{body}\n}};\n"),
        &Options::default(),
    );
    c.diagnostics
        .warnings()
        .map(|d| d.message.clone())
        .collect()
}

fn trusted(decls: &str) -> String {
    format!("trusted {{ public void anchor(void); {decls} }};")
}

#[track_caller]
fn rejects(body: &str, needle: &str) {
    let errors = errors_of(body);
    assert!(
        errors.iter().any(|e| e.contains(needle)),
        "expected an error containing {needle:?}, got {errors:?}\nfor: {body}"
    );
}

#[track_caller]
fn accepts(body: &str) {
    let errors = errors_of(body);
    assert!(
        errors.is_empty(),
        "expected no errors, got {errors:?}\nfor: {body}"
    );
}

#[test]
fn pointer_needs_a_direction_or_user_check_but_not_both() {
    rejects(&trusted("public void f(int *p);"), "needs a direction");
    rejects(
        &trusted("public void f([in, user_check] int *p);"),
        "`user_check` cannot be combined",
    );
    accepts(&trusted(
        "public void f([user_check] int *p, [in] int *q, [out] int *r, [in, out] int *s);",
    ));
}

#[test]
fn an_array_without_a_direction_passes_its_address_as_edger8r_does() {
    let body = trusted("public void f(int a[4]);");
    accepts(&body);
    let warnings = warnings_of(&body);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`a` has no direction") && w.contains("user_check")),
        "{warnings:?}"
    );
    // A pointer is not an array: it still needs one.
    rejects(&trusted("public void f(int *p);"), "needs a direction");
}

#[test]
fn size_on_a_pointer_to_a_deep_copy_structure_is_refused_as_edger8r_does() {
    let types = "struct blob { size_t n; [size=n] uint8_t *data; }; struct plain { int x; };";
    rejects(
        &format!(
            "{types} {}",
            trusted("public void f([in, size=16] struct blob *b);")
        ),
        "size attributes are invalid for the pointer of an user-defined type `blob`",
    );
    accepts(&format!(
        "{types} {}",
        trusted("public void f([in, count=2] struct blob *b, [in, size=8] struct plain *p);")
    ));
}

#[test]
fn string_rules() {
    rejects(
        &trusted("public void f([out, string] char *s);"),
        "`string` requires `[in]`",
    );
    rejects(
        &trusted("public void f([in, string, size=4] char *s);"),
        "cannot be combined with `size`",
    );
    rejects(
        &trusted("public void f([in, string] int *s);"),
        "only allowed on `char*`",
    );
    rejects(
        &trusted("public void f([in, wstring] char *s);"),
        "only allowed on `wchar_t*`",
    );
    rejects(
        &trusted("public void f([in, string, wstring] char *s);"),
        "cannot be combined",
    );
    rejects(
        &trusted("public void f([string] char *s);"),
        "requires `in` or `out`",
    );
    accepts(&trusted(
        "public void f([in, string] const char *s, [in, out, string] char *t, [in, wstring] wchar_t *w);",
    ));
}

#[test]
fn void_pointer_needs_a_size() {
    rejects(
        &trusted("public void f([in] void *p);"),
        "needs `size` or `count`",
    );
    accepts(&trusted("public void f([in, size=n] void *p, size_t n);"));
    accepts(&trusted("public void f([user_check] void *p);"));
}

#[test]
fn size_and_count_must_name_an_integer_parameter_or_be_constant() {
    rejects(
        &trusted("public void f([in, size=len] void *p);"),
        "`len` is not a parameter",
    );
    rejects(
        &trusted("public void f([in, size=q] void *p, [in] size_t *q);"),
        "must name an integer or floating-point parameter",
    );
    rejects(
        &format!(
            "struct s {{ int x; }}; {}",
            trusted("public void f([in, size=v] void *p, struct s v);")
        ),
        "must name an integer or floating-point parameter",
    );
    // edger8r converts a floating-point size as C does.
    accepts(&trusted(
        "public void f([in, size=d] void *p, double d, [out, count=c] int *q, float c);",
    ));
    rejects(
        &trusted("public void f([in, size=p] void *p);"),
        "cannot be itself",
    );
    rejects(
        &trusted("public void f([in, size] void *p);"),
        "`size` needs a value",
    );
    accepts(&trusted(
        "public void f([in, size=16] void *p, [in, count=n] int *q, unsigned int n);",
    ));
}

#[test]
fn isptr_and_isary_only_on_foreign_types() {
    rejects(
        &trusted("public void f([in, isptr, size=4] int *p);"),
        "only allowed on a foreign typedef",
    );
    rejects(
        &trusted("public void f([in, isary] int p);"),
        "only allowed on a foreign typedef",
    );
    rejects(
        &trusted("public void f([in, isptr, isary] buf_t p);"),
        "cannot be combined",
    );
    rejects(
        &trusted("public void f([in] buf_t p);"),
        "mark it `isptr` or `isary`",
    );
    accepts(&trusted(
        "public void f([in, isptr, readonly, size=n] buf_t p, size_t n, [user_check, isary] arr_t a);",
    ));
    // Unsized: as edger8r, what the typedef points to (`sizeof(*(buf_t)0)`).
    accepts(&trusted("public void f([in, isptr] buf_t p);"));
}

#[test]
fn readonly_and_const_rules() {
    rejects(
        &trusted("public void f([in, readonly] int *p);"),
        "`readonly` requires",
    );
    rejects(
        &trusted("public void f([out, isptr, readonly, size=4] buf_t p);"),
        "cannot be combined with `out`",
    );
    rejects(
        &trusted("public void f([out] const int *p);"),
        "cannot be `[out]`",
    );
}

#[test]
fn arrays() {
    rejects(
        &trusted("public void f([in] int *a[4]);"),
        "arrays of pointers are not allowed",
    );
    rejects(
        &trusted("public void f([in, size=4] int a[4]);"),
        "declared as an array",
    );
    rejects(&trusted("public void f([in] int a[0]);"), "cannot be zero");
    rejects(&trusted("public void f([in] int a[]);"), "flexible array");
    rejects("struct s { int *m[2]; };", "arrays of pointers");
    accepts(&trusted(
        "public void f([in] int a[2][3], [out] uint8_t b[16]);",
    ));
}

#[test]
fn attributes_on_values_and_unknown_attributes() {
    rejects(
        &trusted("public void f([in] int x);"),
        "passed by value and takes no attributes",
    );
    rejects(
        &trusted("public void f([in, bogus] int *p);"),
        "unknown attribute `bogus`",
    );
    rejects(&trusted("public void f([in, in] int *p);"), "given twice");
    rejects(
        &trusted("public void f([in, sizefunc=g] int *p);"),
        "deprecated",
    );
    rejects(
        &trusted("public void f([] int *p);"),
        "empty attribute list",
    );
}

#[test]
fn allow_must_name_existing_ecalls() {
    rejects(
        "trusted { public void a(void); }; untrusted { void o(void) allow(nope); };",
        "no trusted function named `nope`",
    );
    rejects(
        "trusted { public void a(void); }; untrusted { void o(void) allow(p); void p(void); };",
        "is an untrusted function",
    );
    accepts(
        "trusted { public void a(void); void b(void); }; untrusted { void o(void) allow(b); };",
    );
}

#[test]
fn at_least_one_public_ecall() {
    rejects(
        "trusted { void a(void); }; untrusted { void o(void) allow(a); };",
        "none is `public`",
    );
    accepts("untrusted { void o(void); };");
}

#[test]
fn deep_copy_structs_are_not_passed_by_value_or_out_only() {
    let blob = "struct blob { size_t n; [size=n] uint8_t *p; };";
    rejects(
        &format!("{blob} {}", trusted("public void f(struct blob b);")),
        "cannot be passed by value",
    );
    rejects(
        &format!("{blob} {}", trusted("public void f([out] struct blob *b);")),
        "not `[out]`",
    );
    rejects(
        &format!("{blob} {}", trusted("public struct blob f(void);")),
        "cannot be returned by value",
    );
    rejects(
        &format!("{blob} struct outer {{ struct blob b; }};"),
        "cannot be embedded by value",
    );
    accepts(&format!(
        "{blob} {}",
        trusted("public void f([in] struct blob *b, [in, out] struct blob *c);")
    ));
}

#[test]
fn struct_member_attributes() {
    rejects("struct s { [in] int *p; };", "only `size` and `count`");
    rejects(
        "struct s { [size=4] int x; };",
        "only allowed on pointer members",
    );
    rejects("struct s { [size=q] int *p; };", "no member `q`");
    rejects(
        "struct s { double d; [size=d] int *p; };",
        "must name an integer member",
    );
    rejects(
        "union u { [size=4] int *p; };",
        "union members take no attributes",
    );
    rejects("struct s { int a; int a; };", "duplicate member `a`");
    rejects("struct s { struct s inner; };", "cannot contain itself");
    accepts("struct s { uint32_t n; [count=n] uint64_t *p; [size=8] char *q; };");
}

#[test]
fn duplicates_and_placement() {
    rejects(
        &trusted("public void f(void); public void f(void);"),
        "duplicate definition of function `f`",
    );
    rejects(
        "trusted { public void f(void); }; untrusted { void f(void); };",
        "duplicate definition of function `f`",
    );
    rejects(
        "struct a { int x; }; struct a { int y; };",
        "duplicate definition of type `a`",
    );
    rejects(
        &trusted("public void f(int a, int a);"),
        "duplicate parameter",
    );
    rejects(
        "untrusted { public void o(void); };",
        "only allowed on trusted",
    );
    rejects(
        &trusted("public void f(void) allow(anchor);"),
        "only allowed on untrusted",
    );
    rejects(
        &trusted("public void f(void) propagate_errno;"),
        "only allowed on untrusted",
    );
    rejects(
        &trusted("[cdecl] public void f(void);"),
        "only allowed on untrusted",
    );
    rejects(
        "untrusted { [cdecl, stdcall] void o(void); };",
        "only one calling convention",
    );
    rejects(&trusted("public int f(void)[4];"), "cannot return an array");
    rejects(&trusted("public void struct(void);"), "reserved word");
    accepts(
        "untrusted { [cdecl, dllimport] void o(void) propagate_errno transition_using_threads; };",
    );
    accepts("untrusted { void o(void) transition_using_threads propagate_errno; };");
}

#[test]
fn type_references() {
    rejects(
        "enum e { A }; trusted { public void f(struct e x); };",
        "defined as a enum",
    );
    let w = warnings_of(&trusted("public void f([in] struct sockaddr *a);"));
    assert!(w.iter().any(|m| m.contains("not defined in EDL")), "{w:?}");
}

#[test]
fn warns_where_edger8r_warns() {
    let w = warnings_of("trusted { public void a(void); int hidden(void); };");
    assert!(
        w.iter()
            .any(|m| m.contains("not named in any `allow(...)`")),
        "{w:?}"
    );
}

#[test]
fn all_c_base_types_parse() {
    accepts(
        &(trusted(
            "public long long f(unsigned a, unsigned char b, unsigned short int c, short d, long int e, \
         unsigned long long g, long double h, float i, double j, int8_t k, int16_t l, int32_t m, int64_t n, \
         uint8_t o, uint16_t p, uint32_t q, uint64_t r, size_t s, wchar_t t, signed char u, char v, \
         enum color w, my_type_t x, [in] const char **y, [user_check] void ***z);",
        ) + "enum color { RED = 0x10, GREEN, BLUE = -1 }; enum { ANON };"),
    );
}

#[test]
fn preprocessor_is_applied_with_command_line_defines() {
    let src = "enclave {\n#ifdef WITH_EXTRA\n trusted { public void extra(void); };\n#else\n trusted { public void base([out, size=LEN] char *b); };\n#endif\n};\n";
    let with = Options {
        defines: vec![secgear_edl::Define::parse("WITH_EXTRA").expect("define")],
        ..Default::default()
    };
    let c = compile_str(Path::new("p.edl"), src.into(), &with);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    assert_eq!(c.program.ecalls[0].name.name, "extra");
    let len = Options {
        defines: vec![secgear_edl::Define::parse("LEN=64").expect("define")],
        ..Default::default()
    };
    let c = compile_str(Path::new("p.edl"), src.into(), &len);
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    assert_eq!(c.program.ecalls[0].name.name, "base");
    let c = compile_str(Path::new("p.edl"), src.into(), &Options::default());
    assert!(
        c.has_errors(),
        "LEN undefined leaves `size=LEN` naming no parameter"
    );
}

#[test]
fn diagnostics_show_location_source_line_and_caret_for_every_error() {
    let src = "enclave {\n    trusted {\n        public void f(int *p);\n        public void g([in] void *q);\n    };\n};\n";
    let c = compile_str(Path::new("dir/bad.edl"), src.into(), &Options::default());
    let text = c.render_diagnostics();
    assert_eq!(c.diagnostics.error_count(), 2, "{text}");
    assert!(
        text.contains("dir/bad.edl:3:28: error: pointer parameter `p` needs a direction"),
        "{text}"
    );
    assert!(
        text.contains("3 |         public void f(int *p);\n  |                            ^\n"),
        "{text}"
    );
    assert!(
        text.contains("dir/bad.edl:4:34: error: `void*` parameter `q` needs `size`"),
        "{text}"
    );
}

#[test]
fn syntax_errors_are_all_reported_and_recovered_from() {
    let src = "enclave {\n trusted {\n  public void f(int;\n  public int g(int a) junk;\n  public void ok(void);\n };\n struct {;\n};\n";
    let c = compile_str(Path::new("s.edl"), src.into(), &Options::default());
    assert!(
        c.diagnostics.error_count() >= 3,
        "{}",
        c.render_diagnostics()
    );
    assert!(
        c.program.ecalls.iter().any(|f| f.name.name == "ok"),
        "parsing resumed after the errors"
    );
    for bad in [
        "",
        "enclave",
        "enclave {",
        "enclave { trusted { public",
        "enclave { };  extra",
        "enclave { } ",
        "x { };",
    ] {
        let c = compile_str(Path::new("e.edl"), bad.into(), &Options::default());
        assert!(c.has_errors(), "{bad:?} should not parse");
    }
}

#[test]
fn recursive_types_are_refused() {
    rejects(
        "struct node { size_t n; [count=n] struct node *kids; };",
        "contains itself",
    );
    rejects(
        "struct a { struct b inner; }; struct b { struct a inner; };",
        "contains itself",
    );
    rejects("union u { union u inner; int x; };", "contains itself");
    // A plain pointer is only an address: no recursion crosses the boundary.
    accepts("struct list { int v; struct list *next; };");
}

#[test]
fn enumerator_rules() {
    rejects("enum a { X }; enum b { X };", "duplicate enumerator `X`");
    rejects("enum e { e };", "has the name of a type");
    rejects(
        "enum e { A = FOREIGN_CONST };",
        "must be a number or an earlier EDL enumerator",
    );
    accepts("enum e { A = 3, B, C = A };");
}

#[test]
fn size_arguments_cannot_be_attributed_parameters() {
    rejects(
        &trusted("public void f([in, size=a] void *p, [in, isary] arr_t a);"),
        "must name an integer or floating-point parameter",
    );
}

#[test]
fn array_dimensions_cannot_be_parameters() {
    rejects(
        &trusted("public void f([in] int a[n], size_t n);"),
        "is a parameter",
    );
}

#[test]
fn fixed_buffers_are_bounded_and_whole() {
    rejects(
        &trusted("public void f([in, size=3] uint32_t *p);"),
        "not a whole number of 4-byte elements",
    );
    rejects(
        &trusted("public void f([out, size=2000000] char *p);"),
        "exceeds 1048576 bytes",
    );
    rejects(
        &trusted("public void f([out] uint64_t a[1024][1024]);"),
        "exceeds 1048576 bytes",
    );
    rejects(
        &trusted("public void f([in, count=300000] int *p);"),
        "exceeds 1048576 bytes",
    );
    accepts(&trusted(
        "public void f([in, size=8] uint32_t *p, [out] uint8_t a[1048576]);",
    ));
}
