//! The lexer: a journal line as tokens (words and quoted strings) with their columns.

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) text: String,
    pub(super) col: usize,
    /// The column just past the token as written (quotes and escapes included).
    pub(super) end: usize,
    pub(super) quoted: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) no: usize,
    pub(super) indented: bool,
    pub(super) tokens: Vec<Token>,
}

pub(super) fn tokenize(line: &str) -> Result<Vec<Token>, (usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' {
            break;
        }
        let col = i + 1;
        if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((col, "unterminated string: add the closing `\"`".into())),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some('"') => s.push('"'),
                            Some('\\') => s.push('\\'),
                            Some('n') => s.push('\n'),
                            _ => return Err((i + 1, "unknown escape: use \\\" \\\\ or \\n".into())),
                        }
                        i += 2;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            tokens.push(Token { text: s, col, end: i + 1, quoted: true });
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            tokens.push(Token { text: chars[start..i].iter().collect(), col, end: i + 1, quoted: false });
        }
    }
    Ok(tokens)
}
