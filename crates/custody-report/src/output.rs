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
            Some(Value::String(s)) => s.clone(),
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
