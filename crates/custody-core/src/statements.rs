//! Statements computed from the ledger: plain data, rendered elsewhere.
//!
//! Every statement covers one period. Its *beginning* is everything posted before the period
//! plus the period's opening transactions (opening inventory, assets brought in with their
//! accumulated depreciation); its *activity* is every other transaction dated in the period.

use crate::chart::{Account, Form, Role, Side};
use crate::exact::Q;
use crate::ledger::Ledger;
use crate::model::*;
use crate::units::Species;
use std::collections::BTreeMap;

/// The period a statement covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub period: String,
    pub start: Date,
    pub end: Date,
}

impl Scope {
    /// The named period, or the last defined period.
    pub fn resolve(ledger: &Ledger, period: Option<&str>) -> Result<Scope, String> {
        let p = match period {
            Some(id) => ledger.period(id).ok_or_else(|| format!("period `{id}` is not defined"))?,
            None => ledger.periods().last().ok_or("the ledger defines no period")?,
        };
        Ok(Scope { period: p.id.clone(), start: p.start, end: p.end })
    }

    fn is_beginning(&self, tx: &Transaction) -> bool {
        tx.date < self.start || (tx.date <= self.end && tx.kind == TxKind::Opening)
    }

    fn is_activity(&self, tx: &Transaction) -> bool {
        tx.date >= self.start && tx.date <= self.end && tx.kind != TxKind::Opening
    }
}

/// Follows a chain of reversals to the transaction it ends at, with the sign the chain applies:
/// a reversal of a reversal has the original's postings again (sign 1).
fn original<'a>(ledger: &'a Ledger, tx: &'a Transaction) -> (&'a Transaction, i64) {
    let (mut t, mut sign) = (tx, 1);
    // Each reversal names an earlier transaction, so the chain ends; the bound is belt and braces.
    for _ in 0..=ledger.transactions().len() {
        match (&t.kind, t.reverses.as_ref().and_then(|r| ledger.transaction(r))) {
            (TxKind::Reversal, Some(next)) => {
                t = next;
                sign = -sign;
            }
            _ => break,
        }
    }
    (t, sign)
}

/// The kind a transaction counts as: a reversal as what it reverses (its amounts negated), a
/// receive as a purchase from another ledger, a return as (the undoing of part of) a sale.
fn effective_kind(ledger: &Ledger, tx: &Transaction) -> TxKind {
    match original(ledger, tx).0.kind {
        TxKind::Receive => TxKind::Purchase,
        TxKind::Return => TxKind::Sell,
        k => k,
    }
}

fn account_of<'a>(ledger: &'a Ledger, code: &str) -> &'a Account {
    ledger.chart().get(code).expect("posted accounts are in the chart")
}

/// Carbon total of postings by account code.
fn carbon_by_account<'a>(txs: impl Iterator<Item = &'a Transaction>) -> BTreeMap<String, i64> {
    let mut m: BTreeMap<String, i64> = BTreeMap::new();
    for tx in txs {
        for p in tx.postings.iter().filter(|p| p.species.is_carbon()) {
            *m.entry(p.account.clone()).or_default() += p.amount;
        }
    }
    m
}

// ---- ledger (Table ES-1) ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub id: String,
    pub date: Option<Date>,
    pub kind: Option<TxKind>,
    pub description: String,
    /// One amount (gC) per column.
    pub amounts: Vec<i64>,
    pub stocks_total: i64,
    pub flows_total: i64,
    pub postings: Vec<Posting>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerStatement {
    pub scope: Scope,
    pub columns: Vec<Account>,
    pub beginning: LedgerRow,
    pub rows: Vec<LedgerRow>,
    pub ending: LedgerRow,
}

fn ledger_row(
    ledger: &Ledger,
    columns: &[Account],
    id: &str,
    tx: Option<&Transaction>,
    sums: &BTreeMap<String, i64>,
) -> LedgerRow {
    let amounts: Vec<i64> = columns.iter().map(|a| *sums.get(&a.code).unwrap_or(&0)).collect();
    let total =
        |side: Side| sums.iter().filter(|(c, _)| account_of(ledger, c).side == side).map(|(_, a)| *a).sum::<i64>();
    LedgerRow {
        id: id.to_string(),
        date: tx.map(|t| t.date),
        kind: tx.map(|t| t.kind),
        description: tx.map(|t| t.description.clone()).unwrap_or_default(),
        amounts,
        stocks_total: total(Side::Stock),
        flows_total: total(Side::Flow),
        postings: tx.map(|t| t.postings.clone()).unwrap_or_default(),
    }
}

pub fn ledger_statement(ledger: &Ledger, scope: &Scope) -> LedgerStatement {
    let txs = ledger.transactions();
    let begin = carbon_by_account(txs.iter().filter(|t| scope.is_beginning(t)));
    let activity: Vec<&Transaction> = txs.iter().filter(|t| scope.is_activity(t)).collect();
    let ending = carbon_by_account(txs.iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)));
    let mut used: BTreeMap<&str, bool> = BTreeMap::new();
    for (c, a) in begin.iter().chain(ending.iter()) {
        if *a != 0 {
            used.insert(c, true);
        }
    }
    for t in &activity {
        for p in &t.postings {
            used.insert(&p.account, true);
        }
    }
    let columns: Vec<Account> =
        ledger.chart().accounts().iter().filter(|a| used.contains_key(a.code.as_str())).cloned().collect();
    let rows = activity
        .iter()
        .map(|t| ledger_row(ledger, &columns, &t.id, Some(t), &carbon_by_account(std::iter::once(*t))))
        .collect();
    LedgerStatement {
        scope: scope.clone(),
        beginning: ledger_row(ledger, &columns, "beginning balance", None, &begin),
        ending: ledger_row(ledger, &columns, "ending balance", None, &ending),
        columns,
        rows,
    }
}

// ---- balances (Figure 7) ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balances {
    pub scope: Scope,
    /// Every account with its ending balance in gC (carbon species) — zero balances included.
    pub accounts: Vec<(Account, i64)>,
    /// Ending balances of non-carbon gases by account and gas, in grams of gas.
    pub gases: Vec<(Account, Species, i64)>,
    pub stocks_total: i64,
    pub flows_total: i64,
    pub stock_emissions: i64,
    pub stock_content: i64,
    pub flow_emissions: i64,
    pub flow_content: i64,
    pub flow_sequestered: i64,
}

pub fn balances(ledger: &Ledger, scope: &Scope) -> Balances {
    let txs: Vec<&Transaction> =
        ledger.transactions().iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)).collect();
    let sums = carbon_by_account(txs.iter().copied());
    let mut gases: BTreeMap<(String, Species), i64> = BTreeMap::new();
    for t in &txs {
        for p in t.postings.iter().filter(|p| !p.species.is_carbon()) {
            *gases.entry((p.account.clone(), p.species)).or_default() += p.amount;
        }
    }
    let mut b = Balances {
        scope: scope.clone(),
        accounts: Vec::new(),
        gases: gases
            .into_iter()
            .filter(|(_, a)| *a != 0)
            .map(|((c, s), a)| (account_of(ledger, &c).clone(), s, a))
            .collect(),
        stocks_total: 0,
        flows_total: 0,
        stock_emissions: 0,
        stock_content: 0,
        flow_emissions: 0,
        flow_content: 0,
        flow_sequestered: 0,
    };
    for a in ledger.chart().accounts() {
        let bal = *sums.get(&a.code).unwrap_or(&0);
        match (a.side, a.role.form(), a.role) {
            (Side::Stock, Form::Content, _) => b.stock_content += bal,
            (Side::Stock, Form::Emissions, _) => b.stock_emissions += bal,
            (Side::Flow, _, Role::OutSequestered) => b.flow_sequestered += bal,
            (Side::Flow, Form::Content, _) => b.flow_content += bal,
            (Side::Flow, Form::Emissions, _) => b.flow_emissions += bal,
        }
        match a.side {
            Side::Stock => b.stocks_total += bal,
            Side::Flow => b.flows_total += bal,
        }
        b.accounts.push((a.clone(), bal));
    }
    b
}

// ---- product intensity (Figure 8 / Table ES-2) ---------------------------------------------------

/// Amounts by species, in ledger base units.
pub type BySpecies = BTreeMap<Species, i64>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntensityLine {
    pub origin: Origin,
    pub by_species: BySpecies,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductIntensity {
    pub item: String,
    pub name: String,
    /// Quantity sold in the item's base unit (g or kJ).
    pub sold: i64,
    pub lines: Vec<IntensityLine>,
    /// Carbon content carried out with the product (gC): not an emission.
    pub content: i64,
    /// Sales by customer: (customer, quantity sold).
    pub customers: Vec<(String, i64)>,
    /// The chain-of-custody models the period's sales declared (`undeclared` where none was).
    pub custody_models: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductIntensityStatement {
    pub scope: Scope,
    pub products: Vec<ProductIntensity>,
}

fn product_entry<'a>(
    ledger: &Ledger,
    products: &'a mut BTreeMap<String, ProductIntensity>,
    item: &str,
) -> &'a mut ProductIntensity {
    products.entry(item.to_string()).or_insert_with(|| ProductIntensity {
        item: item.to_string(),
        name: ledger.item(item).map(|i| i.name.clone()).unwrap_or_default(),
        sold: 0,
        lines: Vec::new(),
        content: 0,
        customers: Vec::new(),
        custody_models: Vec::new(),
    })
}

/// Meta key under which a sale records the quantity sold to one customer.
pub const SOLD_TO_PREFIX: &str = "sold_to.";

pub fn product_intensity(ledger: &Ledger, scope: &Scope) -> ProductIntensityStatement {
    let out_emissions = &ledger.chart().by_role(Role::OutEmissions).code;
    let out_content = &ledger.chart().by_role(Role::OutContent).code;
    let mut products: BTreeMap<String, ProductIntensity> = BTreeMap::new();
    let mut by_origin: BTreeMap<(String, Origin), BySpecies> = BTreeMap::new();
    let mut customers: BTreeMap<(String, String), i64> = BTreeMap::new();
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        if effective_kind(ledger, tx) != TxKind::Sell {
            continue;
        }
        let sign = original(ledger, tx).1;
        let model = tx.meta.get(crate::ledger::CUSTODY_META).cloned().unwrap_or_else(|| "undeclared".into());
        for m in &tx.movements {
            let entry = product_entry(ledger, &mut products, &m.item);
            if !entry.custody_models.contains(&model) {
                entry.custody_models.push(model.clone());
            }
            entry.sold -= m.quantity;
            for (k, v) in &tx.meta {
                if let (Some(c), Ok(q)) = (k.strip_prefix(SOLD_TO_PREFIX), v.parse::<i64>()) {
                    *customers.entry((m.item.clone(), c.to_string())).or_default() += sign * q;
                }
            }
        }
        for p in &tx.postings {
            let Some(item) = &p.dims.item else { continue };
            if p.account == *out_content {
                product_entry(ledger, &mut products, item).content -= p.amount;
            } else if p.account == *out_emissions {
                let origin = p.dims.origin.unwrap_or(Origin::Direct);
                *by_origin.entry((item.clone(), origin)).or_default().entry(p.species).or_default() -= p.amount;
            }
        }
    }
    for ((item, origin), by_species) in by_origin {
        product_entry(ledger, &mut products, &item).lines.push(IntensityLine { origin, by_species });
    }
    for ((item, customer), q) in customers {
        product_entry(ledger, &mut products, &item).customers.push((customer, q));
    }
    ProductIntensityStatement { scope: scope.clone(), products: products.into_values().collect() }
}

// ---- entity emissions (Figure 9 / Table ES-3) ----------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityLineKind {
    DirectGross,
    CcsAbated,
    AttributedRawMaterials,
    AttributedElectricity,
    AttributedFuels,
    AttributedPpe,
    Transport,
}

impl EntityLineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityLineKind::DirectGross => "direct_gross",
            EntityLineKind::CcsAbated => "ccs_abated",
            EntityLineKind::AttributedRawMaterials => "attributed_raw_materials",
            EntityLineKind::AttributedElectricity => "attributed_electricity",
            EntityLineKind::AttributedFuels => "attributed_fuels",
            EntityLineKind::AttributedPpe => "attributed_ppe",
            EntityLineKind::Transport => "transport_of_products",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            EntityLineKind::DirectGross => "Direct emissions, gross",
            EntityLineKind::CcsAbated => "Abated via CCS (captured less capture process)",
            EntityLineKind::AttributedRawMaterials => "Attributed: raw materials",
            EntityLineKind::AttributedElectricity => "Attributed: electricity",
            EntityLineKind::AttributedFuels => "Attributed: fuels",
            EntityLineKind::AttributedPpe => "Attributed: plant, property and equipment (depreciation)",
            EntityLineKind::Transport => "Transport of products (FOD)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityEmissions {
    pub scope: Scope,
    pub lines: Vec<(EntityLineKind, BySpecies)>,
    /// Emissions capitalised in the period (shown, not counted: they enter through depreciation).
    pub capitalised: BySpecies,
    pub instruments: Vec<Instrument>,
}

pub fn entity_emissions(ledger: &Ledger, scope: &Scope) -> EntityEmissions {
    let chart = ledger.chart();
    let code = |r: Role| chart.by_role(r).code.clone();
    let (wip_direct, in_attr, ppe_dep) = (code(Role::WipDirect), code(Role::InAttributed), code(Role::PpeDepreciation));
    let mut lines: BTreeMap<EntityLineKind, BySpecies> = BTreeMap::new();
    let mut capitalised = BySpecies::new();
    for tx in ledger.transactions().iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        for p in &tx.postings {
            let line = match (kind, p.dims.origin) {
                (TxKind::Emit, _) if p.account == wip_direct => Some((EntityLineKind::DirectGross, p.amount)),
                (TxKind::Capture, _) if p.account == wip_direct => Some((EntityLineKind::CcsAbated, p.amount)),
                (TxKind::Purchase, Some(Origin::RawMaterials)) if p.account == in_attr => {
                    Some((EntityLineKind::AttributedRawMaterials, p.amount))
                }
                (TxKind::Purchase, Some(Origin::Electricity)) if p.account == in_attr => {
                    Some((EntityLineKind::AttributedElectricity, p.amount))
                }
                (TxKind::Purchase, Some(Origin::Fuels)) if p.account == in_attr => {
                    Some((EntityLineKind::AttributedFuels, p.amount))
                }
                (TxKind::Depreciate, _) if p.account == ppe_dep => Some((EntityLineKind::AttributedPpe, -p.amount)),
                (TxKind::Sell, Some(Origin::Transport)) if p.account == in_attr => {
                    Some((EntityLineKind::Transport, p.amount))
                }
                (TxKind::Capital, _) if p.account == in_attr => {
                    *capitalised.entry(p.species).or_default() += p.amount;
                    None
                }
                _ => None,
            };
            if let Some((k, a)) = line {
                *lines.entry(k).or_default().entry(p.species).or_default() += a;
            }
        }
    }
    for k in [
        EntityLineKind::DirectGross,
        EntityLineKind::CcsAbated,
        EntityLineKind::AttributedRawMaterials,
        EntityLineKind::AttributedElectricity,
        EntityLineKind::AttributedFuels,
        EntityLineKind::AttributedPpe,
        EntityLineKind::Transport,
    ] {
        lines.entry(k).or_default();
    }
    EntityEmissions {
        scope: scope.clone(),
        lines: lines.into_iter().collect(),
        capitalised,
        instruments: ledger
            .instruments()
            .iter()
            .filter(|i| i.date >= scope.start && i.date <= scope.end)
            .cloned()
            .collect(),
    }
}

// ---- E-ledger (Table A1) -------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ELedgerCustomer {
    pub customer: String,
    /// Share of the product quantity sold, exact.
    pub share: Q,
    /// CO2 (gC) in the product transferred, excluding transport.
    pub product: i64,
    pub transport: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ELedger {
    pub scope: Scope,
    /// All amounts are gC of the CO2 species; renderers convert to tCO2.
    pub beginning: i64,
    pub purchases: Vec<(String, i64)>,
    pub direct_gross: i64,
    pub ccs_abated: i64,
    pub depreciation: i64,
    pub allocated_to_products: Vec<(String, i64)>,
    pub customers: Vec<ELedgerCustomer>,
    pub ending: i64,
}

pub fn eledger(ledger: &Ledger, scope: &Scope) -> ELedger {
    let chart = ledger.chart();
    let emission_stock =
        |code: &str| chart.get(code).is_some_and(|a| a.side == Side::Stock && a.role.form() == Form::Emissions);
    let co2_stock = |txs: &mut dyn Iterator<Item = &Transaction>| -> i64 {
        txs.flat_map(|t| t.postings.iter())
            .filter(|p| p.species == Species::CO2 && emission_stock(&p.account))
            .map(|p| p.amount)
            .sum()
    };
    let all = ledger.transactions();
    let beginning = co2_stock(&mut all.iter().filter(|t| scope.is_beginning(t)));
    let ending = co2_stock(&mut all.iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)));
    let e = entity_emissions(ledger, scope);
    let line = |k: EntityLineKind| {
        e.lines.iter().find(|(l, _)| *l == k).and_then(|(_, m)| m.get(&Species::CO2)).copied().unwrap_or(0)
    };
    let in_attr = chart.by_role(Role::InAttributed).code.clone();
    let out_em = chart.by_role(Role::OutEmissions).code.clone();
    let product_roles = [Role::ProductAttributed, Role::ProductDirect, Role::ProductDepreciation];
    let mut purchases: BTreeMap<String, i64> = BTreeMap::new();
    let mut allocated: BTreeMap<String, i64> = BTreeMap::new();
    let mut cust: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let intensity = product_intensity(ledger, scope);
    for tx in all.iter().filter(|t| scope.is_activity(t)) {
        let kind = effective_kind(ledger, tx);
        for p in tx.postings.iter().filter(|p| p.species == Species::CO2) {
            let role = chart.get(&p.account).map(|a| a.role);
            match kind {
                TxKind::Purchase if p.account == in_attr => {
                    *purchases.entry(p.dims.item.clone().unwrap_or_default()).or_default() += p.amount;
                }
                TxKind::Produce | TxKind::Depreciate if role.is_some_and(|r| product_roles.contains(&r)) => {
                    *allocated.entry(p.dims.item.clone().unwrap_or_default()).or_default() += p.amount;
                }
                TxKind::Sell if p.account == out_em => {
                    let c = cust.entry(p.dims.counterparty.clone().unwrap_or_default()).or_default();
                    if p.dims.origin == Some(Origin::Transport) {
                        c.1 -= p.amount;
                    } else {
                        c.0 -= p.amount;
                    }
                }
                _ => {}
            }
        }
    }
    let sold_total: i64 = intensity.products.iter().flat_map(|p| p.customers.iter()).map(|(_, q)| *q).sum();
    let mut by_customer_qty: BTreeMap<String, i64> = BTreeMap::new();
    for p in &intensity.products {
        for (c, q) in &p.customers {
            *by_customer_qty.entry(c.clone()).or_default() += q;
        }
    }
    ELedger {
        scope: scope.clone(),
        beginning,
        purchases: purchases.into_iter().collect(),
        direct_gross: line(EntityLineKind::DirectGross),
        ccs_abated: line(EntityLineKind::CcsAbated),
        depreciation: line(EntityLineKind::AttributedPpe),
        allocated_to_products: allocated.into_iter().collect(),
        customers: cust
            .into_iter()
            .map(|(customer, (product, transport))| ELedgerCustomer {
                share: if sold_total == 0 {
                    Q::from_integer(0)
                } else {
                    Q::new(*by_customer_qty.get(&customer).unwrap_or(&0) as i128, sold_total as i128)
                },
                customer,
                product,
                transport,
            })
            .collect(),
        ending,
    }
}

// ---- carbon balance ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarbonBalance {
    pub scope: Scope,
    pub opening_stocks: i64,
    pub closing_stocks: i64,
    /// Net flow per flow account during the period (gC).
    pub flows: Vec<(Account, i64)>,
    pub net_flows: i64,
    /// Engineer's check on carbon content: purchased content, content emitted as gases,
    /// content shipped with products, and the change in content held.
    pub content_in: i64,
    pub content_emitted: i64,
    pub content_out: i64,
    pub content_stock_change: i64,
    /// Per production: (transaction id, WIP content, measured output content, closure), gC.
    pub closures: Vec<(String, i64, i64, i64)>,
}

impl CarbonBalance {
    /// Closing stocks - opening stocks = net flows.
    pub fn period_check(&self) -> bool {
        self.closing_stocks - self.opening_stocks == self.net_flows
    }
    /// Content in - content emitted + content out (negative) = change in content held.
    pub fn content_check(&self) -> bool {
        self.content_in - self.content_emitted + self.content_out == self.content_stock_change
    }
}

pub fn carbon_balance(ledger: &Ledger, scope: &Scope) -> CarbonBalance {
    let chart = ledger.chart();
    let all = ledger.transactions();
    let stocks = |txs: &mut dyn Iterator<Item = &Transaction>, form: Option<Form>| -> i64 {
        txs.flat_map(|t| t.postings.iter())
            .filter(|p| p.species.is_carbon())
            .filter(|p| {
                chart.get(&p.account).is_some_and(|a| a.side == Side::Stock && form.is_none_or(|f| a.role.form() == f))
            })
            .map(|p| p.amount)
            .sum()
    };
    let opening_stocks = stocks(&mut all.iter().filter(|t| scope.is_beginning(t)), None);
    let closing_stocks = stocks(&mut all.iter().filter(|t| scope.is_beginning(t) || scope.is_activity(t)), None);
    let activity: Vec<&Transaction> = all.iter().filter(|t| scope.is_activity(t)).collect();
    let sums = carbon_by_account(activity.iter().copied());
    let flows: Vec<(Account, i64)> = chart
        .accounts()
        .iter()
        .filter(|a| a.side == Side::Flow)
        .map(|a| (a.clone(), *sums.get(&a.code).unwrap_or(&0)))
        .collect();
    let net_flows = flows.iter().map(|(_, a)| *a).sum();
    let role_sum = |role: Role| *sums.get(&chart.by_role(role).code).unwrap_or(&0);
    let content_emitted: i64 = activity
        .iter()
        .filter(|t| effective_kind(ledger, t) == TxKind::Emit)
        .flat_map(|t| t.postings.iter())
        .filter(|p| p.account == chart.by_role(Role::WipContent).code)
        .map(|p| -p.amount)
        .sum();
    let content_stock_change = stocks(&mut activity.iter().copied(), Some(Form::Content));
    let closures = activity
        .iter()
        .filter(|t| t.kind == TxKind::Produce)
        .map(|t| {
            let g = |k: &str| t.meta.get(k).and_then(|v| v.parse().ok()).unwrap_or(0i64);
            (t.id.clone(), g("wip_content_gC"), g("measured_content_gC"), g("closure_gC"))
        })
        .collect();
    CarbonBalance {
        scope: scope.clone(),
        opening_stocks,
        closing_stocks,
        flows,
        net_flows,
        content_in: role_sum(Role::InContent),
        content_emitted,
        content_out: role_sum(Role::OutContent),
        content_stock_change,
        closures,
    }
}

// ---- purchased goods (the buyer's side) ------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchasedGoods {
    pub scope: Scope,
    /// Attributed emissions bought in, by (supplier, claim type), by species.
    pub lines: Vec<(String, &'static str, BySpecies)>,
    /// Certificates received in the period: (certificate, from, units, pool). Instruments, not emissions.
    pub certificates: Vec<(String, String, i64, String)>,
}

/// The claim type a purchase carries: what its custody model lets the buyer claim.
fn claim_type(tx: &Transaction) -> &'static str {
    match tx.meta.get(crate::ledger::CUSTODY_META).and_then(|m| crate::coc::CustodyModel::parse(m)) {
        Some(crate::coc::CustodyModel::MassBalance) => "mass-balance-chain-of-custody",
        Some(crate::coc::CustodyModel::BookAndClaim) => "book-and-claim",
        _ => "physical",
    }
}

pub fn purchased_goods(ledger: &Ledger, scope: &Scope) -> PurchasedGoods {
    let in_attr = &ledger.chart().by_role(Role::InAttributed).code;
    let mut lines: BTreeMap<(String, &'static str), BySpecies> = BTreeMap::new();
    for tx in
        ledger.transactions().iter().filter(|t| scope.is_activity(t) && effective_kind(ledger, t) == TxKind::Purchase)
    {
        let kind = claim_type(original(ledger, tx).0);
        for p in tx.postings.iter().filter(|p| p.account == *in_attr) {
            let supplier = p.dims.counterparty.clone().unwrap_or_else(|| "(no supplier named)".into());
            *lines.entry((supplier, kind)).or_default().entry(p.species).or_default() += p.amount;
        }
    }
    let certificates = ledger
        .recorded()
        .iter()
        .filter(|op| op.date >= scope.start && op.date <= scope.end)
        .filter_map(|op| match &op.body {
            crate::ops::Operation::Custody(crate::ops::CustodyOp::CertificateReceive {
                certificate,
                from,
                block: Some(b),
            }) => Some((certificate.clone(), from.clone(), (b.last - b.first + 1) as i64, b.pool.clone())),
            _ => None,
        })
        .collect();
    PurchasedGoods {
        scope: scope.clone(),
        lines: lines.into_iter().map(|((s, k), m)| (s, k, m)).collect(),
        certificates,
    }
}
