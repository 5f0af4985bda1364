//! Semantic rules of EDL, as edger8r enforces them (and a few it misses).

use crate::ast::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::load::Program;
use std::collections::{HashMap, HashSet};

const PARAM_ATTRS: &[&str] = &[
    "in",
    "out",
    "user_check",
    "size",
    "count",
    "string",
    "wstring",
    "isptr",
    "isary",
    "readonly",
];

pub fn check(program: &Program, diags: &mut Diagnostics) {
    let types = TypeTable::new(program);
    for t in &program.types {
        check_type_def(t, &types, diags);
    }
    check_recursion(program, diags);
    check_enumerators(program, diags);
    for f in &program.ecalls {
        check_function(f, &types, diags);
    }
    for f in &program.ocalls {
        check_function(f, &types, diags);
        check_allow(f, program, diags);
    }
    if !program.ecalls.is_empty() && !program.ecalls.iter().any(|f| f.public) {
        let span = program.ecalls.first().map(|f| f.name.span);
        diags.error(
            span,
            "the enclave has trusted functions but none is `public`: the host could call nothing",
        );
    }
    let allowed: HashSet<&str> = program
        .ocalls
        .iter()
        .flat_map(|o| o.allow.iter().map(|a| a.name.as_str()))
        .collect();
    for f in program
        .ecalls
        .iter()
        .filter(|f| !f.public && !allowed.contains(f.name.name.as_str()))
    {
        diags.warning(
            f.name.span,
            format!(
                "private ECALL `{}` is not named in any `allow(...)`, so nothing can call it",
                f.name.name
            ),
        );
    }
}

/// What the EDL defines, by tag name.
pub(crate) struct TypeTable<'p> {
    defs: HashMap<&'p str, &'p TypeDef>,
}

impl<'p> TypeTable<'p> {
    pub(crate) fn new(program: &'p Program) -> Self {
        let defs = program
            .types
            .iter()
            .filter_map(|t| t.name().map(|n| (n.name.as_str(), t)))
            .collect();
        Self { defs }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'p TypeDef> {
        self.defs.get(name).copied()
    }

    /// A structure whose members carry `size`/`count`: copied deeply.
    pub(crate) fn is_deep_copy(&self, base: &BaseType) -> bool {
        match base {
            BaseType::Struct(n) => match self.get(n) {
                Some(TypeDef::Struct(s)) => s
                    .members
                    .iter()
                    .any(|m| m.has_attr("size") || m.has_attr("count")),
                _ => false,
            },
            _ => false,
        }
    }
}

fn check_type_ref(ty: &Type, types: &TypeTable<'_>, diags: &mut Diagnostics) {
    let (kind, name) = match &ty.base {
        BaseType::Struct(n) => ("struct", n),
        BaseType::Union(n) => ("union", n),
        BaseType::Enum(n) => ("enum", n),
        _ => return,
    };
    match types.get(name) {
        None => diags.warning(
            ty.span,
            format!("`{kind} {name}` is not defined in EDL; it must come from an included header"),
        ),
        Some(def) => {
            let actual = match def {
                TypeDef::Struct(_) => "struct",
                TypeDef::Union(_) => "union",
                TypeDef::Enum(_) => "enum",
            };
            if actual != kind {
                diags.error(
                    ty.span,
                    format!("`{name}` is defined as a {actual}, not a {kind}"),
                );
            }
        }
    }
}

fn check_unique<'a>(names: impl Iterator<Item = &'a Ident>, what: &str, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    for n in names {
        if let Some(first) = seen.insert(n.name.as_str(), n) {
            diags.push(
                Diagnostic::error(n.span, format!("duplicate {what} `{}`", n.name))
                    .with_note(first.span, "first declared here"),
            );
        }
    }
}

fn check_type_def(t: &TypeDef, types: &TypeTable<'_>, diags: &mut Diagnostics) {
    match t {
        TypeDef::Enum(e) => check_unique(e.items.iter().map(|i| &i.name), "enumerator", diags),
        TypeDef::Struct(s) | TypeDef::Union(s) => {
            let is_union = matches!(t, TypeDef::Union(_));
            check_unique(s.members.iter().map(|m| &m.name), "member", diags);
            for m in &s.members {
                check_type_ref(&m.ty, types, diags);
                if m.ty.base == BaseType::Void && m.ty.pointers == 0 {
                    diags.error(
                        m.ty.span,
                        format!("member `{}` cannot have type void", m.name.name),
                    );
                }
                if m.ty.is_pointer() && !m.dims.is_empty() {
                    diags.error(
                        m.name.span,
                        format!(
                            "member `{}`: arrays of pointers are not allowed",
                            m.name.name
                        ),
                    );
                }
                if let (TypeDef::Struct(_), BaseType::Struct(inner)) = (t, &m.ty.base)
                    && inner == &s.name.name
                    && m.ty.pointers == 0
                {
                    diags.error(m.ty.span, format!("struct `{inner}` cannot contain itself"));
                }
                for a in &m.attrs {
                    let name = a.name.name.as_str();
                    if is_union {
                        diags.error(
                            a.span,
                            format!("union members take no attributes (found `{name}`)"),
                        );
                        continue;
                    }
                    if name != "size" && name != "count" {
                        diags.error(
                            a.span,
                            format!("only `size` and `count` are allowed on structure members, found `{name}`"),
                        );
                        continue;
                    }
                    if !m.ty.is_pointer() {
                        diags.error(
                            a.span,
                            format!("`{name}` is only allowed on pointer members"),
                        );
                    }
                    if m.ty.pointers > 1 {
                        diags.error(
                            a.span,
                            "deep copy through a pointer to pointer is not supported",
                        );
                    }
                    match &a.value {
                        None => diags.error(a.span, format!("`{name}` needs a value")),
                        Some(AttrValue::Number(_)) => {}
                        Some(AttrValue::Ident(id)) => {
                            let sibling = s.members.iter().find(|o| o.name.name == id.name);
                            match sibling {
                                Some(o)
                                    if o.ty.pointers == 0
                                        && o.dims.is_empty()
                                        && o.ty.base.is_integer() => {}
                                Some(_) => diags.error(
                                    id.span,
                                    format!("`{name}={}` must name an integer member", id.name),
                                ),
                                None => diags.error(
                                    id.span,
                                    format!(
                                        "`{name}={}`: no member `{}` in `{}`",
                                        id.name, id.name, s.name.name
                                    ),
                                ),
                            }
                        }
                    }
                }
                if types.is_deep_copy(&m.ty.base) && m.ty.pointers == 0 {
                    diags.error(
                        m.ty.span,
                        format!(
                            "member `{}`: a deep-copy structure cannot be embedded by value",
                            m.name.name
                        ),
                    );
                }
            }
        }
    }
}

/// Largest fixed-size buffer (array or constant size) a parameter may have:
/// it lives on the callee's stack.
const MAX_FIXED_BYTES: u64 = 1 << 20;

/// The byte size of a built-in base type on the wire, where EDL knows it
/// (`long double` travels as a double).
fn builtin_size(b: &BaseType) -> Option<u64> {
    match b {
        BaseType::LongDouble => Some(8),
        b => b.lp64_size(),
    }
}

/// Types that contain themselves, by value or through deep-copied pointers,
/// would be infinite (by value) or let a peer nest them without bound.
fn check_recursion(program: &Program, diags: &mut Diagnostics) {
    let table = TypeTable::new(program);
    let edges = |name: &str| -> Vec<(String, &Decl)> {
        let Some(TypeDef::Struct(s) | TypeDef::Union(s)) = table.get(name) else {
            return Vec::new();
        };
        s.members
            .iter()
            .filter(|m| m.ty.pointers == 0 || m.has_attr("size") || m.has_attr("count"))
            .filter_map(|m| match &m.ty.base {
                BaseType::Struct(n) | BaseType::Union(n) => Some((n.clone(), m)),
                _ => None,
            })
            .collect()
    };
    for t in &program.types {
        let Some(start) = t.name() else { continue };
        // Depth-first search for a path back to `start`.
        let mut stack: Vec<(String, usize)> = vec![(start.name.clone(), 0)];
        let mut seen: HashSet<String> = HashSet::new();
        while let Some((node, idx)) = stack.pop() {
            let next = edges(&node);
            let Some((target, member)) = next.get(idx) else {
                continue;
            };
            stack.push((node.clone(), idx + 1));
            if *target == start.name {
                diags.error(
                    member.name.span,
                    format!(
                        "`{}` contains itself through member `{}`: recursive types cannot cross the boundary",
                        start.name, member.name.name
                    ),
                );
                break;
            }
            if seen.insert(target.clone()) {
                stack.push((target.clone(), 0));
            }
        }
    }
}

/// Enumerator names are global constants in C; values must be computable.
fn check_enumerators(program: &Program, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &Ident> = HashMap::new();
    let type_names: HashSet<&str> = program
        .types
        .iter()
        .filter_map(|t| t.name().map(|n| n.name.as_str()))
        .collect();
    for t in &program.types {
        let TypeDef::Enum(e) = t else { continue };
        for item in &e.items {
            let name = item.name.name.as_str();
            if let Some(first) = seen.insert(name, &item.name) {
                diags.push(
                    Diagnostic::error(item.name.span, format!("duplicate enumerator `{name}`"))
                        .with_note(first.span, "first declared here"),
                );
            }
            if type_names.contains(name) {
                diags.error(
                    item.name.span,
                    format!("enumerator `{name}` has the name of a type"),
                );
            }
            if let Some(EnumValue::Ident(v)) = &item.value
                && !seen.contains_key(v.name.as_str())
            {
                diags.error(
                    v.span,
                    format!(
                        "enumerator value `{}` must be a number or an earlier EDL enumerator",
                        v.name
                    ),
                );
            }
        }
    }
}

fn check_allow(f: &Function, program: &Program, diags: &mut Diagnostics) {
    for a in &f.allow {
        if program.ecall(&a.name).is_none() {
            let msg = if program.ocalls.iter().any(|o| o.name.name == a.name) {
                format!(
                    "`allow({})`: `{}` is an untrusted function, not an ECALL",
                    a.name, a.name
                )
            } else {
                format!(
                    "`allow({})`: no trusted function named `{}`",
                    a.name, a.name
                )
            };
            diags.error(a.span, msg);
        }
    }
    check_unique(f.allow.iter(), "name in `allow(...)`", diags);
}

fn check_function(f: &Function, types: &TypeTable<'_>, diags: &mut Diagnostics) {
    check_unique(f.params.iter().map(|p| &p.name), "parameter", diags);
    check_type_ref(&f.ret, types, diags);
    if types.is_deep_copy(&f.ret.base) && f.ret.pointers == 0 {
        diags.error(
            f.ret.span,
            "a deep-copy structure cannot be returned by value",
        );
    }
    for p in &f.params {
        check_param(p, f, types, diags);
    }
}

/// Fixed-size buffers live on the callee's stack; sizes that are not whole
/// elements would silently copy less than asked.
fn check_fixed_size(p: &Decl, diags: &mut Diagnostics) {
    let elem = if p.ty.pointers > 1 {
        Some(8)
    } else if p.ty.base == BaseType::Void {
        Some(1)
    } else {
        builtin_size(&p.ty.base)
    };
    let constant = |a: &str| match p.attr(a).and_then(|a| a.value.as_ref()) {
        Some(AttrValue::Number(n)) => Some(u128::from(*n)),
        Some(AttrValue::Ident(_)) => None,
        None => Some(1),
    };
    // Sizes in u128 cannot overflow for u64 factors; unknown element sizes
    // (structs, foreign types) count as one byte, the least they can be.
    let elem_or_one = u128::from(elem.unwrap_or(1));
    let bytes = if !p.dims.is_empty() {
        p.dims.iter().try_fold(elem_or_one, |acc, d| match d {
            Dim::Num(n) => Some(acc.saturating_mul(u128::from(*n))),
            Dim::Named(_) => None,
        })
    } else if p.ty.is_pointer() && (p.has_attr("size") || p.has_attr("count")) {
        match (constant("size"), constant("count")) {
            (Some(s), Some(c)) => {
                if let (true, Some(e)) = (p.has_attr("size") && !p.has_attr("count"), elem)
                    && s % u128::from(e) != 0
                {
                    diags.error(
                        p.name.span,
                        format!("`size={s}` is not a whole number of {e}-byte elements"),
                    );
                }
                let per = if p.has_attr("size") { 1 } else { elem_or_one };
                Some(s.saturating_mul(c).saturating_mul(per))
            }
            _ => None,
        }
    } else {
        None
    };
    if bytes.is_some_and(|b| b > u128::from(MAX_FIXED_BYTES)) {
        diags.error(
            p.name.span,
            format!(
                "fixed-size buffer `{}` exceeds {MAX_FIXED_BYTES} bytes; pass its size as a parameter instead",
                p.name.name
            ),
        );
    }
}

fn check_param(p: &Decl, f: &Function, types: &TypeTable<'_>, diags: &mut Diagnostics) {
    let name = &p.name.name;
    check_type_ref(&p.ty, types, diags);
    let mut seen = HashSet::new();
    for a in &p.attrs {
        let an = a.name.name.as_str();
        if an == "sizefunc" {
            diags.error(
                a.span,
                "`sizefunc` is deprecated and not supported; use `size` or `count`",
            );
        } else if !PARAM_ATTRS.contains(&an) {
            diags.error(a.span, format!("unknown attribute `{an}`"));
        } else if !seen.insert(an) {
            diags.error(a.span, format!("attribute `{an}` given twice"));
        }
        let takes_value = an == "size" || an == "count";
        if takes_value && a.value.is_none() {
            diags.error(
                a.span,
                format!("`{an}` needs a value: `{an}=N` or `{an}=param`"),
            );
        }
        if !takes_value && a.value.is_some() && PARAM_ATTRS.contains(&an) {
            diags.error(a.span, format!("`{an}` takes no value"));
        }
    }
    let has = |n: &str| p.has_attr(n);
    let at = |n: &str| p.attr(n).map_or(p.name.span, |a| a.span);
    let (dir_in, dir_out, user_check) = (has("in"), has("out"), has("user_check"));
    let direction = dir_in || dir_out;
    let foreign = matches!(p.ty.base, BaseType::Foreign(_));
    let (isptr, isary) = (has("isptr"), has("isary"));
    let is_array = !p.dims.is_empty();
    let pointerish = p.ty.is_pointer() || is_array || (foreign && (isptr || isary));

    if p.ty.base == BaseType::Void && p.ty.pointers == 0 {
        diags.error(
            p.ty.span,
            format!("parameter `{name}` cannot have type void"),
        );
    }
    if p.ty.is_pointer() && is_array {
        diags.error(
            p.name.span,
            format!("`{name}`: arrays of pointers are not allowed"),
        );
    }
    for d in &p.dims {
        if let Dim::Named(n) = d
            && f.params.iter().any(|o| o.name.name == n.name)
        {
            diags.error(
                n.span,
                format!("array dimension `{}` is a parameter: declare `[count={}]` on a pointer instead", n.name, n.name),
            );
        }
    }
    check_fixed_size(p, diags);
    if (isptr || isary) && !(foreign && p.ty.pointers == 0 && !is_array) {
        let which = if isptr { "isptr" } else { "isary" };
        diags.error(
            at(which),
            format!("`{which}` is only allowed on a foreign typedef name (`{name}` is not one)"),
        );
    }
    if isptr && isary {
        diags.error(at("isary"), "`isptr` and `isary` cannot be combined");
    }
    if !pointerish {
        if foreign && (dir_in || dir_out) {
            diags.error(
                p.name.span,
                format!("`{name}` has a foreign type with a direction: mark it `isptr` or `isary`, or declare it as a pointer"),
            );
        } else if let Some(a) = p.attrs.first() {
            diags.error(
                a.span,
                format!(
                    "`{name}` is passed by value and takes no attributes (found `{}`)",
                    a.name.name
                ),
            );
        }
        if types.is_deep_copy(&p.ty.base) {
            diags.error(
                p.ty.span,
                format!("`{name}`: a deep-copy structure cannot be passed by value"),
            );
        }
        return;
    }
    if user_check && direction {
        diags.error(
            at("user_check"),
            format!("`{name}`: `user_check` cannot be combined with `in`/`out`"),
        );
    }
    if !direction {
        let needing: Vec<&str> = ["size", "count", "string", "wstring"]
            .into_iter()
            .filter(|a| has(a))
            .collect();
        for a in &needing {
            diags.error(at(a), format!("`{a}` on `{name}` requires `in` or `out`"));
        }
        // edger8r passes an array without a direction as its address, as
        // `user_check` would: accepted, and said.
        if !user_check && needing.is_empty() {
            if is_array && !isary {
                diags.warning(
                    p.name.span,
                    format!("array parameter `{name}` has no direction: only its address crosses, as with `[user_check]`"),
                );
            } else {
                diags.error(
                    p.name.span,
                    format!("pointer parameter `{name}` needs a direction (`[in]`, `[out]`, `[in, out]`) or `[user_check]`"),
                );
            }
        }
        return;
    }
    let (string, wstring) = (has("string"), has("wstring"));
    if string && wstring {
        diags.error(at("wstring"), "`string` and `wstring` cannot be combined");
    }
    for s in ["string", "wstring"].into_iter().filter(|s| has(s)) {
        if !dir_in {
            diags.error(at(s), format!("`{s}` requires `[in]` or `[in, out]`"));
        }
        if has("size") || has("count") {
            diags.error(
                at(s),
                format!("`{s}` cannot be combined with `size` or `count`"),
            );
        }
        let want = if s == "string" {
            BaseType::Char
        } else {
            BaseType::WcharT
        };
        if p.ty.base != want || p.ty.pointers != 1 {
            diags.error(
                at(s),
                format!("`{s}` is only allowed on `{}*`", want.c_name()),
            );
        }
    }
    if p.ty.is_void_pointer() && direction && !has("size") && !has("count") {
        diags.error(
            p.name.span,
            format!("`void*` parameter `{name}` needs `size` or `count` (or `user_check`)"),
        );
    }
    if is_array && (has("size") || has("count") || isary) {
        diags.error(
            p.name.span,
            format!("`{name}` is declared as an array; `size`, `count` and `isary` do not apply"),
        );
    }
    if isary && (has("size") || has("count")) {
        diags.error(
            at("isary"),
            "`isary` cannot be combined with `size` or `count`",
        );
    }
    if has("readonly") {
        if !(foreign && isptr) {
            diags.error(
                at("readonly"),
                "`readonly` requires a foreign type with `isptr`",
            );
        }
        if dir_out {
            diags.error(at("readonly"), "`readonly` cannot be combined with `out`");
        }
    }
    if dir_out && p.ty.is_const && p.ty.is_pointer() {
        diags.error(
            at("out"),
            format!("`{name}` points to const data and cannot be `[out]`"),
        );
    }
    // Its size is what its members say; a byte count could only disagree.
    if let BaseType::Struct(tag) = &p.ty.base
        && p.ty.pointers > 0
        && types.is_deep_copy(&p.ty.base)
        && has("size")
    {
        diags.error(
            at("size"),
            format!("size attributes are invalid for the pointer of an user-defined type `{tag}`"),
        );
    }
    if types.is_deep_copy(&p.ty.base) && dir_out && !dir_in {
        diags.error(
            at("out"),
            format!("`{name}`: a deep-copy structure can be `[in]` or `[in, out]`, not `[out]`"),
        );
    }
    for which in ["size", "count"] {
        let Some(Attr {
            value: Some(AttrValue::Ident(id)),
            ..
        }) = p.attr(which)
        else {
            continue;
        };
        match f.params.iter().find(|o| o.name.name == id.name) {
            None => diags.error(
                id.span,
                format!(
                    "`{which}={}`: `{}` is not a parameter of `{}`",
                    id.name, id.name, f.name.name
                ),
            ),
            Some(o) if o.name.name == *name => {
                diags.error(id.span, format!("`{which}` of `{name}` cannot be itself"))
            }
            // A foreign typedef (`socklen_t`) may well be an integer; the
            // generated code checks the conversion when it runs.
            // edger8r takes a floating-point one too: C converts it, and the
            // generated code refuses a negative, infinite or NaN value.
            Some(o)
                if o.ty.pointers > 0
                    || !o.dims.is_empty()
                    || !o.attrs.is_empty()
                    || !(o.ty.base.is_integer()
                        || o.ty.base.is_floating()
                        || matches!(o.ty.base, BaseType::Foreign(_))) =>
            {
                diags.error(
                    id.span,
                    format!(
                        "`{which}={}` must name an integer or floating-point parameter passed by value",
                        id.name
                    ),
                )
            }
            Some(_) => {}
        }
    }
}
