//! C declarations of the EDL's structures, unions and enums, as the
//! original generator writes them (`typedef struct name {...} name;`). Each
//! is guarded by its own macro, so the host and enclave headers, or the
//! headers of two EDL files that import the same one, can meet in one
//! translation unit.

use super::ctype::{self, Types};
use crate::ast::{EnumDef, EnumValue, StructDef, TypeDef};
use crate::load::Program;

pub fn declarations(program: &Program) -> Vec<String> {
    let mut lines = Vec::new();
    for t in &program.types {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        match t {
            TypeDef::Struct(s) => lines.extend(aggregate("struct", s)),
            TypeDef::Union(u) => lines.extend(aggregate("union", u)),
            TypeDef::Enum(e) => lines.extend(enumeration(e)),
        }
    }
    lines
}

fn guard(lines: &mut Vec<String>, macro_name: &str) {
    lines.push(format!("#ifndef {macro_name}"));
    lines.push(format!("#define {macro_name}"));
}

fn aggregate(kind: &str, s: &StructDef) -> Vec<String> {
    let n = &s.name.name;
    let mut lines = Vec::new();
    guard(&mut lines, &format!("SG_EDL_TYPE_{n}"));
    lines.push(format!("typedef {kind} {n} {{"));
    for m in &s.members {
        lines.push(format!(
            "{};",
            ctype::decl_text(&m.ty, &m.name.name, &m.dims)
        ));
    }
    lines.push(format!("}} {n};"));
    lines.push("#endif".into());
    lines
}

fn enumeration(e: &EnumDef) -> Vec<String> {
    let mut lines = Vec::new();
    let key = match (&e.name, e.items.first()) {
        (Some(n), _) => format!("SG_EDL_TYPE_{}", n.name),
        (None, Some(first)) => format!("SG_EDL_ENUM_{}", first.name.name),
        (None, None) => return lines,
    };
    guard(&mut lines, &key);
    lines.push(match &e.name {
        Some(n) => format!("typedef enum {} {{", n.name),
        None => "enum {".into(),
    });
    let count = e.items.len();
    for (i, item) in e.items.iter().enumerate() {
        let value = match &item.value {
            None => String::new(),
            Some(EnumValue::Number(v)) => format!(" = {v}"),
            Some(EnumValue::Ident(i)) => format!(" = {}", i.name),
        };
        let comma = if i + 1 < count { "," } else { "" };
        lines.push(format!("{}{value}{comma}", item.name.name));
    }
    lines.push(match &e.name {
        Some(n) => format!("}} {};", n.name),
        None => "};".into(),
    });
    lines.push("#endif".into());
    lines
}

/// Compile-time checks, for a generated source, that each EDL enum has
/// the width the Rust binding gives it.
pub fn layout_asserts(program: &Program, types: &Types<'_>) -> Vec<String> {
    program
        .types
        .iter()
        .filter_map(|t| match t {
            TypeDef::Enum(EnumDef { name: Some(n), .. }) => {
                let width = types.enum_width(&n.name)?;
                Some(format!(
                    "_Static_assert(sizeof(enum {0}) == {width}, \"enum {0} travels as a {width}-byte integer\");",
                    n.name
                ))
            }
            _ => None,
        })
        .collect()
}
