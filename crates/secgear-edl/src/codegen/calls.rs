//! The two halves of every call: the caller's typed method that marshals a
//! request, and the callee's trait plus dispatcher that unmarshals it.

use super::names::{self, ident, local};
use super::shape::{self, Dir, Param, Shape};
use crate::ast::{BaseType, Function};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

/// Which table a function belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ecall,
    Ocall,
}

impl Kind {
    fn call_kind(self, abi: &TokenStream) -> TokenStream {
        match self {
            Kind::Ecall => quote!(#abi::CallKind::Ecall),
            Kind::Ocall => quote!(#abi::CallKind::Ocall),
        }
    }
    fn ids_mod(self) -> Ident {
        match self {
            Kind::Ecall => ident("ecall_ids"),
            Kind::Ocall => ident("ocall_ids"),
        }
    }
}

fn ret_type(f: &Function, abi: &TokenStream) -> TokenStream {
    if f.ret.base == BaseType::Void && f.ret.pointers == 0 {
        quote!(())
    } else {
        names::decl_type(&f.ret, &[], abi)
    }
}

fn returns_unit(f: &Function) -> bool {
    f.ret.base == BaseType::Void && f.ret.pointers == 0
}

fn signature(params: &[Param<'_>], abi: &TokenStream) -> Vec<TokenStream> {
    signature_for(params, abi, &quote!())
}

fn signature_for(
    params: &[Param<'_>],
    abi: &TokenStream,
    lifetime: &TokenStream,
) -> Vec<TokenStream> {
    params
        .iter()
        .filter(|p| !p.hidden)
        .map(|p| {
            let (n, t) = (&p.name, p.rust_type_for(abi, lifetime));
            quote!(#n: #t)
        })
        .collect()
}

fn fn_doc(f: &Function) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            let attrs: Vec<String> = p
                .attrs
                .iter()
                .map(|a| match &a.value {
                    Some(crate::ast::AttrValue::Number(n)) => format!("{}={n}", a.name.name),
                    Some(crate::ast::AttrValue::Ident(i)) => format!("{}={}", a.name.name, i.name),
                    None => a.name.name.clone(),
                })
                .collect();
            let attrs = if attrs.is_empty() {
                String::new()
            } else {
                format!("[{}] ", attrs.join(", "))
            };
            let stars = "*".repeat(p.ty.pointers as usize);
            let dims: String = p.dims.iter().map(|d| format!("[{d}]")).collect();
            let konst = if p.ty.is_const { "const " } else { "" };
            format!(
                "{attrs}{konst}{}{stars} {}{dims}",
                p.ty.base.c_name(),
                p.name.name
            )
        })
        .collect();
    let stars = "*".repeat(f.ret.pointers as usize);
    format!(
        " EDL: `{}{stars} {}({})`",
        f.ret.base.c_name(),
        f.name.name,
        params.join(", ")
    )
}

/// Function-id constants and the metadata table for one kind.
pub fn tables(
    kind: Kind,
    funcs: &[Function],
    ecalls: &[Function],
    abi: &TokenStream,
) -> TokenStream {
    let ids_mod = kind.ids_mod();
    let consts = funcs.iter().enumerate().map(|(i, f)| {
        let c = ident(&f.name.name);
        let i = i as u32;
        quote!(pub const #c: u32 = #i;)
    });
    let infos = funcs.iter().enumerate().map(|(i, f)| {
        let (id, name, public, switchless, errno) = (
            i as u32,
            Literal::string(&f.name.name),
            f.public || kind == Kind::Ocall,
            f.switchless,
            f.propagate_errno,
        );
        let allow = f
            .allow
            .iter()
            .filter_map(|a| ecalls.iter().position(|e| e.name.name == a.name))
            .map(|p| p as u32);
        quote! {
            #abi::FunctionInfo {
                id: #id, name: #name, public: #public, switchless: #switchless,
                propagate_errno: #errno, allow: &[#( #allow ),*],
            }
        }
    });
    let (table, doc) = match kind {
        Kind::Ecall => (
            ident("ECALLS"),
            " Trusted functions (ECALLs), indexed by id.",
        ),
        Kind::Ocall => (
            ident("OCALLS"),
            " Untrusted functions (OCALLs), indexed by id.",
        ),
    };
    let ids_doc = " Stable function ids: declaration order, imported files first.";
    quote! {
        #[doc = #ids_doc]
        #[allow(non_upper_case_globals)]
        pub mod #ids_mod { #( #consts )* }

        #[doc = #doc]
        pub static #table: &[#abi::FunctionInfo] = &[#( #infos ),*];
    }
}

/// A caller struct with one method per function.
pub fn caller(kind: Kind, type_name: &str, funcs: &[Function], abi: &TokenStream) -> TokenStream {
    let ty = ident(type_name);
    let doc = match kind {
        Kind::Ecall => {
            " Calls the enclave's trusted functions through a transport (the enclave handle)."
        }
        Kind::Ocall => " Calls the host's untrusted functions from inside the enclave.",
    };
    let methods = funcs.iter().map(|f| caller_method(kind, f, abi));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #ty<T> { transport: T }

        impl<T: #abi::Transport> #ty<T> {
            pub fn new(transport: T) -> Self { Self { transport } }
            pub fn transport(&self) -> &T { &self.transport }
            #( #methods )*
        }
    }
}

fn caller_method(kind: Kind, f: &Function, abi: &TokenStream) -> TokenStream {
    let params = shape::params(f, abi);
    let name = ident(&f.name.name);
    let doc = fn_doc(f);
    let sig = signature(&params, abi);
    let ret = ret_type(f, abi);
    let ids_mod = kind.ids_mod();
    let call_kind = kind.call_kind(abi);
    let (w, r, reply) = (local("w"), local("r"), local("reply"));
    let mut pre = Vec::new();
    let mut encode = Vec::new();
    let mut decode = Vec::new();
    // Returned data is held here until the whole reply has been checked, so
    // a bad reply leaves the caller's buffers untouched.
    let mut commit = Vec::new();
    let switchless_ecall = kind == Kind::Ecall && f.switchless;
    for p in &params {
        let n = &p.name;
        pre.extend(shape::length_check(p, abi, &quote!(#n.len())));
        let back = local(&format!("back_{}", p.decl.name.name));
        pre.extend(shape::pointer_typedef_check(p, abi));
        if shape::shareable(switchless_ecall, p) {
            // A Rust caller's buffers are its own: always inline.
            encode.push(quote!(#w.put(&#abi::arena::INLINE);));
        }
        match &p.shape {
            _ if p.hidden => {}
            Shape::Value | Shape::UserPtr => encode.push(quote!(#w.put(&#n);)),
            Shape::Fixed { dir, ty } => {
                if dir.sends() {
                    encode.push(quote!(#w.put(#n);));
                }
                if dir.returns() {
                    decode.push(quote!(let #back: #ty = #r.get()?;));
                    commit.push(quote!(*#n = #back;));
                }
            }
            Shape::Slice { dir, elem, .. } => {
                encode.push(if dir.sends() {
                    quote!(#w.put_slice(#n);)
                } else {
                    quote!(#w.put_count(#n.len());)
                });
                if dir.returns() {
                    decode.push(
                        quote!(let #back: ::std::vec::Vec<#elem> = #r.get_vec_exact(#n.len())?;),
                    );
                    commit.push(quote! {
                        for (slot, value) in #n.iter_mut().zip(#back) {
                            *slot = value;
                        }
                    });
                }
            }
            Shape::CStr => encode.push(quote!(#w.put_cstr(#n);)),
            Shape::Terminated { dir, elem } => {
                let region = local(&format!("{}_region", p.decl.name.name));
                let measure = if elem.to_string() == "u8" {
                    quote!(#abi::wire::cstr_region_len(#n)?)
                } else {
                    quote!(#abi::wire::wstr_region_len(#n)?)
                };
                pre.push(quote!(let #region = #measure;));
                encode.push(quote!(#w.put_slice(&#n[..#region]);));
                if dir.returns() {
                    // The callee may shorten the string; it must still end in it.
                    decode.push(quote! {
                        let #back: ::std::vec::Vec<#elem> = #r.get_vec_exact(#region)?;
                        #abi::wire::check_has_terminator(&#back)?;
                    });
                    commit.push(quote!(#n[..#region].copy_from_slice(&#back);));
                }
            }
        }
    }
    let send = if f.switchless {
        quote!(call_switchless)
    } else {
        quote!(call)
    };
    let errno = f
        .propagate_errno
        .then(|| quote!(#abi::transport::set_ocall_errno(#r.get()?);));
    let (get_ret, give_ret) = if returns_unit(f) {
        (quote!(), quote!(()))
    } else {
        let v = local("ret");
        (quote!(let #v: #ret = #r.get()?;), quote!(#v))
    };
    let sync = quote! {
        #[doc = #doc]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub fn #name(&self, #( #sig ),*) -> ::core::result::Result<#ret, #abi::Error> {
            #( #pre )*
            #[allow(unused_mut)]
            let mut #w = #abi::Writer::request(#call_kind, #ids_mod::#name);
            #( #encode )*
            let #reply = self.transport.#send(#w.finish())?;
            #[allow(unused_mut)]
            let mut #r = #abi::Reader::reply(&#reply)?;
            #errno
            #get_ret
            #( #decode )*
            #r.finish()?;
            #( #commit )*
            Ok(#give_ret)
        }
    };
    if kind == Kind::Ocall || !f.switchless {
        return sync;
    }
    // Switchless ECALLs also get a submit-now, collect-later variant; the
    // handle borrows the `[out]` buffers until their data arrives.
    let lifetime = quote!('sg);
    let async_name = ident(&format!("{}_async", f.name.name));
    let async_sig = signature_for(&params, abi, &lifetime);
    let async_doc =
        format!("{doc}\n\nAsynchronous: returns at once with a handle to poll or wait on.");
    quote! {
        #sync

        #[doc = #async_doc]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub fn #async_name<#lifetime>(&#lifetime self, #( #async_sig ),*)
            -> ::core::result::Result<#abi::AsyncCall<#lifetime, T, #ret>, #abi::Error>
        {
            #( #pre )*
            #[allow(unused_mut)]
            let mut #w = #abi::Writer::request(#call_kind, #ids_mod::#name);
            #( #encode )*
            #abi::AsyncCall::submit(&self.transport, #w.finish(), move |#reply: &[u8]| {
                #[allow(unused_mut)]
                let mut #r = #abi::Reader::reply(#reply)?;
                #errno
                #get_ret
                #( #decode )*
                #r.finish()?;
                #( #commit )*
                Ok(#give_ret)
            })
        }
    }
}

/// The trait the callee implements, and the dispatcher that decodes a
/// request, checks it, calls the implementation and encodes the reply.
pub fn callee(kind: Kind, trait_name: &str, funcs: &[Function], abi: &TokenStream) -> TokenStream {
    let tr = ident(trait_name);
    let trait_doc = match kind {
        Kind::Ecall => " The enclave's trusted functions (ECALLs); the enclave implements this.",
        Kind::Ocall => " The host's untrusted functions (OCALLs); the host implements this.",
    };
    let methods = funcs.iter().map(|f| {
        let params = shape::params(f, abi);
        let (name, sig, ret, doc) = (
            ident(&f.name.name),
            signature(&params, abi),
            ret_type(f, abi),
            fn_doc(f),
        );
        quote! {
            #[doc = #doc]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            fn #name(&self, #( #sig ),*) -> #ret;
        }
    });
    let handlers: Vec<_> = funcs.iter().map(|f| handler(kind, &tr, f, abi)).collect();
    let handler_names: Vec<_> = funcs
        .iter()
        .map(|f| local(&format!("handle_{}", f.name.name)))
        .collect();
    let ids_mod = kind.ids_mod();
    let fn_ids: Vec<_> = funcs.iter().map(|f| ident(&f.name.name)).collect();
    let (dispatch, dispatch_doc, table) = match kind {
        Kind::Ecall => (
            ident("dispatch_ecall"),
            " Serves one ECALL request; always returns a reply (failures become a status). \
              Private ECALLs are refused unless `context` is an OCALL that allows them.",
            ident("ECALLS"),
        ),
        Kind::Ocall => (
            ident("dispatch_ocall"),
            " Serves one OCALL request; always returns a reply (failures become a status).",
            ident("OCALLS"),
        ),
    };
    let expected_kind = kind.call_kind(abi);
    let (ctx_param, ctx_arg, permit) = match kind {
        Kind::Ecall => (
            quote!(context: &#abi::EcallContext<'_>,),
            quote!(context,),
            quote! {
                if !context.permits(info) {
                    return Err(#abi::Error::new(#abi::ErrorCode::EcallNotAllowed, info.name));
                }
            },
        ),
        Kind::Ocall => (quote!(), quote!(), quote!()),
    };
    let unknown = quote!(#abi::Error::new(#abi::ErrorCode::InvalidCmd, "unknown function id"));
    let inner = local(&format!("{dispatch}"));
    // With no functions every id is unknown; say so without an empty match.
    let route = if funcs.is_empty() {
        quote! {
            let _ = (__sg_impl, r);
            Err(#unknown)
        }
    } else {
        quote! {
            let info = #table.get(header.function_id as usize).ok_or_else(|| #unknown)?;
            #permit
            match info.id {
                #( #ids_mod::#fn_ids => #handler_names(__sg_impl, &mut r), )*
                _ => Err(#unknown),
            }
        }
    };
    quote! {
        #[doc = #trait_doc]
        pub trait #tr: Send + Sync { #( #methods )* }

        #[doc = #dispatch_doc]
        pub fn #dispatch<I: #tr + ?Sized>(__sg_impl: &I, #ctx_param request: &[u8]) -> ::std::vec::Vec<u8> {
            #inner(__sg_impl, #ctx_arg request).unwrap_or_else(|e| #abi::Writer::error_reply(&e))
        }

        fn #inner<I: #tr + ?Sized>(__sg_impl: &I, #ctx_param request: &[u8]) -> ::core::result::Result<::std::vec::Vec<u8>, #abi::Error> {
            #[allow(unused_mut)]
            let (header, mut r) = #abi::Reader::request(request)?;
            if header.kind != #expected_kind {
                return Err(#abi::Error::malformed("request of the wrong kind"));
            }
            #route
        }

        #( #handlers )*
    }
}

fn handler(kind: Kind, tr: &Ident, f: &Function, abi: &TokenStream) -> TokenStream {
    let params = shape::params(f, abi);
    let name = ident(&f.name.name);
    let fn_name = local(&format!("handle_{}", f.name.name));
    let (r, w) = (local("r"), local("w"));
    let mut decode = Vec::new();
    let mut checks = Vec::new();
    let mut allocate = Vec::new();
    let mut args = Vec::new();
    let mut encode = Vec::new();
    let switchless_ecall = kind == Kind::Ecall && f.switchless;
    for p in &params {
        // Locals get a prefix: an EDL name may be anything, even a constant's.
        let n = local(&format!("p_{}", p.decl.name.name));
        let count = local(&format!("count_{}", p.decl.name.name));
        let arena = local(&format!("arena_{}", p.decl.name.name));
        let shared = shape::shareable(switchless_ecall, p);
        decode.extend(shape::pointer_typedef_check(p, abi));
        if shared {
            decode.push(quote!(let #arena = #abi::arena::get_tag(#r)?;));
        }
        let out_only = matches!(&p.shape, Shape::Slice { dir: Dir::Out, .. });
        let len = if out_only {
            quote!(#count)
        } else {
            quote!(#n.len())
        };
        let mut check = shape::length_check(p, abi, &len);
        if let Some(c) = check.as_mut() {
            // Length checks name the EDL size parameters: bind those first.
            let binds = shape::size_operands(p).into_iter().map(|name| {
                let (id, l) = (ident(&name), local(&format!("p_{name}")));
                quote!(let #id = #l;)
            });
            *c = quote!({ #( #binds )* #c });
        }
        checks.extend(check);
        match &p.shape {
            _ if p.hidden => {}
            Shape::Value | Shape::UserPtr => {
                let t = p.rust_type(abi);
                decode.push(quote!(let #n: #t = #r.get()?;));
                args.push(quote!(#n));
            }
            Shape::Fixed { dir, ty } => {
                decode.push(match (dir.sends(), shared) {
                    (true, false) => quote!(let mut #n: #ty = #r.get()?;),
                    (true, true) => quote! {
                        let mut #n: #ty = match #arena {
                            None => #r.get()?,
                            Some(at) => #abi::arena::read_one(at)?,
                        };
                    },
                    (false, _) => quote!(let mut #n: #ty = #abi::Wire::zeroed();),
                });
                args.push(if *dir == Dir::In {
                    quote!(&#n)
                } else {
                    quote!(&mut #n)
                });
                if dir.returns() {
                    encode.push(if shared {
                        quote! {
                            match #arena {
                                None => #w.put(&#n),
                                Some(at) => #abi::arena::write_one(at, &#n)?,
                            }
                        }
                    } else {
                        quote!(#w.put(&#n);)
                    });
                }
            }
            Shape::Slice { dir, elem, .. } => {
                match (dir.sends(), shared) {
                    (true, false) => {
                        decode.push(quote!(let mut #n: ::std::vec::Vec<#elem> = #r.get_vec()?;))
                    }
                    (true, true) => decode.push(quote! {
                        let mut #n: ::std::vec::Vec<#elem> = match #arena {
                            None => #r.get_vec()?,
                            Some(at) => #abi::arena::read_vec(at, #r.get_out_count::<#elem>()?)?,
                        };
                    }),
                    (false, _) => {
                        decode.push(quote!(let #count = #r.get_out_count::<#elem>()?;));
                        allocate.push(quote!(let mut #n: ::std::vec::Vec<#elem> = #abi::wire::zeroed_vec(#count);));
                    }
                }
                args.push(if *dir == Dir::In {
                    quote!(&#n)
                } else {
                    quote!(&mut #n)
                });
                if dir.returns() {
                    encode.push(if shared {
                        quote! {
                            match #arena {
                                None => #w.put_slice(&#n),
                                Some(at) => #abi::arena::write_slice(at, &#n)?,
                            }
                        }
                    } else {
                        quote!(#w.put_slice(&#n);)
                    });
                }
            }
            Shape::CStr => {
                decode.push(quote!(let #n = #r.get_cstring()?;));
                args.push(quote!(&#n));
            }
            Shape::Terminated { dir, elem } => {
                decode.push(quote!(let mut #n: ::std::vec::Vec<#elem> = #r.get_vec()?;));
                checks.push(quote!(#abi::wire::check_terminated(&#n)?;));
                args.push(if *dir == Dir::In {
                    quote!(&#n)
                } else {
                    quote!(&mut #n)
                });
                if dir.returns() {
                    encode.push(quote!(#w.put_slice(&#n);));
                }
            }
        }
    }
    // errno is read before anything else can touch it (allocating the reply).
    let propagate = kind == Kind::Ocall && f.propagate_errno;
    let errno_var = local("errno");
    let capture_errno =
        propagate.then(|| quote!(let #errno_var = #abi::transport::current_errno();));
    let errno = propagate.then(|| quote!(#w.put(&#errno_var);));
    let (bind, put_ret) = if returns_unit(f) {
        (quote!(), quote!())
    } else {
        let v = local("ret");
        (quote!(let #v = ), quote!(#w.put(&#v);))
    };
    quote! {
        #[allow(non_snake_case, unused_mut)]
        fn #fn_name<I: #tr + ?Sized>(__sg_impl: &I, #r: &mut #abi::Reader<'_>) -> ::core::result::Result<::std::vec::Vec<u8>, #abi::Error> {
            #( #decode )*
            #r.finish()?;
            #( #checks )*
            #( #allocate )*
            #bind __sg_impl.#name(#( #args ),*);
            #capture_errno
            let mut #w = #abi::Writer::reply();
            #errno
            #put_ret
            #( #encode )*
            Ok(#w.finish())
        }
    }
}
