//! The C preprocessor subset EDL files use, evaluated here so no C compiler
//! is needed: object-like `#define`/`#undef`, `#ifdef`/`#ifndef`, `#if`/`#elif`
//! with `defined`, integer arithmetic and comparisons, `#else`, `#endif`,
//! `#error`/`#warning`, and `-D` definitions from the command line.

use crate::diag::Diagnostics;
use crate::lexer::{Tok, Token, lex};
use crate::source::{FileId, Span};
use std::collections::{HashMap, HashSet};

/// A `-D NAME[=VALUE]` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Define {
    pub name: String,
    pub value: Option<String>,
}

impl Define {
    /// Parses the `NAME[=VALUE]` form; `NAME` alone means `1`, as in C compilers.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (name, value) = match spec.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (spec, None),
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!("`{name}` is not a valid macro name"));
        }
        Ok(Self {
            name: name.to_string(),
            value,
        })
    }
}

#[derive(Debug, Clone, Default)]
struct Macros {
    map: HashMap<String, Vec<Tok>>,
}

impl Macros {
    fn from_defines(defines: &[Define]) -> Self {
        let mut map = HashMap::new();
        let mut scratch = Diagnostics::default();
        for d in defines {
            let body = match &d.value {
                Some(v) => lex(v, FileId(0), 0, false, &mut scratch)
                    .into_iter()
                    .map(|t| t.tok)
                    .collect(),
                None => vec![Tok::Number(1)],
            };
            map.insert(d.name.clone(), body);
        }
        Self { map }
    }
}

/// Bounds on macro expansion: nesting depth, and tokens one file may expand
/// to. Without them `#define A1 A0 A0` ... `A40` would need 2^40 tokens.
const MAX_EXPANSION_DEPTH: usize = 64;
const MAX_EXPANDED_TOKENS: usize = 1 << 20;
/// Operations one `#if` may cost, for the same reason.
const MAX_EVAL_STEPS: u32 = 100_000;

struct Cond {
    /// This branch's tokens are kept.
    active: bool,
    /// Some branch of this `#if` chain was already taken.
    taken: bool,
    /// The enclosing region is kept.
    parent_active: bool,
    seen_else: bool,
    span: Span,
}

/// Runs the preprocessor over one file's tokens.
pub fn preprocess(
    tokens: Vec<Token>,
    defines: &[Define],
    file: FileId,
    text: &str,
    diags: &mut Diagnostics,
) -> Vec<Token> {
    let mut macros = Macros::from_defines(defines);
    let mut stack: Vec<Cond> = Vec::new();
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        let active = stack.last().is_none_or(|c| c.active);
        match token.tok {
            Tok::Directive {
                text: body,
                body_offset,
            } => {
                directive(
                    &body,
                    body_offset,
                    token.span,
                    file,
                    text,
                    &mut macros,
                    &mut stack,
                    active,
                    diags,
                );
            }
            _ if !active => {}
            Tok::Ident(ref name) if macros.map.contains_key(name) => {
                let mut guard = HashSet::new();
                if !expand(name, token.span, &macros, &mut guard, &mut out) {
                    diags.error(
                        token.span,
                        format!("expansion of macro `{name}` is too deep or too large"),
                    );
                    // Stop expanding: every later use would fail the same way.
                    macros.map.clear();
                }
            }
            _ => out.push(token),
        }
    }
    for open in stack {
        diags.error(open.span, "unterminated conditional: missing `#endif`");
    }
    out
}

/// Expands `name` into `out`; false when a bound was hit.
fn expand(
    name: &str,
    at: Span,
    macros: &Macros,
    guard: &mut HashSet<String>,
    out: &mut Vec<Token>,
) -> bool {
    if !guard.insert(name.to_string()) {
        // A self-referential macro stops expanding, as in C.
        out.push(Token {
            tok: Tok::Ident(name.to_string()),
            span: at,
        });
        return true;
    }
    if guard.len() > MAX_EXPANSION_DEPTH {
        return false;
    }
    for tok in macros.map.get(name).into_iter().flatten() {
        if out.len() >= MAX_EXPANDED_TOKENS {
            return false;
        }
        match tok {
            Tok::Ident(inner) if macros.map.contains_key(inner) => {
                if !expand(inner, at, macros, guard, out) {
                    return false;
                }
            }
            _ => out.push(Token {
                tok: tok.clone(),
                span: at,
            }),
        }
    }
    guard.remove(name);
    true
}

#[allow(clippy::too_many_arguments)]
fn directive(
    body: &str,
    body_offset: usize,
    span: Span,
    file: FileId,
    file_text: &str,
    macros: &mut Macros,
    stack: &mut Vec<Cond>,
    active: bool,
    diags: &mut Diagnostics,
) {
    let mut scratch = Diagnostics::default();
    let toks = lex(body, file, body_offset, false, &mut scratch);
    let Some(first) = toks.first() else {
        return; // A lone `#` is the null directive.
    };
    let Tok::Ident(name) = &first.tok else {
        if active {
            diags.error(
                first.span,
                "expected a preprocessor directive name after `#`",
            );
        }
        return;
    };
    let args = &toks[1..];
    match name.as_str() {
        "ifdef" | "ifndef" => {
            let defined = match args.first().map(|t| &t.tok) {
                Some(Tok::Ident(m)) => macros.map.contains_key(m),
                _ => {
                    if active {
                        diags.error(span, format!("`#{name}` needs a macro name"));
                    }
                    false
                }
            };
            let cond = if name == "ifdef" { defined } else { !defined };
            stack.push(Cond { active: active && cond, taken: cond, parent_active: active, seen_else: false, span });
        }
        "if" => {
            let value = if active { eval(args, span, macros, diags) } else { false };
            stack.push(Cond { active: active && value, taken: value, parent_active: active, seen_else: false, span });
        }
        "elif" => {
            let Some(top) = stack.last_mut() else {
                diags.error(span, "`#elif` without `#if`");
                return;
            };
            if top.seen_else {
                diags.error(span, "`#elif` after `#else`");
            }
            let evaluate = top.parent_active && !top.taken;
            let value = evaluate && eval(args, span, macros, diags);
            top.active = value;
            top.taken |= value;
        }
        "else" => {
            let Some(top) = stack.last_mut() else {
                diags.error(span, "`#else` without `#if`");
                return;
            };
            if top.seen_else {
                diags.error(span, "second `#else` for one `#if`");
            }
            top.seen_else = true;
            top.active = top.parent_active && !top.taken;
            top.taken = true;
        }
        "endif" => {
            if stack.pop().is_none() {
                diags.error(span, "`#endif` without `#if`");
            }
        }
        _ if !active => {}
        "define" => {
            let Some(Token { tok: Tok::Ident(m), span: name_span }) = args.first() else {
                diags.error(span, "`#define` needs a macro name");
                return;
            };
            // `NAME(` with no space is a function-like macro.
            if file_text.as_bytes().get(name_span.end as usize) == Some(&b'(') {
                diags.error(*name_span, format!("function-like macro `{m}` is not supported"));
                return;
            }
            macros.map.insert(m.clone(), args[1..].iter().map(|t| t.tok.clone()).collect());
        }
        "undef" => match args.first().map(|t| &t.tok) {
            Some(Tok::Ident(m)) => {
                macros.map.remove(m);
            }
            _ => diags.error(span, "`#undef` needs a macro name"),
        },
        "error" => diags.error(span, format!("#error{}", body.trim_start().strip_prefix("error").unwrap_or(""))),
        "warning" => diags.warning(span, format!("#warning{}", body.trim_start().strip_prefix("warning").unwrap_or(""))),
        "pragma" | "line" | "ident" => {}
        "include" => diags.error(
            span,
            "`#include` is not supported in EDL; use `include \"file.h\"` for C headers or `from \"file.edl\" import ...` for EDL files",
        ),
        other => diags.error(first.span, format!("unknown preprocessor directive `#{other}`")),
    }
}

/// Evaluates a `#if` expression; an ill-formed one is an error and false.
fn eval(args: &[Token], span: Span, macros: &Macros, diags: &mut Diagnostics) -> bool {
    let steps = std::cell::Cell::new(0);
    let mut p = Expr {
        toks: args,
        pos: 0,
        macros,
        depth: 0,
        nesting: 0,
        steps: &steps,
    };
    let result = p.ternary().and_then(|v| {
        if p.pos < p.toks.len() {
            Err(format!(
                "unexpected {} in `#if` expression",
                p.toks[p.pos].describe()
            ))
        } else {
            Ok(v)
        }
    });
    match result {
        Ok(v) => v != 0,
        Err(msg) => {
            diags.error(span, msg);
            false
        }
    }
}

const MAX_NESTING: u32 = 256;

struct Expr<'a> {
    toks: &'a [Token],
    pos: usize,
    macros: &'a Macros,
    depth: u32,
    nesting: u32,
    /// Shared by nested macro evaluations.
    steps: &'a std::cell::Cell<u32>,
}

type Eval = Result<i64, String>;

impl Expr<'_> {
    fn peek_punct(&self, c: char) -> bool {
        self.toks.get(self.pos).is_some_and(|t| t.is_punct(c))
    }

    /// A two-character operator made of adjacent punctuation tokens.
    fn peek_op2(&self, a: char, b: char) -> bool {
        match (self.toks.get(self.pos), self.toks.get(self.pos + 1)) {
            (Some(x), Some(y)) => x.is_punct(a) && y.is_punct(b) && x.span.end == y.span.start,
            _ => false,
        }
    }

    fn ternary(&mut self) -> Eval {
        self.nesting += 1;
        let result = if self.nesting > MAX_NESTING {
            Err("`#if` expression nests too deeply".into())
        } else {
            self.ternary_inner()
        };
        self.nesting -= 1;
        result
    }

    fn ternary_inner(&mut self) -> Eval {
        let c = self.binary(0)?;
        if self.peek_punct('?') {
            self.pos += 1;
            let a = self.ternary()?;
            if !self.peek_punct(':') {
                return Err("expected `:` in conditional expression".into());
            }
            self.pos += 1;
            let b = self.ternary()?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    /// The operator at the cursor with its precedence and token length.
    fn binop(&self) -> Option<(&'static str, u8, usize)> {
        const TWO: [(&str, u8); 8] = [
            ("||", 1),
            ("&&", 2),
            ("==", 6),
            ("!=", 6),
            ("<=", 7),
            (">=", 7),
            ("<<", 8),
            (">>", 8),
        ];
        for (op, prec) in TWO {
            let mut ch = op.chars();
            if let (Some(a), Some(b)) = (ch.next(), ch.next())
                && self.peek_op2(a, b)
            {
                return Some((op, prec, 2));
            }
        }
        const ONE: [(&str, u8); 9] = [
            ("|", 3),
            ("^", 4),
            ("&", 5),
            ("<", 7),
            (">", 7),
            ("+", 9),
            ("-", 9),
            ("*", 10),
            ("/", 10),
        ];
        let t = self.toks.get(self.pos)?;
        for (op, prec) in ONE {
            if op.chars().next().is_some_and(|c| t.is_punct(c)) {
                return Some((op, prec, 1));
            }
        }
        if t.is_punct('%') {
            return Some(("%", 10, 1));
        }
        None
    }

    fn binary(&mut self, min_prec: u8) -> Eval {
        let mut lhs = self.unary()?;
        while let Some((op, prec, len)) = self.binop() {
            if prec <= min_prec {
                break;
            }
            self.pos += len;
            let rhs = self.binary(prec)?;
            lhs = apply(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Eval {
        // Operators and parentheses recurse; bound it so `((((…` cannot overflow the stack.
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err("`#if` expression nests too deeply".into());
        }
        let result = self.unary_inner();
        self.nesting -= 1;
        result
    }

    fn unary_inner(&mut self) -> Eval {
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > MAX_EVAL_STEPS {
            return Err("`#if` expression is too costly to evaluate".into());
        }
        let Some(t) = self.toks.get(self.pos) else {
            return Err("`#if` expression ends too early".into());
        };
        self.pos += 1;
        match &t.tok {
            Tok::Punct('!') => Ok(i64::from(self.unary()? == 0)),
            Tok::Punct('-') => Ok(self.unary()?.wrapping_neg()),
            Tok::Punct('+') => self.unary(),
            Tok::Punct('~') => Ok(!self.unary()?),
            Tok::Punct('(') => {
                let v = self.ternary()?;
                if !self.peek_punct(')') {
                    return Err("expected `)` in `#if` expression".into());
                }
                self.pos += 1;
                Ok(v)
            }
            Tok::Number(n) => Ok(*n as i64),
            Tok::Ident(id) if id == "defined" => {
                let paren = self.peek_punct('(');
                if paren {
                    self.pos += 1;
                }
                let Some(Tok::Ident(name)) = self.toks.get(self.pos).map(|t| &t.tok) else {
                    return Err("`defined` needs a macro name".into());
                };
                self.pos += 1;
                if paren {
                    if !self.peek_punct(')') {
                        return Err("expected `)` after `defined(NAME`".into());
                    }
                    self.pos += 1;
                }
                Ok(i64::from(self.macros.map.contains_key(name)))
            }
            Tok::Ident(id) => match self.macros.map.get(id) {
                // Undefined identifiers are 0, as in C.
                None => Ok(0),
                Some(body) if self.depth < 32 => {
                    let toks: Vec<Token> = body
                        .iter()
                        .map(|tok| Token {
                            tok: tok.clone(),
                            span: t.span,
                        })
                        .collect();
                    if toks.is_empty() {
                        return Ok(0);
                    }
                    let mut inner = Expr {
                        toks: &toks,
                        pos: 0,
                        macros: self.macros,
                        depth: self.depth + 1,
                        nesting: self.nesting,
                        steps: self.steps,
                    };
                    let v = inner.ternary()?;
                    if inner.pos < toks.len() {
                        return Err(format!(
                            "macro `{id}` does not expand to an integer expression"
                        ));
                    }
                    Ok(v)
                }
                Some(_) => Err(format!("macro `{id}` expands too deeply")),
            },
            _ => Err(format!("unexpected {} in `#if` expression", t.describe())),
        }
    }
}

fn apply(op: &str, a: i64, b: i64) -> Eval {
    Ok(match op {
        "||" => i64::from(a != 0 || b != 0),
        "&&" => i64::from(a != 0 && b != 0),
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        ">" => i64::from(a > b),
        "<=" => i64::from(a <= b),
        ">=" => i64::from(a >= b),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err("division by zero in `#if` expression".into()),
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        _ => return Err(format!("unsupported operator `{op}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, defines: &[&str]) -> (String, Diagnostics) {
        let mut d = Diagnostics::default();
        let toks = lex(src, FileId(0), 0, true, &mut d);
        let defs: Vec<Define> = defines
            .iter()
            .map(|s| Define::parse(s).expect("define"))
            .collect();
        let out = preprocess(toks, &defs, FileId(0), src, &mut d);
        let words: Vec<String> = out
            .iter()
            .map(|t| match &t.tok {
                Tok::Ident(s) => s.clone(),
                Tok::Number(n) => n.to_string(),
                Tok::Punct(c) => c.to_string(),
                Tok::Str(s) => format!("{s:?}"),
                Tok::Directive { .. } => "#".into(),
            })
            .collect();
        (words.join(" "), d)
    }

    #[test]
    fn define_substitutes_and_undef_stops() {
        let (out, d) = run("#define LEN 32\nsize=LEN\n#undef LEN\nLEN", &[]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(out, "size = 32 LEN");
    }

    #[test]
    fn conditionals_pick_one_branch() {
        let src = "#ifdef A\na\n#elif defined(B) && !defined(C)\nb\n#else\nc\n#endif";
        assert_eq!(run(src, &["A"]).0, "a");
        assert_eq!(run(src, &["B"]).0, "b");
        assert_eq!(run(src, &["B", "C"]).0, "c");
        assert_eq!(run(src, &[]).0, "c");
    }

    #[test]
    fn if_evaluates_arithmetic_with_macro_values() {
        let src = "#define V 3\n#if V * 2 >= 6 && (V % 2) == 1\nyes\n#endif\n#ifndef V\nno\n#endif";
        assert_eq!(run(src, &[]).0, "yes");
        assert_eq!(run("#if X == 5\nx\n#endif", &["X=5"]).0, "x");
        assert_eq!(run("#if X\nx\n#endif", &["X=0"]).0, "");
    }

    #[test]
    fn nested_inactive_regions_stay_inactive() {
        let src = "#if 0\n#if 1\na\n#else\nb\n#endif\n#else\nc\n#endif";
        assert_eq!(run(src, &[]).0, "c");
    }

    #[test]
    fn malformed_directives_are_errors() {
        for src in [
            "#endif",
            "#else",
            "#if 1\n",
            "#if (1\n#endif",
            "#define F(x) x",
            "#bogus",
            "#if 1/0\n#endif",
            "#error stop",
        ] {
            assert!(run(src, &[]).1.has_errors(), "{src}");
        }
    }

    #[test]
    fn deeply_nested_expressions_are_refused_not_overflowed() {
        let deep = format!(
            "#if {}1{}\nx\n#endif",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(run(&deep, &[]).1.has_errors());
        let negs = format!("#if {}1\nx\n#endif", "-".repeat(100_000));
        assert!(run(&negs, &[]).1.has_errors());
    }

    #[test]
    fn ternary_chains_and_exponential_macros_are_bounded() {
        let chain = format!("#if {}1\nx\n#endif", "1?".repeat(200_000));
        assert!(run(&chain, &[]).1.has_errors());
        let mut src = String::from("#define A0 1\n");
        for i in 1..32 {
            src.push_str(&format!("#define A{i} (A{p}+A{p}+A{p}+A{p})\n", p = i - 1));
        }
        src.push_str("#if A31\nx\n#endif\n");
        assert!(
            run(&src, &[]).1.has_errors(),
            "4^31 evaluations must be cut short"
        );
        let mut body = String::from("#define B0 x\n");
        for i in 1..41 {
            body.push_str(&format!("#define B{i} B{p} B{p}\n", p = i - 1));
        }
        body.push_str("B40\n");
        assert!(
            run(&body, &[]).1.has_errors(),
            "2^40 tokens must be cut short"
        );
        let mut deep = String::new();
        for i in 0..10_000 {
            deep.push_str(&format!("#define C{i} C{}\n", i + 1));
        }
        deep.push_str("C0\n");
        assert!(run(&deep, &[]).1.has_errors());
    }

    #[test]
    fn recursive_macros_terminate() {
        let (out, d) = run("#define A B\n#define B A\nA", &[]);
        assert!(d.is_empty());
        assert_eq!(out, "A");
    }

    #[test]
    fn command_line_define_syntax() {
        assert_eq!(
            Define::parse("X=1").expect("ok"),
            Define {
                name: "X".into(),
                value: Some("1".into())
            }
        );
        assert!(Define::parse("1X").is_err());
        assert!(Define::parse("").is_err());
    }
}
