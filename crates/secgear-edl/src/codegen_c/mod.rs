//! C code generation from a checked [`Program`]: the files the original
//! secGear generator writes (`X_u.h`/`X_u.c` for the host, `X_t.h`/`X_t.c`
//! for the enclave), byte-compatible with the Rust bindings of
//! [`codegen`](crate::codegen), so a C host can call a Rust enclave and a
//! Rust host a C enclave.
//!
//! The generated code calls only the message functions of
//! `secgear_wire.h` and the runtime entry points of `secgear_ucalls.h`
//! (host) or `secgear_tcalls.h` (enclave). Function ids are the Rust
//! generator's: the index in declaration order, imported files first,
//! ECALLs and OCALLs counted separately.
//!
//! What the C side cannot express as the Rust side does is refused with a
//! message rather than generated wrong: a deep-copy structure whose sized
//! member is itself deep-copied, and unions holding a `long double` or a
//! deep-copy structure.

mod callee;
mod caller;
mod codec;
mod ctype;
mod enclave;
mod host;
mod marshal;
mod types;

use crate::codegen::Side;
use crate::load::Program;

/// Options of [`generate`].
#[derive(Debug, Clone, Default)]
pub struct CGenOptions {
    /// The EDL file's stem: the files are `<stem>_u.h`, `<stem>_u.c`,
    /// `<stem>_t.h`, `<stem>_t.c`.
    pub stem: String,
    /// Name of the EDL file, for the header comment.
    pub source_name: String,
}

/// The two files of one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CFiles {
    pub header_name: String,
    pub header: String,
    pub source_name: String,
    pub source: String,
}

/// Which table a function belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Ecall,
    Ocall,
}

impl CallKind {
    fn wire_kind(self) -> &'static str {
        match self {
            CallKind::Ecall => "SG_KIND_ECALL",
            CallKind::Ocall => "SG_KIND_OCALL",
        }
    }
}

/// Parameter names the stubs add in front of the EDL's.
const STUB_PARAMS: &[&str] = &["enclave", "retval", "task_id"];
/// Prefix of every name the generated code gives its own locals and statics.
const RESERVED_PREFIX: &str = "sg__";

/// Names that would collide in the generated C.
fn name_clashes(program: &Program) -> Vec<String> {
    use std::collections::HashSet;
    let mut clashes = Vec::new();
    let all: Vec<&crate::ast::Function> = program.ecalls.iter().chain(&program.ocalls).collect();
    let mut seen = HashSet::new();
    for f in &all {
        if !seen.insert(f.name.name.as_str()) {
            clashes.push(format!(
                "function `{}` is declared twice (C has one namespace for functions)",
                f.name.name
            ));
        }
    }
    for f in program.ecalls.iter().filter(|f| f.switchless) {
        let async_name = format!("{}_async", f.name.name);
        if seen.contains(async_name.as_str()) {
            clashes.push(format!(
                "function `{async_name}` clashes with the asynchronous stub of `{}`",
                f.name.name
            ));
        }
    }
    for f in &all {
        if f.name.name.starts_with(RESERVED_PREFIX) {
            clashes.push(format!(
                "function `{}`: names starting with `{RESERVED_PREFIX}` are the generated code's",
                f.name.name
            ));
        }
        for p in &f.params {
            let n = p.name.name.as_str();
            if STUB_PARAMS.contains(&n) {
                clashes.push(format!(
                    "parameter `{n}` of `{}` clashes with the parameter of the same name the \
                     generated stub adds",
                    f.name.name
                ));
            }
            if n.starts_with(RESERVED_PREFIX) {
                clashes.push(format!(
                    "parameter `{n}` of `{}`: names starting with `{RESERVED_PREFIX}` are the \
                     generated code's",
                    f.name.name
                ));
            }
        }
    }
    clashes
}

/// Generates one side's header and source.
pub fn generate(program: &Program, side: Side, options: &CGenOptions) -> Result<CFiles, String> {
    let types = ctype::Types::new(program);
    let mut problems = name_clashes(program);
    problems.extend(codec::unsupported(program, &types));
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let stem = if options.stem.is_empty() {
        "enclave"
    } else {
        &options.stem
    };
    let source_name = if options.source_name.is_empty() {
        "an EDL file"
    } else {
        &options.source_name
    };
    let ctx = Context {
        program,
        types,
        stem,
        source_name,
    };
    Ok(match side {
        Side::Host => host::files(&ctx),
        Side::Enclave => enclave::files(&ctx),
    })
}

/// What every part of one generation needs.
struct Context<'a> {
    program: &'a Program,
    types: ctype::Types<'a>,
    stem: &'a str,
    source_name: &'a str,
}

impl Context<'_> {
    fn banner(&self, side: &str) -> String {
        format!(
            "/* @generated by secgear-edl from {} ({side} side, C). Do not edit. */",
            self.source_name.replace("*/", "* /")
        )
    }

    fn guard(&self, suffix: &str) -> String {
        format!(
            "SECGEAR_EDL_{}_{suffix}",
            ctype::c_ident(self.stem).to_ascii_uppercase()
        )
    }

    /// `#include "x.h"` for each EDL `include`.
    fn includes(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.program
            .includes
            .iter()
            .filter(|i| seen.insert(i.header.as_str()))
            .map(|i| format!("#include {}", ctype::c_string(&i.header)))
            .collect()
    }

    /// The header's common opening: guard, runtime header, EDL includes,
    /// types.
    fn header_start(&self, side: &str, guard: &str, runtime: &str) -> Vec<String> {
        let mut lines = vec![
            self.banner(side),
            format!("#ifndef {guard}"),
            format!("#define {guard}"),
            String::new(),
            "#include <stdbool.h>".into(),
            "#include <stddef.h>".into(),
            "#include <stdint.h>".into(),
            // Application code relies on the generated header for these, as
            // with the original generator (malloc, realpath, strlen).
            "#include <stdlib.h>".into(),
            "#include <string.h>".into(),
            "#include <wchar.h>".into(),
            String::new(),
            format!("#include \"{runtime}\""),
        ];
        let includes = self.includes();
        if !includes.is_empty() {
            lines.push(String::new());
            lines.extend(includes);
        }
        lines.push(String::new());
        lines.push("#ifdef __cplusplus".into());
        lines.push("extern \"C\" {".into());
        lines.push("#endif".into());
        let decls = types::declarations(self.program);
        if !decls.is_empty() {
            lines.push(String::new());
            lines.extend(decls);
        }
        lines
    }

    fn header_end(guard: &str) -> Vec<String> {
        vec![
            String::new(),
            "#ifdef __cplusplus".into(),
            "}".into(),
            "#endif".into(),
            String::new(),
            format!("#endif /* {guard} */"),
        ]
    }

    /// The source's common opening: includes, layout checks, codecs.
    fn source_start(&self, side: &str, header: &str) -> Vec<String> {
        let mut lines = vec![self.banner(side)];
        for h in [
            "errno.h", "limits.h", "stdint.h", "stdlib.h", "string.h", "wchar.h",
        ] {
            lines.push(format!("#include <{h}>"));
        }
        lines.push(String::new());
        lines.push(format!("#include {}", ctype::c_string(header)));
        let asserts = types::layout_asserts(self.program, &self.types);
        if !asserts.is_empty() {
            lines.push(String::new());
            lines.extend(asserts);
        }
        let codecs = codec::functions(self.program, &self.types);
        if !codecs.is_empty() {
            lines.push(String::new());
            lines.extend(codecs);
        }
        lines
    }
}

/// Indents lines by their braces: C text is built unindented.
fn render(lines: &[String]) -> String {
    let mut out = String::new();
    let mut depth: usize = 0;
    // Preprocessor lines and the `extern "C"` braces stay at the margin.
    let mut margin_braces = 0usize;
    let mut continued = false;
    for line in lines {
        // A macro's continuation lines are laid out by hand.
        if continued {
            continued = line.ends_with('\\');
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let t = line.trim();
        if t.is_empty() {
            out.push('\n');
            continue;
        }
        if t.starts_with('#') {
            continued = t.ends_with('\\');
            out.push_str(t);
            out.push('\n');
            continue;
        }
        if t == "extern \"C\" {" {
            margin_braces += 1;
            out.push_str(t);
            out.push('\n');
            continue;
        }
        if t == "}" && depth == 0 && margin_braces > 0 {
            margin_braces -= 1;
            out.push_str(t);
            out.push('\n');
            continue;
        }
        if t.starts_with('}') {
            depth = depth.saturating_sub(1);
        }
        let is_label = t.ends_with(':')
            && t[..t.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let indent = if is_label {
            depth.saturating_sub(1)
        } else {
            depth
        };
        for _ in 0..indent {
            out.push_str("    ");
        }
        out.push_str(t);
        out.push('\n');
        if t.ends_with('{') {
            depth += 1;
        }
    }
    out
}
