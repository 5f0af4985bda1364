//! Rust code generation from a checked [`Program`].
//!
//! The host side gets the ECALL [`Client`](#host-side), the `Untrusted` trait
//! for OCALLs and `dispatch_ocall`; the enclave side gets the `Trusted` trait,
//! `dispatch_ecall` and the `OcallClient`. Both get the EDL's types and the
//! function tables. Function ids are the index in declaration order, imported
//! files first, ECALLs and OCALLs counted separately from 0.

mod calls;
pub mod names;
// Shared with the C generator, so both classify every parameter alike.
pub(crate) mod shape;
mod types;

use crate::check::TypeTable;
use crate::load::Program;
use calls::Kind;
use proc_macro2::TokenStream;
use quote::quote;

/// Which side of the boundary the code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Host,
    Enclave,
}

impl std::str::FromStr for Side {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "host" => Ok(Side::Host),
            "enclave" => Ok(Side::Enclave),
            other => Err(format!(
                "unknown side `{other}` (expected `host` or `enclave`)"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Path of the ABI crate in the generated code.
    pub abi_crate: String,
    /// Name of the EDL file, for the header comment.
    pub source_name: String,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            abi_crate: "::secgear_abi".into(),
            source_name: String::new(),
        }
    }
}

/// Names the generated module defines itself (and the generic parameters of
/// its clients and dispatchers); EDL items may not take them.
const GENERATED_ITEMS: &[&str] = &[
    "Client",
    "OcallClient",
    "Trusted",
    "Untrusted",
    "ECALLS",
    "OCALLS",
    "ecall_ids",
    "ocall_ids",
    "dispatch_ecall",
    "dispatch_ocall",
    "T",
    "I",
];
/// Inherent methods of the generated clients.
const CLIENT_METHODS: &[&str] = &["new", "transport"];

/// Names that would collide in the generated Rust: with generated items,
/// after keyword escaping (`self` and `self_`), or as parameters that share a
/// name with a module-level constant or type (parameters are patterns).
fn name_clashes(program: &Program) -> Vec<String> {
    use crate::ast::TypeDef;
    use std::collections::HashSet;
    let escaped = |n: &str| names::ident(n).to_string();
    let mut clashes = Vec::new();
    let mut duplicates = |what: &str, items: &mut dyn Iterator<Item = &str>| {
        let mut seen: HashSet<String> = HashSet::new();
        for n in items {
            if !seen.insert(escaped(n)) {
                clashes.push(format!(
                    "{what} `{n}` collides with another name once written in Rust"
                ));
            }
        }
    };
    let module_names: Vec<&str> = program
        .types
        .iter()
        .flat_map(|t| {
            let own = t.name().map(|n| n.name.as_str());
            let consts: Vec<&str> = match t {
                TypeDef::Enum(e) => e.items.iter().map(|i| i.name.name.as_str()).collect(),
                _ => Vec::new(),
            };
            own.into_iter().chain(consts)
        })
        .collect();
    duplicates("type or constant", &mut module_names.iter().copied());
    duplicates(
        "function",
        &mut program
            .ecalls
            .iter()
            .chain(&program.ocalls)
            .map(|f| f.name.name.as_str()),
    );
    for f in program.ecalls.iter().chain(&program.ocalls) {
        duplicates(
            "parameter",
            &mut f.params.iter().map(|p| p.name.name.as_str()),
        );
    }
    for t in &program.types {
        if let TypeDef::Struct(s) | TypeDef::Union(s) = t {
            duplicates(
                "member",
                &mut s.members.iter().map(|m| m.name.name.as_str()),
            );
        }
    }
    let module: HashSet<String> = module_names.iter().map(|n| escaped(n)).collect();
    for n in module_names.iter().filter(|n| GENERATED_ITEMS.contains(n)) {
        clashes.push(format!(
            "EDL type or constant `{n}` clashes with a generated item of the same name"
        ));
    }
    for f in program.ecalls.iter().chain(&program.ocalls) {
        if CLIENT_METHODS.contains(&f.name.name.as_str()) {
            clashes.push(format!(
                "function `{}` clashes with the generated client's `{}` method",
                f.name.name, f.name.name
            ));
        }
        for p in f
            .params
            .iter()
            .filter(|p| module.contains(&escaped(&p.name.name)))
        {
            clashes.push(format!(
                "parameter `{}` of `{}` has the name of an EDL type or constant",
                p.name.name, f.name.name
            ));
        }
    }
    clashes
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::Mod(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Union(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        _ => return None,
    })
}

/// Generates one side's Rust source, formatted.
pub fn generate(program: &Program, side: Side, options: &GenOptions) -> Result<String, String> {
    let clashes = name_clashes(program);
    if !clashes.is_empty() {
        return Err(clashes.join("\n"));
    }
    let abi: TokenStream = options
        .abi_crate
        .parse()
        .map_err(|e| format!("invalid ABI crate path: {e}"))?;
    let table = TypeTable::new(program);
    let types = types::type_defs(&program.types, &table, &abi);
    let ecall_table = calls::tables(Kind::Ecall, &program.ecalls, &program.ecalls, &abi);
    let ocall_table = calls::tables(Kind::Ocall, &program.ocalls, &program.ecalls, &abi);
    let body = match side {
        Side::Host => {
            let client = calls::caller(Kind::Ecall, "Client", &program.ecalls, &abi);
            let untrusted = calls::callee(Kind::Ocall, "Untrusted", &program.ocalls, &abi);
            quote! {
                #client
                #untrusted

                /// Adapts an [`Untrusted`] implementation for the enclave
                /// runtime: `Enclave::builder(..).ocalls(Ocalls(my_host_functions))`.
                #[derive(Debug, Clone, Copy, Default)]
                pub struct Ocalls<I>(pub I);

                impl<I: Untrusted> #abi::OcallDispatch for Ocalls<I> {
                    fn dispatch_ocall(&self, request: &[u8]) -> ::std::vec::Vec<u8> {
                        dispatch_ocall(&self.0, request)
                    }
                    fn has_switchless(&self) -> bool {
                        OCALLS.iter().any(|f| f.switchless)
                    }
                    // A function's id is its index in the table (the dispatcher relies on it too).
                    fn is_switchless(&self, function_id: u32) -> bool {
                        OCALLS.get(function_id as usize).is_some_and(|f| f.switchless)
                    }
                }
            }
        }
        Side::Enclave => {
            let trusted = calls::callee(Kind::Ecall, "Trusted", &program.ecalls, &abi);
            let ocalls = calls::caller(Kind::Ocall, "OcallClient", &program.ocalls, &abi);
            quote!(#trusted #ocalls)
        }
    };
    let file = quote! {
        #[allow(unused_imports)]
        use super::*;
        #types
        #ecall_table
        #ocall_table
        #body
    };
    let mut parsed: syn::File = syn::parse2(file)
        .map_err(|e| format!("internal error: generated code does not parse: {e}"))?;
    // A program uses some of what an EDL declares, rarely all of it.
    for item in &mut parsed.items {
        if let Some(attrs) = item_attrs(item) {
            attrs.push(syn::parse_quote!(#[allow(dead_code)]));
        }
    }
    let side_name = match side {
        Side::Host => "host",
        Side::Enclave => "enclave",
    };
    Ok(format!(
        "// @generated by secgear-edl from {} ({side_name} side). Do not edit.\n{}",
        if options.source_name.is_empty() {
            "an EDL file"
        } else {
            &options.source_name
        },
        prettyplease::unparse(&parsed)
    ))
}
