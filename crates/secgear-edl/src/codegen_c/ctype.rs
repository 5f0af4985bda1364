//! EDL types as C spells them, and how one value of each crosses the wire.
//!
//! The wire form is the Rust bindings' (`secgear_abi::Wire`): integers,
//! floats, enums, unions, foreign typedefs and pointers (as addresses) are
//! their in-memory bytes on the little-endian LP64 targets the runtime
//! headers insist on, so whole arrays of them move as one block. `bool` is
//! one byte that must be 0 or 1, `long double` travels as a `double`, and an
//! EDL structure travels field by field without padding, so the last three
//! go element by element.

use crate::ast::{BaseType, Decl, Dim, EnumDef, StructDef, Type, TypeDef};
use crate::load::Program;
use std::collections::HashMap;

/// How one element is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codec {
    /// Its memory is its wire form.
    Bulk,
    /// One byte, 0 or 1.
    Bool,
    /// A `double` on the wire.
    LongDouble,
    /// An EDL structure, through its generated `sg__enc_`/`sg__dec_` functions.
    Struct { name: String, deep: bool },
}

/// One element of a value, buffer or member.
#[derive(Debug, Clone)]
pub struct Elem {
    /// Its C type, without top-level `const` (the generated code writes it).
    pub ty: String,
    pub codec: Codec,
}

impl Elem {
    fn bulk(ty: impl Into<String>) -> Self {
        Self {
            ty: ty.into(),
            codec: Codec::Bulk,
        }
    }

    /// Whether a run of elements is one block of bytes on both sides.
    pub fn is_block(&self) -> bool {
        matches!(self.codec, Codec::Bulk | Codec::Bool)
    }

    pub fn is_deep(&self) -> bool {
        matches!(self.codec, Codec::Struct { deep: true, .. })
    }

    /// One byte whatever the target: no division needed to count them.
    pub fn is_byte(&self) -> bool {
        matches!(
            self.ty.as_str(),
            "char" | "signed char" | "unsigned char" | "int8_t" | "uint8_t" | "bool"
        )
    }

    pub fn size(&self) -> String {
        format!("sizeof({})", self.ty)
    }
}

/// What the generator knows about the EDL's own types.
pub struct Types<'p> {
    defs: HashMap<&'p str, &'p TypeDef>,
    /// Byte width each named enum travels with (the Rust binding's repr).
    enum_widths: HashMap<&'p str, usize>,
}

impl<'p> Types<'p> {
    pub fn new(program: &'p Program) -> Self {
        let defs = program
            .types
            .iter()
            .filter_map(|t| t.name().map(|n| (n.name.as_str(), t)))
            .collect();
        let mut known = HashMap::new();
        let mut enum_widths = HashMap::new();
        for t in &program.types {
            if let TypeDef::Enum(e) = t {
                let width = enum_width(e, &mut known);
                if let Some(n) = &e.name {
                    enum_widths.insert(n.name.as_str(), width);
                }
            }
        }
        Self { defs, enum_widths }
    }

    pub fn struct_def(&self, name: &str) -> Option<&'p StructDef> {
        match self.defs.get(name) {
            Some(TypeDef::Struct(s)) => Some(s),
            _ => None,
        }
    }

    pub fn union_def(&self, name: &str) -> Option<&'p StructDef> {
        match self.defs.get(name) {
            Some(TypeDef::Union(s)) => Some(s),
            _ => None,
        }
    }

    pub fn enum_width(&self, name: &str) -> Option<usize> {
        self.enum_widths.get(name).copied()
    }

    /// A structure with `size`/`count` members: its pointed-to data travels.
    pub fn is_deep(&self, name: &str) -> bool {
        self.struct_def(name)
            .is_some_and(|s| s.members.iter().any(is_sized_member))
    }

    /// The element a value of base type `base` (no pointers) is.
    pub fn base_elem(&self, base: &BaseType) -> Elem {
        match base {
            BaseType::Foreign(n) if n == "bool" => Elem {
                ty: "bool".into(),
                codec: Codec::Bool,
            },
            BaseType::LongDouble => Elem {
                ty: "long double".into(),
                codec: Codec::LongDouble,
            },
            BaseType::Struct(n) if self.struct_def(n).is_some() => Elem {
                ty: format!("struct {n}"),
                codec: Codec::Struct {
                    name: n.clone(),
                    deep: self.is_deep(n),
                },
            },
            // Void only reaches here as a pointee, which travels as bytes.
            BaseType::Void => Elem::bulk("uint8_t"),
            other => Elem::bulk(other.c_name()),
        }
    }

    /// The element a pointer of type `ty` points to: one `*` removed; a
    /// pointee that is itself a pointer travels as an address.
    pub fn pointee_elem(&self, ty: &Type) -> Elem {
        if ty.pointers > 1 {
            Elem::bulk(pointer_text(ty, ty.pointers - 1))
        } else {
            self.base_elem(&ty.base)
        }
    }

    /// The element of a declaration's value: its base, or an address.
    pub fn value_elem(&self, ty: &Type) -> Elem {
        if ty.pointers > 0 {
            Elem::bulk(pointer_text(ty, ty.pointers))
        } else {
            self.base_elem(&ty.base)
        }
    }

    /// The fewest wire bytes one element takes: bounds a count a peer sends
    /// before anything is allocated for it.
    pub fn min_wire(&self, elem: &Elem) -> u64 {
        match &elem.codec {
            Codec::Bool => 1,
            Codec::LongDouble => 8,
            Codec::Bulk => 1,
            Codec::Struct { name, .. } => self.struct_min_wire(name).max(1),
        }
    }

    fn struct_min_wire(&self, name: &str) -> u64 {
        let Some(s) = self.struct_def(name) else {
            return 1;
        };
        s.members
            .iter()
            .map(|m| {
                if m.ty.pointers > 0 {
                    // An address, or a sequence's count.
                    return 8;
                }
                let one = match &m.ty.base {
                    BaseType::Struct(n) => self.struct_min_wire(n),
                    BaseType::Enum(n) => self.enum_width(n).unwrap_or(1) as u64,
                    b => b.lp64_size().unwrap_or(1),
                };
                m.dims.iter().fold(one, |acc, d| match d {
                    Dim::Num(n) => acc.saturating_mul(*n),
                    // A dimension from a C header: at least one element.
                    Dim::Named(_) => acc,
                })
            })
            .fold(0u64, u64::saturating_add)
    }
}

pub fn is_sized_member(m: &Decl) -> bool {
    m.has_attr("size") || m.has_attr("count")
}

/// The byte width the Rust binding gives an enum: `i32` when every value
/// fits, else `u32`, else `i64` (what C compilers pick too; the generated
/// source asserts it).
fn enum_width(e: &EnumDef, known: &mut HashMap<String, i128>) -> usize {
    let values = e.values(known);
    let fits = |lo: i128, hi: i128| {
        values
            .iter()
            .all(|(_, v)| v.is_none_or(|v| (lo..=hi).contains(&v)))
    };
    if fits(i128::from(i32::MIN), i128::from(i32::MAX)) || fits(0, i128::from(u32::MAX)) {
        4
    } else {
        8
    }
}

/// `[const] base` with `stars` levels of pointer.
fn pointer_text(ty: &Type, stars: u32) -> String {
    format!("{} {}", base_text(ty), "*".repeat(stars as usize))
}

/// `[const] base`, as the EDL wrote it.
pub fn base_text(ty: &Type) -> String {
    if ty.is_const {
        format!("const {}", ty.base.c_name())
    } else {
        ty.base.c_name()
    }
}

/// A declaration as the EDL writes it: `const uint32_t *xs`, `int m[2][3]`.
pub fn decl_text(ty: &Type, name: &str, dims: &[Dim]) -> String {
    let dims: String = dims.iter().map(|d| format!("[{d}]")).collect();
    if ty.pointers > 0 {
        format!(
            "{} {}{name}{dims}",
            base_text(ty),
            "*".repeat(ty.pointers as usize)
        )
    } else {
        format!("{} {name}{dims}", base_text(ty))
    }
}

/// A type as a return type or cast: `char *`, `struct point`.
pub fn type_text(ty: &Type) -> String {
    if ty.pointers > 0 {
        pointer_text(ty, ty.pointers)
    } else {
        base_text(ty)
    }
}

/// The same type without a top-level `const`, for a local the generated
/// code assigns.
pub fn mutable_type_text(ty: &Type) -> String {
    if ty.pointers > 0 {
        type_text(ty)
    } else {
        ty.base.c_name()
    }
}

/// What a parameter's C type becomes when passed (arrays decay): the type
/// to cast a buffer to when calling the implementation.
pub fn decayed_param_type(d: &Decl) -> String {
    match d.dims.split_first() {
        None => type_text(&d.ty),
        Some((_, [])) => format!("{} *", type_text(&d.ty)),
        Some((_, rest)) => {
            let rest: String = rest.iter().map(|d| format!("[{d}]")).collect();
            format!("{} (*){rest}", type_text(&d.ty))
        }
    }
}

/// The number of elements of an array declaration, as a C expression.
pub fn dims_count(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| format!("(size_t)({d})")).collect();
    format!("({})", parts.join(" * "))
}

/// The largest value of a built-in integer type, when it is smaller than
/// `uint64_t`'s (so a conversion from `uint64_t` needs a check).
pub fn int_max(b: &BaseType) -> Option<&'static str> {
    Some(match b {
        BaseType::Char => "CHAR_MAX",
        BaseType::SignedChar => "SCHAR_MAX",
        BaseType::UnsignedChar => "UCHAR_MAX",
        BaseType::Short => "SHRT_MAX",
        BaseType::UnsignedShort => "USHRT_MAX",
        BaseType::Int => "INT_MAX",
        BaseType::UnsignedInt => "UINT_MAX",
        BaseType::Long => "LONG_MAX",
        BaseType::LongLong => "LLONG_MAX",
        BaseType::Int8 => "INT8_MAX",
        BaseType::Int16 => "INT16_MAX",
        BaseType::Int32 => "INT32_MAX",
        BaseType::Int64 => "INT64_MAX",
        BaseType::UInt8 => "UINT8_MAX",
        BaseType::UInt16 => "UINT16_MAX",
        BaseType::UInt32 => "UINT32_MAX",
        BaseType::WcharT => "WCHAR_MAX",
        _ => return None,
    })
}

/// A C condition that holds when integer expression `v` is negative,
/// written so that it draws no warning when `v` is unsigned (a size
/// parameter may be a foreign typedef of unknown signedness).
pub fn is_negative(b: &BaseType, v: &str) -> Option<String> {
    match b {
        BaseType::UnsignedChar
        | BaseType::UnsignedShort
        | BaseType::UnsignedInt
        | BaseType::UnsignedLong
        | BaseType::UnsignedLongLong
        | BaseType::UInt8
        | BaseType::UInt16
        | BaseType::UInt32
        | BaseType::UInt64
        | BaseType::SizeT => None,
        BaseType::SignedChar
        | BaseType::Short
        | BaseType::Int
        | BaseType::Long
        | BaseType::LongLong
        | BaseType::Int8
        | BaseType::Int16
        | BaseType::Int32
        | BaseType::Int64 => Some(format!("{v} < 0")),
        // Converting NaN, an infinity or anything past 2^64 is undefined in C.
        BaseType::Float | BaseType::Double | BaseType::LongDouble => {
            Some(format!("!(({v}) >= 0 && ({v}) < 18446744073709551616.0)"))
        }
        _ => Some(format!("!({v} > 0 || {v} == 0)")),
    }
}

/// A C string literal of `s`.
pub fn c_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// `s` with everything but letters, digits and `_` replaced by `_`.
pub fn c_ident(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}
