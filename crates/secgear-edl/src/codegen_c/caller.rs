//! The calling half: the host's ECALL stubs (and their `_async` variants)
//! and the enclave's OCALL proxies. Each checks its arguments as the Rust
//! client does (a reference is never NULL there, a size argument must fit
//! its buffer), writes the request, and hands the reply to a decoder that
//! checks the whole reply before it writes anything into the caller's
//! buffers (shared-memory regions of switchless ECALLs aside: the enclave
//! wrote those in place).

use super::CallKind;
use super::ctype::{self, Types};
use super::marshal::{
    self, CParam, Kind, count_stmts, dec_one, dec_run_into, enc_one, enc_run, fail, local, try_,
};
use crate::ast::{BaseType, Function};

fn returns_value(f: &Function) -> bool {
    !(f.ret.base == BaseType::Void && f.ret.pointers == 0)
}

/// The parameters as the EDL writes them.
pub fn edl_params(f: &Function) -> Vec<String> {
    f.params
        .iter()
        .map(|p| ctype::decl_text(&p.ty, &p.name.name, &p.dims))
        .collect()
}

pub fn join_params(params: Vec<String>) -> String {
    if params.is_empty() {
        "void".into()
    } else {
        params.join(", ")
    }
}

/// The stub's prototype (no `;`); `task_id` for the `_async` variant.
fn prototype(kind: CallKind, f: &Function, asynchronous: bool) -> String {
    let mut params = Vec::new();
    if kind == CallKind::Ecall {
        params.push("cc_enclave_t *enclave".to_string());
    }
    if asynchronous {
        params.push("int *task_id".into());
    }
    if returns_value(f) {
        params.push(format!("{} *retval", ctype::type_text(&f.ret)));
    }
    params.extend(edl_params(f));
    let suffix = if asynchronous { "_async" } else { "" };
    format!(
        "cc_enclave_result_t {}{suffix}({})",
        f.name.name,
        join_params(params)
    )
}

pub fn declarations(kind: CallKind, f: &Function) -> Vec<String> {
    let mut lines = vec![format!("{};", prototype(kind, f, false))];
    if kind == CallKind::Ecall && f.switchless {
        lines.push(format!("{};", prototype(kind, f, true)));
    }
    lines
}

/// The reply decoder's context: where each returned payload goes.
fn ctx_struct(f: &Function, params: &[CParam<'_>]) -> Option<Vec<String>> {
    let returning: Vec<&CParam<'_>> = params.iter().filter(|p| p.returns()).collect();
    if returning.is_empty() {
        return None;
    }
    let mut lines = vec![format!("struct sg__ctx_{} {{", f.name.name)];
    for p in returning {
        let e = p.elem()?;
        lines.push(format!("{} *p_{};", e.ty, p.name));
        lines.push(format!("uint64_t n_{};", p.name));
        if p.shareable {
            // Non-zero: the region stayed in the shared arena (not in the reply).
            lines.push(format!("uint64_t a_{};", p.name));
        }
    }
    lines.push("};".into());
    Some(lines)
}

/// `static cc_enclave_result_t sg__reply_f(reply, ctx, retval)`: an
/// `sg_complete_fn`, also what the synchronous stub decodes with.
fn reply_decoder(
    kind: CallKind,
    f: &Function,
    params: &[CParam<'_>],
    types: &Types<'_>,
) -> Vec<String> {
    let name = &f.name.name;
    let returning: Vec<&CParam<'_>> = params.iter().filter(|p| p.returns()).collect();
    let errno = kind == CallKind::Ocall && f.propagate_errno;
    let mut lines = vec![
        format!(
            "static cc_enclave_result_t sg__reply_{name}(sg_reader_t *sg__r, void *sg__ctx, void *sg__retval)"
        ),
        "{".into(),
        "cc_enclave_result_t sg__rc = CC_SUCCESS;".into(),
    ];
    let mut unused = Vec::new();
    if returning.is_empty() {
        unused.push("(void)sg__ctx;".to_string());
    } else {
        lines.push(format!(
            "const struct sg__ctx_{name} *sg__c = (const struct sg__ctx_{name} *)sg__ctx;"
        ));
    }
    if returns_value(f) {
        lines.push(format!("{} sg__ret;", ctype::mutable_type_text(&f.ret)));
    } else {
        unused.push("(void)sg__retval;".into());
    }
    if errno {
        lines.push("int32_t sg__errno = 0;".into());
        lines.push("int sg__have_errno = 0;".into());
    }
    for p in &returning {
        if let Some(e) = p.elem() {
            lines.push(format!("{} *{} = NULL;", e.ty, local("back", p.name)));
        }
    }
    lines.extend(unused);
    if returns_value(f) {
        lines.push("memset(&sg__ret, 0, sizeof(sg__ret));".into());
    }
    if errno {
        // The host's errno comes first, before the return value.
        lines.push(try_("sg_get(sg__r, &sg__errno, sizeof(sg__errno))"));
        lines.push("sg__have_errno = 1;".into());
    }
    if returns_value(f) {
        let ret = types.value_elem(&f.ret);
        lines.extend(dec_one(&ret, "sg__ret"));
    }
    for p in &returning {
        let Some(e) = p.elem() else { continue };
        let (back, n) = (local("back", p.name), format!("sg__c->n_{}", p.name));
        if p.shareable {
            lines.push(format!("if (sg__c->a_{} == 0) {{", p.name));
        }
        lines.push(format!(
            "{back} = ({} *)calloc({n} != 0 ? {n} : 1, {});",
            e.ty,
            e.size()
        ));
        lines.push(format!(
            "if ({back} == NULL) {}",
            fail("CC_ERROR_OUT_OF_MEMORY")
        ));
        match &p.kind {
            Kind::Region(r) => {
                let orig = format!("sg__c->p_{}", p.name);
                lines.extend(dec_run_into(
                    &e,
                    &back,
                    &n,
                    r.fixed.is_none(),
                    e.is_deep().then_some(orig.as_str()),
                ));
            }
            Kind::Terminated { .. } => {
                lines.push(try_(&format!(
                    "sg_get_seq_into(sg__r, {back}, {n}, {})",
                    e.size()
                )));
                // The callee may shorten the string, not unterminate it.
                lines.push("{".into());
                lines.push("int sg__nul = 0;".into());
                lines.push(format!("for (uint64_t sg__i = 0; sg__i < {n}; sg__i++) {{"));
                lines.push(format!("if ({back}[sg__i] == 0) sg__nul = 1;"));
                lines.push("}".into());
                lines.push(format!("if (!sg__nul) {}", fail("CC_ERROR_BAD_PARAMETERS")));
                lines.push("}".into());
            }
            _ => {}
        }
        if p.shareable {
            lines.push("}".into());
        }
    }
    lines.push(try_("sg_reader_finish(sg__r)"));
    // Everything checked: now the caller's memory changes.
    for p in &returning {
        let Some(e) = p.elem() else { continue };
        let (back, n, dst) = (
            local("back", p.name),
            format!("sg__c->n_{}", p.name),
            format!("sg__c->p_{}", p.name),
        );
        if p.shareable {
            // The enclave wrote it in place.
            lines.push(format!("if (sg__c->a_{} == 0) {{", p.name));
            lines.push(format!(
                "memcpy({dst}, {back}, (size_t){n} * {});",
                e.size()
            ));
            lines.push("}".into());
            continue;
        }
        if let ctype::Codec::Struct {
            name: t,
            deep: true,
        } = &e.codec
        {
            lines.push(format!("for (uint64_t sg__i = 0; sg__i < {n}; sg__i++) {{"));
            lines.push(format!("sg__commit_{t}(&{dst}[sg__i], &{back}[sg__i]);"));
            lines.push("}".into());
        } else {
            lines.push(format!(
                "memcpy({dst}, {back}, (size_t){n} * {});",
                e.size()
            ));
        }
    }
    if returns_value(f) {
        lines.push("if (sg__retval != NULL) {".into());
        lines.push("memcpy(sg__retval, &sg__ret, sizeof(sg__ret));".into());
        lines.push("}".into());
    }
    lines.push("goto sg__out;".into());
    lines.push("sg__out:".into());
    for p in &returning {
        let Some(e) = p.elem() else { continue };
        let back = local("back", p.name);
        if e.is_deep() {
            lines.push(format!("if ({back} != NULL) {{"));
            lines.extend(marshal::free_deep_run(
                &e,
                &back,
                &format!("sg__c->n_{}", p.name),
            ));
            lines.push("}".into());
        }
        lines.push(format!("free({back});"));
    }
    if errno {
        lines.push("if (sg__have_errno) {".into());
        lines.push("errno = sg__errno;".into());
        lines.push("}".into());
    }
    lines.push("return sg__rc;".into());
    lines.push("}".into());
    lines
}

/// The checks and the request, shared by the synchronous and `_async`
/// stubs; `ctx` is how the context is reached (`sg__c.` or `sg__c->`).
fn marshal_request(
    kind: CallKind,
    id: usize,
    f: &Function,
    params: &[CParam<'_>],
    ctx: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    let bad = fail("CC_ERROR_BAD_PARAMETERS");
    for p in params {
        let (x, n) = (p.name, local("n", p.name));
        match &p.kind {
            Kind::Region(r) => {
                if let Some(fixed) = &r.fixed {
                    lines.push(format!("if ({x} == NULL) {bad}"));
                    lines.push(format!("{n} = {fixed};"));
                } else {
                    let (s, c) = marshal::region_operands(r, f, &|name| name.to_string());
                    lines.extend(count_stmts(&r.elem, s, c, &n));
                    lines.push(format!("if ({x} == NULL && {n} != 0) {bad}"));
                }
            }
            Kind::CStr => lines.push(format!("if ({x} == NULL) {bad}")),
            Kind::Terminated { wide, .. } => {
                lines.push(format!("if ({x} == NULL) {bad}"));
                let len = if *wide { "wcslen" } else { "strlen" };
                lines.push(format!("{n} = (uint64_t){len}({x}) + 1;"));
            }
            Kind::Value(_) | Kind::UserPtr => {}
        }
    }
    lines.push(format!(
        "sg__w = sg_writer_request({}, {id}u);",
        kind.wire_kind()
    ));
    lines.push(format!(
        "if (sg__w == NULL) {}",
        fail("CC_ERROR_OUT_OF_MEMORY")
    ));
    for p in params.iter().filter(|p| !p.hidden) {
        let (x, n) = (p.name, local("n", p.name));
        match &p.kind {
            Kind::Value(e) => lines.extend(enc_one(e, x)),
            // A host pointer into shared memory travels as the address the
            // enclave resolves it by; any other as itself.
            Kind::UserPtr if kind == CallKind::Ecall => {
                lines.push(format!("sg_put_u64(sg__w, sg_user_ptr(enclave, {x}));"))
            }
            Kind::UserPtr => lines.push(format!("sg_put_u64(sg__w, (uint64_t)(uintptr_t)({x}));")),
            Kind::Region(r) => {
                let mut inline = Vec::new();
                if r.dir.sends() {
                    inline.extend(enc_run(&r.elem, x, &n, r.fixed.is_none()));
                } else if r.fixed.is_none() {
                    // An [out]-only sequence sends how many elements it wants.
                    inline.push(format!("sg_put_u64(sg__w, {n});"));
                }
                if !p.shareable {
                    lines.extend(inline);
                    continue;
                }
                // Memory from cc_malloc_shared_memory stays where it is.
                let a = local("a", x);
                lines.push(format!(
                    "{a} = ({x} != NULL && {n} != 0) ? sg_shared_region(enclave, {x}, (size_t){n} * {}) : 0;",
                    r.elem.size()
                ));
                lines.push("{".into());
                lines.push(format!(
                    "const uint8_t sg__tag = {a} != 0 ? SG_REGION_IN_ARENA : SG_REGION_INLINE;"
                ));
                lines.push("sg_put(sg__w, &sg__tag, 1);".into());
                lines.push("}".into());
                lines.push(format!("if ({a} != 0) {{"));
                lines.push(format!("sg_put_u64(sg__w, {a});"));
                if r.fixed.is_none() {
                    lines.push(format!("sg_put_u64(sg__w, {n});"));
                }
                lines.push("} else {".into());
                lines.extend(inline);
                lines.push("}".into());
            }
            Kind::CStr => lines.push(format!("sg_put_seq(sg__w, {x}, (uint64_t)strlen({x}), 1);")),
            Kind::Terminated { wide, .. } => {
                let e = marshal::string_elem(*wide);
                lines.push(format!("sg_put_seq(sg__w, {x}, {n}, {});", e.size()));
            }
        }
    }
    for p in params.iter().filter(|p| p.returns()) {
        let Some(e) = p.elem() else { continue };
        lines.push(format!("{ctx}p_{} = ({} *)({});", p.name, e.ty, p.name));
        lines.push(format!("{ctx}n_{} = {};", p.name, local("n", p.name)));
        if p.shareable {
            lines.push(format!("{ctx}a_{} = {};", p.name, local("a", p.name)));
        }
    }
    lines
}

fn count_locals(params: &[CParam<'_>]) -> Vec<String> {
    let counts = params
        .iter()
        .filter(|p| matches!(p.kind, Kind::Region(_) | Kind::Terminated { .. }))
        .map(|p| format!("uint64_t {} = 0;", local("n", p.name)));
    let arena = params
        .iter()
        .filter(|p| p.shareable)
        .map(|p| format!("uint64_t {} = 0;", local("a", p.name)));
    counts.chain(arena).collect()
}

/// The stub(s) of one function, with its context and reply decoder.
/// `ocall_table`: what host ECALL stubs pass to `sg_ecall`.
pub fn definitions(
    kind: CallKind,
    id: usize,
    f: &Function,
    types: &Types<'_>,
    ocall_table: &str,
) -> Vec<String> {
    let params = marshal::params(f, types, kind);
    let name = &f.name.name;
    let has_ctx = params.iter().any(CParam::returns);
    let mut lines = Vec::new();
    if let Some(ctx) = ctx_struct(f, &params) {
        lines.extend(ctx);
        lines.push(String::new());
    }
    lines.extend(reply_decoder(kind, f, &params, types));
    lines.push(String::new());

    let retval = if returns_value(f) { "retval" } else { "NULL" };
    let switchless = u8::from(f.switchless);
    // Synchronous.
    lines.push(prototype(kind, f, false));
    lines.push("{".into());
    lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
    lines.push("sg_writer_t *sg__w = NULL;".into());
    lines.push("sg_reader_t *sg__r = NULL;".into());
    if has_ctx {
        lines.push(format!("struct sg__ctx_{name} sg__c;"));
    }
    lines.extend(count_locals(&params));
    if has_ctx {
        lines.push("memset(&sg__c, 0, sizeof(sg__c));".into());
    }
    if kind == CallKind::Ecall {
        lines.push(format!(
            "if (enclave == NULL) {}",
            fail("CC_ERROR_BAD_PARAMETERS")
        ));
    }
    lines.extend(marshal_request(kind, id, f, &params, "sg__c."));
    lines.push(match kind {
        CallKind::Ecall => {
            format!("sg__rc = sg_ecall(enclave, sg__w, {switchless}, {ocall_table}, &sg__r);")
        }
        CallKind::Ocall => format!("sg__rc = sg_ocall(sg__w, {switchless}, &sg__r);"),
    });
    lines.push("sg__w = NULL;".into());
    lines.push("if (sg__rc != CC_SUCCESS) goto sg__out;".into());
    let ctx_arg = if has_ctx { "&sg__c" } else { "NULL" };
    lines.push(format!(
        "sg__rc = sg__reply_{name}(sg__r, {ctx_arg}, {retval});"
    ));
    lines.push("goto sg__out;".into());
    lines.push("sg__out:".into());
    lines.push("sg_writer_free(sg__w);".into());
    lines.push("sg_reader_free(sg__r);".into());
    lines.push("return sg__rc;".into());
    lines.push("}".into());

    if kind == CallKind::Ocall || !f.switchless {
        return lines;
    }
    // Asynchronous: the context lives until the library has decoded the
    // reply into the caller's buffers, then the library frees it.
    lines.push(String::new());
    lines.push(prototype(kind, f, true));
    lines.push("{".into());
    lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
    lines.push("sg_writer_t *sg__w = NULL;".into());
    if has_ctx {
        lines.push(format!("struct sg__ctx_{name} *sg__c = NULL;"));
    }
    lines.extend(count_locals(&params));
    lines.push(format!(
        "if (enclave == NULL || task_id == NULL) {}",
        fail("CC_ERROR_BAD_PARAMETERS")
    ));
    if has_ctx {
        lines.push(format!(
            "sg__c = (struct sg__ctx_{name} *)calloc(1, sizeof(*sg__c));"
        ));
        lines.push(format!(
            "if (sg__c == NULL) {}",
            fail("CC_ERROR_OUT_OF_MEMORY")
        ));
    }
    lines.extend(marshal_request(kind, id, f, &params, "sg__c->"));
    let (ctx_arg, free_arg) = if has_ctx {
        ("sg__c", "free")
    } else {
        ("NULL", "NULL")
    };
    lines.push(format!(
        "sg__rc = sg_ecall_async(enclave, sg__w, {ocall_table}, sg__reply_{name}, {ctx_arg}, {free_arg}, task_id, {retval});"
    ));
    lines.push("sg__w = NULL;".into());
    if has_ctx {
        lines.push("sg__c = NULL;".into());
    }
    lines.push("goto sg__out;".into());
    lines.push("sg__out:".into());
    lines.push("sg_writer_free(sg__w);".into());
    if has_ctx {
        lines.push("free(sg__c);".into());
    }
    lines.push("return sg__rc;".into());
    lines.push("}".into());
    lines
}
