//! The module graph of a crate, read from its sources: which module refers
//! to which through `crate::`, `super::` and `self::` paths (in `use`
//! declarations and in code alike).
//!
//! The rule it checks: a module may use its ancestors (it is part of their
//! implementation and sees their private items by design); every other
//! dependency between modules points one way, so the graph without the
//! child-to-ancestor edges has no cycle.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside a crate: `[]` is the crate root, `["sim", "runtime"]`
/// is `crate::sim::runtime`.
pub type ModulePath = Vec<String>;

/// The modules of the crate whose root file is `root` (`src/lib.rs`), each
/// with the file that defines it.
pub fn modules(root: &Path) -> std::io::Result<BTreeMap<ModulePath, PathBuf>> {
    let mut found = BTreeMap::new();
    collect(root, Vec::new(), true, &mut found)?;
    Ok(found)
}

fn collect(
    file: &Path,
    path: ModulePath,
    owns_dir: bool,
    found: &mut BTreeMap<ModulePath, PathBuf>,
) -> std::io::Result<()> {
    let source = std::fs::read_to_string(file)?;
    found.insert(path.clone(), file.to_path_buf());
    let dir = if owns_dir {
        file.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
        file.with_file_name(stem.unwrap_or_default())
    };
    for name in declared_modules(&strip_comments(&source)) {
        let flat = dir.join(format!("{name}.rs"));
        let nested = dir.join(&name).join("mod.rs");
        let mut child = path.clone();
        child.push(name);
        if flat.exists() {
            collect(&flat, child, false, found)?;
        } else if nested.exists() {
            collect(&nested, child, true, found)?;
        }
        // Inline modules (`mod tests { .. }`) are part of their file.
    }
    Ok(())
}

/// `mod name;` declarations (file modules only).
fn declared_modules(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let tokens = tokens(source);
    for window in tokens.windows(3) {
        if window[0] == "mod" && window[2] == ";" && is_ident(&window[1]) {
            names.push(window[1].clone());
        }
    }
    names
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Removes comments, string and char literals (their text is not code).
fn strip_comments(source: &str) -> String {
    let bytes: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i] == '/' && bytes.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == '*' && bytes.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && raw_string_end(&bytes, i).is_some()
        {
            i = raw_string_end(&bytes, i).unwrap_or(i + 1);
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && is_char_literal(&bytes, i) {
            i += 1;
            while i < bytes.len() && bytes[i] != '\'' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Where the raw string starting at `i` (`r"..."`, `r#"..."#`) ends.
fn raw_string_end(bytes: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut hashes = 0;
    while bytes.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if bytes.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < bytes.len() {
        if bytes[j] == '"' && (0..hashes).all(|h| bytes.get(j + 1 + h) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(bytes.len())
}

/// A `'` starts a char literal (not a lifetime or label) when a closing
/// `'` follows within an escape's length.
fn is_char_literal(bytes: &[char], i: usize) -> bool {
    matches!(
        (bytes.get(i + 1), bytes.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// Identifiers and punctuation, with `::` as one token.
fn tokens(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_owned());
            i += 2;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Every path a module's source names that starts at `crate`, `super` or
/// `self`, expanded through `use` groups: `crate::a::{b, c::D}` gives
/// `crate::a::b` and `crate::a::c::D`.
fn paths(source: &str) -> Vec<Vec<String>> {
    let tokens = tokens(&strip_comments(source));
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let starts = matches!(t, "crate" | "super" | "self")
            && tokens.get(i + 1).is_some_and(|n| n == "::")
            && (i == 0 || tokens[i - 1] != "::");
        if starts {
            i = path_at(&tokens, i, Vec::new(), &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads the path starting at `tokens[i]` under `prefix`; returns the index after it.
fn path_at(
    tokens: &[String],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(String::as_str) {
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        None => return i,
                        Some(_) => i = path_at(tokens, i, prefix.clone(), out),
                    }
                }
            }
            Some(t) if is_ident(t) => {
                prefix.push(t.to_owned());
                i += 1;
                if tokens.get(i).map(String::as_str) == Some("::") {
                    i += 1;
                    continue;
                }
                out.push(prefix);
                return i;
            }
            _ => {
                if !prefix.is_empty() {
                    out.push(prefix);
                }
                return i;
            }
        }
    }
}

/// The module a path names or lies in, from module `from`: the longest
/// prefix that is a module of the crate.
fn target(
    from: &ModulePath,
    path: &[String],
    modules: &BTreeMap<ModulePath, PathBuf>,
) -> Option<ModulePath> {
    let mut base: ModulePath = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("self") | Some("super") => {
            base = from.clone();
            while let Some(step) = rest.first().map(String::as_str) {
                match step {
                    "self" => {}
                    "super" => {
                        base.pop()?;
                    }
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut best = base.clone();
    let mut candidate = base;
    for segment in rest {
        candidate.push(segment.clone());
        if modules.contains_key(&candidate) {
            best = candidate.clone();
        } else {
            break;
        }
    }
    Some(best)
}

/// Module → the modules it refers to, leaving out references to itself and
/// to its ancestors.
pub fn graph(root: &Path) -> std::io::Result<BTreeMap<ModulePath, BTreeSet<ModulePath>>> {
    let modules = modules(root)?;
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let source = std::fs::read_to_string(file)?;
        let targets: BTreeSet<ModulePath> = paths(&source)
            .iter()
            .filter_map(|p| target(module, p, &modules))
            .filter(|t| !module.starts_with(t))
            .collect();
        edges.insert(module.clone(), targets);
    }
    Ok(edges)
}

/// A cycle of the graph, as the modules along it, if there is one.
pub fn find_cycle(edges: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Option<Vec<ModulePath>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        node: &ModulePath,
        edges: &BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        marks: &mut BTreeMap<ModulePath, Mark>,
        stack: &mut Vec<ModulePath>,
    ) -> Option<Vec<ModulePath>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.clone());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Visiting);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in edges.keys() {
        if let Some(cycle) = visit(node, edges, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

/// `crate::a::b` for messages.
pub fn display(path: &ModulePath) -> String {
    std::iter::once("crate")
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_groups_comments_and_strings_are_read_as_rust_reads_them() {
        let source = r#"
            use crate::a::{b, c::{D, e}};
            // use crate::commented::Out;
            let s = "crate::in_a_string";
            fn f() { super::g(); self::h::I; }
        "#;
        let found = paths(source);
        let names: Vec<String> = found.iter().map(|p| p.join("::")).collect();
        assert_eq!(
            names,
            [
                "crate::a::b",
                "crate::a::c::D",
                "crate::a::c::e",
                "super::g",
                "self::h::I"
            ]
        );
    }

    #[test]
    fn a_cycle_is_found_and_a_dag_has_none() {
        let m = |s: &str| -> ModulePath {
            s.split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut edges: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
        edges.insert(m("a"), [m("b")].into());
        edges.insert(m("b"), [m("c")].into());
        edges.insert(m("c"), BTreeSet::new());
        assert_eq!(find_cycle(&edges), None);
        edges.insert(m("c"), [m("a")].into());
        assert_eq!(
            find_cycle(&edges),
            Some(vec![m("a"), m("b"), m("c"), m("a")])
        );
    }
}
