//! Recursive-descent parser from preprocessed tokens to [`EdlFile`].
//!
//! On a syntax error it reports, skips to the next `;` at the same nesting
//! depth, and carries on, so one run reports every error in a file.

use crate::ast::*;
use crate::diag::Diagnostics;
use crate::lexer::{Tok, Token};
use crate::source::{FileId, Span};

/// Words that cannot name a function, parameter, member or type.
pub const RESERVED: &[&str] = &[
    "enclave",
    "trusted",
    "untrusted",
    "from",
    "import",
    "include",
    "allow",
    "public",
    "transition_using_threads",
    "propagate_errno",
    "const",
    "struct",
    "union",
    "enum",
    "void",
    "char",
    "short",
    "int",
    "long",
    "float",
    "double",
    "unsigned",
    "signed",
    "size_t",
    "wchar_t",
    "int8_t",
    "int16_t",
    "int32_t",
    "int64_t",
    "uint8_t",
    "uint16_t",
    "uint32_t",
    "uint64_t",
];

struct Failed;
type PResult<T> = Result<T, Failed>;

pub fn parse(
    tokens: &[Token],
    file: FileId,
    eof_offset: usize,
    diags: &mut Diagnostics,
) -> EdlFile {
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        diags,
        eof: Span::new(file, eof_offset, eof_offset),
    };
    let mut out = EdlFile::default();
    p.file(&mut out);
    out
}

struct Parser<'a, 'd> {
    toks: &'a [Token],
    pos: usize,
    diags: &'d mut Diagnostics,
    eof: Span,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n)
    }

    fn here(&self) -> Span {
        self.peek().map_or(self.eof, |t| t.span)
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(self.eof, |t| t.span)
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek().is_some_and(|t| t.is_punct(c))
    }

    fn is_word(&self, w: &str) -> bool {
        self.peek().is_some_and(|t| t.is_ident(w))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let hit = self.is_punct(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let hit = self.is_word(w);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "end of file".to_string(), Token::describe)
    }

    fn error_here(&mut self, msg: impl Into<String>) -> Failed {
        let span = self.here();
        self.diags.error(span, msg);
        Failed
    }

    fn expect_punct(&mut self, c: char, context: &str) -> PResult<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            let found = self.found();
            Err(self.error_here(format!("expected `{c}` {context}, found {found}")))
        }
    }

    fn expect_word(&mut self, w: &str, context: &str) -> PResult<()> {
        if self.eat_word(w) {
            Ok(())
        } else {
            let found = self.found();
            Err(self.error_here(format!("expected `{w}` {context}, found {found}")))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek() {
            Some(Token {
                tok: Tok::Ident(name),
                span,
            }) => {
                let (name, span) = (name.clone(), *span);
                self.pos += 1;
                if RESERVED.contains(&name.as_str()) {
                    self.diags.error(
                        span,
                        format!("`{name}` is a reserved word and cannot be used as {what}"),
                    );
                }
                Ok(Ident { name, span })
            }
            _ => {
                let found = self.found();
                Err(self.error_here(format!("expected {what}, found {found}")))
            }
        }
    }

    fn string(&mut self, what: &str) -> PResult<(String, Span)> {
        match self.peek() {
            Some(Token {
                tok: Tok::Str(s),
                span,
            }) => {
                let out = (s.clone(), *span);
                self.pos += 1;
                Ok(out)
            }
            _ => {
                let found = self.found();
                Err(self.error_here(format!("expected {what} in double quotes, found {found}")))
            }
        }
    }

    /// Skips to just past the next `;` at this nesting depth, or to a `}`
    /// that closes the enclosing block (left unconsumed).
    fn recover(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.tok {
                Tok::Punct('{') | Tok::Punct('(') | Tok::Punct('[') => depth += 1,
                Tok::Punct('}') | Tok::Punct(')') | Tok::Punct(']') => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                Tok::Punct(';') if depth == 0 => {
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    fn file(&mut self, out: &mut EdlFile) {
        if self
            .expect_word("enclave", "at the start of an EDL file")
            .is_err()
            || self.expect_punct('{', "after `enclave`").is_err()
        {
            return;
        }
        while self.peek().is_some() && !self.is_punct('}') {
            let start = self.pos;
            if self.item(out).is_err() {
                self.recover();
            }
            if self.pos == start {
                self.pos += 1; // Always make progress.
            }
        }
        if self.expect_punct('}', "to close `enclave {`").is_err() {
            return;
        }
        if !self.eat_punct(';') {
            let span = self.prev_span();
            self.diags
                .error(span, "expected `;` after the closing `}` of `enclave`");
        }
        if let Some(t) = self.peek() {
            let (span, what) = (t.span, t.describe());
            self.diags.error(
                span,
                format!("unexpected {what} after the end of `enclave {{ ... }};`"),
            );
        }
    }

    fn item(&mut self, out: &mut EdlFile) -> PResult<()> {
        let start = self.here();
        if self.eat_word("include") {
            let (header, span) = self.string("a header name")?;
            out.includes.push(Include {
                header,
                span: start.to(span),
            });
            // The `;` after an include is optional in practice.
            self.eat_punct(';');
            return Ok(());
        }
        if self.eat_word("from") {
            let import = self.import(start)?;
            out.imports.push(import);
            return Ok(());
        }
        if self.eat_word("import") {
            // Open Enclave's form: everything the file declares.
            let (path, path_span) = self.string("an EDL file name")?;
            self.expect_punct(';', "after an import")?;
            let span = start.to(self.prev_span());
            out.imports.push(Import {
                path,
                path_span,
                list: ImportList::All,
                span,
            });
            return Ok(());
        }
        if self.is_word("struct") || self.is_word("union") || self.is_word("enum") {
            let def = self.type_def()?;
            out.types.push(def);
            return self.expect_punct(';', "after a type definition");
        }
        if self.eat_word("trusted") {
            self.block(true, out)?;
            return Ok(());
        }
        if self.eat_word("untrusted") {
            self.block(false, out)?;
            return Ok(());
        }
        let found = self.found();
        Err(self.error_here(format!(
            "expected `include`, `from`, `struct`, `union`, `enum`, `trusted` or `untrusted`, found {found}"
        )))
    }

    fn import(&mut self, start: Span) -> PResult<Import> {
        let (path, path_span) = self.string("an EDL file name")?;
        self.expect_word("import", "after `from \"file\"`")?;
        let list = if self.eat_punct('*') {
            ImportList::All
        } else {
            let mut names = vec![self.ident("a function name to import")?];
            while self.eat_punct(',') {
                names.push(self.ident("a function name to import")?);
            }
            ImportList::Names(names)
        };
        self.expect_punct(';', "after an import")?;
        Ok(Import {
            path,
            path_span,
            list,
            span: start.to(self.prev_span()),
        })
    }

    fn block(&mut self, trusted: bool, out: &mut EdlFile) -> PResult<()> {
        let kind = if trusted { "trusted" } else { "untrusted" };
        self.expect_punct('{', &format!("after `{kind}`"))?;
        while self.peek().is_some() && !self.is_punct('}') {
            let start = self.pos;
            let here = self.here();
            if self.eat_word("include") {
                match self.string("a header name") {
                    Ok((header, span)) => {
                        out.includes.push(Include {
                            header,
                            span: here.to(span),
                        });
                        self.eat_punct(';');
                    }
                    Err(Failed) => self.recover(),
                }
                continue;
            }
            match self.function(trusted) {
                Ok(f) if trusted => out.trusted.push(f),
                Ok(f) => out.untrusted.push(f),
                Err(Failed) => self.recover(),
            }
            if self.pos == start {
                self.pos += 1;
            }
        }
        self.expect_punct('}', &format!("to close `{kind} {{`"))?;
        self.expect_punct(';', &format!("after the `{kind}` block"))
    }

    fn function(&mut self, trusted: bool) -> PResult<Function> {
        let start = self.here();
        let mut call_conv = None;
        let mut dllimport = false;
        if self.is_punct('[') {
            for attr in self.attr_block()? {
                let conv = match attr.name.name.as_str() {
                    "cdecl" => Some(CallConv::Cdecl),
                    "stdcall" => Some(CallConv::Stdcall),
                    "fastcall" => Some(CallConv::Fastcall),
                    "dllimport" => {
                        dllimport = true;
                        None
                    }
                    other => {
                        self.diags
                            .error(attr.span, format!("unknown function attribute `{other}`"));
                        None
                    }
                };
                if let Some(conv) = conv {
                    if call_conv.is_some() {
                        self.diags
                            .error(attr.span, "only one calling convention may be given");
                    }
                    call_conv = Some(conv);
                }
                if attr.value.is_some() {
                    self.diags.error(
                        attr.span,
                        format!("function attribute `{}` takes no value", attr.name.name),
                    );
                }
            }
            if trusted {
                self.diags.error(
                    start,
                    "calling-convention attributes are only allowed on untrusted functions",
                );
            }
        }
        let mut public = false;
        if self.is_word("public") {
            let span = self.here();
            self.pos += 1;
            if trusted {
                public = true;
            } else {
                self.diags
                    .error(span, "`public` is only allowed on trusted functions");
            }
        }
        let ret = self.ty(false)?;
        let name = self.ident("a function name")?;
        self.expect_punct('(', "after the function name")?;
        let params = self.params()?;
        let mut f = Function {
            name,
            ret,
            params,
            public,
            switchless: false,
            propagate_errno: false,
            allow: Vec::new(),
            call_conv,
            dllimport,
            span: start,
        };
        if self.is_punct('[') {
            return Err(
                self.error_here(format!("function `{}` cannot return an array", f.name.name))
            );
        }
        loop {
            let span = self.here();
            if self.eat_word("transition_using_threads") {
                if f.switchless {
                    self.diags
                        .error(span, "`transition_using_threads` given twice");
                }
                f.switchless = true;
            } else if self.eat_word("propagate_errno") {
                if trusted {
                    self.diags.error(
                        span,
                        "`propagate_errno` is only allowed on untrusted functions",
                    );
                }
                f.propagate_errno = true;
            } else if self.eat_word("allow") {
                if trusted {
                    self.diags
                        .error(span, "`allow(...)` is only allowed on untrusted functions");
                }
                self.expect_punct('(', "after `allow`")?;
                if !self.is_punct(')') {
                    f.allow.push(self.ident("an ECALL name")?);
                    while self.eat_punct(',') {
                        f.allow.push(self.ident("an ECALL name")?);
                    }
                }
                self.expect_punct(')', "to close `allow(`")?;
            } else {
                break;
            }
        }
        self.expect_punct(';', "after a function declaration")?;
        f.span = start.to(self.prev_span());
        Ok(f)
    }

    fn params(&mut self) -> PResult<Vec<Decl>> {
        let mut params = Vec::new();
        if self.eat_punct(')') {
            return Ok(params);
        }
        // `(void)` is the empty list.
        if self.is_word("void") && self.peek_at(1).is_some_and(|t| t.is_punct(')')) {
            self.pos += 2;
            return Ok(params);
        }
        loop {
            params.push(self.decl("a parameter name")?);
            if self.eat_punct(')') {
                return Ok(params);
            }
            self.expect_punct(',', "or `)` after a parameter")?;
        }
    }

    fn decl(&mut self, what: &str) -> PResult<Decl> {
        let start = self.here();
        let attrs = if self.is_punct('[') {
            self.attr_block()?
        } else {
            Vec::new()
        };
        let ty = self.ty(true)?;
        let name = self.ident(what)?;
        let mut dims = Vec::new();
        while self.eat_punct('[') {
            match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Number(0)) => {
                    self.diags
                        .error(self.here(), "array dimension cannot be zero");
                    self.pos += 1;
                }
                Some(Tok::Number(n)) => {
                    dims.push(Dim::Num(n));
                    self.pos += 1;
                }
                Some(Tok::Ident(name)) => {
                    dims.push(Dim::Named(Ident {
                        name,
                        span: self.here(),
                    }));
                    self.pos += 1;
                }
                Some(Tok::Punct(']')) => {
                    self.diags.error(
                        self.here(),
                        "flexible array members and parameters are not supported",
                    );
                }
                _ => {
                    let found = self.found();
                    return Err(self.error_here(format!(
                        "expected an array dimension (a number or a constant's name), found {found}"
                    )));
                }
            }
            self.expect_punct(']', "after an array dimension")?;
        }
        Ok(Decl {
            attrs,
            ty,
            name,
            dims,
            span: start.to(self.prev_span()),
        })
    }

    fn attr_block(&mut self) -> PResult<Vec<Attr>> {
        let open = self.here();
        self.expect_punct('[', "to start attributes")?;
        let mut attrs = Vec::new();
        if self.is_punct(']') {
            self.diags.error(open, "empty attribute list `[]`");
            self.pos += 1;
            return Ok(attrs);
        }
        loop {
            let name = match self.peek() {
                Some(Token {
                    tok: Tok::Ident(n),
                    span,
                }) => Ident {
                    name: n.clone(),
                    span: *span,
                },
                _ => {
                    let found = self.found();
                    return Err(
                        self.error_here(format!("expected an attribute name, found {found}"))
                    );
                }
            };
            self.pos += 1;
            let value = if self.eat_punct('=') {
                match self.peek() {
                    Some(Token {
                        tok: Tok::Number(n),
                        ..
                    }) => {
                        let n = *n;
                        self.pos += 1;
                        Some(AttrValue::Number(n))
                    }
                    Some(Token {
                        tok: Tok::Ident(v),
                        span,
                    }) => {
                        let id = Ident {
                            name: v.clone(),
                            span: *span,
                        };
                        self.pos += 1;
                        Some(AttrValue::Ident(id))
                    }
                    _ => {
                        let found = self.found();
                        return Err(self.error_here(format!(
                            "expected a number or a name after `{}=`, found {found}",
                            name.name
                        )));
                    }
                }
            } else {
                None
            };
            let span = name.span.to(self.prev_span());
            attrs.push(Attr { name, value, span });
            if self.eat_punct(']') {
                return Ok(attrs);
            }
            self.expect_punct(',', "or `]` in an attribute list")?;
        }
    }

    /// A type: `[const] base [const] {*[const]}`.
    fn ty(&mut self, allow_const: bool) -> PResult<Type> {
        let start = self.here();
        let mut is_const = self.eat_word("const");
        let base = self.base_type()?;
        is_const |= self.eat_word("const");
        let mut pointers = 0;
        while self.eat_punct('*') {
            pointers += 1;
            // `T * const p`: the pointer itself is const, which EDL ignores.
            self.eat_word("const");
        }
        if is_const && !allow_const {
            self.diags.error(start, "`const` is not allowed here");
        }
        Ok(Type {
            base,
            pointers,
            is_const,
            span: start.to(self.prev_span()),
        })
    }

    fn base_type(&mut self) -> PResult<BaseType> {
        let Some(Token {
            tok: Tok::Ident(word),
            ..
        }) = self.peek()
        else {
            let found = self.found();
            return Err(self.error_here(format!("expected a type, found {found}")));
        };
        let word = word.clone();
        self.pos += 1;
        let fixed = match word.as_str() {
            "void" => Some(BaseType::Void),
            "float" => Some(BaseType::Float),
            "double" => Some(BaseType::Double),
            "int8_t" => Some(BaseType::Int8),
            "int16_t" => Some(BaseType::Int16),
            "int32_t" => Some(BaseType::Int32),
            "int64_t" => Some(BaseType::Int64),
            "uint8_t" => Some(BaseType::UInt8),
            "uint16_t" => Some(BaseType::UInt16),
            "uint32_t" => Some(BaseType::UInt32),
            "uint64_t" => Some(BaseType::UInt64),
            "size_t" => Some(BaseType::SizeT),
            "wchar_t" => Some(BaseType::WcharT),
            _ => None,
        };
        if let Some(t) = fixed {
            return Ok(t);
        }
        match word.as_str() {
            "struct" | "union" | "enum" => {
                let name = self.ident(&format!("a {word} name"))?.name;
                Ok(match word.as_str() {
                    "struct" => BaseType::Struct(name),
                    "union" => BaseType::Union(name),
                    _ => BaseType::Enum(name),
                })
            }
            "unsigned" | "signed" => {
                let unsigned = word == "unsigned";
                Ok(match self.integer_kind(true) {
                    Some(Width::Char) if unsigned => BaseType::UnsignedChar,
                    Some(Width::Char) => BaseType::SignedChar,
                    Some(Width::Short) if unsigned => BaseType::UnsignedShort,
                    Some(Width::Short) => BaseType::Short,
                    Some(Width::Long) if unsigned => BaseType::UnsignedLong,
                    Some(Width::Long) => BaseType::Long,
                    Some(Width::LongLong) if unsigned => BaseType::UnsignedLongLong,
                    Some(Width::LongLong) => BaseType::LongLong,
                    Some(Width::Int) | None if unsigned => BaseType::UnsignedInt,
                    Some(Width::Int) | None => BaseType::Int,
                    Some(Width::LongDouble) => {
                        return Err(self.error_here(format!("`{word} long double` is not a type")));
                    }
                })
            }
            "char" | "short" | "int" | "long" => {
                self.pos -= 1;
                Ok(match self.integer_kind(false) {
                    Some(Width::Char) => BaseType::Char,
                    Some(Width::Short) => BaseType::Short,
                    Some(Width::Long) => BaseType::Long,
                    Some(Width::LongLong) => BaseType::LongLong,
                    Some(Width::LongDouble) => BaseType::LongDouble,
                    Some(Width::Int) | None => BaseType::Int,
                })
            }
            _ if RESERVED.contains(&word.as_str()) => {
                self.pos -= 1;
                let found = self.found();
                Err(self.error_here(format!("expected a type, found {found}")))
            }
            _ => Ok(BaseType::Foreign(word)),
        }
    }

    /// `char`, `short [int]`, `int`, `long [int]`, `long long [int]`, `long double`.
    fn integer_kind(&mut self, after_sign: bool) -> Option<Width> {
        if self.eat_word("char") {
            return Some(Width::Char);
        }
        if self.eat_word("short") {
            self.eat_word("int");
            return Some(Width::Short);
        }
        if self.eat_word("int") {
            return Some(Width::Int);
        }
        if self.eat_word("long") {
            if self.eat_word("long") {
                self.eat_word("int");
                return Some(Width::LongLong);
            }
            if !after_sign && self.eat_word("double") {
                return Some(Width::LongDouble);
            }
            self.eat_word("int");
            return Some(Width::Long);
        }
        None
    }

    fn type_def(&mut self) -> PResult<TypeDef> {
        let start = self.here();
        if self.eat_word("enum") {
            let name = if self.is_punct('{') {
                None
            } else {
                Some(self.ident("an enum name")?)
            };
            self.expect_punct('{', "to start the enum body")?;
            let mut items = Vec::new();
            while !self.is_punct('}') {
                let name = self.ident("an enumerator name")?;
                let value = if self.eat_punct('=') {
                    Some(self.enum_value()?)
                } else {
                    None
                };
                items.push(Enumerator { name, value });
                if !self.eat_punct(',') {
                    break;
                }
            }
            self.expect_punct('}', "to close the enum body")?;
            return Ok(TypeDef::Enum(EnumDef {
                name,
                items,
                span: start.to(self.prev_span()),
            }));
        }
        let is_union = self.eat_word("union");
        if !is_union {
            self.expect_word("struct", "")?;
        }
        let kind = if is_union { "union" } else { "struct" };
        let name = self.ident(&format!("a {kind} name"))?;
        self.expect_punct('{', &format!("to start the {kind} body"))?;
        let mut members = Vec::new();
        while self.peek().is_some() && !self.is_punct('}') {
            let before = self.pos;
            match self
                .decl("a member name")
                .and_then(|d| self.expect_punct(';', "after a member").map(|()| d))
            {
                Ok(d) => members.push(d),
                Err(Failed) => self.recover(),
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        self.expect_punct('}', &format!("to close the {kind} body"))?;
        if members.is_empty() {
            self.diags
                .error(name.span, format!("{kind} `{}` has no members", name.name));
        }
        let def = StructDef {
            name,
            members,
            span: start.to(self.prev_span()),
        };
        Ok(if is_union {
            TypeDef::Union(def)
        } else {
            TypeDef::Struct(def)
        })
    }

    fn enum_value(&mut self) -> PResult<EnumValue> {
        let negative = self.eat_punct('-');
        match self.peek().map(|t| (t.tok.clone(), t.span)) {
            Some((Tok::Number(n), span)) => {
                self.pos += 1;
                let v = i64::try_from(n).map_err(|_| {
                    self.diags.error(span, "enumerator value out of range");
                    Failed
                })?;
                Ok(EnumValue::Number(if negative { -v } else { v }))
            }
            Some((Tok::Ident(name), span)) if !negative => {
                self.pos += 1;
                Ok(EnumValue::Ident(Ident { name, span }))
            }
            _ => {
                let found = self.found();
                Err(self.error_here(format!("expected an enumerator value, found {found}")))
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Width {
    Char,
    Short,
    Int,
    Long,
    LongLong,
    LongDouble,
}
