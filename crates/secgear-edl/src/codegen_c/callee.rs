//! The called half: the enclave's ECALL wrappers and the host's OCALL
//! wrappers (`sg_ecall_fn` / `sg_ocall_fn`). Each reads every argument,
//! refuses trailing bytes, checks what the Rust dispatcher checks (size
//! arguments against the sequences that came, strings that end where they
//! must), allocates the `[out]` buffers zeroed, calls the implementation
//! and writes the reply: the host's errno for a `propagate_errno` OCALL,
//! the return value, then each `[out]`/`[in, out]` payload.

use super::CallKind;
use super::ctype::{self, Types};
use super::marshal::{
    self, CParam, Kind, count_stmts, dec_one, dec_run_alloc, dec_run_into, enc_one, enc_run, fail,
    local, try_,
};
use crate::ast::{BaseType, Function};
use crate::codegen::shape::Operand;

/// The static wrapper's name.
pub fn wrapper_name(kind: CallKind, f: &Function) -> String {
    match kind {
        CallKind::Ecall => format!("sg__ecall_{}", f.name.name),
        CallKind::Ocall => format!("sg__ocall_{}", f.name.name),
    }
}

/// The implementation's prototype: the EDL's own signature.
pub fn implementation_prototype(f: &Function) -> String {
    let params = super::caller::join_params(super::caller::edl_params(f));
    format!("{} {}({params})", ctype::type_text(&f.ret), f.name.name)
}

fn returns_value(f: &Function) -> bool {
    !(f.ret.base == BaseType::Void && f.ret.pointers == 0)
}

pub fn wrapper(kind: CallKind, f: &Function, types: &Types<'_>) -> Vec<String> {
    let params = marshal::params(f, types, kind);
    let errno = kind == CallKind::Ocall && f.propagate_errno;
    let mut lines = vec![
        format!(
            "static cc_enclave_result_t {}(sg_reader_t *sg__r, sg_writer_t *sg__w)",
            wrapper_name(kind, f)
        ),
        "{".into(),
        "cc_enclave_result_t sg__rc = CC_SUCCESS;".into(),
    ];
    let mut needs_expect = false;
    let mut zero = Vec::new();
    for p in &params {
        let x = p.name;
        match &p.kind {
            _ if p.hidden => lines.push(format!(
                "{} {} = 0;",
                ctype::mutable_type_text(&p.decl.ty),
                local("h", x)
            )),
            Kind::Value(_) => {
                lines.push(format!(
                    "{} {};",
                    ctype::mutable_type_text(&p.decl.ty),
                    local("v", x)
                ));
                zero.push(format!("memset(&{0}, 0, sizeof({0}));", local("v", x)));
            }
            Kind::UserPtr => lines.push(format!("uint64_t {} = 0;", local("u", x))),
            Kind::Region(r) => {
                lines.push(format!("void *{} = NULL;", local("b", x)));
                lines.push(format!(
                    "uint64_t {} = {};",
                    local("n", x),
                    r.fixed.as_deref().unwrap_or("0")
                ));
                if p.shareable {
                    lines.push(format!("uint64_t {} = 0;", local("a", x)));
                }
                if r.elem.is_deep() {
                    lines.push(format!("void *{} = NULL;", local("s", x)));
                }
                needs_expect |= r.fixed.is_none() && !r.derived;
            }
            Kind::CStr | Kind::Terminated { .. } => {
                lines.push(format!("void *{} = NULL;", local("b", x)));
                lines.push(format!("uint64_t {} = 0;", local("n", x)));
            }
        }
    }
    if needs_expect {
        lines.push("uint64_t sg__expect = 0;".into());
    }
    if returns_value(f) {
        lines.push(format!("{} sg__ret;", ctype::mutable_type_text(&f.ret)));
        zero.push("memset(&sg__ret, 0, sizeof(sg__ret));".into());
    }
    if errno {
        lines.push("int32_t sg__errno = 0;".into());
    }
    lines.push("(void)sg__w;".into());
    lines.extend(zero);

    // Read everything.
    for p in params.iter().filter(|p| !p.hidden) {
        let (x, b, n) = (p.name, local("b", p.name), local("n", p.name));
        match &p.kind {
            Kind::Value(e) => lines.extend(dec_one(e, &local("v", x))),
            Kind::UserPtr => lines.push(try_(&format!("sg_get_u64(sg__r, &{})", local("u", x)))),
            Kind::Region(r) => {
                let mut inline = Vec::new();
                match (&r.fixed, r.dir.sends()) {
                    (None, true) => inline.extend(dec_run_alloc(types, &r.elem, &b, &n, &[])),
                    (None, false) => inline.push(try_(&format!(
                        "sg_get_out_count(sg__r, {}, &{n})",
                        r.elem.size()
                    ))),
                    (Some(_), true) => {
                        inline.extend(alloc(&b, &n, &r.elem.size()));
                        inline.extend(dec_run_into(&r.elem, &b, &n, false, None));
                    }
                    (Some(_), false) => {}
                }
                if !p.shareable {
                    lines.extend(inline);
                    continue;
                }
                // The host's shared buffer, used in place.
                let a = local("a", x);
                lines.push("{".into());
                lines.push("uint8_t sg__tag = 0;".into());
                lines.push(try_("sg_get(sg__r, &sg__tag, 1)"));
                lines.push("if (sg__tag == SG_REGION_IN_ARENA) {".into());
                lines.push(try_(&format!("sg_get_u64(sg__r, &{a})")));
                lines.push(format!("if ({a} == 0) {}", fail("CC_ERROR_BAD_PARAMETERS")));
                lines.push(format!(
                    "}} else if (sg__tag != SG_REGION_INLINE) {}",
                    fail("CC_ERROR_BAD_PARAMETERS")
                ));
                lines.push("}".into());
                lines.push(format!("if ({a} != 0) {{"));
                if r.fixed.is_none() {
                    lines.push(try_(&format!(
                        "sg_get_out_count(sg__r, {}, &{n})",
                        r.elem.size()
                    )));
                }
                lines.push(format!(
                    "{b} = sg_enclave_shared_region({a}, (size_t){n} * {});",
                    r.elem.size()
                ));
                lines.push(format!(
                    "if ({b} == NULL) {}",
                    fail("CC_ERROR_ADDRESS_UNACCESSABLE")
                ));
                // The host picks the address: a misaligned one must not
                // become a typed pointer.
                lines.push(format!(
                    "if ((uintptr_t){b} % _Alignof({}) != 0) {}",
                    r.elem.ty,
                    fail("CC_ERROR_BAD_PARAMETERS")
                ));
                lines.push("} else {".into());
                lines.extend(inline);
                lines.push("}".into());
            }
            Kind::CStr => lines.push(try_(&format!("sg_get_seq_alloc(sg__r, 1, 1, &{b}, &{n})"))),
            Kind::Terminated { wide, .. } => lines.push(try_(&format!(
                "sg_get_seq_alloc(sg__r, {}, 0, &{b}, &{n})",
                marshal::string_elem(*wide).size()
            ))),
        }
    }
    lines.push(try_("sg_reader_finish(sg__r)"));

    // Check it.
    let bad = fail("CC_ERROR_BAD_PARAMETERS");
    for p in &params {
        let (x, b, n) = (p.name, local("b", p.name), local("n", p.name));
        match &p.kind {
            Kind::CStr => lines.push(format!("if (memchr({b}, 0, (size_t){n}) != NULL) {bad}")),
            Kind::Terminated { wide, .. } => {
                // Exactly one string: its NUL last, and no other.
                let e = marshal::string_elem(*wide);
                lines.push(format!("if ({n} == 0) {bad}"));
                lines.push(format!(
                    "for (uint64_t sg__i = 0; sg__i + 1 < {n}; sg__i++) {{"
                ));
                lines.push(format!("if ((({} *){b})[sg__i] == 0) {bad}", e.ty));
                lines.push("}".into());
                lines.push(format!("if ((({} *){b})[{n} - 1] != 0) {bad}", e.ty));
            }
            Kind::Region(r) if r.fixed.is_none() && !r.derived => {
                let (s, c) = marshal::region_operands(r, f, &|name| local("v", name));
                lines.extend(count_stmts(&r.elem, s, c, "sg__expect"));
                lines.push(format!("if ({n} != sg__expect) {bad}"));
            }
            Kind::Region(r) if r.derived => {
                let ((Some(Operand::Param(h)), None) | (None, Some(Operand::Param(h)))) =
                    (&r.size, &r.count)
                else {
                    continue;
                };
                let Some(hp) = params.iter().find(|o| o.name == h) else {
                    continue;
                };
                // The length the implementation gets, in its parameter's type.
                let value = if r.size.is_some() {
                    format!("{n} * {}", r.elem.size())
                } else {
                    n.clone()
                };
                lines.push("{".into());
                lines.push(format!("uint64_t sg__len = {value};"));
                if let Some(max) = ctype::int_max(&hp.decl.ty.base) {
                    lines.push(format!("if (sg__len > (uint64_t){max}) {bad}"));
                }
                lines.push(format!(
                    "{} = ({})sg__len;",
                    local("h", h),
                    ctype::mutable_type_text(&hp.decl.ty)
                ));
                lines.push("}".into());
            }
            _ => {}
        }
        if let Kind::Region(r) = &p.kind
            && r.elem.is_deep()
        {
            // What the decoder allocated is freed from this copy, whatever
            // the implementation does to the structure.
            let s = local("s", x);
            lines.extend(alloc_raw(&s, &n, &r.elem.size()));
            lines.push(format!(
                "memcpy({s}, {b}, (size_t){n} * {});",
                r.elem.size()
            ));
        }
    }

    // [out]-only buffers start zeroed (a shared one is the host's memory).
    for p in &params {
        if let Kind::Region(r) = &p.kind
            && !r.dir.sends()
        {
            let allocation = alloc(&local("b", p.name), &local("n", p.name), &r.elem.size());
            if p.shareable {
                lines.push(format!("if ({} == 0) {{", local("a", p.name)));
                lines.extend(allocation);
                lines.push("}".into());
            } else {
                lines.extend(allocation);
            }
        }
    }

    // Call.
    let args: Vec<String> = params.iter().map(argument).collect();
    let call = format!("{}({})", f.name.name, args.join(", "));
    if returns_value(f) {
        lines.push(format!("sg__ret = {call};"));
    } else {
        lines.push(format!("{call};"));
    }
    if errno {
        // Read before anything else can change it.
        lines.push("sg__errno = (int32_t)errno;".into());
        lines.push("sg_put(sg__w, &sg__errno, sizeof(sg__errno));".into());
    }
    if returns_value(f) {
        lines.extend(enc_one(&types.value_elem(&f.ret), "sg__ret"));
    }
    for p in params.iter().filter(|p| p.returns()) {
        let (b, n) = (local("b", p.name), local("n", p.name));
        match &p.kind {
            Kind::Region(r) if p.shareable => {
                lines.push(format!("if ({} == 0) {{", local("a", p.name)));
                lines.extend(enc_run(&r.elem, &b, &n, r.fixed.is_none()));
                lines.push("}".into());
            }
            Kind::Region(r) => lines.extend(enc_run(&r.elem, &b, &n, r.fixed.is_none())),
            Kind::Terminated { wide, .. } => lines.push(format!(
                "sg_put_seq(sg__w, {b}, {n}, {});",
                marshal::string_elem(*wide).size()
            )),
            _ => {}
        }
    }
    lines.push("goto sg__out;".into());
    lines.push("sg__out:".into());
    for p in &params {
        let (b, n) = (local("b", p.name), local("n", p.name));
        match &p.kind {
            Kind::Region(r) => {
                if r.elem.is_deep() {
                    let s = local("s", p.name);
                    lines.push(format!("if ({s} != NULL) {{"));
                    lines.extend(marshal::free_deep_run(&r.elem, &s, &n));
                    lines.push(format!("}} else if ({b} != NULL) {{"));
                    lines.extend(marshal::free_deep_run(&r.elem, &b, &n));
                    lines.push("}".into());
                    lines.push(format!("free({s});"));
                }
                if p.shareable {
                    lines.push(format!("if ({} == 0) {{", local("a", p.name)));
                    lines.push(format!("free({b});"));
                    lines.push("}".into());
                } else {
                    lines.push(format!("free({b});"));
                }
            }
            Kind::CStr | Kind::Terminated { .. } => lines.push(format!("free({b});")),
            _ => {}
        }
    }
    lines.push("return sg__rc;".into());
    lines.push("}".into());
    lines
}

/// `calloc` of `n` elements (at least one byte, so a buffer is never NULL).
fn alloc(buf: &str, n: &str, size: &str) -> Vec<String> {
    vec![
        format!("{buf} = calloc({n} != 0 ? (size_t){n} : 1, {size});"),
        format!("if ({buf} == NULL) {}", fail("CC_ERROR_OUT_OF_MEMORY")),
    ]
}

fn alloc_raw(buf: &str, n: &str, size: &str) -> Vec<String> {
    vec![
        format!("{buf} = malloc({n} != 0 ? (size_t){n} * {size} : 1);"),
        format!("if ({buf} == NULL) {}", fail("CC_ERROR_OUT_OF_MEMORY")),
    ]
}

/// What the implementation is passed for parameter `p`.
fn argument(p: &CParam<'_>) -> String {
    let x = p.name;
    let decayed = ctype::decayed_param_type(p.decl);
    match &p.kind {
        _ if p.hidden => local("h", x),
        Kind::Value(_) => local("v", x),
        // The typedef's array itself, which decays as the parameter does.
        Kind::UserPtr if p.decl.has_attr("isary") => {
            format!(
                "*({} *)(uintptr_t){}",
                p.decl.ty.base.c_name(),
                local("u", x)
            )
        }
        Kind::UserPtr => format!("({decayed})(uintptr_t){}", local("u", x)),
        Kind::Region(r) if r.whole_array => format!("*({} *){}", r.elem.ty, local("b", x)),
        Kind::Region(_) | Kind::CStr | Kind::Terminated { .. } => {
            format!("({decayed}){}", local("b", x))
        }
    }
}
