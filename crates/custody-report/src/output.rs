//! The output format a statement or an assessment is rendered in.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// The statement's rows as CSV: the first list of records in its JSON, one column per field
    /// (nested values as JSON text); a statement without such a list is one row of its fields.
    Csv,
}

impl Format {
    /// `text`, `json` or `csv`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The HTTP content type of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; charset=utf-8",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A text cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) gets a leading `'`, so it is shown as the text it is (OWASP, "CSV
/// Injection"). Numbers written as text (`-0.5`) are left alone: they are data, not formulas.
pub fn defuse_formula(s: &str) -> String {
    let number = {
        let t = s.strip_prefix(['-', '+']).unwrap_or(s);
        !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.chars().any(|c| c.is_ascii_digit())
    };
    // A lone dash is the statements' "none", not a formula.
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !number && s != "-" {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A JSON statement as CSV (see [`Format::Csv`]).
pub fn to_csv(value: &serde_json::Value) -> String {
    use serde_json::Value;
    fn records(v: &Value) -> Option<&Vec<Value>> {
        match v {
            Value::Array(a) if !a.is_empty() && a.iter().all(Value::is_object) => Some(a),
            Value::Object(m) => m.values().find_map(records),
            _ => None,
        }
    }
    let one;
    let rows: &[Value] = match records(value) {
        Some(rows) => rows,
        None => {
            one = [value.clone()];
            &one
        }
    };
    let mut columns: Vec<String> = Vec::new();
    for r in rows {
        if let Value::Object(m) = r {
            for k in m.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let cell = |v: Option<&Value>| -> String {
        let raw = match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => defuse_formula(s),
            Some(other) => other.to_string(),
        };
        if raw.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", raw.replace('"', "\"\""))
        } else {
            raw
        }
    };
    let mut out = columns.iter().map(|c| cell(Some(&Value::String(c.clone())))).collect::<Vec<_>>().join(",");
    out.push('\n');
    for r in rows {
        out += &columns.iter().map(|c| cell(r.get(c))).collect::<Vec<_>>().join(",");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_numbers_kept() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+cmd", "'+cmd"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("-0.5", "-0.5"),
            ("+12", "+12"),
            ("-", "-"),
            ("steel", "steel"),
            ("", ""),
        ] {
            assert_eq!(defuse_formula(cell), want, "{cell:?}");
        }
        let csv = to_csv(&serde_json::json!([{"name": "=1+1", "t": -3}]));
        assert_eq!(csv, "name,t\n'=1+1,-3\n");
    }
}
