//! The host's files: `X_u.h` declares the ECALL stubs the application calls
//! and the OCALLs it implements (with the EDL's own signatures); `X_u.c`
//! defines the stubs, the OCALL wrappers and the OCALL table every stub
//! hands to `sg_ecall`.

use super::{CFiles, CallKind, Context, callee, caller, render};

const OCALL_TABLE: &str = "sg__ocall_table";

pub fn files(ctx: &Context<'_>) -> CFiles {
    let header_name = format!("{}_u.h", ctx.stem);
    let guard = ctx.guard("U_H");
    let program = ctx.program;

    let mut h = ctx.header_start("host", &guard, "secgear_ucalls.h");
    if !program.ecalls.is_empty() {
        h.push(String::new());
        h.push("/* ECALLs: call the enclave. */".into());
        for f in &program.ecalls {
            h.extend(caller::declarations(CallKind::Ecall, f));
        }
    }
    if !program.ocalls.is_empty() {
        h.push(String::new());
        h.push("/* OCALLs: the host application implements these. */".into());
        for f in &program.ocalls {
            h.push(format!("{};", callee::implementation_prototype(f)));
        }
    }
    h.extend(Context::header_end(&guard));

    let mut c = ctx.source_start("host", &header_name);
    for f in &program.ocalls {
        c.push(String::new());
        c.extend(callee::wrapper(CallKind::Ocall, f, &ctx.types));
    }
    c.push(String::new());
    c.extend(ocall_table(ctx));
    for (id, f) in program.ecalls.iter().enumerate() {
        c.push(String::new());
        c.extend(caller::definitions(
            CallKind::Ecall,
            id,
            f,
            &ctx.types,
            &format!("&{OCALL_TABLE}"),
        ));
    }
    CFiles {
        header_name: header_name.clone(),
        header: render(&h),
        source_name: format!("{}_u.c", ctx.stem),
        source: render(&c),
    }
}

fn ocall_table(ctx: &Context<'_>) -> Vec<String> {
    let ocalls = &ctx.program.ocalls;
    let mut lines = vec!["/* The OCALLs, indexed by function id. */".to_string()];
    if ocalls.is_empty() {
        lines.push(format!(
            "static const sg_ocall_table_t {OCALL_TABLE} = {{ 0, NULL, NULL }};"
        ));
        return lines;
    }
    lines.push("static const sg_ocall_fn sg__ocall_functions[] = {".into());
    for f in ocalls {
        lines.push(format!("{},", callee::wrapper_name(CallKind::Ocall, f)));
    }
    lines.push("};".into());
    let flags: Vec<String> = ocalls
        .iter()
        .map(|f| u8::from(f.switchless).to_string())
        .collect();
    lines.push(format!(
        "static const uint8_t sg__ocall_switchless[] = {{ {} }};",
        flags.join(", ")
    ));
    lines.push(format!(
        "static const sg_ocall_table_t {OCALL_TABLE} = {{ {}u, sg__ocall_functions, sg__ocall_switchless }};",
        ocalls.len()
    ));
    lines
}
