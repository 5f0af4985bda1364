//! The syntax of one EDL file, as written.

use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// The base of a type, before pointers and array dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BaseType {
    Void,
    Char,
    SignedChar,
    UnsignedChar,
    Short,
    UnsignedShort,
    Int,
    UnsignedInt,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
    Float,
    Double,
    LongDouble,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    SizeT,
    WcharT,
    Struct(String),
    Union(String),
    Enum(String),
    /// A typedef name that comes from a C header the EDL includes.
    Foreign(String),
}

impl BaseType {
    /// The C size of a built-in type on the LP64 targets secGear supports;
    /// `None` for `long double` (16 bytes in C, 8 on the wire) and for types
    /// EDL does not size.
    pub fn lp64_size(&self) -> Option<u64> {
        Some(match self {
            BaseType::Char
            | BaseType::SignedChar
            | BaseType::UnsignedChar
            | BaseType::Int8
            | BaseType::UInt8 => 1,
            BaseType::Short | BaseType::UnsignedShort | BaseType::Int16 | BaseType::UInt16 => 2,
            BaseType::Int
            | BaseType::UnsignedInt
            | BaseType::Int32
            | BaseType::UInt32
            | BaseType::Float
            | BaseType::WcharT => 4,
            BaseType::Long
            | BaseType::UnsignedLong
            | BaseType::LongLong
            | BaseType::UnsignedLongLong
            | BaseType::Int64
            | BaseType::UInt64
            | BaseType::SizeT
            | BaseType::Double => 8,
            _ => return None,
        })
    }

    pub fn is_floating(&self) -> bool {
        matches!(self, Self::Float | Self::Double | Self::LongDouble)
    }

    pub fn is_integer(&self) -> bool {
        !matches!(
            self,
            Self::Void
                | Self::Float
                | Self::Double
                | Self::LongDouble
                | Self::Struct(_)
                | Self::Union(_)
                | Self::Enum(_)
                | Self::Foreign(_)
        )
    }

    pub fn c_name(&self) -> String {
        match self {
            Self::Void => "void".into(),
            Self::Char => "char".into(),
            Self::SignedChar => "signed char".into(),
            Self::UnsignedChar => "unsigned char".into(),
            Self::Short => "short".into(),
            Self::UnsignedShort => "unsigned short".into(),
            Self::Int => "int".into(),
            Self::UnsignedInt => "unsigned int".into(),
            Self::Long => "long".into(),
            Self::UnsignedLong => "unsigned long".into(),
            Self::LongLong => "long long".into(),
            Self::UnsignedLongLong => "unsigned long long".into(),
            Self::Float => "float".into(),
            Self::Double => "double".into(),
            Self::LongDouble => "long double".into(),
            Self::Int8 => "int8_t".into(),
            Self::Int16 => "int16_t".into(),
            Self::Int32 => "int32_t".into(),
            Self::Int64 => "int64_t".into(),
            Self::UInt8 => "uint8_t".into(),
            Self::UInt16 => "uint16_t".into(),
            Self::UInt32 => "uint32_t".into(),
            Self::UInt64 => "uint64_t".into(),
            Self::SizeT => "size_t".into(),
            Self::WcharT => "wchar_t".into(),
            Self::Struct(n) => format!("struct {n}"),
            Self::Union(n) => format!("union {n}"),
            Self::Enum(n) => format!("enum {n}"),
            Self::Foreign(n) => n.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type {
    pub base: BaseType,
    /// Levels of `*`.
    pub pointers: u32,
    pub is_const: bool,
    pub span: Span,
}

impl Type {
    pub fn is_pointer(&self) -> bool {
        self.pointers > 0
    }

    pub fn is_void_pointer(&self) -> bool {
        self.base == BaseType::Void && self.pointers == 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    Number(u64),
    Ident(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: Ident,
    pub value: Option<AttrValue>,
    pub span: Span,
}

/// One array dimension: a number, or a constant's name (an EDL enumerator,
/// resolved after loading, or a constant from a C header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    Num(u64),
    Named(Ident),
}

impl std::fmt::Display for Dim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dim::Num(n) => write!(f, "{n}"),
            Dim::Named(i) => f.write_str(&i.name),
        }
    }
}

/// A parameter or structure member: `[attrs] type name[dims]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    pub attrs: Vec<Attr>,
    pub ty: Type,
    pub name: Ident,
    pub dims: Vec<Dim>,
    pub span: Span,
}

impl Decl {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name.name == name)
    }

    pub fn has_attr(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructDef {
    pub name: Ident,
    pub members: Vec<Decl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumValue {
    Number(i64),
    /// Another enumerator's name (or a foreign constant).
    Ident(Ident),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enumerator {
    pub name: Ident,
    pub value: Option<EnumValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    /// Anonymous enums only define constants.
    pub name: Option<Ident>,
    pub items: Vec<Enumerator>,
    pub span: Span,
}

impl EnumDef {
    /// Each enumerator's value, as C assigns them: explicit, or one more than
    /// the previous. A value naming a constant not in `known` is `None`.
    /// `known` collects every value found, for later enums and dimensions.
    pub fn values(
        &self,
        known: &mut std::collections::HashMap<String, i128>,
    ) -> Vec<(&Enumerator, Option<i128>)> {
        let mut next: i128 = 0;
        self.items
            .iter()
            .map(|item| {
                let v = match &item.value {
                    None => Some(next),
                    Some(EnumValue::Number(n)) => Some(i128::from(*n)),
                    Some(EnumValue::Ident(i)) => known.get(&i.name).copied(),
                };
                if let Some(v) = v {
                    known.insert(item.name.name.clone(), v);
                    next = v + 1;
                }
                (item, v)
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDef {
    Struct(StructDef),
    Union(StructDef),
    Enum(EnumDef),
}

impl TypeDef {
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Self::Struct(s) | Self::Union(s) => Some(&s.name),
            Self::Enum(e) => e.name.as_ref(),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Self::Struct(s) | Self::Union(s) => s.span,
            Self::Enum(e) => e.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportList {
    All,
    Names(Vec<Ident>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The file, as written. Open Enclave's `import "x.edl";` is `from "x.edl" import *;`.
    pub path: String,
    pub path_span: Span,
    pub list: ImportList,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub header: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallConv {
    Cdecl,
    Stdcall,
    Fastcall,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: Ident,
    pub ret: Type,
    pub params: Vec<Decl>,
    /// Trusted functions only.
    pub public: bool,
    pub switchless: bool,
    /// Untrusted functions only.
    pub propagate_errno: bool,
    /// Untrusted functions only: `allow(...)`.
    pub allow: Vec<Ident>,
    pub call_conv: Option<CallConv>,
    pub dllimport: bool,
    pub span: Span,
}

/// One `enclave { ... };` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdlFile {
    pub includes: Vec<Include>,
    pub imports: Vec<Import>,
    pub types: Vec<TypeDef>,
    pub trusted: Vec<Function>,
    pub untrusted: Vec<Function>,
}
