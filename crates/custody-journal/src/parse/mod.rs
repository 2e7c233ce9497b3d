//! Tokenizer and parser: text -> entries with spans -> ledger.
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

use custody_core::Ledger;
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
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    for src in sources {
        let mut ctx = Ctx { file: &src.name, diags: Vec::new() };
        let mut lines = Vec::new();
        for (i, raw) in src.text.lines().enumerate() {
            match tokenize(raw) {
                Ok(tokens) if tokens.is_empty() => {}
                Ok(tokens) => lines.push(Line { no: i + 1, indented: raw.starts_with([' ', '\t']), tokens }),
                Err((col, msg)) => ctx.err(i + 1, col, msg),
            }
        }
        let mut i = 0;
        while i < lines.len() {
            let header = &lines[i];
            if header.indented {
                ctx.err(header.no, header.tokens[0].col, "indented line outside a block: directives start in column 1");
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < lines.len() && lines[j].indented {
                j += 1;
            }
            match parse_block(header, &lines[i + 1..j]) {
                Ok(entry) => entries.push(Spanned {
                    file: src.name.clone(),
                    line: header.no,
                    column: header.tokens[0].col,
                    entry,
                }),
                Err((line, col, msg)) => ctx.err(line, col, msg),
            }
            i = j;
        }
        diags.extend(ctx.diags);
    }
    (entries, diags)
}

/// Parses and applies journal texts in order. Every parse error and every rejection is reported;
/// entries that fail are skipped, so later errors are still found.
pub fn load(sources: &[Source]) -> Result<Ledger, (Option<Ledger>, Vec<Diagnostic>)> {
    let (entries, mut diags) = parse(sources);
    let mut ledger: Option<Ledger> = None;
    for e in entries {
        let mut err = |msg: String| {
            diags.push(Diagnostic { file: e.file.clone(), line: e.line, column: e.column, message: msg });
        };
        if let Entry::Entity(ent) = &e.entry {
            if ledger.is_some() {
                err("the entity is already defined: one journal describes one entity".into());
            } else {
                ledger = Some(Ledger::new(ent.clone()));
            }
            continue;
        }
        let Some(l) = ledger.as_mut() else {
            err("the journal must start with an `entity` directive".into());
            continue;
        };
        let res = match e.entry {
            Entry::Entity(_) => unreachable!("handled above"),
            Entry::Counterparty(c) => l.add_counterparty(c).map_err(|x| x.to_string()),
            Entry::Account(a) => l.add_account(a).map_err(|x| x.to_string()),
            Entry::Item(it) => l.add_item(*it).map_err(|x| x.to_string()),
            Entry::Site(s) => l.add_site(s).map_err(|x| x.to_string()),
            Entry::Asset(a) => l.add_asset(a).map_err(|x| x.to_string()),
            Entry::Period(p) => l.add_period(p).map_err(|x| x.to_string()),
            Entry::Close(id) => l.close_period(&id).map_err(|x| x.to_string()),
            Entry::Pool(p) => l.add_pool(*p).map_err(|x| x.to_string()),
            Entry::Target(t) => l.add_target(t).map_err(|x| x.to_string()),
            Entry::Op(op) => {
                let id = op.id.clone();
                l.apply(*op).map(|_| ()).map_err(|r| {
                    let parts: Vec<String> = r
                        .violations
                        .iter()
                        .map(|v| {
                            let field = v.field.map(|f| format!(" (field `{f}`)")).unwrap_or_default();
                            format!("[{}] {}{field}", v.code, v.message)
                        })
                        .collect();
                    format!("`{id}` rejected: {}", parts.join("; "))
                })
            }
        };
        if let Err(m) = res {
            err(m);
        }
    }
    if ledger.is_none() && diags.is_empty() {
        diags.push(Diagnostic {
            file: sources.first().map(|s| s.name.clone()).unwrap_or_default(),
            line: 1,
            column: 1,
            message: "no `entity` directive: nothing to load".into(),
        });
    }
    diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    match ledger {
        Some(l) if diags.is_empty() => Ok(l),
        other => Err((other, diags)),
    }
}
