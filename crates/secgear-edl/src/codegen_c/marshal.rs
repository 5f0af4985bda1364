//! How each parameter crosses the boundary in C, and the C statements that
//! move elements and runs of elements through `sg_*`.
//!
//! The classification is the Rust generator's own (`codegen::shape`), so the
//! two agree on which parameter is a value, an address, a fixed region, a
//! counted sequence, a string, and which length parameter is left off the
//! wire because the sequence carries it.
//!
//! Every statement here uses the same names: `sg__w` (writer), `sg__r`
//! (reader), `sg__rc` (status) and the label `sg__out` (cleanup), which
//! every generated function that uses them defines.

use super::CallKind;
use super::ctype::{self, Codec, Elem, Types};
use crate::ast::{BaseType, Decl, Function};
use crate::codegen::shape::{self, Dir, Operand, Shape};

/// How one parameter travels.
pub enum Kind {
    /// By value.
    Value(Elem),
    /// `user_check`: the address as a `uint64_t`.
    UserPtr,
    /// A buffer, an array, one pointed-to element.
    Region(Region),
    /// `[in, string] char *`: the bytes without the NUL, as a sequence.
    CStr,
    /// `[in, out, string]`, `[wstring]`: the string with its NUL, as a sequence.
    Terminated { dir: Dir, wide: bool },
}

pub struct Region {
    pub dir: Dir,
    pub elem: Elem,
    /// The element count when the EDL fixes it (an array, one element, a
    /// constant size); such a region travels without a count.
    pub fixed: Option<String>,
    pub size: Option<Operand>,
    pub count: Option<Operand>,
    /// The one length parameter it names is left off the wire.
    pub derived: bool,
    /// An `isary` typedef: the implementation gets the array itself.
    pub whole_array: bool,
}

pub struct CParam<'a> {
    pub decl: &'a Decl,
    pub name: &'a str,
    pub kind: Kind,
    /// A length parameter the wire leaves out (its sequence says it).
    pub hidden: bool,
    /// A region of a switchless ECALL that may stay in the shared arena
    /// (`codegen::shape::shareable`): tagged on the wire.
    pub shareable: bool,
}

impl CParam<'_> {
    pub fn returns(&self) -> bool {
        match &self.kind {
            Kind::Region(r) => r.dir.returns(),
            Kind::Terminated { dir, .. } => dir.returns(),
            _ => false,
        }
    }

    /// The element of a region or string.
    pub fn elem(&self) -> Option<Elem> {
        match &self.kind {
            Kind::Region(r) => Some(r.elem.clone()),
            Kind::Terminated { wide, .. } => Some(string_elem(*wide)),
            Kind::CStr => Some(string_elem(false)),
            _ => None,
        }
    }
}

pub fn string_elem(wide: bool) -> Elem {
    Elem {
        ty: if wide { "wchar_t" } else { "char" }.into(),
        codec: Codec::Bulk,
    }
}

/// A generated local for parameter `name`; the `sg__` prefix keeps it
/// apart from EDL names (which the generator refuses to start with it).
pub fn local(what: &str, name: &str) -> String {
    format!("sg__{what}_{name}")
}

/// Classifies every parameter of `f`.
pub fn params<'a>(f: &'a Function, types: &Types<'_>, kind: CallKind) -> Vec<CParam<'a>> {
    let switchless_ecall = kind == CallKind::Ecall && f.switchless;
    // The Rust generator's classification; the ABI path only shapes Rust
    // type names, which the C generator does not use.
    let abi = quote::quote!(::secgear_abi);
    shape::params(f, &abi)
        .into_iter()
        .map(|p| {
            let d = p.decl;
            let shareable = shape::shareable(switchless_ecall, &p);
            let kind = match p.shape {
                Shape::Value => Kind::Value(types.value_elem(&d.ty)),
                Shape::UserPtr => Kind::UserPtr,
                Shape::CStr => Kind::CStr,
                Shape::Terminated { dir, .. } => Kind::Terminated {
                    dir,
                    wide: d.has_attr("wstring"),
                },
                Shape::Fixed { dir, .. } => {
                    let elem = region_elem(d, types);
                    let fixed = Some(fixed_count(d, &elem));
                    Kind::Region(Region {
                        dir,
                        elem,
                        fixed,
                        size: None,
                        count: None,
                        derived: false,
                        whole_array: d.has_attr("isary"),
                    })
                }
                Shape::Slice {
                    dir,
                    size,
                    count,
                    derived,
                    ..
                } => Kind::Region(Region {
                    dir,
                    elem: region_elem(d, types),
                    fixed: None,
                    size,
                    count,
                    derived,
                    whole_array: false,
                }),
            };
            CParam {
                decl: d,
                name: &d.name.name,
                kind,
                hidden: p.hidden,
                shareable,
            }
        })
        .collect()
}

fn region_elem(d: &Decl, types: &Types<'_>) -> Elem {
    if d.has_attr("isary") {
        Elem {
            ty: d.ty.base.c_name(),
            codec: Codec::Bulk,
        }
    } else if d.has_attr("isptr") {
        // What an `isptr` typedef points to has no size EDL knows: bytes.
        Elem {
            ty: "uint8_t".into(),
            codec: Codec::Bulk,
        }
    } else if !d.dims.is_empty() {
        types.base_elem(&d.ty.base)
    } else {
        types.pointee_elem(&d.ty)
    }
}

/// The element count of a fixed region, computed as the Rust binding
/// computes its array length.
fn fixed_count(d: &Decl, elem: &Elem) -> String {
    if !d.dims.is_empty() {
        return ctype::dims_count(&d.dims);
    }
    if d.has_attr("isary") {
        return "(size_t)1".into();
    }
    if d.has_attr("isptr") && !d.has_attr("size") && !d.has_attr("count") {
        // edger8r's size for an unsized `isptr`: what the typedef points to.
        return format!("sizeof(*({})0)", d.ty.base.c_name());
    }
    let constant = |a: &str| match d.attr(a).and_then(|a| a.value.as_ref()) {
        Some(crate::ast::AttrValue::Number(n)) => Some(*n),
        _ => None,
    };
    let size = elem.size();
    match (constant("size"), constant("count")) {
        (Some(s), Some(c)) => format!("((size_t){s} * (size_t){c} / {size})"),
        (Some(s), None) => format!("((size_t){s} / {size})"),
        (None, Some(c)) => format!("((size_t){c})"),
        (None, None) => "(size_t)1".into(),
    }
}

/// A size or count operand, as a value in the generated code.
pub enum OpVal {
    Const(u64),
    /// An integer expression of EDL type `base`.
    Var {
        expr: String,
        base: BaseType,
    },
}

pub fn try_(call: &str) -> String {
    format!("if ((sg__rc = {call}) != CC_SUCCESS) goto sg__out;")
}

pub fn fail(code: &str) -> String {
    format!("{{ sg__rc = {code}; goto sg__out; }}")
}

/// Statements that set `out` to the element count that `size` bytes
/// and/or `count` elements give, refusing what the Rust binding refuses:
/// a negative operand, a product that overflows, bytes that are not whole
/// elements.
pub fn count_stmts(
    elem: &Elem,
    size: Option<OpVal>,
    count: Option<OpVal>,
    out: &str,
) -> Vec<String> {
    let elem_size = elem.size();
    let mut lines = Vec::new();
    let mut value = |op: OpVal| match op {
        OpVal::Const(n) => format!("UINT64_C({n})"),
        OpVal::Var { expr, base } => {
            // A long double travels as a double: convert as the callee sees it.
            let expr = if base == BaseType::LongDouble {
                format!("(double)({expr})")
            } else {
                expr
            };
            if let Some(neg) = ctype::is_negative(&base, &expr) {
                lines.push(format!("if ({neg}) {}", fail("CC_ERROR_BAD_PARAMETERS")));
            }
            format!("(uint64_t)({expr})")
        }
    };
    let (s, c) = (size.map(&mut value), count.map(&mut value));
    let bad = fail("CC_ERROR_BAD_PARAMETERS");
    match (s, c) {
        (None, Some(c)) => lines.push(format!("{out} = {c};")),
        // Bytes are elements.
        (Some(s), None) if elem.is_byte() => lines.push(format!("{out} = {s};")),
        (Some(s), None) => {
            lines.push(format!("if ({s} % {elem_size} != 0) {bad}"));
            lines.push(format!("{out} = {s} / {elem_size};"));
        }
        (Some(s), Some(c)) => {
            lines.push(format!("if ({c} != 0 && {s} > UINT64_MAX / {c}) {bad}"));
            lines.push(format!("if ({s} * {c} % {elem_size} != 0) {bad}"));
            lines.push(format!("{out} = {s} * {c} / {elem_size};"));
        }
        (None, None) => lines.push(format!("{out} = 1;")),
    }
    lines
}

/// The operands of a counted region, valued by `value_of(parameter)`.
pub fn region_operands(
    r: &Region,
    f: &Function,
    value_of: &dyn Fn(&str) -> String,
) -> (Option<OpVal>, Option<OpVal>) {
    let op = |o: &Option<Operand>| {
        o.as_ref().map(|o| match o {
            Operand::Const(n) => OpVal::Const(*n),
            Operand::Param(name) => OpVal::Var {
                expr: value_of(name),
                base: f
                    .params
                    .iter()
                    .find(|p| p.name.name == *name)
                    .map_or(BaseType::Int, |p| p.ty.base.clone()),
            },
        })
    };
    (op(&r.size), op(&r.count))
}

/// Writes one element, lvalue `x`.
pub fn enc_one(e: &Elem, x: &str) -> Vec<String> {
    match &e.codec {
        Codec::Bulk | Codec::Bool => vec![format!("sg_put(sg__w, &({x}), sizeof({x}));")],
        Codec::LongDouble => vec![
            "{".into(),
            format!("double sg__d = (double)({x});"),
            "sg_put(sg__w, &sg__d, sizeof(sg__d));".into(),
            "}".into(),
        ],
        Codec::Struct { name, deep: false } => vec![format!("sg__enc_{name}(sg__w, &({x}));")],
        Codec::Struct { name, deep: true } => {
            vec![try_(&format!("sg__enc_{name}(sg__w, &({x}))"))]
        }
    }
}

/// Reads one element into lvalue `x`.
pub fn dec_one(e: &Elem, x: &str) -> Vec<String> {
    match &e.codec {
        Codec::Bulk => vec![try_(&format!("sg_get(sg__r, &({x}), sizeof({x}))"))],
        Codec::Bool => vec![
            "{".into(),
            "uint8_t sg__b = 0;".into(),
            try_("sg_get(sg__r, &sg__b, 1)"),
            format!("if (sg__b > 1) {}", fail("CC_ERROR_BAD_PARAMETERS")),
            format!("({x}) = sg__b != 0;"),
            "}".into(),
        ],
        Codec::LongDouble => vec![
            "{".into(),
            "double sg__d = 0;".into(),
            try_("sg_get(sg__r, &sg__d, sizeof(sg__d))"),
            format!("({x}) = sg__d;"),
            "}".into(),
        ],
        Codec::Struct { name, .. } => vec![try_(&format!("sg__dec_{name}(sg__r, &({x}))"))],
    }
}

/// Writes `n` elements at pointer `p`; `prefixed`: as a sequence (count first).
pub fn enc_run(e: &Elem, p: &str, n: &str, prefixed: bool) -> Vec<String> {
    let size = e.size();
    if e.is_block() {
        return vec![if prefixed {
            format!("sg_put_seq(sg__w, {p}, {n}, {size});")
        } else {
            format!("sg_put(sg__w, {p}, (size_t)({n}) * {size});")
        }];
    }
    let mut lines = Vec::new();
    if prefixed {
        lines.push(format!("sg_put_u64(sg__w, {n});"));
    }
    lines.push(format!(
        "for (uint64_t sg__i = 0; sg__i < (uint64_t)({n}); sg__i++) {{"
    ));
    lines.extend(enc_one(e, &format!("((const {} *)({p}))[sg__i]", e.ty)));
    lines.push("}".into());
    lines
}

/// Checks that the `n` `bool`s just read at `p` are 0 or 1.
fn check_bools(p: &str, n: &str) -> Vec<String> {
    vec![
        format!("for (uint64_t sg__i = 0; sg__i < (uint64_t)({n}); sg__i++) {{"),
        format!(
            "if (((const uint8_t *)({p}))[sg__i] > 1) {}",
            fail("CC_ERROR_BAD_PARAMETERS")
        ),
        "}".into(),
    ]
}

/// Reads exactly `n` elements into the memory at `p`; `prefixed`: a
/// sequence whose count must be `n`. `orig`: for deep structures coming
/// back to a caller, the caller's elements (their buffers' capacities).
pub fn dec_run_into(e: &Elem, p: &str, n: &str, prefixed: bool, orig: Option<&str>) -> Vec<String> {
    let size = e.size();
    let mut lines = Vec::new();
    if e.is_block() {
        lines.push(try_(&if prefixed {
            format!("sg_get_seq_into(sg__r, {p}, {n}, {size})")
        } else {
            format!("sg_get(sg__r, {p}, (size_t)({n}) * {size})")
        }));
        if e.codec == Codec::Bool {
            lines.extend(check_bools(p, n));
        }
        return lines;
    }
    if prefixed {
        lines.push("{".into());
        lines.push("uint64_t sg__got = 0;".into());
        lines.push(try_("sg_get_u64(sg__r, &sg__got)"));
        lines.push(format!(
            "if (sg__got != (uint64_t)({n})) {}",
            fail("CC_ERROR_BAD_PARAMETERS")
        ));
        lines.push("}".into());
    }
    lines.push(format!(
        "for (uint64_t sg__i = 0; sg__i < (uint64_t)({n}); sg__i++) {{"
    ));
    let slot = format!("(({} *)({p}))[sg__i]", e.ty);
    match (&e.codec, orig) {
        (Codec::Struct { name, deep: true }, Some(orig)) => lines.push(try_(&format!(
            "sg__dec_back_{name}(sg__r, &((const {} *)({orig}))[sg__i], &{slot})",
            e.ty
        ))),
        _ => lines.extend(dec_one(e, &slot)),
    }
    lines.push("}".into());
    lines
}

/// Reads a sequence of any length into new memory: `buf` (a `void *`
/// local) and its count `n` (a `uint64_t` local). The count is checked
/// against the bytes left before anything is allocated. `on_alloc` runs as
/// soon as the memory exists (to hand it to whoever frees it).
pub fn dec_run_alloc(
    types: &Types<'_>,
    e: &Elem,
    buf: &str,
    n: &str,
    on_alloc: &[String],
) -> Vec<String> {
    let size = e.size();
    let mut lines = Vec::new();
    if e.is_block() {
        lines.push(try_(&format!(
            "sg_get_seq_alloc(sg__r, {size}, 0, &{buf}, &{n})"
        )));
        lines.extend_from_slice(on_alloc);
        if e.codec == Codec::Bool {
            lines.extend(check_bools(buf, n));
        }
        return lines;
    }
    let min = types.min_wire(e);
    lines.push(try_(&format!("sg_get_u64(sg__r, &{n})")));
    lines.push(format!(
        "if ({n} > sg_reader_remaining(sg__r) / {min}) {}",
        fail("CC_ERROR_BAD_FORMAT")
    ));
    lines.push(format!("{buf} = calloc({n} != 0 ? {n} : 1, {size});"));
    lines.push(format!(
        "if ({buf} == NULL) {}",
        fail("CC_ERROR_OUT_OF_MEMORY")
    ));
    lines.extend_from_slice(on_alloc);
    lines.push(format!("for (uint64_t sg__i = 0; sg__i < {n}; sg__i++) {{"));
    lines.extend(dec_one(e, &format!("(({} *)({buf}))[sg__i]", e.ty)));
    lines.push("}".into());
    lines
}

/// Frees the buffers a deep structure's decoding allocated, for `n`
/// elements at `p` (a `void *` or typed pointer, not NULL).
pub fn free_deep_run(e: &Elem, p: &str, n: &str) -> Vec<String> {
    let Codec::Struct { name, deep: true } = &e.codec else {
        return Vec::new();
    };
    vec![
        format!("for (uint64_t sg__i = 0; sg__i < (uint64_t)({n}); sg__i++) {{"),
        format!("sg__free_{name}(&(({} *)({p}))[sg__i]);", e.ty),
        "}".into(),
    ]
}
