//! Tokenizer and parser: text -> entries with spans (`crate::load` applies them to a ledger).
//!
//! `lexer` splits lines into tokens, `reader` reads a block's fields, `define` dispatches each
//! block and parses definitions, `cbam` the CBAM site and item fields, `coc` the chain-of-custody directives and `operations` the dated
//! operations.

mod cbam;
mod coc;
mod define;
mod lexer;
mod operations;
mod reader;

pub use define::Entry;

use define::parse_block;
use lexer::{tokenize, Line};
use std::fmt;

/// One journal text and the name errors are reported under.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// An error at a place in a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

#[derive(Debug, Clone)]
pub struct Spanned {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub entry: Entry,
}

struct Ctx<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, line: usize, column: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic { file: self.file.to_string(), line, column, message: message.into() });
    }
}

/// Parses journal texts into entries. Errors are collected, never panicked on.
pub fn parse(sources: &[Source]) -> (Vec<Spanned>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut entries = Vec::new();
    for src in sources {
        entries.extend(Blocks::new(src, &mut diags));
    }
    (entries, diags)
}

/// The entries of one source, parsed lazily one block at a time, with each error appended to
/// `diags` as it is met: for readers of large journals that hold a batch, not the whole text
/// parsed (`custody import`). The same entries and errors as [`parse`] of that source.
pub fn parse_lazily<'a>(src: &'a Source, diags: &'a mut Vec<Diagnostic>) -> impl Iterator<Item = Spanned> + 'a {
    Blocks::new(src, diags)
}

/// The entries of one source, parsed one block at a time: a journal's tokens are never all held
/// at once, so a load holds the ledger and one block, not the whole text tokenized (issue 12
/// item 2; at 100k operations the tokenized lines were a third of the peak memory). Errors go to
/// `diags` as they are met.
struct Blocks<'a, 'd> {
    ctx: Ctx<'a>,
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    /// The next block's header, read while looking for the end of the one before.
    next: Option<Line>,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'a, 'd> Blocks<'a, 'd> {
    fn new(src: &'a Source, diags: &'d mut Vec<Diagnostic>) -> Blocks<'a, 'd> {
        Blocks {
            ctx: Ctx { file: &src.name, diags: Vec::new() },
            lines: src.text.lines().enumerate(),
            next: None,
            diags,
        }
    }

    /// The next line with tokens; a line that does not tokenize is reported and skipped.
    fn line(&mut self) -> Option<Line> {
        for (i, raw) in self.lines.by_ref() {
            match tokenize(raw) {
                Ok(tokens) if tokens.is_empty() => {}
                Ok(tokens) => return Some(Line { no: i + 1, indented: raw.starts_with([' ', '\t']), tokens }),
                Err((col, msg)) => self.ctx.err(i + 1, col, msg),
            }
        }
        None
    }
}

impl Iterator for Blocks<'_, '_> {
    type Item = Spanned;

    fn next(&mut self) -> Option<Spanned> {
        let out = loop {
            let Some(header) = self.next.take().or_else(|| self.line()) else { break None };
            if header.indented {
                self.ctx.err(
                    header.no,
                    header.tokens[0].col,
                    "indented line outside a block: directives start in column 1",
                );
                continue;
            }
            let mut body = Vec::new();
            while let Some(l) = self.line() {
                if l.indented {
                    body.push(l);
                } else {
                    self.next = Some(l);
                    break;
                }
            }
            match parse_block(&header, &body) {
                Ok(entry) => {
                    break Some(Spanned {
                        file: self.ctx.file.to_string(),
                        line: header.no,
                        column: header.tokens[0].col,
                        entry,
                    })
                }
                Err((line, col, msg)) => self.ctx.err(line, col, msg),
            }
        };
        self.diags.append(&mut self.ctx.diags);
        out
    }
}
