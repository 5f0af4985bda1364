//! How each parameter crosses the boundary, decided once from its attributes
//! and used by both the caller and the callee generators.

use super::names;
use crate::ast::*;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
    InOut,
}

impl Dir {
    pub fn sends(self) -> bool {
        matches!(self, Dir::In | Dir::InOut)
    }
    pub fn returns(self) -> bool {
        matches!(self, Dir::Out | Dir::InOut)
    }
}

/// A size or count operand.
#[derive(Debug, Clone)]
pub enum Operand {
    Const(u64),
    Param(String),
}

#[derive(Debug, Clone)]
pub enum Shape {
    /// Passed by value.
    Value,
    /// `user_check`: the address only.
    UserPtr,
    /// A pointer to one element, an EDL array, an `isary` typedef, or a
    /// buffer whose size is a constant: a fixed-size value behind a reference.
    Fixed { dir: Dir, ty: TokenStream },
    /// A buffer sized by parameters. `hidden` names the length parameter the
    /// Rust signature omits because the slice length says it.
    Slice {
        dir: Dir,
        elem: TokenStream,
        size: Option<Operand>,
        count: Option<Operand>,
        derived: bool,
    },
    /// `[in, string] char*`.
    CStr,
    /// `[in, out, string] char*`, `[in(, out), wstring] wchar_t*`: a NUL-terminated
    /// region of a caller's buffer.
    Terminated { dir: Dir, elem: TokenStream },
}

pub struct Param<'a> {
    pub decl: &'a Decl,
    pub name: proc_macro2::Ident,
    pub shape: Shape,
    /// A length parameter the signature omits (derived from a slice).
    pub hidden: bool,
}

fn operand(a: Option<&Attr>) -> Option<Operand> {
    match a?.value.as_ref()? {
        AttrValue::Number(n) => Some(Operand::Const(*n)),
        AttrValue::Ident(i) => Some(Operand::Param(i.name.clone())),
    }
}

fn dir(d: &Decl) -> Option<Dir> {
    match (d.has_attr("in"), d.has_attr("out")) {
        (true, true) => Some(Dir::InOut),
        (true, false) => Some(Dir::In),
        (false, true) => Some(Dir::Out),
        (false, false) => None,
    }
}

/// Classifies every parameter of a function.
pub fn params<'a>(f: &'a Function, abi: &TokenStream) -> Vec<Param<'a>> {
    // A length parameter can be derived when exactly one buffer names it and
    // it is a built-in integer passed by value.
    let derivable = |name: &str| {
        let uses = f
            .params
            .iter()
            .flat_map(|p| p.attrs.iter())
            .filter(|a| matches!(&a.value, Some(AttrValue::Ident(i)) if i.name == name))
            .count();
        let plain_int = f
            .params
            .iter()
            .find(|p| p.name.name == name)
            .is_some_and(|p| {
                p.ty.pointers == 0
                    && p.dims.is_empty()
                    && p.ty.base.is_integer()
                    && p.attrs.is_empty()
            });
        uses == 1 && plain_int
    };
    let mut out: Vec<Param<'a>> = f
        .params
        .iter()
        .map(|d| Param {
            decl: d,
            name: names::ident(&d.name.name),
            shape: shape(d, abi, &derivable),
            hidden: false,
        })
        .collect();
    let hidden: Vec<String> = out
        .iter()
        .filter_map(|p| match &p.shape {
            Shape::Slice {
                derived: true,
                size,
                count,
                ..
            } => match (size, count) {
                (Some(Operand::Param(n)), None) | (None, Some(Operand::Param(n))) => {
                    Some(n.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    for p in &mut out {
        p.hidden = hidden.contains(&p.decl.name.name);
    }
    out
}

fn shape(d: &Decl, abi: &TokenStream, derivable: &dyn Fn(&str) -> bool) -> Shape {
    let foreign = matches!(d.ty.base, BaseType::Foreign(_));
    let pointerish = d.ty.is_pointer()
        || !d.dims.is_empty()
        || (foreign && (d.has_attr("isptr") || d.has_attr("isary")));
    if !pointerish {
        return Shape::Value;
    }
    let Some(dir) = dir(d) else {
        return Shape::UserPtr;
    };
    if !d.dims.is_empty() {
        return Shape::Fixed {
            dir,
            ty: names::decl_type(&d.ty, &d.dims, abi),
        };
    }
    if d.has_attr("isary") {
        return Shape::Fixed {
            dir,
            ty: names::base(&d.ty.base),
        };
    }
    if d.has_attr("string") {
        return if dir == Dir::In {
            Shape::CStr
        } else {
            Shape::Terminated {
                dir,
                elem: quote!(u8),
            }
        };
    }
    if d.has_attr("wstring") {
        return Shape::Terminated {
            dir,
            elem: quote!(i32),
        };
    }
    let (size, count) = (operand(d.attr("size")), operand(d.attr("count")));
    // An `isptr` typedef points at bytes the EDL sizes or, unsized, at one
    // value of what the typedef's Rust counterpart points to.
    let elem = match (d.has_attr("isptr"), &size, &count) {
        (true, None, None) => {
            let typedef = names::base(&d.ty.base);
            quote!(<#typedef as #abi::wire::PointerTypedef>::Pointee)
        }
        (true, _, _) => quote!(u8),
        (false, _, _) => names::pointee(&d.ty, abi),
    };
    match (&size, &count) {
        (None, None) => Shape::Fixed { dir, ty: elem },
        (Some(Operand::Const(_)) | None, Some(Operand::Const(_)) | None) => {
            let bytes_or_elems = |o: &Option<Operand>| match o {
                Some(Operand::Const(n)) => Some(Literal::u64_unsuffixed(*n)),
                _ => None,
            };
            let len = match (bytes_or_elems(&size), bytes_or_elems(&count)) {
                (Some(s), Some(c)) => quote!(#s * #c / ::core::mem::size_of::<#elem>()),
                (Some(s), None) if elem.to_string() == "u8" => quote!(#s),
                (Some(s), None) => quote!(#s / ::core::mem::size_of::<#elem>()),
                (None, Some(c)) => quote!(#c),
                (None, None) => quote!(1),
            };
            Shape::Fixed {
                dir,
                ty: quote!([#elem; #len]),
            }
        }
        (Some(Operand::Param(n)), None) | (None, Some(Operand::Param(n))) => {
            let derived = derivable(n);
            Shape::Slice {
                dir,
                elem,
                size,
                count,
                derived,
            }
        }
        _ => Shape::Slice {
            dir,
            elem,
            size,
            count,
            derived: false,
        },
    }
}

impl Param<'_> {
    /// The parameter's type in the generated Rust signatures (both sides).
    pub fn rust_type(&self, abi: &TokenStream) -> TokenStream {
        self.rust_type_for(abi, &quote!())
    }

    /// The type with `lifetime` on its reference (empty: elided).
    pub fn rust_type_for(&self, abi: &TokenStream, lifetime: &TokenStream) -> TokenStream {
        let ty = &self.decl.ty;
        match &self.shape {
            Shape::Value => names::decl_type(ty, &[], abi),
            Shape::UserPtr => quote!(#abi::UserPtr),
            Shape::Fixed { dir: Dir::In, ty } => quote!(& #lifetime #ty),
            Shape::Fixed { ty, .. } => quote!(& #lifetime mut #ty),
            Shape::Slice {
                dir: Dir::In, elem, ..
            }
            | Shape::Terminated { dir: Dir::In, elem } => quote!(& #lifetime [#elem]),
            Shape::Slice { elem, .. } | Shape::Terminated { elem, .. } => {
                quote!(& #lifetime mut [#elem])
            }
            Shape::CStr => quote!(& #lifetime ::core::ffi::CStr),
        }
    }

    pub fn label(&self) -> Literal {
        Literal::string(&self.decl.name.name)
    }
}

/// The parameters a slice's size or count names.
pub fn size_operands(p: &Param<'_>) -> Vec<String> {
    let Shape::Slice { size, count, .. } = &p.shape else {
        return Vec::new();
    };
    [size, count]
        .into_iter()
        .filter_map(|o| match o {
            Some(Operand::Param(n)) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// The statement that checks a slice against its explicit size arguments
/// (on the caller before sending, on the callee after decoding); `None` when
/// the slice itself defines its length.
pub fn length_check(p: &Param<'_>, abi: &TokenStream, len: &TokenStream) -> Option<TokenStream> {
    let label = p.label();
    let expected = expected_count(p, abi)?;
    Some(quote!(#abi::wire::check_len(#label, #len, #expected)?;))
}

/// The expected element count of a slice, as an expression over the
/// (decoded or given) length parameters.
fn expected_count(p: &Param<'_>, abi: &TokenStream) -> Option<TokenStream> {
    let Shape::Slice {
        elem,
        size,
        count,
        derived: false,
        ..
    } = &p.shape
    else {
        return None;
    };
    let label = p.label();
    let value = |o: &Operand| match o {
        Operand::Const(n) => {
            let n = Literal::u64_suffixed(*n);
            quote!(#n)
        }
        Operand::Param(name) => {
            let id = names::ident(name);
            quote!(#abi::wire::count_arg(#label, #id)?)
        }
    };
    Some(match (size, count) {
        (None, Some(c)) => value(c),
        (Some(s), None) => {
            let s = value(s);
            quote!(#abi::wire::bytes_to_count::<#elem>(#s, #label)? as u64)
        }
        (Some(s), Some(c)) => {
            let (s, c) = (value(s), value(c));
            quote!(#abi::wire::bytes_to_count::<#elem>(
                #s.checked_mul(#c).ok_or_else(|| #abi::Error::bad_parameters(concat!(#label, ": size overflows")))?,
                #label,
            )? as u64)
        }
        (None, None) => return None,
    })
}

/// Whether a region of a switchless ECALL may stay in the shared arena
/// instead of travelling: its elements' bytes in memory are their bytes on
/// the wire (built-in integers, `float`, `double`, the bytes of a `void*`),
/// so the callee can use them where they are. Such a region is preceded on
/// the wire by [`secgear_abi`]'s region tag: inline (the usual encoding) or
/// in the arena (its address, and its element count when not fixed); only
/// a C host sends the latter, for memory from `cc_malloc_shared_memory`.
pub fn shareable(switchless_ecall: bool, p: &Param<'_>) -> bool {
    let d = p.decl;
    let scalar = d.ty.base.is_integer()
        || matches!(d.ty.base, BaseType::Float | BaseType::Double)
        || (d.ty.base == BaseType::Void && d.ty.pointers == 1);
    let one_level = d.ty.pointers + u32::from(!d.dims.is_empty()) == 1;
    let plain = one_level && !(d.has_attr("isptr") || d.has_attr("isary"));
    switchless_ecall
        && scalar
        && plain
        && !p.hidden
        && matches!(p.shape, Shape::Fixed { .. } | Shape::Slice { .. })
}

/// For an unsized `isptr` typedef: the statement that makes the build
/// check its pointee has C's bytes (`PointerTypedef::SAME_BYTES_AS_C`).
pub fn pointer_typedef_check(p: &Param<'_>, abi: &TokenStream) -> Option<TokenStream> {
    let d = p.decl;
    if !d.has_attr("isptr") || d.has_attr("size") || d.has_attr("count") {
        return None;
    }
    let typedef = names::base(&d.ty.base);
    Some(quote!(let () = <#typedef as #abi::wire::PointerTypedef>::SAME_BYTES_AS_C;))
}
