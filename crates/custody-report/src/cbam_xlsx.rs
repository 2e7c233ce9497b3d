//! The CBAM statement as an xlsx workbook whose tab is named `Summary_Communication`, after the
//! summary tab of the Commission's communication template for installation operators. Every
//! figure is the JSON statement's (the same rounding, `cbam::PLACES` decimals) written as a number.

use crate::cbam::{tonnes, values_of, PLACES};
use crate::number::decimal;
use custody_core::exact::Q;
use custody_core::model::format_date;
use custody_core::statements::CbamStatement;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The tab's name: a contract (`docs/cbam.md`).
pub const SUMMARY_TAB: &str = "Summary_Communication";

/// A figure as the JSON statement rounds it.
fn n(x: Q) -> f64 {
    decimal(x, PLACES).parse().expect("a formatted decimal parses")
}

fn row(ws: &mut Worksheet, r: u32, cells: &[Cell], bold: Option<&Format>) -> Result<(), XlsxError> {
    for (c, cell) in cells.iter().enumerate() {
        let c = c as u16;
        match (cell, bold) {
            (Cell::T(s), Some(f)) => ws.write_string_with_format(r, c, s, f).map(|_| ())?,
            (Cell::T(s), None) => ws.write_string(r, c, s).map(|_| ())?,
            (Cell::N(x), _) => ws.write_number(r, c, *x).map(|_| ())?,
            (Cell::Empty, _) => {}
        }
    }
    Ok(())
}

enum Cell {
    T(String),
    N(f64),
    Empty,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::T(s.into())
}

fn opt(s: Option<&str>) -> Cell {
    s.map_or(Cell::Empty, t)
}

/// The workbook's bytes.
pub(crate) fn workbook(s: &CbamStatement) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name(SUMMARY_TAB)?;
    let site = &s.site;
    let mut r = 0;
    row(ws, r, &[t("Summary of the communication: specific embedded emissions (EU CBAM)")], Some(&bold))?;
    r += 2;
    let coord = |i: usize| site.coordinates.map_or(Cell::Empty, |c| Cell::N(n(if i == 0 { c.0 } else { c.1 })));
    let info = [
        ("Installation", opt(Some(&site.name))),
        ("Site", opt(Some(&site.id))),
        ("City", opt(site.city.as_deref())),
        ("Country", opt(site.country.as_deref())),
        ("UN/LOCODE", opt(site.unlocode.as_deref())),
        ("Latitude", coord(0)),
        ("Longitude", coord(1)),
        ("Reporting period", t(s.scope.period.clone())),
        ("Start", t(format_date(s.scope.start))),
        ("End", t(format_date(s.scope.end))),
    ];
    for (label, v) in info {
        row(ws, r, &[t(label), v], None)?;
        r += 1;
    }
    r += 1;
    let head = [
        "Good",
        "CN code",
        "Aggregated goods category",
        "Quantity (t)",
        "SEE direct (tCO2e/t)",
        "SEE indirect (tCO2e/t)",
        "SEE total (tCO2e/t)",
        "Electricity (MWh/t)",
        "Electricity emission factor (tCO2/MWh)",
        "Share of default values",
    ];
    row(ws, r, &head.map(t), Some(&bold))?;
    r += 1;
    for g in &s.goods {
        let cells = [
            t(g.item.clone()),
            opt(g.cn_code.as_deref()),
            opt(g.category.map(|c| c.as_str())),
            Cell::N(n(tonnes(Q::from_integer(g.quantity_g as i128)))),
            Cell::N(n(g.see_direct)),
            Cell::N(n(g.see_indirect)),
            Cell::N(n(g.see_direct + g.see_indirect)),
            Cell::N(n(g.electricity_mwh_per_t)),
            g.electricity_factor.map_or(Cell::Empty, |f| Cell::N(n(f))),
            Cell::N(n(g.default_share)),
        ];
        row(ws, r, &cells, None)?;
        r += 1;
    }
    r += 1;
    let head = [
        "Good",
        "Precursor",
        "CN code",
        "Category",
        "Quantity (t/t)",
        "Suppliers",
        "SEE direct (tCO2e/t)",
        "SEE indirect (tCO2e/t)",
        "Values",
    ];
    row(ws, r, &head.map(t), Some(&bold))?;
    r += 1;
    for g in &s.goods {
        for p in &g.precursors {
            let cells = [
                t(g.item.clone()),
                t(p.item.clone()),
                opt(p.cn_code.as_deref()),
                opt(p.category.map(|c| c.as_str())),
                Cell::N(n(p.quantity_per_t)),
                t(p.suppliers.join(", ")),
                p.embedded.map_or(Cell::Empty, |e| Cell::N(n(e.direct))),
                p.embedded.map_or(Cell::Empty, |e| Cell::N(n(e.indirect))),
                t(values_of(p)),
            ];
            row(ws, r, &cells, None)?;
            r += 1;
        }
    }
    r += 1;
    row(ws, r, &[t("Missing"), t("Field"), t("Reason")], Some(&bold))?;
    r += 1;
    for m in &s.missing {
        row(ws, r, &[t(m.subject.clone()), t(m.field), t(m.reason.clone())], None)?;
        r += 1;
    }
    ws.set_column_width(0, 28)?;
    ws.set_column_width(2, 26)?;
    wb.save_to_buffer()
}
