//! Tokens of EDL, including C preprocessor lines (kept whole for the
//! preprocessor to interpret).

use crate::diag::Diagnostics;
use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    Number(u64),
    Str(String),
    Punct(char),
    /// A `#` line: the text after `#`, continuation lines joined. `body_offset`
    /// is the byte offset of that text in the file, so the preprocessor can
    /// lex it with true positions.
    Directive {
        text: String,
        body_offset: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

impl Token {
    pub fn is_punct(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }

    pub fn is_ident(&self, s: &str) -> bool {
        matches!(&self.tok, Tok::Ident(i) if i == s)
    }

    pub fn describe(&self) -> String {
        match &self.tok {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Number(n) => format!("number `{n}`"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Directive { .. } => "preprocessor directive".to_string(),
        }
    }
}

const PUNCT: &str = "{}[]();,=*.-+()!&|<>~%/^?:";

/// Lexes `text`, whose first byte sits at `base` in file `file`. When
/// `directives` is false, `#` is an ordinary (invalid) character.
pub fn lex(
    text: &str,
    file: FileId,
    base: usize,
    directives: bool,
    diags: &mut Diagnostics,
) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    let span = |s: usize, e: usize| Span::new(file, base + s, base + e);
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                match text[i + 2..].find("*/") {
                    Some(end) => i = i + 2 + end + 2,
                    None => {
                        diags.error(span(start, start + 2), "unterminated `/*` comment");
                        i = bytes.len();
                    }
                }
            }
            b'#' if directives && line_start => {
                let start = i;
                let mut body = String::new();
                i += 1;
                let body_offset = base + i;
                loop {
                    let end = text[i..].find('\n').map_or(bytes.len(), |e| i + e);
                    let line = text[i..end].trim_end_matches('\r');
                    if let Some(cont) = line.strip_suffix('\\') {
                        body.push_str(cont);
                        body.push(' ');
                        i = (end + 1).min(bytes.len());
                        if end >= bytes.len() {
                            break;
                        }
                    } else {
                        body.push_str(line);
                        i = end;
                        break;
                    }
                }
                tokens.push(Token {
                    tok: Tok::Directive {
                        text: body,
                        body_offset,
                    },
                    span: span(start, i),
                });
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += 1;
                }
                if bytes.get(i) == Some(&b'"') {
                    tokens.push(Token {
                        tok: Tok::Str(text[start + 1..i].to_string()),
                        span: span(start, i + 1),
                    });
                    i += 1;
                } else {
                    diags.error(span(start, i), "unterminated string literal");
                }
                line_start = false;
            }
            b'0'..=b'9' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let raw = &text[start..i];
                match parse_number(raw) {
                    Some(n) => tokens.push(Token {
                        tok: Tok::Number(n),
                        span: span(start, i),
                    }),
                    None => diags.error(span(start, i), format!("invalid number `{raw}`")),
                }
                line_start = false;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                tokens.push(Token {
                    tok: Tok::Ident(text[start..i].to_string()),
                    span: span(start, i),
                });
                line_start = false;
            }
            _ if c.is_ascii() && PUNCT.as_bytes().contains(&c) => {
                tokens.push(Token {
                    tok: Tok::Punct(c as char),
                    span: span(i, i + 1),
                });
                i += 1;
                line_start = false;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
                let len = ch.len_utf8();
                diags.error(
                    span(i, i + len),
                    format!("unexpected character `{}`", ch.escape_debug()),
                );
                i += len;
                line_start = false;
            }
        }
    }
    tokens
}

/// Decimal, hex (`0x`), octal (leading `0`) and binary (`0b`) literals, with
/// C integer suffixes ignored.
pub fn parse_number(raw: &str) -> Option<u64> {
    let digits = raw.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        u64::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8).ok()
    } else {
        digits.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> (Vec<Tok>, Diagnostics) {
        let mut d = Diagnostics::default();
        let t = lex(s, FileId(0), 0, true, &mut d)
            .into_iter()
            .map(|t| t.tok)
            .collect();
        (t, d)
    }

    #[test]
    fn numbers_in_every_base() {
        assert_eq!(parse_number("42"), Some(42));
        assert_eq!(parse_number("0x2A"), Some(42));
        assert_eq!(parse_number("052"), Some(42));
        assert_eq!(parse_number("0b101010"), Some(42));
        assert_eq!(parse_number("42UL"), Some(42));
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("0xZZ"), None);
        assert_eq!(parse_number("99999999999999999999999"), None);
    }

    #[test]
    fn comments_strings_and_directives() {
        let (t, d) = toks("a /* x\n y */ b // c\n  #define N 4 \\\n + 1\n\"s\"");
        assert!(d.is_empty());
        assert_eq!(t[0], Tok::Ident("a".into()));
        assert_eq!(t[1], Tok::Ident("b".into()));
        assert!(matches!(&t[2], Tok::Directive { text, .. } if text == "define N 4   + 1"));
        assert_eq!(t[3], Tok::Str("s".into()));
    }

    #[test]
    fn hash_after_code_is_not_a_directive() {
        let (_, d) = toks("a # b");
        assert_eq!(d.error_count(), 1);
    }

    #[test]
    fn unterminated_things_are_errors() {
        assert_eq!(toks("/* open").1.error_count(), 1);
        assert_eq!(toks("\"open\nx").1.error_count(), 1);
    }
}
