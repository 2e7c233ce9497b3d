//! The mutations: AFL-style havoc on bytes, plus line-aware edits (the inputs are mostly text made
//! of lines) and tokens from the target's dictionary and a shared list of tricky strings.

/// A small deterministic generator (xorshift64*): the same seed gives the same run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Strings every target gets: numbers at and past the limits, quotes, separators, line ends,
/// control characters, unicode (combining, bidirectional overrides, astral), deep nesting.
const TRICKY: &[&str] = &[
    "\"",
    "\"\"",
    "\\",
    "#",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "\u{7f}",
    "\u{1b}[0m",
    "é",
    "e\u{301}",
    "\u{202e}",
    "\u{feff}",
    "\u{2028}",
    "💩",
    "ｓｔｅｅｌ",
    "0",
    "-0",
    "-1",
    "1e309",
    "0.0000000000000000000000000001",
    "99999999999999999999999999999999999999",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "170141183460469231731687303715884105728",
    "1/0",
    "NaN",
    "inf",
    "%",
    "1_000",
    "0x10",
    "+1",
    ".5",
    "5.",
    "1,5",
    "2025-02-29",
    "2024-02-29",
    "9999-12-31",
    "0000-01-01",
    "2025-13-01",
    "..",
    "/",
    "a/b",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}}}",
    "\\u0000",
    "\\ud800",
];

/// A mutated input: one corpus entry, changed by one to eight stacked mutations, at most
/// `max_len` bytes.
pub fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], dict: &[&str], max_len: usize) -> Vec<u8> {
    let mut data = corpus[rng.below(corpus.len())].clone();
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        one(rng, &mut data, corpus, dict);
    }
    data.truncate(max_len);
    data
}

fn token<'a>(rng: &mut Rng, dict: &[&'a str]) -> &'a str {
    if !dict.is_empty() && rng.below(3) > 0 {
        dict[rng.below(dict.len())]
    } else {
        TRICKY[rng.below(TRICKY.len())]
    }
}

/// Byte ranges of the lines of `data` (each with its line end).
fn lines(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push((start, data.len()));
    }
    out
}

/// A position just before or after a space, a tab or a line end (where tokens start), or anywhere.
fn boundary(rng: &mut Rng, data: &[u8]) -> usize {
    let at = rng.below(data.len() + 1);
    if rng.below(2) == 0 {
        return at;
    }
    (at..data.len()).find(|&i| matches!(data[i], b' ' | b'\n' | b'\t' | b',' | b':')).map(|i| i + 1).unwrap_or(at)
}

fn one(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>], dict: &[&str]) {
    let len = data.len();
    match rng.below(14) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            const BYTES: &[u8] = b"\0\x01\x7f\xff\xc3\xe2\x80 \t\n\r\"#\\/,.:;-+%{}[]0129aZ";
            let i = rng.below(len);
            data[i] = BYTES[rng.below(BYTES.len())];
        }
        2 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(32));
            data.drain(i..i + n);
        }
        3 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(64));
            let copy = data[i..i + n].to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, copy);
        }
        4 | 5 | 6 => {
            let at = boundary(rng, data);
            let t = token(rng, dict).as_bytes().to_vec();
            data.splice(at..at, t);
        }
        7 if len > 0 => {
            // Overwrite the word at a boundary with a token.
            let at = boundary(rng, data).min(len);
            let end = (at..len).find(|&i| matches!(data[i], b' ' | b'\n' | b'\t' | b',')).unwrap_or(len);
            let t = token(rng, dict).as_bytes().to_vec();
            data.splice(at..end, t);
        }
        8 => {
            // Splice: a range of another input inserted here.
            let other = &corpus[rng.below(corpus.len())];
            if !other.is_empty() {
                let i = rng.below(other.len());
                let n = 1 + rng.below((other.len() - i).min(256));
                let at = boundary(rng, data);
                data.splice(at..at, other[i..i + n].iter().copied());
            }
        }
        9 | 10 => {
            // Line edits: delete, duplicate, or move a line.
            let ls = lines(data);
            if ls.is_empty() {
                return;
            }
            let (s, e) = ls[rng.below(ls.len())];
            let line = data[s..e].to_vec();
            match rng.below(3) {
                0 => {
                    data.drain(s..e);
                }
                1 => {
                    data.splice(s..s, line);
                }
                _ => {
                    data.drain(s..e);
                    let ls = lines(data);
                    let at = if ls.is_empty() { 0 } else { ls[rng.below(ls.len())].0 };
                    data.splice(at..at, line);
                }
            }
        }
        11 if len > 0 => {
            // A digit run made huge, negative, or fractional.
            let i = rng.below(len);
            if let Some(d) = (i..len).find(|&k| data[k].is_ascii_digit()) {
                let t: &[u8] = match rng.below(4) {
                    0 => b"000000000000000000000000000000",
                    1 => b"-",
                    2 => b".000000000000000000001",
                    _ => b"e99",
                };
                data.splice(d..d, t.iter().copied());
            }
        }
        12 => {
            // Indentation toggled on a line (the journal's block structure).
            let ls = lines(data);
            if let Some(&(s, _)) = ls.get(rng.below(ls.len().max(1))) {
                if data.get(s) == Some(&b' ') {
                    data.remove(s);
                } else {
                    data.splice(s..s, *b"  ");
                }
            }
        }
        _ => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(4);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            data.splice(at..at, bytes);
        }
    }
}
