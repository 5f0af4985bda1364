//! The encoders and decoders of EDL structures, as `static inline`
//! functions in each generated source (both sides need them; an unused
//! inline function costs nothing and draws no warning).
//!
//! A plain structure travels field by field (`sg__enc_T`, `sg__dec_T`). A
//! structure with `size`/`count` members ("deep") sends each such member's
//! data as a sequence and gets:
//! - `sg__count_T_m`: the element count member `m`'s size/count members
//!   give, checked as the Rust binding checks it;
//! - `sg__enc_T`, which refuses counts that do not add up and NULL data;
//! - `sg__dec_T`, which allocates each member's data with malloc and
//!   checks it against the size members, and `sg__free_T`;
//! - for `[in, out]` on the caller, `sg__dec_back_T` (decodes what came
//!   back, which may be shorter but not longer than what was sent: it must
//!   fit the caller's buffers) and `sg__commit_T` (copies it into them).

use super::ctype::{self, Codec, Elem, Types};
use super::marshal::{self, OpVal, dec_one, dec_run_alloc, enc_one, enc_run, fail, try_};
use crate::ast::{AttrValue, Decl, StructDef, TypeDef};
use crate::load::Program;

/// Why a structure cannot be expressed by the C generator, if it cannot.
pub fn unsupported(program: &Program, types: &Types<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    for t in &program.types {
        match t {
            TypeDef::Struct(s) => {
                for m in s.members.iter().filter(|m| ctype::is_sized_member(m)) {
                    if let Codec::Struct { deep: true, .. } = types.pointee_elem(&m.ty).codec {
                        problems.push(format!(
                            "struct `{}`: member `{}` deep-copies another deep-copy structure, \
                             which the C generator does not support",
                            s.name.name, m.name.name
                        ));
                    }
                }
            }
            TypeDef::Union(u) => {
                for m in &u.members {
                    if m.ty.pointers == 0 && contains_long_double(types, &m.ty.base) {
                        problems.push(format!(
                            "union `{}`: member `{}` holds a long double, which the Rust binding \
                             sizes as a double: the union's bytes would differ",
                            u.name.name, m.name.name
                        ));
                    }
                    if m.ty.pointers == 0
                        && let crate::ast::BaseType::Struct(n) = &m.ty.base
                        && types.is_deep(n)
                    {
                        problems.push(format!(
                            "union `{}`: member `{}` is a deep-copy structure",
                            u.name.name, m.name.name
                        ));
                    }
                }
            }
            TypeDef::Enum(_) => {}
        }
    }
    problems
}

fn contains_long_double(types: &Types<'_>, base: &crate::ast::BaseType) -> bool {
    use crate::ast::BaseType;
    match base {
        BaseType::LongDouble => true,
        BaseType::Struct(n) => types.struct_def(n).is_some_and(|s| {
            s.members
                .iter()
                .any(|m| m.ty.pointers == 0 && contains_long_double(types, &m.ty.base))
        }),
        BaseType::Union(n) => types.union_def(n).is_some_and(|s| {
            s.members
                .iter()
                .any(|m| m.ty.pointers == 0 && contains_long_double(types, &m.ty.base))
        }),
        _ => false,
    }
}

/// Prototypes then definitions, for every EDL structure (members may name
/// structures declared later in the list).
pub fn functions(program: &Program, types: &Types<'_>) -> Vec<String> {
    let structs: Vec<&StructDef> = program
        .types
        .iter()
        .filter_map(|t| match t {
            TypeDef::Struct(s) => Some(s),
            _ => None,
        })
        .collect();
    if structs.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["/* Encoders and decoders of the EDL's structures. */".to_string()];
    for s in &structs {
        lines.extend(prototypes(s, types).into_iter().map(|p| format!("{p};")));
    }
    for s in &structs {
        lines.push(String::new());
        if types.is_deep(&s.name.name) {
            lines.extend(deep(s, types));
        } else {
            lines.extend(plain(s, types));
        }
    }
    lines
}

fn prototypes(s: &StructDef, types: &Types<'_>) -> Vec<String> {
    let n = &s.name.name;
    let t = format!("struct {n}");
    if !types.is_deep(n) {
        return vec![
            format!("static inline void sg__enc_{n}(sg_writer_t *sg__w, const {t} *sg__v)"),
            format!(
                "static inline cc_enclave_result_t sg__dec_{n}(sg_reader_t *sg__r, {t} *sg__v)"
            ),
        ];
    }
    let mut out: Vec<String> = sized_members(s)
        .map(|m| {
            format!(
                "static inline cc_enclave_result_t sg__count_{n}_{}(const {t} *sg__v, uint64_t *sg__n)",
                m.name.name
            )
        })
        .collect();
    out.extend([
        format!("static inline cc_enclave_result_t sg__enc_{n}(sg_writer_t *sg__w, const {t} *sg__v)"),
        format!("static inline cc_enclave_result_t sg__dec_{n}(sg_reader_t *sg__r, {t} *sg__v)"),
        format!("static inline void sg__free_{n}({t} *sg__v)"),
        format!(
            "static inline cc_enclave_result_t sg__dec_back_{n}(sg_reader_t *sg__r, const {t} *sg__orig, {t} *sg__v)"
        ),
        format!("static inline void sg__commit_{n}({t} *sg__orig, {t} *sg__v)"),
    ]);
    out
}

fn sized_members(s: &StructDef) -> impl Iterator<Item = &Decl> {
    s.members.iter().filter(|m| ctype::is_sized_member(m))
}

/// What a member is, for encoding: an array of elements, or one element.
fn member_elem(m: &Decl, types: &Types<'_>) -> Elem {
    if m.dims.is_empty() {
        types.value_elem(&m.ty)
    } else {
        types.base_elem(&m.ty.base)
    }
}

fn enc_member(m: &Decl, types: &Types<'_>) -> Vec<String> {
    let x = format!("sg__v->{}", m.name.name);
    let e = member_elem(m, types);
    if m.dims.is_empty() {
        enc_one(&e, &x)
    } else {
        enc_run(&e, &x, &ctype::dims_count(&m.dims), false)
    }
}

fn dec_member(m: &Decl, types: &Types<'_>) -> Vec<String> {
    let x = format!("sg__v->{}", m.name.name);
    let e = member_elem(m, types);
    if m.dims.is_empty() {
        dec_one(&e, &x)
    } else {
        marshal::dec_run_into(&e, &x, &ctype::dims_count(&m.dims), false, None)
    }
}

fn plain(s: &StructDef, types: &Types<'_>) -> Vec<String> {
    let [enc, dec] = <[String; 2]>::try_from(prototypes(s, types)).unwrap_or_default();
    let mut lines = vec![enc, "{".into()];
    if s.members.is_empty() {
        lines.push("(void)sg__w;".into());
        lines.push("(void)sg__v;".into());
    }
    for m in &s.members {
        lines.extend(enc_member(m, types));
    }
    lines.push("}".into());
    lines.push(String::new());
    lines.push(dec);
    lines.push("{".into());
    lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
    for m in &s.members {
        lines.extend(dec_member(m, types));
    }
    lines.push("goto sg__out;".into());
    lines.push("sg__out:".into());
    lines.push("return sg__rc;".into());
    lines.push("}".into());
    lines
}

/// The element of a sized member (one `*` removed; `void` is bytes).
fn sized_elem(m: &Decl, types: &Types<'_>) -> Elem {
    types.pointee_elem(&m.ty)
}

fn deep(s: &StructDef, types: &Types<'_>) -> Vec<String> {
    let n = &s.name.name;
    let protos = prototypes(s, types);
    let sized: Vec<&Decl> = sized_members(s).collect();
    let mut lines = Vec::new();
    let mut protos = protos.into_iter();
    let mut next = || protos.next().unwrap_or_default();

    // Counts.
    for m in &sized {
        let e = sized_elem(m, types);
        lines.push(next());
        lines.push("{".into());
        lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
        lines.push("uint64_t sg__count = 0;".into());
        // A constant size does not look at the structure.
        lines.push("(void)sg__v;".into());
        let operand = |attr: &str| {
            m.attr(attr)
                .and_then(|a| a.value.as_ref())
                .map(|v| match v {
                    AttrValue::Number(k) => OpVal::Const(*k),
                    AttrValue::Ident(i) => OpVal::Var {
                        expr: format!("sg__v->{}", i.name),
                        base: s
                            .members
                            .iter()
                            .find(|o| o.name.name == i.name)
                            .map_or(crate::ast::BaseType::Int, |o| o.ty.base.clone()),
                    },
                })
        };
        lines.extend(marshal::count_stmts(
            &e,
            operand("size"),
            operand("count"),
            "sg__count",
        ));
        lines.push("*sg__n = sg__count;".into());
        lines.extend(epilogue());
    }

    // Encode.
    lines.push(next());
    lines.push("{".into());
    lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
    lines.push("uint64_t sg__count = 0;".into());
    for m in &s.members {
        if !ctype::is_sized_member(m) {
            lines.extend(enc_member(m, types));
            continue;
        }
        let (e, name) = (sized_elem(m, types), &m.name.name);
        lines.push(try_(&format!("sg__count_{n}_{name}(sg__v, &sg__count)")));
        lines.push(format!(
            "if (sg__count != 0 && sg__v->{name} == NULL) {}",
            fail("CC_ERROR_BAD_PARAMETERS")
        ));
        lines.extend(enc_run(&e, &format!("sg__v->{name}"), "sg__count", true));
    }
    lines.extend(epilogue());

    // Decode.
    lines.push(next());
    lines.push("{".into());
    lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
    lines.push("uint64_t sg__count = 0;".into());
    for m in &sized {
        lines.push(format!("uint64_t sg__got_{} = 0;", m.name.name));
    }
    // Every data pointer starts NULL, so a failure part-way frees only
    // what was allocated.
    lines.push("memset(sg__v, 0, sizeof(*sg__v));".into());
    for m in &s.members {
        if !ctype::is_sized_member(m) {
            lines.extend(dec_member(m, types));
            continue;
        }
        let (e, name) = (sized_elem(m, types), &m.name.name);
        lines.push("{".into());
        lines.push("void *sg__data = NULL;".into());
        // The data is the member's as soon as it exists, so the cleanup
        // below frees it whatever fails next.
        let assign = format!("sg__v->{name} = ({})sg__data;", ctype::type_text(&m.ty));
        lines.extend(dec_run_alloc(
            types,
            &e,
            "sg__data",
            &format!("sg__got_{name}"),
            &[assign],
        ));
        lines.push("}".into());
    }
    for m in &sized {
        let name = &m.name.name;
        lines.push(try_(&format!("sg__count_{n}_{name}(sg__v, &sg__count)")));
        lines.push(format!(
            "if (sg__count != sg__got_{name}) {}",
            fail("CC_ERROR_BAD_PARAMETERS")
        ));
    }
    lines.push("return CC_SUCCESS;".into());
    lines.push("sg__out:".into());
    lines.push(format!("sg__free_{n}(sg__v);"));
    lines.push("return sg__rc;".into());
    lines.push("}".into());
    lines.push(String::new());

    // Free.
    lines.push(next());
    lines.push("{".into());
    for m in &sized {
        let name = &m.name.name;
        lines.push(format!("free((void *)sg__v->{name});"));
        lines.push(format!("sg__v->{name} = NULL;"));
    }
    lines.push("}".into());
    lines.push(String::new());

    // Decode back (caller side of [in, out]).
    lines.push(next());
    lines.push("{".into());
    lines.push("cc_enclave_result_t sg__rc = CC_SUCCESS;".into());
    lines.push("uint64_t sg__cap = 0;".into());
    lines.push("uint64_t sg__count = 0;".into());
    lines.push(try_(&format!("sg__dec_{n}(sg__r, sg__v)")));
    for m in &sized {
        let name = &m.name.name;
        lines.push(try_(&format!("sg__count_{n}_{name}(sg__orig, &sg__cap)")));
        lines.push(try_(&format!("sg__count_{n}_{name}(sg__v, &sg__count)")));
        // The caller frees what was decoded, whatever happens.
        lines.push(format!(
            "if (sg__count > sg__cap) {}",
            fail("CC_ERROR_SHORT_BUFFER")
        ));
    }
    lines.extend(epilogue());

    // Commit: plain members are the callee's; data goes into the caller's
    // buffers, which stay the caller's.
    lines.push(next());
    lines.push("{".into());
    lines.push("uint64_t sg__count = 0;".into());
    for m in &s.members {
        let name = &m.name.name;
        if !ctype::is_sized_member(m) {
            if m.dims.is_empty() {
                lines.push(format!("sg__orig->{name} = sg__v->{name};"));
            } else {
                lines.push(format!(
                    "memcpy(sg__orig->{name}, sg__v->{name}, sizeof(sg__orig->{name}));"
                ));
            }
            continue;
        }
        let e = sized_elem(m, types);
        // Counted by sg__dec_back_T already, so this cannot fail.
        lines.push(format!(
            "if (sg__count_{n}_{name}(sg__v, &sg__count) == CC_SUCCESS && sg__count != 0) {{"
        ));
        lines.push(format!(
            "memcpy((void *)sg__orig->{name}, sg__v->{name}, (size_t)sg__count * {});",
            e.size()
        ));
        lines.push("}".into());
    }
    lines.push(format!("sg__free_{n}(sg__v);"));
    lines.push("}".into());
    lines
}

/// How every generated codec function ends: one exit, returning its status.
fn epilogue() -> [String; 5] {
    ["goto sg__out;", "sg__out:", "return sg__rc;", "}", ""].map(String::from)
}
