//! Diagnostics: collected, never thrown, rendered `file:line:col` with the
//! source line and a caret.

use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// `None` for problems that belong to no file (an unreadable root, say).
    pub span: Option<Span>,
    pub message: String,
    pub notes: Vec<(Option<Span>, String)>,
}

impl Diagnostic {
    pub fn error(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            span: span.into(),
            message: message.into(),
            notes: Vec::new(),
        }
    }

    pub fn warning(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            span: span.into(),
            message: message.into(),
            notes: Vec::new(),
        }
    }

    pub fn with_note(mut self, span: impl Into<Option<Span>>, note: impl Into<String>) -> Self {
        self.notes.push((span.into(), note.into()));
        self
    }
}

/// All diagnostics of one run.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn error(&mut self, span: impl Into<Option<Span>>, message: impl Into<String>) {
        self.push(Diagnostic::error(span, message));
    }

    pub fn warning(&mut self, span: impl Into<Option<Span>>, message: impl Into<String>) {
        self.push(Diagnostic::warning(span, message));
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// In source order, so a reader meets them as they meet the file.
    pub fn sort(&mut self) {
        self.items
            .sort_by_key(|d| d.span.map(|s| (s.file, s.start)));
    }

    /// Renders every diagnostic.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in &self.items {
            render_one(&mut out, sources, d);
        }
        out
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Self {
            items: iter.into_iter().collect(),
        }
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}

fn location(sources: &SourceMap, span: Span) -> (String, usize, usize) {
    let path = sources.path(span.file).display().to_string();
    let (line, col) = sources
        .file(span.file)
        .map_or((0, 0), |f| f.line_col(span.start as usize));
    (path, line, col)
}

fn render_one(out: &mut String, sources: &SourceMap, d: &Diagnostic) {
    let label = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    match d.span {
        Some(span) => {
            let (path, line, col) = location(sources, span);
            let _ = writeln!(out, "{path}:{line}:{col}: {label}: {}", d.message);
            snippet(out, sources, span);
        }
        None => {
            let _ = writeln!(out, "{label}: {}", d.message);
        }
    }
    for (span, note) in &d.notes {
        match span {
            Some(span) => {
                let (path, line, col) = location(sources, *span);
                let _ = writeln!(out, "{path}:{line}:{col}: note: {note}");
                snippet(out, sources, *span);
            }
            None => {
                let _ = writeln!(out, "note: {note}");
            }
        }
    }
}

fn snippet(out: &mut String, sources: &SourceMap, span: Span) {
    let Some(file) = sources.file(span.file) else {
        return;
    };
    let (line, col) = file.line_col(span.start as usize);
    let text = file.line_text(line);
    let width = sources
        .text(span)
        .lines()
        .next()
        .map_or(1, |s| s.chars().count().max(1));
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    // Tabs keep their width in the caret line so the caret lands under the token.
    let lead: String = text
        .chars()
        .take(col.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{gutter} | {text}");
    let _ = writeln!(out, "{pad} | {lead}{}", "^".repeat(width));
}
