//! Rust definitions for EDL structures, unions and enums, with their
//! [`Wire`](secgear_abi::Wire) encodings.

use super::names::{self, ident, local};
use crate::ast::*;
use crate::check::TypeTable;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashMap;

pub fn type_defs(defs: &[TypeDef], table: &TypeTable<'_>, abi: &TokenStream) -> TokenStream {
    let mut enum_values: HashMap<String, i128> = HashMap::new();
    defs.iter()
        .map(|d| match d {
            TypeDef::Struct(s) if table.is_deep_copy(&BaseType::Struct(s.name.name.clone())) => {
                deep_struct(s, abi)
            }
            TypeDef::Struct(s) => plain_struct(s, abi),
            TypeDef::Union(u) => union(u, abi),
            TypeDef::Enum(e) => enumeration(e, &mut enum_values, abi),
        })
        .collect()
}

fn doc(kind: &str, name: &str) -> String {
    format!(" EDL `{kind} {name}`.")
}

fn plain_struct(s: &StructDef, abi: &TokenStream) -> TokenStream {
    let name = ident(&s.name.name);
    let doc = doc("struct", &s.name.name);
    let fields: Vec<_> = s.members.iter().map(|m| ident(&m.name.name)).collect();
    let types: Vec<_> = s
        .members
        .iter()
        .map(|m| names::decl_type(&m.ty, &m.dims, abi))
        .collect();
    quote! {
        #[doc = #doc]
        #[repr(C)]
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[allow(non_camel_case_types, non_snake_case)]
        pub struct #name { #( pub #fields: #types, )* }

        impl #abi::Wire for #name {
            const MIN_WIRE_LEN: usize = #( <#types as #abi::Wire>::MIN_WIRE_LEN )+*;
            fn encode(&self, w: &mut #abi::Writer) { #( w.put(&self.#fields); )* }
            fn decode(r: &mut #abi::Reader<'_>) -> ::core::result::Result<Self, #abi::Error> {
                Ok(Self { #( #fields: r.get()?, )* })
            }
            fn zeroed() -> Self {
                Self { #( #fields: <#types as #abi::Wire>::zeroed(), )* }
            }
        }
    }
}

/// A structure with `size`/`count` members owns the data they point to, so
/// it is an ordinary Rust struct with `Vec` fields rather than a C layout.
fn deep_struct(s: &StructDef, abi: &TokenStream) -> TokenStream {
    let name = ident(&s.name.name);
    let doc = format!(
        " EDL `struct {}`, copied deeply: each sized pointer member owns its data, and its \
         size member must agree with it (checked by the receiver).",
        s.name.name
    );
    let mut fields = Vec::new();
    let mut types = Vec::new();
    let mut encodes = Vec::new();
    let mut decodes = Vec::new();
    let mut checks = Vec::new();
    let mut locals = Vec::new();
    for m in &s.members {
        let f = ident(&m.name.name);
        // Decoded into prefixed locals: a member may share a name with anything.
        let l = local(&format!("m_{}", m.name.name));
        locals.push(l.clone());
        let sized = m.has_attr("size") || m.has_attr("count");
        fields.push(f.clone());
        if !sized {
            types.push(names::decl_type(&m.ty, &m.dims, abi));
            encodes.push(quote!(w.put(&self.#f);));
            decodes.push(quote!(let #l = __sg_r.get()?;));
            continue;
        }
        let elem = names::pointee(&m.ty, abi);
        types.push(quote!(::std::vec::Vec<#elem>));
        encodes.push(quote!(w.put_slice(&self.#f);));
        decodes.push(quote!(let #l: ::std::vec::Vec<#elem> = __sg_r.get_vec()?;));
        let label = Literal::string(&format!("{}.{}", s.name.name, m.name.name));
        let operand = |a: Option<&Attr>| match a.and_then(|a| a.value.as_ref()) {
            Some(AttrValue::Number(n)) => {
                let n = Literal::u64_suffixed(*n);
                Some(quote!(#n))
            }
            Some(AttrValue::Ident(i)) => {
                let id = local(&format!("m_{}", i.name));
                Some(quote!(#abi::wire::count_arg(#label, #id)?))
            }
            None => None,
        };
        let expected = match (operand(m.attr("size")), operand(m.attr("count"))) {
            (Some(size), None) => {
                quote!(#abi::wire::bytes_to_count::<#elem>(#size, #label)? as u64)
            }
            (None, Some(count)) => count,
            (Some(size), Some(count)) => quote!(#abi::wire::bytes_to_count::<#elem>(
                #size.checked_mul(#count).ok_or_else(|| #abi::Error::bad_parameters(concat!(#label, ": size overflows")))?,
                #label,
            )? as u64),
            (None, None) => continue,
        };
        checks.push(quote!(#abi::wire::check_len(#label, #l.len(), #expected)?;));
    }
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[allow(non_camel_case_types, non_snake_case)]
        pub struct #name { #( pub #fields: #types, )* }

        impl #abi::Wire for #name {
            const MIN_WIRE_LEN: usize = #( <#types as #abi::Wire>::MIN_WIRE_LEN )+*;
            fn encode(&self, w: &mut #abi::Writer) { #( #encodes )* }
            #[allow(non_snake_case)]
            fn decode(__sg_r: &mut #abi::Reader<'_>) -> ::core::result::Result<Self, #abi::Error> {
                #( #decodes )*
                #( #checks )*
                Ok(Self { #( #fields: #locals, )* })
            }
            fn zeroed() -> Self {
                Self { #( #fields: <#types as #abi::Wire>::zeroed(), )* }
            }
        }
    }
}

/// Unions are raw storage with C's size and alignment, and typed accessors
/// for their numeric members: reading a union field is a reinterpretation,
/// which safe Rust spells as byte conversion.
fn union(u: &StructDef, abi: &TokenStream) -> TokenStream {
    let name = ident(&u.name.name);
    let doc = format!(
        " EDL `union {}`: C-sized storage; numeric members have accessors.",
        u.name.name
    );
    let size_const = format_ident!("__SECGEAR_UNION_SIZE_{}", u.name.name);
    let types: Vec<_> = u
        .members
        .iter()
        .map(|m| names::decl_type(&m.ty, &m.dims, abi))
        .collect();
    let accessors = u
        .members
        .iter()
        .filter(|m| m.ty.pointers == 0 && m.dims.is_empty() && names::is_number(&m.ty.base))
        .map(|m| {
            let get = ident(&m.name.name);
            let set = format_ident!("set_{}", m.name.name);
            let ty = names::base(&m.ty.base);
            quote! {
                #[allow(non_snake_case)]
                pub fn #get(&self) -> #ty {
                    let mut b = [0u8; ::core::mem::size_of::<#ty>()];
                    b.copy_from_slice(&self.bytes[..::core::mem::size_of::<#ty>()]);
                    <#ty>::from_ne_bytes(b)
                }
                #[allow(non_snake_case)]
                pub fn #set(&mut self, value: #ty) {
                    self.bytes = [0; #size_const];
                    let b = value.to_ne_bytes();
                    self.bytes[..b.len()].copy_from_slice(&b);
                }
            }
        });
    quote! {
        #[allow(non_upper_case_globals)]
        const #size_const: usize = #abi::layout::union_size(
            &[#( ::core::mem::size_of::<#types>(), )*],
            &[#( ::core::mem::align_of::<#types>(), )*],
        );

        #[doc = #doc]
        #[repr(C)]
        #[derive(Clone, Copy)]
        #[allow(non_camel_case_types)]
        pub struct #name {
            bytes: [u8; #size_const],
            _align: [( #( #types, )* ); 0],
        }

        impl #name {
            pub fn from_bytes(bytes: [u8; #size_const]) -> Self { Self { bytes, _align: [] } }
            pub fn as_bytes(&self) -> &[u8; #size_const] { &self.bytes }
            #( #accessors )*
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!(#name)).field("bytes", &self.bytes).finish()
            }
        }

        impl ::core::cmp::PartialEq for #name {
            fn eq(&self, other: &Self) -> bool { self.bytes == other.bytes }
        }

        impl #abi::Wire for #name {
            const MIN_WIRE_LEN: usize = #size_const;
            fn encode(&self, w: &mut #abi::Writer) { w.put_bytes(&self.bytes); }
            fn decode(r: &mut #abi::Reader<'_>) -> ::core::result::Result<Self, #abi::Error> {
                Ok(Self::from_bytes(r.take_array()?))
            }
            fn zeroed() -> Self { Self::from_bytes([0; #size_const]) }
        }
    }
}

/// Enums are newtypes over their integer, with one constant per enumerator:
/// a C peer may send any value of the underlying type, and a newtype holds
/// all of them without undefined behaviour.
fn enumeration(e: &EnumDef, known: &mut HashMap<String, i128>, abi: &TokenStream) -> TokenStream {
    let values = e.values(known);
    let fits = |lo: i128, hi: i128| {
        values
            .iter()
            .all(|(_, v)| v.is_none_or(|v| (lo..=hi).contains(&v)))
    };
    let repr = if fits(i128::from(i32::MIN), i128::from(i32::MAX)) {
        quote!(i32)
    } else if fits(0, i128::from(u32::MAX)) {
        quote!(u32)
    } else {
        quote!(i64)
    };
    let consts = values.iter().map(|(item, v)| {
        let c = ident(&item.name.name);
        let value = match (v, &item.value) {
            (Some(v), _) => {
                let lit = Literal::i128_unsuffixed(*v);
                quote!(#lit)
            }
            // A constant from a C header: the user's Rust must define it.
            (None, Some(EnumValue::Ident(i))) => {
                let id = ident(&i.name);
                quote!(#id as #repr)
            }
            (None, _) => quote!(0),
        };
        match &e.name {
            Some(n) => {
                let ty = ident(&n.name);
                quote! {
                    #[allow(non_upper_case_globals)]
                    pub const #c: #ty = #ty(#value);
                }
            }
            None => quote! {
                #[allow(non_upper_case_globals)]
                pub const #c: #repr = #value;
            },
        }
    });
    let Some(n) = &e.name else {
        return quote!(#( #consts )*);
    };
    let name = ident(&n.name);
    let doc = doc("enum", &n.name);
    quote! {
        #[doc = #doc]
        #[repr(transparent)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[allow(non_camel_case_types)]
        pub struct #name(pub #repr);

        #( #consts )*

        impl #abi::Wire for #name {
            const MIN_WIRE_LEN: usize = ::core::mem::size_of::<#repr>();
            fn encode(&self, w: &mut #abi::Writer) { w.put(&self.0); }
            fn decode(r: &mut #abi::Reader<'_>) -> ::core::result::Result<Self, #abi::Error> { Ok(Self(r.get()?)) }
            fn zeroed() -> Self { Self(0) }
        }
    }
}
