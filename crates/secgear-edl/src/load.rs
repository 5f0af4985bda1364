//! Reading an EDL file and everything it imports into one [`Program`].
//!
//! Imports resolve against the importing file's own directory first, then the
//! search paths in order. A file reached along two paths (a diamond) is read
//! once and its definitions count once; a file that imports itself, directly
//! or not, is an error. Function ids follow the order of this walk: each
//! file's imports first (in the order written), then its own declarations.

use crate::ast::*;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lexer::lex;
use crate::parser::parse;
use crate::preprocess::{Define, preprocess};
use crate::source::{FileId, SourceMap, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How to read EDL files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Directories searched, in order, for imported EDL files.
    pub search_paths: Vec<PathBuf>,
    /// `-D` definitions for the preprocessor.
    pub defines: Vec<Define>,
}

/// One EDL file with its imports merged, in id order.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub root: Option<FileId>,
    /// C headers named by `include` in the root file and what it imports.
    pub includes: Vec<Include>,
    pub types: Vec<TypeDef>,
    pub ecalls: Vec<Function>,
    pub ocalls: Vec<Function>,
}

impl Program {
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types
            .iter()
            .find(|t| t.name().is_some_and(|n| n.name == name))
    }

    pub fn ecall(&self, name: &str) -> Option<&Function> {
        self.ecalls.iter().find(|f| f.name.name == name)
    }
}

/// What one file contributes: its own definitions and everything it imports.
#[derive(Debug, Clone, Default)]
struct Exports {
    includes: Vec<Include>,
    types: Vec<TypeDef>,
    ecalls: Vec<Function>,
    ocalls: Vec<Function>,
}

pub(crate) struct Loader<'a> {
    options: &'a Options,
    pub sources: SourceMap,
    pub diags: Diagnostics,
    by_path: HashMap<PathBuf, FileId>,
    resolved: HashMap<FileId, Exports>,
    stack: Vec<(FileId, Span)>,
}

impl<'a> Loader<'a> {
    pub fn new(options: &'a Options) -> Self {
        Self {
            options,
            sources: SourceMap::default(),
            diags: Diagnostics::default(),
            by_path: HashMap::new(),
            resolved: HashMap::new(),
            stack: Vec::new(),
        }
    }

    /// Loads the root from text already read (so callers decide how to read it).
    pub fn load_root(&mut self, path: &Path, text: String) -> Program {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let id = self.sources.add(path, text);
        self.by_path.insert(key, id);
        let root_span = Span::new(id, 0, 0);
        let exports = self.resolve(id, root_span);
        Program {
            root: Some(id),
            includes: exports.includes,
            types: exports.types,
            ecalls: exports.ecalls,
            ocalls: exports.ocalls,
        }
    }

    fn parse_file(&mut self, id: FileId) -> EdlFile {
        let Some(file) = self.sources.file(id) else {
            return EdlFile::default();
        };
        let text = file.text.clone();
        let tokens = lex(&text, id, 0, true, &mut self.diags);
        let tokens = preprocess(tokens, &self.options.defines, id, &text, &mut self.diags);
        parse(&tokens, id, text.len(), &mut self.diags)
    }

    fn resolve(&mut self, id: FileId, via: Span) -> Exports {
        if let Some(done) = self.resolved.get(&id) {
            return done.clone();
        }
        self.stack.push((id, via));
        let file = self.parse_file(id);
        let mut out = Exports::default();
        for import in &file.imports {
            let Some(dep) = self.locate(id, import) else {
                continue;
            };
            if let Some(pos) = self.stack.iter().position(|(f, _)| *f == dep) {
                let mut d = Diagnostic::error(
                    import.path_span,
                    format!(
                        "circular import: `{}` is already being imported",
                        import.path
                    ),
                );
                for (_, span) in self.stack.iter().skip(pos + 1) {
                    d = d.with_note(*span, "imported from here");
                }
                self.diags.push(d);
                continue;
            }
            let exports = self.resolve(dep, import.path_span);
            self.merge_import(&mut out, exports, import);
        }
        for inc in &file.includes {
            if !out.includes.iter().any(|i| i.header == inc.header) {
                out.includes.push(inc.clone());
            }
        }
        for t in file.types {
            push_type(&mut out.types, t, &mut self.diags);
        }
        for f in file.trusted {
            push_function(&mut out.ecalls, &out.ocalls, f, &mut self.diags);
        }
        for f in file.untrusted {
            push_function(&mut out.ocalls, &out.ecalls, f, &mut self.diags);
        }
        self.stack.pop();
        self.resolved.insert(id, out.clone());
        out
    }

    fn merge_import(&mut self, out: &mut Exports, from: Exports, import: &Import) {
        for inc in from.includes {
            if !out.includes.iter().any(|i| i.header == inc.header) {
                out.includes.push(inc);
            }
        }
        for t in from.types {
            push_type(&mut out.types, t, &mut self.diags);
        }
        let wanted = |f: &Function| match &import.list {
            ImportList::All => true,
            ImportList::Names(names) => names.iter().any(|n| n.name == f.name.name),
        };
        if let ImportList::Names(names) = &import.list {
            for n in names {
                let known = from
                    .ecalls
                    .iter()
                    .chain(&from.ocalls)
                    .any(|f| f.name.name == n.name);
                if !known {
                    self.diags.error(
                        n.span,
                        format!("`{}` is not a function of \"{}\"", n.name, import.path),
                    );
                }
            }
        }
        for f in from.ecalls.into_iter().filter(|f| wanted(f)) {
            push_function(&mut out.ecalls, &out.ocalls, f, &mut self.diags);
        }
        for f in from.ocalls.into_iter().filter(|f| wanted(f)) {
            push_function(&mut out.ocalls, &out.ecalls, f, &mut self.diags);
        }
    }

    fn locate(&mut self, importer: FileId, import: &Import) -> Option<FileId> {
        let own_dir = self
            .sources
            .path(importer)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let candidates: Vec<PathBuf> = std::iter::once(own_dir)
            .chain(self.options.search_paths.iter().cloned())
            .map(|dir| dir.join(&import.path))
            .collect();
        for path in &candidates {
            if !path.is_file() {
                continue;
            }
            let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            if let Some(id) = self.by_path.get(&key) {
                return Some(*id);
            }
            return match std::fs::read(path) {
                Ok(bytes) => {
                    let id = self
                        .sources
                        .add(path.clone(), String::from_utf8_lossy(&bytes).into_owned());
                    self.by_path.insert(key, id);
                    Some(id)
                }
                Err(e) => {
                    self.diags.error(
                        import.path_span,
                        format!("cannot read \"{}\": {e}", path.display()),
                    );
                    None
                }
            };
        }
        let mut searched: Vec<String> = Vec::new();
        for dir in candidates.iter().filter_map(|p| p.parent()) {
            let shown = if dir.as_os_str().is_empty() {
                ".".to_string()
            } else {
                dir.display().to_string()
            };
            if !searched.contains(&shown) {
                searched.push(shown);
            }
        }
        self.diags.push(
            Diagnostic::error(
                import.path_span,
                format!("imported file \"{}\" not found", import.path),
            )
            .with_note(None, format!("searched: {}", searched.join(", "))),
        );
        None
    }
}

/// Adds a type unless the very same definition is already there (a diamond);
/// a different definition of the same name is an error.
fn push_type(types: &mut Vec<TypeDef>, t: TypeDef, diags: &mut Diagnostics) {
    let Some(name) = t.name() else {
        if !types.contains(&t) {
            types.push(t);
        }
        return;
    };
    match types
        .iter()
        .find(|o| o.name().is_some_and(|n| n.name == name.name))
    {
        Some(existing) if existing.span() == t.span() => {}
        Some(existing) => diags.push(
            Diagnostic::error(
                name.span,
                format!("duplicate definition of type `{}`", name.name),
            )
            .with_note(existing.span(), "first defined here"),
        ),
        None => types.push(t),
    }
}

fn push_function(
    list: &mut Vec<Function>,
    other_side: &[Function],
    f: Function,
    diags: &mut Diagnostics,
) {
    let clash = list
        .iter()
        .chain(other_side)
        .find(|o| o.name.name == f.name.name);
    match clash {
        Some(existing) if existing.span == f.span => {}
        Some(existing) => diags.push(
            Diagnostic::error(
                f.name.span,
                format!("duplicate definition of function `{}`", f.name.name),
            )
            .with_note(existing.name.span, "first defined here"),
        ),
        None => list.push(f),
    }
}

/// Replaces array dimensions that name EDL enumerators with their values.
/// Names left are constants from C headers; a value that cannot size an
/// array is an error.
pub(crate) fn resolve_dimensions(program: &mut Program, diags: &mut Diagnostics) {
    let mut known = HashMap::new();
    for t in &program.types {
        if let TypeDef::Enum(e) = t {
            e.values(&mut known);
        }
    }
    let mut fix = |decl: &mut Decl| {
        for dim in &mut decl.dims {
            let Dim::Named(name) = dim else { continue };
            match known.get(&name.name).copied() {
                Some(v) if v > 0 && v <= i128::from(u32::MAX) => *dim = Dim::Num(v as u64),
                Some(v) => diags.error(name.span, format!("array dimension `{}` is {v}, not a positive size", name.name)),
                None => diags.warning(
                    name.span,
                    format!("array dimension `{}` is not an EDL constant; it must come from an included header", name.name),
                ),
            }
        }
    };
    for t in &mut program.types {
        if let TypeDef::Struct(s) | TypeDef::Union(s) = t {
            s.members.iter_mut().for_each(&mut fix);
        }
    }
    for f in program.ecalls.iter_mut().chain(program.ocalls.iter_mut()) {
        f.params.iter_mut().for_each(&mut fix);
    }
}
