//! The enclave's files: `X_t.h` declares the ECALLs the enclave implements
//! (the EDL's signatures), the OCALL proxies it calls and `PrintInfo`;
//! `X_t.c` defines the ECALL wrappers, the tables `sg_enclave_ecalls` and
//! `sg_enclave_ocalls` the runtime serves from, and the proxies.

use super::{CFiles, CallKind, Context, callee, caller, render};

pub fn files(ctx: &Context<'_>) -> CFiles {
    let header_name = format!("{}_t.h", ctx.stem);
    let guard = ctx.guard("T_H");
    let program = ctx.program;

    let mut h = ctx.header_start("enclave", &guard, "secgear_tcalls.h");
    h.push(String::new());
    h.extend(print_info());
    if !program.ecalls.is_empty() {
        h.push(String::new());
        h.push("/* ECALLs: the enclave implements these. */".into());
        for f in &program.ecalls {
            h.push(format!("{};", callee::implementation_prototype(f)));
        }
    }
    if !program.ocalls.is_empty() {
        h.push(String::new());
        h.push("/* OCALLs: call the host. */".into());
        for f in &program.ocalls {
            h.extend(caller::declarations(CallKind::Ocall, f));
        }
    }
    h.extend(Context::header_end(&guard));

    let mut c = ctx.source_start("enclave", &header_name);
    for f in &program.ecalls {
        c.push(String::new());
        c.extend(callee::wrapper(CallKind::Ecall, f, &ctx.types));
    }
    c.push(String::new());
    c.extend(tables(ctx));
    for (id, f) in program.ocalls.iter().enumerate() {
        c.push(String::new());
        c.extend(caller::definitions(CallKind::Ocall, id, f, &ctx.types, ""));
    }
    c.push(String::new());
    c.extend(entry());
    CFiles {
        header_name: header_name.clone(),
        header: render(&h),
        source_name: format!("{}_t.c", ctx.stem),
        source: render(&c),
    }
}

/// The enclave image's `main`: the runtime (libsecgear_tee.a) serves the
/// tables above. A test harness that links the file into its own program
/// defines `SECGEAR_NO_ENCLAVE_MAIN`.
fn entry() -> Vec<String> {
    [
        "#ifndef SECGEAR_NO_ENCLAVE_MAIN",
        "int main(int argc, char **argv)",
        "{",
        "    return sg_enclave_main(argc, argv, &sg_enclave_ecalls, &sg_enclave_ocalls);",
        "}",
        "#endif",
    ]
    .map(String::from)
    .to_vec()
}

/// The original's logging macro, formatting into a bounded local buffer.
fn print_info() -> Vec<String> {
    [
        "#include <stdio.h>",
        "",
        "#ifndef PRINT_ERROR",
        "#define PRINT_ERROR 0",
        "#define PRINT_WARNING 1",
        "#define PRINT_STRACE 2",
        "#define PRINT_DEBUG 3",
        "#endif",
        "#ifndef PRINT_LEVEL",
        "#define PRINT_LEVEL PRINT_ERROR",
        "#endif",
        "#ifndef PrintInfo",
        "#define PrintInfo(level, fmt, ...) \\",
        "    do { \\",
        "        if ((level) <= PRINT_LEVEL) { \\",
        "            char sg_print_buf[1024]; \\",
        "            snprintf(sg_print_buf, sizeof(sg_print_buf), fmt, ##__VA_ARGS__); \\",
        "            sg_print_info((level), sg_print_buf); \\",
        "        } \\",
        "    } while (0)",
        "#endif",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

fn flags(values: impl Iterator<Item = bool>) -> String {
    values
        .map(|b| u8::from(b).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn tables(ctx: &Context<'_>) -> Vec<String> {
    let (ecalls, ocalls) = (&ctx.program.ecalls, &ctx.program.ocalls);
    let mut lines = vec!["/* The ECALLs, indexed by function id. */".to_string()];
    if ecalls.is_empty() {
        lines.push("const sg_ecall_table_t sg_enclave_ecalls = { 0, NULL, NULL, NULL };".into());
    } else {
        lines.push("static const sg_ecall_fn sg__ecall_functions[] = {".into());
        for f in ecalls {
            lines.push(format!("{},", callee::wrapper_name(CallKind::Ecall, f)));
        }
        lines.push("};".into());
        lines.push(format!(
            "static const uint8_t sg__ecall_public[] = {{ {} }};",
            flags(ecalls.iter().map(|f| f.public))
        ));
        lines.push(format!(
            "static const uint8_t sg__ecall_switchless[] = {{ {} }};",
            flags(ecalls.iter().map(|f| f.switchless))
        ));
        lines.push(format!(
            "const sg_ecall_table_t sg_enclave_ecalls = {{ {}u, sg__ecall_functions, sg__ecall_public, sg__ecall_switchless }};",
            ecalls.len()
        ));
    }
    lines.push(String::new());
    lines.push("/* The OCALLs, indexed by function id. */".into());
    if ocalls.is_empty() {
        lines.push("const sg_ocall_info_t sg_enclave_ocalls = { 0, NULL, NULL, NULL };".into());
        return lines;
    }
    lines.push(format!(
        "static const uint8_t sg__ocall_switchless[] = {{ {} }};",
        flags(ocalls.iter().map(|f| f.switchless))
    ));
    lines.push(format!(
        "static const uint8_t sg__ocall_errno[] = {{ {} }};",
        flags(ocalls.iter().map(|f| f.propagate_errno))
    ));
    let mut allow_entries = Vec::new();
    for f in ocalls {
        // Names that are not ECALLs were refused by the checker.
        let ids: Vec<String> = f
            .allow
            .iter()
            .filter_map(|a| ecalls.iter().position(|e| e.name.name == a.name))
            .map(|i| format!("{i}u"))
            .collect();
        if ids.is_empty() {
            allow_entries.push("{ 0, NULL }".to_string());
        } else {
            lines.push(format!(
                "static const uint32_t sg__allow_{}[] = {{ {} }};",
                f.name.name,
                ids.join(", ")
            ));
            allow_entries.push(format!("{{ {}u, sg__allow_{} }}", ids.len(), f.name.name));
        }
    }
    lines.push(format!(
        "static const sg_allow_list_t sg__ocall_allow[] = {{ {} }};",
        allow_entries.join(", ")
    ));
    lines.push(format!(
        "const sg_ocall_info_t sg_enclave_ocalls = {{ {}u, sg__ocall_switchless, sg__ocall_errno, sg__ocall_allow }};",
        ocalls.len()
    ));
    lines
}
