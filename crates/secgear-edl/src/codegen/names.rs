//! EDL names and types as Rust spells them.

use crate::ast::{BaseType, Dim, Type};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// An EDL identifier as a Rust identifier: keywords become raw identifiers,
/// and the few that cannot be raw get a trailing underscore.
pub fn ident(name: &str) -> Ident {
    match name {
        "self" | "Self" | "super" | "crate" | "_" => {
            Ident::new(&format!("{name}_"), Span::call_site())
        }
        _ if KEYWORDS.contains(&name) => Ident::new_raw(name, Span::call_site()),
        _ => Ident::new(name, Span::call_site()),
    }
}

/// A generated local; the `__sg_` prefix keeps it apart from EDL names.
pub fn local(name: &str) -> Ident {
    Ident::new(&format!("__sg_{name}"), Span::call_site())
}

/// The Rust type of an EDL base type. `char` is a byte: EDL uses it for
/// buffers and strings far more than for signed arithmetic.
pub fn base(b: &BaseType) -> TokenStream {
    match b {
        BaseType::Void => quote!(()),
        BaseType::Char | BaseType::UnsignedChar | BaseType::UInt8 => quote!(u8),
        BaseType::SignedChar | BaseType::Int8 => quote!(i8),
        BaseType::Short | BaseType::Int16 => quote!(i16),
        BaseType::UnsignedShort | BaseType::UInt16 => quote!(u16),
        BaseType::Int | BaseType::Int32 => quote!(i32),
        BaseType::UnsignedInt | BaseType::UInt32 => quote!(u32),
        BaseType::Long | BaseType::LongLong | BaseType::Int64 => quote!(i64),
        BaseType::UnsignedLong | BaseType::UnsignedLongLong | BaseType::UInt64 => quote!(u64),
        BaseType::Float => quote!(f32),
        // Rust has no `long double`; it travels as a double.
        BaseType::Double | BaseType::LongDouble => quote!(f64),
        BaseType::SizeT => quote!(usize),
        // `wchar_t` is a 32-bit signed integer on Linux.
        BaseType::WcharT => quote!(i32),
        BaseType::Foreign(n) if n == "bool" => quote!(bool),
        BaseType::Struct(n) | BaseType::Union(n) | BaseType::Enum(n) | BaseType::Foreign(n) => {
            let id = ident(n);
            quote!(#id)
        }
    }
}

/// Whether a base type is a plain number Rust can read from native bytes.
pub fn is_number(b: &BaseType) -> bool {
    b.is_integer() || matches!(b, BaseType::Float | BaseType::Double | BaseType::LongDouble)
}

/// The Rust type of a full declaration, arrays included; any pointer is a
/// [`UserPtr`](secgear_abi::UserPtr)-like opaque address.
pub fn decl_type(ty: &Type, dims: &[Dim], abi: &TokenStream) -> TokenStream {
    let mut t = if ty.pointers > 0 {
        quote!(#abi::UserPtr)
    } else {
        base(&ty.base)
    };
    for d in dims.iter().rev() {
        t = match d {
            Dim::Num(n) => {
                let n = proc_macro2::Literal::u64_unsuffixed(*n);
                quote!([#t; #n])
            }
            // A constant from a C header: the including module must define
            // it as a `usize` const.
            Dim::Named(name) => {
                let id = ident(&name.name);
                quote!([#t; #id])
            }
        };
    }
    t
}

/// The element a pointer points to: one level of `*` removed; a pointee that
/// is itself a pointer travels as an address; `void` as bytes.
pub fn pointee(ty: &Type, abi: &TokenStream) -> TokenStream {
    if ty.pointers > 1 {
        quote!(#abi::UserPtr)
    } else if ty.base == BaseType::Void {
        quote!(u8)
    } else {
        base(&ty.base)
    }
}

/// `ECALL`-table constant name for a function.
pub fn id_const(name: &str) -> Ident {
    Ident::new(&format!("ID_{name}"), Span::call_site())
}
