//! The ledger: definitions, the journal of posted transactions, and the positions they add up to.
//!
//! [`Ledger::apply`] is load -> decide -> write in one place: it checks the operation against the
//! current state, plans one balanced transaction, checks it again, and only then posts it. A
//! rejected operation changes nothing. After every post the ledger asserts that the stock side
//! and the flow side are still equal.

use crate::chart::{Account, Chart, ChartError, Form, Role, Side};
use crate::exact::{self, Q};
use crate::model::*;
use crate::ops::*;
use crate::reject::{Code, Rejection, Violations};
use crate::units::{CarbonRatios, Dimension, Gwp, Measure, Species, SpeciesMass};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The company whose books these are, and the tables it reports with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub ratios: CarbonRatios,
    pub gwp: Gwp,
}

/// Key of a position: account, species, dimensions.
pub type PosKey = (String, Species, Dims);

/// Key of an on-hand quantity: item, site, lot.
pub type QtyKey = (String, Option<String>, Option<String>);

#[derive(Debug, Clone)]
pub struct Ledger {
    entity: Entity,
    chart: Chart,
    items: BTreeMap<String, Item>,
    assets: BTreeMap<String, Asset>,
    counterparties: BTreeMap<String, Counterparty>,
    periods: Vec<Period>,
    txs: Vec<Transaction>,
    /// Position of each transaction in `txs`, by id.
    tx_index: HashMap<String, usize>,
    ops: HashMap<String, Op>,
    reversed: BTreeSet<String>,
    positions: BTreeMap<PosKey, i64>,
    quantities: BTreeMap<QtyKey, i64>,
    /// Lots of each (item, site) in order of arrival, for FIFO.
    lot_order: BTreeMap<(String, Option<String>), Vec<String>>,
    instruments: Vec<Instrument>,
    /// Transfers booked by `receive`, by transfer id.
    received: BTreeSet<String>,
    /// (sale, customer) pairs undone by `return`.
    returned: BTreeSet<(String, String)>,
    pools: BTreeMap<String, crate::coc::Pool>,
    certificates: crate::coc::CertificateBook,
    avoided: Vec<crate::coc::AvoidedCertificate>,
    /// Operations that posted no transaction (instruments, chain of custody), in order.
    recorded: Vec<Op>,
    targets: Vec<Target>,
    /// Running totals of every posting by side (carbon) and per non-carbon gas, kept apart from
    /// the positions so that conservation is checked in O(1) after each post.
    totals: SideTotals,
}

/// Meta key naming the chain-of-custody model a sale (and its receive) declared.
pub const CUSTODY_META: &str = "custody";

/// Meta key naming the transfer a receive or return belongs to.
pub const TRANSFER_META: &str = "transfer";

/// What applying an operation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// A new transaction was posted (its index in the journal).
    Posted(usize),
    /// A market instrument was recorded beside the ledger.
    Recorded,
    /// The same id with the same content was applied before: nothing changed.
    Duplicate,
}

/// A definition the ledger refused (duplicate id, overlapping period, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DefineError(pub String);

impl From<ChartError> for DefineError {
    fn from(e: ChartError) -> Self {
        DefineError(e.to_string())
    }
}

fn inventory_roles(category: Category) -> (Option<Role>, Role) {
    match category {
        Category::RawMaterial => (Some(Role::RawContent), Role::RawAttributed),
        Category::Fuel => (Some(Role::FuelContent), Role::FuelAttributed),
        Category::Electricity => (None, Role::ElectricityAttributed),
        Category::Product => (Some(Role::ProductContent), Role::ProductAttributed),
        Category::Byproduct | Category::Waste => (Some(Role::ByproductContent), Role::ProductAttributed),
    }
}

/// Roles whose positions are inventory that consumption and sales draw from.
fn is_inventory_role(role: Role) -> bool {
    use Role::*;
    matches!(
        role,
        RawContent
            | RawAttributed
            | FuelContent
            | FuelAttributed
            | ElectricityAttributed
            | ProductContent
            | ProductAttributed
            | ProductDepreciation
            | ProductDirect
            | ByproductContent
    )
}

/// Builds a transaction's postings while an operation is planned.
struct Draft<'a> {
    chart: &'a Chart,
    postings: Vec<Posting>,
    movements: Vec<Movement>,
    meta: BTreeMap<String, String>,
}

impl Draft<'_> {
    fn post(&mut self, role: Role, species: Species, amount: i64, dims: Dims) {
        if amount != 0 {
            let account = self.chart.by_role(role).code.clone();
            self.postings.push(Posting { account, species, amount, dims });
        }
    }
    fn post_code(&mut self, account: &str, species: Species, amount: i64, dims: Dims) {
        if amount != 0 {
            self.postings.push(Posting { account: account.to_string(), species, amount, dims });
        }
    }
    fn movement(&mut self, item: &str, site: &Option<String>, lot: Option<String>, quantity: i64) {
        if quantity != 0 {
            self.movements.push(Movement { item: item.to_string(), lot, site: site.clone(), quantity });
        }
    }
}

fn dims(item: Option<&str>, lot: Option<&str>, site: &Option<String>, origin: Option<Origin>) -> Dims {
    Dims {
        item: item.map(str::to_string),
        lot: lot.map(str::to_string),
        site: site.clone(),
        origin,
        counterparty: None,
    }
}

impl Ledger {
    pub fn new(entity: Entity) -> Ledger {
        Ledger {
            entity,
            chart: Chart::efi(),
            items: BTreeMap::new(),
            assets: BTreeMap::new(),
            counterparties: BTreeMap::new(),
            periods: Vec::new(),
            txs: Vec::new(),
            tx_index: HashMap::new(),
            ops: HashMap::new(),
            reversed: BTreeSet::new(),
            positions: BTreeMap::new(),
            quantities: BTreeMap::new(),
            lot_order: BTreeMap::new(),
            instruments: Vec::new(),
            received: BTreeSet::new(),
            returned: BTreeSet::new(),
            pools: BTreeMap::new(),
            certificates: crate::coc::CertificateBook::default(),
            avoided: Vec::new(),
            recorded: Vec::new(),
            targets: Vec::new(),
            totals: SideTotals::default(),
        }
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Adds a reduction target.
    pub fn add_target(&mut self, target: Target) -> Result<(), DefineError> {
        if self.targets.iter().any(|t| t.id == target.id) {
            return Err(DefineError(format!("target `{}` is already defined", target.id)));
        }
        if target.baseline.is_some() == target.baseline_period.is_some() {
            return Err(DefineError(format!(
                "target `{}`: give either a baseline amount or a baseline period",
                target.id
            )));
        }
        if target.year <= target.baseline_year {
            return Err(DefineError(format!("target `{}`: the target year comes after the baseline year", target.id)));
        }
        self.targets.push(target);
        Ok(())
    }

    pub fn pools(&self) -> impl Iterator<Item = &crate::coc::Pool> {
        self.pools.values()
    }
    pub fn pool(&self, id: &str) -> Option<&crate::coc::Pool> {
        self.pools.get(id)
    }
    pub fn certificates(&self) -> &crate::coc::CertificateBook {
        &self.certificates
    }
    pub fn avoided(&self) -> &[crate::coc::AvoidedCertificate] {
        &self.avoided
    }
    /// Operations that posted no transaction (instruments, chain of custody), in order.
    pub fn recorded(&self) -> &[Op] {
        &self.recorded
    }

    /// Adds a mass-balance pool with its policy.
    pub fn add_pool(&mut self, policy: crate::coc::Policy) -> Result<(), DefineError> {
        if self.pools.contains_key(&policy.id) {
            return Err(DefineError(format!("pool `{}` is already defined", policy.id)));
        }
        if policy.period_months == 0 {
            return Err(DefineError(format!("pool `{}`: a period is at least one month", policy.id)));
        }
        if policy.conversion <= exact::q(0) {
            return Err(DefineError(format!("pool `{}`: the conversion factor must be positive", policy.id)));
        }
        if policy.groups.is_empty() {
            return Err(DefineError(format!("pool `{}` needs at least one product group", policy.id)));
        }
        if policy.claim.trim().is_empty() {
            return Err(DefineError(format!("pool `{}` must say which inventory its claims may enter", policy.id)));
        }
        self.pools.insert(policy.id.clone(), crate::coc::Pool::new(policy));
        Ok(())
    }

    /// Whether a transfer was booked by a `receive`.
    pub fn has_received(&self, transfer: &str) -> bool {
        self.received.contains(transfer)
    }

    /// Whether a sale's delivery to a customer was returned.
    pub fn has_returned(&self, sale: &str, customer: &str) -> bool {
        self.returned.contains(&(sale.to_string(), customer.to_string()))
    }

    // ---- reading ------------------------------------------------------------------------------

    pub fn entity(&self) -> &Entity {
        &self.entity
    }
    pub fn chart(&self) -> &Chart {
        &self.chart
    }
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.get(id)
    }
    pub fn assets(&self) -> impl Iterator<Item = &Asset> {
        self.assets.values()
    }
    pub fn counterparties(&self) -> impl Iterator<Item = &Counterparty> {
        self.counterparties.values()
    }
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }
    pub fn period(&self, id: &str) -> Option<&Period> {
        self.periods.iter().find(|p| p.id == id)
    }
    pub fn period_of(&self, date: Date) -> Option<&Period> {
        self.periods.iter().find(|p| p.start <= date && date <= p.end)
    }
    pub fn transactions(&self) -> &[Transaction] {
        &self.txs
    }
    pub fn transaction(&self, id: &str) -> Option<&Transaction> {
        self.tx_index.get(id).map(|i| &self.txs[*i])
    }
    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }
    pub fn positions(&self) -> &BTreeMap<PosKey, i64> {
        &self.positions
    }
    pub fn quantities(&self) -> &BTreeMap<QtyKey, i64> {
        &self.quantities
    }
    pub fn is_reversed(&self, id: &str) -> bool {
        self.reversed.contains(id)
    }

    /// Sum of positions on one side, in grams of carbon (non-carbon gases excluded).
    pub fn side_total_carbon(&self, side: Side) -> i128 {
        match side {
            Side::Stock => self.totals.stock_carbon,
            Side::Flow => self.totals.flow_carbon,
        }
    }

    /// Recomputes every position from the journal and compares with the running positions.
    /// Returns the first key that differs.
    pub fn verify(&self) -> Result<(), String> {
        let mut again: BTreeMap<PosKey, i64> = BTreeMap::new();
        for tx in &self.txs {
            let mut totals = SideTotals::default();
            for p in &tx.postings {
                *again.entry((p.account.clone(), p.species, p.dims.clone())).or_default() += p.amount;
                let side = self.chart.get(&p.account).ok_or_else(|| format!("{}: unknown account", tx.id))?.side;
                totals.add(side, p.species, p.amount);
            }
            if !totals.balanced() {
                return Err(format!("transaction `{}` does not balance", tx.id));
            }
        }
        again.retain(|_, v| *v != 0);
        let mut totals = SideTotals::default();
        for ((acc, sp, _), v) in &again {
            let side = self.chart.get(acc).ok_or_else(|| format!("unknown account {acc}"))?.side;
            totals.add(side, *sp, *v);
        }
        let nonzero = |t: &SideTotals| {
            (
                t.stock_carbon,
                t.flow_carbon,
                t.gases.iter().filter(|(_, v)| **v != (0, 0)).map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            )
        };
        if nonzero(&totals) != nonzero(&self.totals) {
            return Err("running side totals differ from the journal".into());
        }
        if again != self.positions {
            let first = again
                .iter()
                .find(|(k, v)| self.positions.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .or_else(|| self.positions.keys().find(|k| !again.contains_key(*k)).cloned());
            return Err(format!("positions differ from the journal at {first:?}"));
        }
        Ok(())
    }

    // ---- definitions --------------------------------------------------------------------------

    pub fn add_account(&mut self, account: Account) -> Result<(), DefineError> {
        Ok(self.chart.add(account)?)
    }

    pub fn add_item(&mut self, item: Item) -> Result<(), DefineError> {
        if self.items.contains_key(&item.id) {
            return Err(DefineError(format!("item `{}` is already defined", item.id)));
        }
        if item.measure == Dimension::Volume {
            return Err(DefineError(format!(
                "item `{}`: quantities are held by mass or energy; give volumes with a density",
                item.id
            )));
        }
        self.items.insert(item.id.clone(), item);
        Ok(())
    }

    pub fn add_asset(&mut self, asset: Asset) -> Result<(), DefineError> {
        if self.assets.contains_key(&asset.id) {
            return Err(DefineError(format!("asset `{}` is already defined", asset.id)));
        }
        if asset.life_months == 0 {
            return Err(DefineError(format!("asset `{}`: useful life must be at least one month", asset.id)));
        }
        self.assets.insert(asset.id.clone(), asset);
        Ok(())
    }

    pub fn add_counterparty(&mut self, cp: Counterparty) -> Result<(), DefineError> {
        if self.counterparties.contains_key(&cp.id) {
            return Err(DefineError(format!("counterparty `{}` is already defined", cp.id)));
        }
        self.counterparties.insert(cp.id.clone(), cp);
        Ok(())
    }

    pub fn add_period(&mut self, period: Period) -> Result<(), DefineError> {
        if period.end < period.start {
            return Err(DefineError(format!("period `{}` ends before it starts", period.id)));
        }
        if self.period(&period.id).is_some() {
            return Err(DefineError(format!("period `{}` is already defined", period.id)));
        }
        if let Some(o) = self.periods.iter().find(|p| p.start <= period.end && period.start <= p.end) {
            return Err(DefineError(format!("period `{}` overlaps period `{}`", period.id, o.id)));
        }
        self.periods.push(period);
        self.periods.sort_by_key(|p| p.start);
        Ok(())
    }

    /// Closes a period: it takes no more postings.
    pub fn close_period(&mut self, id: &str) -> Result<(), DefineError> {
        match self.periods.iter_mut().find(|p| p.id == id) {
            Some(p) if p.closed => Err(DefineError(format!("period `{id}` is already closed"))),
            Some(p) => {
                p.closed = true;
                Ok(())
            }
            None => Err(DefineError(format!("period `{id}` is not defined"))),
        }
    }

    // ---- operations ---------------------------------------------------------------------------

    /// Applies an operation: posts one balanced transaction, records an instrument, or rejects
    /// with every violation found. A rejection changes nothing.
    pub fn apply(&mut self, op: Op) -> Result<Applied, Rejection> {
        if let Some(prev) = self.ops.get(&op.id) {
            if *prev == op {
                return Ok(Applied::Duplicate);
            }
            let mut v = Violations::default();
            v.push(Code::IdConflict, None, format!("id `{}` was used before with different content", op.id));
            return Err(v.into_rejection(&op.id));
        }
        let mut v = Violations::default();
        match self.period_of(op.date) {
            None => v.push(Code::PeriodUnknown, None, format!("{} is in no defined period", format_date(op.date))),
            Some(p) if p.closed => {
                v.push(Code::PeriodClosed, None, format!("{} is in closed period `{}`", format_date(op.date), p.id))
            }
            Some(_) => {}
        }
        if let Operation::Obtain(o) = &op.body {
            self.check_counterparty(&o.counterparty, "counterparty", &mut v);
            let co2e_g = match exact::round_i64(o.co2e_grams) {
                Ok(g) if g > 0 => g,
                Ok(_) => {
                    v.push(Code::QuantityNotPositive, Some("quantity"), "an instrument's quantity must be positive");
                    0
                }
                Err(_) => {
                    v.push(Code::Overflow, Some("quantity"), "quantity out of range");
                    0
                }
            };
            if !v.is_empty() {
                return Err(v.into_rejection(&op.id));
            }
            self.instruments.push(Instrument {
                id: op.id.clone(),
                date: op.date,
                kind: o.kind,
                co2e_g,
                counterparty: o.counterparty.clone(),
            });
            self.recorded.push(op.clone());
            self.ops.insert(op.id.clone(), op);
            return Ok(Applied::Recorded);
        }
        if let Operation::Custody(c) = &op.body {
            if v.is_empty() {
                self.apply_custody(&op, c, &mut v);
            }
            if !v.is_empty() {
                return Err(v.into_rejection(&op.id));
            }
            self.recorded.push(op.clone());
            self.ops.insert(op.id.clone(), op);
            return Ok(Applied::Recorded);
        }
        let planned = self.plan(&op, &mut v);
        let tx = match planned {
            Some(tx) if v.is_empty() => tx,
            _ => {
                if v.is_empty() {
                    v.push(Code::Overflow, None, "the operation could not be planned");
                }
                return Err(v.into_rejection(&op.id));
            }
        };
        self.check_transaction(&tx, &mut v);
        if !v.is_empty() {
            return Err(v.into_rejection(&op.id));
        }
        let idx = self.post(tx);
        self.ops.insert(op.id.clone(), op);
        Ok(Applied::Posted(idx))
    }

    /// Checks a planned or raw transaction against the chart, the balance rule and stock on hand.
    fn check_transaction(&self, tx: &Transaction, v: &mut Violations) {
        let mut totals = SideTotals::default();
        let mut sums: BTreeMap<PosKey, i128> = BTreeMap::new();
        for p in &tx.postings {
            match self.chart.get(&p.account) {
                None => {
                    v.push(Code::AccountUnknown, Some("post"), format!("account `{}` is not in the chart", p.account))
                }
                Some(a) => totals.add(a.side, p.species, p.amount),
            }
            *sums.entry((p.account.clone(), p.species, p.dims.clone())).or_default() += p.amount as i128;
        }
        for (key, add) in sums {
            let now = *self.positions.get(&key).unwrap_or(&0) as i128;
            if i64::try_from(now + add).is_err() {
                v.push(Code::Overflow, Some("post"), format!("account `{}` would leave the i64 range", key.0));
            }
        }
        if totals.stock_carbon != totals.flow_carbon {
            v.push(
                Code::UnbalancedCarbon,
                None,
                format!(
                    "stock side {} gC but flow side {} gC (difference {} gC)",
                    totals.stock_carbon,
                    totals.flow_carbon,
                    totals.stock_carbon - totals.flow_carbon
                ),
            );
        }
        for (sp, (s, f)) in &totals.gases {
            if s != f {
                v.push(Code::UnbalancedGas, None, format!("{sp}: stock side {s} g but flow side {f} g"));
            }
        }
        let mut qty: BTreeMap<QtyKey, i128> = BTreeMap::new();
        for m in &tx.movements {
            if !self.items.contains_key(&m.item) {
                v.push(Code::ItemUnknown, Some("move"), format!("item `{}` is not defined", m.item));
            }
            *qty.entry((m.item.clone(), m.site.clone(), m.lot.clone())).or_default() += m.quantity as i128;
        }
        for (key, add) in qty {
            let now = *self.quantities.get(&key).unwrap_or(&0) as i128;
            if now + add < 0 {
                v.push(
                    Code::InsufficientQuantity,
                    Some("quantity"),
                    format!("item `{}`{}: {} on hand, {} drawn", key.0, lot_suffix(&key.2), now, -add),
                );
            } else if i64::try_from(now + add).is_err() {
                v.push(Code::Overflow, Some("quantity"), format!("item `{}` quantity out of range", key.0));
            }
        }
    }

    fn post(&mut self, tx: Transaction) -> usize {
        for p in &tx.postings {
            let side = self.chart.get(&p.account).expect("checked before posting").side;
            self.totals.add(side, p.species, p.amount);
            let key = (p.account.clone(), p.species, p.dims.clone());
            let e = self.positions.entry(key.clone()).or_default();
            *e = e.checked_add(p.amount).expect("checked before posting");
            if *e == 0 {
                self.positions.remove(&key);
            }
        }
        for m in &tx.movements {
            let key = (m.item.clone(), m.site.clone(), m.lot.clone());
            let e = self.quantities.entry(key.clone()).or_default();
            *e += m.quantity;
            if let Some(lot) = &m.lot {
                let order = self.lot_order.entry((m.item.clone(), m.site.clone())).or_default();
                if !order.contains(lot) {
                    order.push(lot.clone());
                }
            }
        }
        if let Some(target) = &tx.reverses {
            self.reversed.insert(target.clone());
        }
        match (tx.kind, tx.meta.get(TRANSFER_META)) {
            (TxKind::Receive, Some(t)) => {
                self.received.insert(t.clone());
            }
            (TxKind::Return, _) => {
                if let (Some(sale), Some(customer)) = (tx.meta.get("sale"), tx.meta.get("customer")) {
                    self.returned.insert((sale.clone(), customer.clone()));
                }
            }
            _ => {}
        }
        self.tx_index.insert(tx.id.clone(), self.txs.len());
        self.txs.push(tx);
        // Conservation, asserted after every write: a failure here is a bug in the ledger.
        assert!(self.totals.balanced(), "carbon stocks must equal carbon flows after every transaction");
        self.txs.len() - 1
    }

    fn check_counterparty(&self, cp: &Option<String>, field: &'static str, v: &mut Violations) {
        if let Some(id) = cp {
            if !self.counterparties.contains_key(id) {
                v.push(Code::CounterpartyUnknown, Some(field), format!("counterparty `{id}` is not defined"));
            }
        }
    }

    fn item_or(&self, id: &str, field: &'static str, v: &mut Violations) -> Option<&Item> {
        let it = self.items.get(id);
        if it.is_none() {
            v.push(Code::ItemUnknown, Some(field), format!("item `{id}` is not defined"));
        }
        it
    }

    /// Exact quantity of an item in its base unit (g or kJ) for a measure as written.
    fn exact_quantity(&self, item: &Item, m: &Measure) -> Option<Q> {
        convert(item, m.base().ok()?, m.unit.dimension, item.measure)
    }

    /// Exact quantity in the given dimension (for intensities and keys).
    fn exact_in(&self, item: &Item, held: Q, dim: Dimension) -> Option<Q> {
        convert(item, held, item.measure, dim)
    }

    fn quantity_or(&self, item: &Item, m: &Measure, field: &'static str, v: &mut Violations) -> Option<(Q, i64)> {
        let Some(exact_q) = self.exact_quantity(item, m) else {
            v.push(
                Code::UnitMismatch,
                Some(field),
                format!(
                    "item `{}` is held by {}; `{}` cannot be converted (give its density or energy content)",
                    item.id,
                    item.measure.as_str(),
                    m.unit.name
                ),
            );
            return None;
        };
        let Ok(rounded) = exact::round_i64(exact_q) else {
            v.push(Code::Overflow, Some(field), format!("quantity {m} out of range"));
            return None;
        };
        if rounded <= 0 {
            v.push(Code::QuantityNotPositive, Some(field), format!("quantity {m} of `{}` must be positive", item.id));
            return None;
        }
        Some((exact_q, rounded))
    }

    fn carbon_or(&self, sm: &SpeciesMass, field: &'static str, v: &mut Violations) -> Option<i64> {
        match self.entity.ratios.ledger_amount(sm.species, sm.grams) {
            Ok(a) => Some(a),
            Err(_) => {
                v.push(Code::Overflow, Some(field), format!("{sm} out of range"));
                None
            }
        }
    }

    fn no_duplicate_species(&self, species: impl Iterator<Item = Species>, field: &'static str, v: &mut Violations) {
        let mut seen = BTreeSet::new();
        for sp in species {
            if !seen.insert(sp) {
                v.push(Code::DuplicateSpecies, Some(field), format!("{sp} is given twice"));
            }
        }
    }

    fn plan(&self, op: &Op, v: &mut Violations) -> Option<Transaction> {
        let mut d = Draft { chart: &self.chart, postings: Vec::new(), movements: Vec::new(), meta: BTreeMap::new() };
        let mut reverses = None;
        let mut description = op.memo.clone();
        let kind = match &op.body {
            Operation::Opening(r) => {
                self.plan_receipt(op, r, &mut d, v)?;
                TxKind::Opening
            }
            Operation::Purchase(r) => {
                self.plan_receipt(op, r, &mut d, v)?;
                TxKind::Purchase
            }
            Operation::Capitalise(c) => self.plan_capitalise(op, c, &mut d, v)?,
            Operation::Consume(c) => {
                self.plan_consume(c, &mut d, v)?;
                TxKind::Consume
            }
            Operation::Emit(e) => {
                self.plan_emit(e, &mut d, v)?;
                TxKind::Emit
            }
            Operation::Capture(c) => {
                self.plan_capture(c, &mut d, v)?;
                TxKind::Capture
            }
            Operation::Produce(p) => {
                self.plan_produce(op, p, &mut d, v)?;
                TxKind::Produce
            }
            Operation::Depreciate(dep) => {
                self.plan_depreciate(op, dep, &mut d, v)?;
                TxKind::Depreciate
            }
            Operation::Sell(s) => {
                self.plan_sell(s, &mut d, v)?;
                TxKind::Sell
            }
            Operation::Raw(r) => {
                d.postings = r.postings.clone();
                d.movements = r.movements.clone();
                d.meta = r.meta.clone();
                if !r.description.is_empty() {
                    description = r.description.clone();
                }
                reverses = r.reverses.clone();
                if let Some(t) = &reverses {
                    if self.transaction(t).is_none() || self.reversed.contains(t) {
                        v.push(
                            Code::ReversalInvalid,
                            Some("reverses"),
                            format!("`{t}` is unknown or already reversed"),
                        );
                    }
                }
                r.kind
            }
            Operation::Reverse { of } => {
                match self.transaction(of) {
                    None => v.push(Code::ReversalInvalid, Some("of"), format!("transaction `{of}` does not exist")),
                    Some(_) if self.reversed.contains(of) => {
                        v.push(Code::ReversalInvalid, Some("of"), format!("transaction `{of}` is already reversed"))
                    }
                    Some(_) if self.returned.iter().any(|(sale, _)| sale == of) => v.push(
                        Code::ReversalInvalid,
                        Some("of"),
                        format!("sale `{of}` had a delivery returned: reverse the return first, or return the rest"),
                    ),
                    Some(t) => {
                        d.postings = t.postings.iter().map(|p| Posting { amount: -p.amount, ..p.clone() }).collect();
                        d.movements =
                            t.movements.iter().map(|m| Movement { quantity: -m.quantity, ..m.clone() }).collect();
                        // The original's facts (quantities sold per customer, ...) describe what is undone.
                        d.meta = t.meta.clone();
                        reverses = Some(of.clone());
                        if description.is_empty() {
                            description = format!("Reversal of {of}");
                        }
                    }
                }
                TxKind::Reversal
            }
            Operation::Obtain(_) | Operation::Custody(_) => unreachable!("recorded before planning"),
            Operation::Receive(r) => {
                self.plan_receive(op, r, &mut d, v)?;
                TxKind::Receive
            }
            Operation::Return(r) => {
                self.plan_return(op, r, &mut d, v)?;
                TxKind::Return
            }
        };
        Some(Transaction {
            id: op.id.clone(),
            date: op.date,
            kind,
            description,
            postings: d.postings,
            movements: d.movements,
            reverses,
            meta: d.meta,
        })
    }

    /// Applies a chain-of-custody operation to a copy of the pool or certificate book and keeps
    /// the copy only if nothing was refused.
    fn apply_custody(&mut self, op: &Op, c: &CustodyOp, v: &mut Violations) {
        use crate::coc::{CertState, Certificate, CocError, PoolClaim, PoolInput, PoolOutput};
        let me = self.entity.id.clone();
        let map = |e: CocError, v: &mut Violations| {
            let (code, m) = match e {
                CocError::PoolUnknown(m) => (Code::PoolUnknown, m),
                CocError::PeriodClosed(m) => (Code::PoolPeriodClosed, m),
                CocError::OutsideBoundary(m) => (Code::OutsideBoundary, m),
                CocError::ClaimExceedsBalance(m) => (Code::ClaimExceedsBalance, m),
                CocError::StackedAttribution(m) => (Code::StackedAttribution, m),
                CocError::AttributionNotAllowed(m) => (Code::AttributionNotAllowed, m),
                CocError::CertificateUnknown(m) => (Code::CertificateUnknown, m),
                CocError::CertificateUnavailable(m) => (Code::CertificateUnavailable, m),
                CocError::PeriodNotEnded(m) => (Code::PeriodNotEnded, m),
                CocError::Invalid(m) => (Code::AllocationInvalid, m),
            };
            v.push(code, None, m);
        };
        let pool_id = match c {
            CustodyOp::PoolInput { pool, .. }
            | CustodyOp::PoolOutput { pool, .. }
            | CustodyOp::PoolClaim { pool, .. }
            | CustodyOp::PoolClose { pool, .. }
            | CustodyOp::CertificateIssue { pool, .. } => Some(pool.clone()),
            _ => None,
        };
        let mut pool = match &pool_id {
            Some(id) => match self.pools.get(id) {
                Some(p) => Some(p.clone()),
                None => {
                    v.push(Code::PoolUnknown, Some("pool"), format!("pool `{id}` is not defined"));
                    return;
                }
            },
            None => None,
        };
        let mut book = self.certificates.clone();
        let quantity = |m: &Measure, item: &str, v: &mut Violations| -> Option<i64> {
            let it = self.item_or(item, "item", v)?;
            self.quantity_or(it, m, "quantity", v).map(|(_, q)| q)
        };
        let res: Result<(), CocError> = match c {
            CustodyOp::PoolInput { item, quantity: m, intensity, site, process, batch, .. } => {
                let Some(q) = quantity(m, item, v) else { return };
                let p = pool.as_mut().expect("pool op");
                let eligible = p.is_eligible(item, *intensity);
                p.add_input(
                    PoolInput {
                        id: op.id.clone(),
                        date: op.date,
                        item: item.clone(),
                        quantity: q,
                        intensity: *intensity,
                        eligible,
                        site: site.clone(),
                    },
                    process.as_deref(),
                    batch.as_deref(),
                )
            }
            CustodyOp::PoolOutput { item, quantity: m, site, process, batch, .. } => {
                let Some(q) = quantity(m, item, v) else { return };
                let p = pool.as_mut().expect("pool op");
                match p.policy.group_of(item).map(str::to_string) {
                    None => Err(CocError::Invalid(format!(
                        "item `{item}` is in no product group of pool `{}`",
                        p.policy.id
                    ))),
                    Some(group) => p.add_output(
                        PoolOutput {
                            id: op.id.clone(),
                            date: op.date,
                            item: item.clone(),
                            group,
                            quantity: q,
                            site: site.clone(),
                        },
                        process.as_deref(),
                        batch.as_deref(),
                    ),
                }
            }
            CustodyOp::PoolClaim { output, quantity: m, factor, .. } => {
                let p = pool.as_mut().expect("pool op");
                let item = output
                    .as_ref()
                    .and_then(|o| p.periods.values().flat_map(|x| x.outputs.iter()).find(|x| &x.id == o))
                    .map(|x| x.item.clone());
                let Some(item) = item else {
                    v.push(Code::AllocationInvalid, Some("output"), "a claim names one of the pool's outputs");
                    return;
                };
                let Some(q) = quantity(m, &item, v) else { return };
                p.add_claim(PoolClaim {
                    id: op.id.clone(),
                    date: op.date,
                    output: output.clone(),
                    quantity: q,
                    factor: *factor,
                    certificate: None,
                })
            }
            CustodyOp::PoolClose { period, .. } => {
                let p = pool.as_mut().expect("pool op");
                let target = match period {
                    Some(x) => Some(*x),
                    None => p.policy.period_of(op.date).and_then(|x| x.checked_sub(1)),
                };
                match target {
                    Some(t) => p.close(op.date, t).map(|_| ()),
                    None => Err(CocError::PeriodNotEnded("no period of the pool has ended by this date".into())),
                }
            }
            CustodyOp::CertificateIssue { certificate, units, bundled_with, expires, .. } => {
                let p = pool.as_mut().expect("pool op");
                let form = p.policy.output;
                if form == crate::coc::OutputForm::UpdatedFactor {
                    Err(CocError::AttributionNotAllowed(format!(
                        "pool `{}` outputs an updated factor, not certificates",
                        p.policy.id
                    )))
                } else if (form == crate::coc::OutputForm::BundledCertificate) != bundled_with.is_some() {
                    Err(CocError::Invalid(format!(
                        "pool `{}` issues {} certificates: {}",
                        p.policy.id,
                        form.as_str(),
                        if bundled_with.is_some() { "do not name a sale" } else { "name the sale they travel with" }
                    )))
                } else if bundled_with
                    .as_ref()
                    .is_some_and(|s| self.transaction(s).is_none_or(|t| t.kind != TxKind::Sell))
                {
                    Err(CocError::Invalid(format!(
                        "`{}` is not a sale of this ledger",
                        bundled_with.clone().unwrap_or_default()
                    )))
                } else if *units <= 0 {
                    Err(CocError::Invalid("a certificate has at least one unit".into()))
                } else {
                    let period = p.policy.period_of(op.date).unwrap_or(0);
                    let unit = crate::coc::certificate_unit(p.policy.attribute);
                    p.add_claim(PoolClaim {
                        id: op.id.clone(),
                        date: op.date,
                        output: None,
                        quantity: units.saturating_mul(unit),
                        factor: None,
                        certificate: Some(certificate.clone()),
                    })
                    .and_then(|_| {
                        book.issue(
                            Certificate {
                                id: certificate.clone(),
                                pool: p.policy.id.clone(),
                                period,
                                prefix: format!("{}-{}-{}", me, p.policy.id, period),
                                first: 0,
                                last: 0,
                                bundled_with: bundled_with.clone(),
                                expires: *expires,
                                holder: me.clone(),
                                state: CertState::Active,
                                history: vec![(op.date, format!("issued from pool {} period {period}", p.policy.id))],
                                retirement: None,
                            },
                            *units,
                        )
                    })
                }
            }
            CustodyOp::CertificateSplit { certificate, units, first, rest } => {
                book.split(certificate, &me, *units, first, rest, op.date)
            }
            CustodyOp::CertificateTransfer { certificate, to } => {
                self.check_counterparty(&Some(to.clone()), "to", v);
                match book.get_active(certificate, &me).map(|c| c.bundled_with.clone()) {
                    Ok(Some(sale)) => {
                        let sold_to = self.transaction(&sale).is_some_and(|t| {
                            t.meta.contains_key(&format!("{}{to}", crate::statements::SOLD_TO_PREFIX))
                        });
                        if sold_to {
                            book.set_state(
                                certificate,
                                &me,
                                op.date,
                                CertState::TransferredOut,
                                format!("transferred to {to} with sale {sale}"),
                            )
                        } else {
                            Err(CocError::CertificateUnavailable(format!(
                                "certificate `{certificate}` is bundled with sale `{sale}`, which did not go to `{to}`"
                            )))
                        }
                    }
                    Ok(None) => book.set_state(
                        certificate,
                        &me,
                        op.date,
                        CertState::TransferredOut,
                        format!("transferred to {to}"),
                    ),
                    Err(e) => Err(e),
                }
                .map(|_| {
                    if let Some(c) = book.certificates.get_mut(certificate) {
                        c.holder = to.clone();
                    }
                })
            }
            CustodyOp::CertificateReceive { certificate, from, block } => {
                self.check_counterparty(&Some(from.clone()), "from", v);
                match block {
                    Some(b) => book.receive(certificate, from, &me, b, op.date),
                    None => Err(CocError::CertificateUnknown(format!(
                        "certificate `{certificate}` from `{from}` is not resolved: a registry fills it from the sender's book"
                    ))),
                }
            }
            CustodyOp::CertificateRetire { certificate, beneficiary, purpose, claim_period } => {
                book.retire(certificate, &me, op.date, (beneficiary.clone(), purpose.clone(), claim_period.clone()))
            }
            CustodyOp::CertificateCancel { certificate, reason } => {
                book.set_state(certificate, &me, op.date, CertState::Cancelled, format!("cancelled: {reason}"))
            }
            CustodyOp::CertificateExpire { certificate } => {
                match book.certificates.get(certificate).and_then(|c| c.expires) {
                    Some(e) if op.date > e => {
                        book.set_state(certificate, &me, op.date, CertState::Expired, "expired".into())
                    }
                    Some(e) => Err(CocError::CertificateUnavailable(format!(
                        "certificate `{certificate}` is valid until {}",
                        format_date(e)
                    ))),
                    None if book.certificates.contains_key(certificate) => {
                        Err(CocError::CertificateUnavailable(format!("certificate `{certificate}` has no expiry date")))
                    }
                    None => Err(CocError::CertificateUnknown(format!("no certificate `{certificate}`"))),
                }
            }
            CustodyOp::Avoided { project, basis, baseline, actual, quantity: m, allocated_to } => {
                let Ok(base) = m.base() else {
                    v.push(Code::Overflow, Some("quantity"), "quantity out of range");
                    return;
                };
                let Ok(q) = exact::round_i64(base) else {
                    v.push(Code::Overflow, Some("quantity"), "quantity out of range");
                    return;
                };
                if q <= 0 {
                    v.push(
                        Code::QuantityNotPositive,
                        Some("quantity"),
                        "an avoided-emission certificate needs a positive quantity",
                    );
                    return;
                }
                if actual > baseline {
                    v.push(
                        Code::AllocationInvalid,
                        Some("actual"),
                        "actual intensity above the baseline: nothing was avoided",
                    );
                    return;
                }
                match exact::round_i64((*baseline - *actual) * exact::q(q as i128)) {
                    Ok(avoided) => {
                        self.avoided.push(crate::coc::AvoidedCertificate {
                            id: op.id.clone(),
                            date: op.date,
                            basis: *basis,
                            project: project.clone(),
                            baseline: *baseline,
                            actual: *actual,
                            quantity: q,
                            avoided,
                            allocated_to: allocated_to.clone(),
                        });
                        Ok(())
                    }
                    Err(_) => {
                        v.push(Code::Overflow, Some("quantity"), "avoided emissions out of range");
                        return;
                    }
                }
            }
        };
        if let Err(e) = res {
            map(e, v);
        }
        if v.is_empty() {
            if let (Some(id), Some(p)) = (pool_id, pool) {
                self.pools.insert(id, p);
            }
            self.certificates = book;
        }
    }

    fn lot_for(&self, item: &Item, given: &Option<String>, op_id: &str) -> Option<String> {
        match item.costing {
            Costing::Mwa => None,
            Costing::Fifo | Costing::Specific => Some(given.clone().unwrap_or_else(|| op_id.to_string())),
        }
    }

    fn plan_receipt(&self, op: &Op, r: &Receipt, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.check_counterparty(&r.counterparty, "supplier", v);
        let item = self.item_or(&r.item, "item", v)?;
        let Some(origin) = Origin::of_category(item.category) else {
            v.push(
                Code::UnitMismatch,
                Some("item"),
                format!("item `{}` is a {}; only inputs are purchased", item.id, item.category.as_str()),
            );
            return None;
        };
        let (content_role, attributed_role) = inventory_roles(item.category);
        self.no_duplicate_species(
            r.factors.iter().map(|f| f.species).chain(r.attributed.iter().map(|a| a.species)),
            "factor",
            v,
        );
        let quantity = match &r.quantity {
            Some(m) => Some(self.quantity_or(item, m, "quantity", v)?),
            None => None,
        };
        let lot = self.lot_for(item, &r.lot, &op.id);
        let stock_dims = dims(Some(&item.id), lot.as_deref(), &r.site, Some(origin));
        let mut flow_dims = stock_dims.clone();
        flow_dims.counterparty = r.counterparty.clone();
        let book = |d: &mut Draft, species: Species, amount: i64, content: bool| {
            let (role, sd, fd) = if content {
                (content_role, Dims { origin: None, ..stock_dims.clone() }, Dims { origin: None, ..flow_dims.clone() })
            } else {
                (Some(attributed_role), stock_dims.clone(), flow_dims.clone())
            };
            let Some(role) = role else {
                return;
            };
            d.post(role, species, amount, sd);
            if species.is_carbon() {
                d.post(if content { Role::InContent } else { Role::InAttributed }, species, amount, fd);
            } else {
                d.post(Role::InAttributed, species, amount, fd);
            }
        };
        for f in &r.factors {
            if f.species == Species::C {
                v.push(Code::UnitMismatch, Some("factor"), "carbon content is given with `content`, not as a factor");
                continue;
            }
            let Some((exact_q, _)) = quantity else {
                v.push(Code::UnitMismatch, Some("factor"), "an emission factor needs a quantity");
                continue;
            };
            let Some(in_dim) = self.exact_in(item, exact_q, f.per.dimension) else {
                v.push(
                    Code::UnitMismatch,
                    Some("factor"),
                    format!(
                        "factor {f} is per {}, and item `{}` has no conversion to it",
                        f.per.dimension.as_str(),
                        item.id
                    ),
                );
                continue;
            };
            let gas = f.grams_per_base().and_then(|g| exact::mul(in_dim, g));
            match gas.and_then(|g| self.entity.ratios.ledger_amount(f.species, g)) {
                Ok(a) => book(d, f.species, a, false),
                Err(_) => v.push(Code::Overflow, Some("factor"), format!("{f} x quantity out of range")),
            }
        }
        for a in &r.attributed {
            if a.species == Species::C {
                v.push(Code::UnitMismatch, Some("attributed"), "carbon content is given with `content`");
                continue;
            }
            if let Some(amount) = self.carbon_or(a, "attributed", v) {
                book(d, a.species, amount, false);
            }
        }
        let content = match (&r.content, item.carbon_content, quantity) {
            (Some(c), _, _) => {
                if c.species != Species::C {
                    v.push(Code::UnitMismatch, Some("content"), format!("content is carbon (`tC`), not {}", c.species));
                    None
                } else {
                    self.carbon_or(c, "content", v)
                }
            }
            (None, Some(frac), Some((exact_q, _))) => match self.exact_in(item, exact_q, Dimension::Mass) {
                Some(mass) => exact::mul(mass, frac).and_then(exact::round_i64).ok(),
                None => {
                    v.push(Code::UnitMismatch, Some("quantity"), "carbon content fraction needs a mass");
                    None
                }
            },
            _ => None,
        };
        if let Some(c) = content.filter(|c| *c != 0) {
            if content_role.is_none() {
                v.push(
                    Code::ContentNotAllowed,
                    Some("content"),
                    format!("item `{}` cannot hold carbon content", item.id),
                );
            } else {
                book(d, Species::C, c, true);
            }
        }
        if let Some((_, q)) = quantity {
            d.movement(&item.id, &r.site, lot, q);
        }
        if let Some(m) = r.custody {
            d.meta.insert(CUSTODY_META.into(), m.as_str().into());
        }
        Some(())
    }

    fn plan_capitalise(&self, op: &Op, c: &Capitalise, d: &mut Draft, v: &mut Violations) -> Option<TxKind> {
        self.check_counterparty(&c.counterparty, "counterparty", v);
        let Some(asset) = self.assets.get(&c.asset) else {
            v.push(Code::AssetUnknown, Some("asset"), format!("asset `{}` is not defined", c.asset));
            return None;
        };
        self.no_duplicate_species(c.amounts.iter().map(|a| a.species), "amount", v);
        let elapsed = (MonthIndex::of(op.date).0 - asset.in_service.0).clamp(0, asset.life_months as i32) as i128;
        for a in &c.amounts {
            if a.species == Species::C {
                v.push(Code::UnitMismatch, Some("amount"), "capitalised amounts are emissions, not content");
                continue;
            }
            let Some(amount) = self.carbon_or(a, "amount", v) else {
                continue;
            };
            let sd = dims(Some(&asset.id), None, &c.site, Some(Origin::Ppe));
            let fd = Dims { counterparty: c.counterparty.clone(), ..sd.clone() };
            d.post(Role::PpeAttributed, a.species, amount, sd.clone());
            d.post(Role::InAttributed, a.species, amount, fd);
            if elapsed > 0 {
                // Depreciation already taken before the ledger started, and passed on with products.
                let acc = exact::round_i64(Q::new(amount as i128 * elapsed, asset.life_months as i128)).ok()?;
                d.post(Role::PpeDepreciation, a.species, -acc, sd.clone());
                d.post(Role::OutEmissions, a.species, -acc, sd);
            }
        }
        if elapsed > 0 {
            d.meta.insert("months_depreciated_before".into(), elapsed.to_string());
            Some(TxKind::Opening)
        } else {
            Some(TxKind::Capital)
        }
    }

    /// Positions of an item's inventory at a site and lot.
    fn inventory_positions(&self, item: &str, site: &Option<String>, lot: &Option<String>) -> Vec<(PosKey, i64)> {
        self.positions
            .iter()
            .filter(|((acc, _, dm), _)| {
                dm.item.as_deref() == Some(item)
                    && dm.site == *site
                    && dm.lot == *lot
                    && self.chart.get(acc).is_some_and(|a| is_inventory_role(a.role))
            })
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// Which lots a draw of `quantity` takes, and how much from each.
    fn draw_lots(
        &self,
        item: &Item,
        site: &Option<String>,
        lot: &Option<String>,
        quantity: i64,
        field: &'static str,
        v: &mut Violations,
    ) -> Option<Vec<(Option<String>, i64, i64)>> {
        let on_hand =
            |l: &Option<String>| *self.quantities.get(&(item.id.clone(), site.clone(), l.clone())).unwrap_or(&0);
        let lots: Vec<Option<String>> = match (item.costing, lot) {
            (Costing::Mwa, _) => vec![None],
            (_, Some(l)) => {
                if on_hand(&Some(l.clone())) == 0 {
                    v.push(Code::LotUnknown, Some(field), format!("item `{}` holds no lot `{l}`", item.id));
                    return None;
                }
                vec![Some(l.clone())]
            }
            (Costing::Specific, None) => {
                v.push(
                    Code::LotUnknown,
                    Some(field),
                    format!("item `{}` is costed by specific lot: name the lot", item.id),
                );
                return None;
            }
            (Costing::Fifo, None) => self
                .lot_order
                .get(&(item.id.clone(), site.clone()))
                .map(|ls| ls.iter().map(|l| Some(l.clone())).collect())
                .unwrap_or_default(),
        };
        let mut rest = quantity;
        let mut draws = Vec::new();
        for l in lots {
            if rest == 0 {
                break;
            }
            let have = on_hand(&l);
            if have <= 0 {
                continue;
            }
            let take = rest.min(have);
            draws.push((l, take, have));
            rest -= take;
        }
        if rest > 0 {
            v.push(
                Code::InsufficientQuantity,
                Some(field),
                format!("item `{}`{}: {} on hand, {} drawn", item.id, lot_suffix(lot), quantity - rest, quantity),
            );
            return None;
        }
        Some(draws)
    }

    fn plan_consume(&self, c: &Consume, d: &mut Draft, v: &mut Violations) -> Option<()> {
        for u in &c.uses {
            let Some(item) = self.item_or(&u.item, "use", v) else {
                continue;
            };
            let Some((_, q)) = self.quantity_or(item, &u.quantity, "use", v) else {
                continue;
            };
            let Some(draws) = self.draw_lots(item, &c.site, &u.lot, q, "use", v) else {
                continue;
            };
            for (lot, take, have) in draws {
                for ((acc, species, dm), amount) in self.inventory_positions(&item.id, &c.site, &lot) {
                    let Ok(taken) = exact::scale(amount, take, have) else {
                        v.push(Code::Overflow, Some("use"), "amount out of range");
                        continue;
                    };
                    let role = self.chart.get(&acc).expect("inventory positions have accounts").role;
                    d.post_code(&acc, species, -taken, dm.clone());
                    let (wip_role, origin) = match role.form() {
                        Form::Content => (Role::WipContent, None),
                        Form::Emissions => (Role::WipAttributed, dm.origin),
                    };
                    d.post(wip_role, species, taken, dims(None, None, &c.site, origin));
                }
                d.movement(&item.id, &c.site, lot, -take);
            }
        }
        Some(())
    }

    fn wip_total(&self, role: Role, species: Option<Species>, site: &Option<String>) -> i64 {
        let code = &self.chart.by_role(role).code;
        self.positions
            .iter()
            .filter(|((acc, sp, dm), _)| acc == code && dm.site == *site && species.is_none_or(|s| s == *sp))
            .map(|(_, a)| *a)
            .sum()
    }

    fn plan_emit(&self, e: &Emit, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.no_duplicate_species(e.emissions.iter().map(|x| x.species), "emission", v);
        let mut carbon = 0i64;
        let wip = dims(None, None, &e.site, Some(Origin::Direct));
        for x in &e.emissions {
            if x.species == Species::C {
                v.push(Code::UnitMismatch, Some("emission"), "carbon content is not an emission: name the gas");
                continue;
            }
            let Some(amount) = self.carbon_or(x, "emission", v) else {
                continue;
            };
            d.post(Role::WipDirect, x.species, amount, wip.clone());
            if x.species.is_carbon() {
                carbon += amount;
            } else {
                d.post(Role::InGenerated, x.species, amount, wip.clone());
            }
        }
        let available = self.wip_total(Role::WipContent, Some(Species::C), &e.site);
        if carbon > available {
            v.push(
                Code::InsufficientCarbon,
                Some("emission"),
                format!("{carbon} gC emitted but work in process holds {available} gC of content"),
            );
        }
        d.post(Role::WipContent, Species::C, -carbon, dims(None, None, &e.site, None));
        Some(())
    }

    fn plan_capture(&self, c: &Capture, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let op = Some(c.operator.clone());
        self.check_counterparty(&op, "operator", v);
        self.no_duplicate_species(c.captured.iter().map(|x| x.species), "captured", v);
        self.no_duplicate_species(c.process.iter().map(|x| x.species), "process", v);
        let wip = dims(None, None, &c.site, Some(Origin::Ccs));
        let flow = Dims { counterparty: op, ..wip.clone() };
        for (list, sign, field) in [(&c.captured, -1i64, "captured"), (&c.process, 1, "process")] {
            for x in list {
                if !x.species.is_carbon() || x.species == Species::C {
                    v.push(
                        Code::UnitMismatch,
                        Some(field),
                        format!("{} cannot be captured or stored as carbon", x.species),
                    );
                    continue;
                }
                let Some(amount) = self.carbon_or(x, field, v) else {
                    continue;
                };
                if sign < 0 {
                    let emitted = self.wip_total(Role::WipDirect, Some(x.species), &c.site);
                    if amount > emitted {
                        v.push(
                            Code::CaptureExceedsEmissions,
                            Some(field),
                            format!("{amount} gC of {} captured but {emitted} gC in work in process", x.species),
                        );
                    }
                }
                d.post(Role::WipDirect, x.species, sign * amount, wip.clone());
                d.post(Role::OutSequestered, x.species, sign * amount, flow.clone());
            }
        }
        Some(())
    }

    fn plan_produce(&self, op: &Op, p: &Produce, d: &mut Draft, v: &mut Violations) -> Option<()> {
        if p.outputs.is_empty() {
            v.push(Code::AllocationInvalid, Some("output"), "a production needs at least one output");
            return None;
        }
        let mut outs = Vec::new();
        for o in &p.outputs {
            let Some(item) = self.item_or(&o.item, "output", v) else {
                continue;
            };
            if item.category.is_input() {
                v.push(
                    Code::UnitMismatch,
                    Some("output"),
                    format!("item `{}` is an input ({}), not an output", item.id, item.category.as_str()),
                );
                continue;
            }
            let Some((exact_q, q)) = self.quantity_or(item, &o.quantity, "output", v) else {
                continue;
            };
            let measured = match &o.content {
                Some(c) if c.species != Species::C => {
                    v.push(Code::UnitMismatch, Some("output"), "an output's content is carbon (`tC`)");
                    continue;
                }
                Some(c) => self.carbon_or(c, "output", v)?,
                None => 0,
            };
            outs.push((o, item, exact_q, q, measured));
        }
        if outs.len() != p.outputs.len() {
            return None;
        }
        // The key: one integer weight per output; cut-off outputs weigh nothing for emissions.
        let mut weights = Vec::new();
        for (o, item, exact_q, _, measured) in &outs {
            let w = match p.key {
                AllocationKey::Mass => self.exact_in(item, *exact_q, Dimension::Mass).map(exact::round_half_even),
                AllocationKey::Energy => self.exact_in(item, *exact_q, Dimension::Energy).map(exact::round_half_even),
                AllocationKey::Carbon => Some(*measured as i128),
                AllocationKey::Value => o.value.map(|x| exact::round_half_even(x * exact::q(1_000_000))),
            };
            match w {
                Some(w) if w >= 0 => weights.push(if o.cut_off { 0 } else { w }),
                _ => {
                    v.push(
                        Code::AllocationInvalid,
                        Some("output"),
                        format!("output `{}` has no {} for the allocation key", o.item, p.key.as_str()),
                    );
                    return None;
                }
            }
        }
        if weights.iter().all(|w| *w == 0) {
            v.push(
                Code::AllocationInvalid,
                Some("allocation"),
                "no output takes emissions: every output is cut off or weighs zero",
            );
            return None;
        }
        let wip_codes: BTreeMap<&str, Role> = [Role::WipContent, Role::WipAttributed, Role::WipDirect]
            .into_iter()
            .map(|r| (self.chart.by_role(r).code.as_str(), r))
            .collect();
        let wip: Vec<(PosKey, Role, i64)> = self
            .positions
            .iter()
            .filter(|((acc, _, dm), _)| dm.site == p.site && wip_codes.contains_key(acc.as_str()))
            .map(|(k, a)| (k.clone(), wip_codes[k.0.as_str()], *a))
            .collect();
        let total_content: i64 = wip.iter().filter(|(_, r, _)| *r == Role::WipContent).map(|(_, _, a)| *a).sum();
        let measured_total: i64 = outs.iter().map(|o| o.4).sum();
        let content_weights: Vec<i128> =
            if measured_total > 0 { outs.iter().map(|o| o.4 as i128).collect() } else { weights.clone() };
        for ((acc, species, dm), role, amount) in &wip {
            let content = *role == Role::WipContent;
            let parts = exact::allocate(*amount, if content { &content_weights } else { &weights })?;
            d.post_code(acc, *species, -amount, dm.clone());
            for ((o, item, ..), part) in outs.iter().zip(parts) {
                let to_role = match role {
                    Role::WipContent if o.cut_off => Role::ByproductContent,
                    Role::WipContent => Role::ProductContent,
                    Role::WipAttributed => Role::ProductAttributed,
                    _ => Role::ProductDirect,
                };
                let lot = self.lot_for(item, &None, &op.id);
                let origin = if content { None } else { dm.origin };
                d.post(to_role, *species, part, dims(Some(&item.id), lot.as_deref(), &p.site, origin));
            }
        }
        for (_, item, _, q, _) in &outs {
            let lot = self.lot_for(item, &None, &op.id);
            d.movement(&item.id, &p.site, lot, *q);
        }
        d.meta.insert("allocation".into(), p.key.as_str().into());
        d.meta.insert("wip_content_gC".into(), total_content.to_string());
        d.meta.insert("measured_content_gC".into(), measured_total.to_string());
        d.meta.insert("closure_gC".into(), (total_content - measured_total).to_string());
        Some(())
    }

    fn plan_depreciate(&self, op: &Op, dep: &Depreciate, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let Some(asset) = self.assets.get(&dep.asset) else {
            v.push(Code::AssetUnknown, Some("asset"), format!("asset `{}` is not defined", dep.asset));
            return None;
        };
        if dep.to.is_empty() {
            v.push(Code::AllocationInvalid, Some("to"), "name the products that receive the depreciation");
            return None;
        }
        for (item, _) in &dep.to {
            if let Some(it) = self.item_or(item, "to", v) {
                if it.category != Category::Product {
                    v.push(Code::AllocationInvalid, Some("to"), format!("`{item}` is not a product"));
                }
            }
        }
        let weights: Vec<i128> = dep.to.iter().map(|(_, w)| exact::round_half_even(*w * exact::q(1_000_000))).collect();
        let months = (MonthIndex::of(op.date).0 - asset.in_service.0 + 1).clamp(0, asset.life_months as i32) as i128;
        let (cap_code, dep_code) =
            (&self.chart.by_role(Role::PpeAttributed).code, &self.chart.by_role(Role::PpeDepreciation).code);
        let mut by_species: BTreeMap<(Species, Option<String>), (i64, i64)> = BTreeMap::new();
        for ((acc, sp, dm), a) in &self.positions {
            if dm.item.as_deref() != Some(&asset.id) {
                continue;
            }
            if acc == cap_code {
                by_species.entry((*sp, dm.site.clone())).or_default().0 += a;
            } else if acc == dep_code {
                by_species.entry((*sp, dm.site.clone())).or_default().1 -= a;
            }
        }
        let mut any = false;
        for ((species, site), (capitalised, accumulated)) in by_species {
            let target = exact::round_i64(Q::new(capitalised as i128 * months, asset.life_months as i128)).ok()?;
            let amount = target - accumulated;
            if amount <= 0 {
                continue;
            }
            any = true;
            d.post(Role::PpeDepreciation, species, -amount, dims(Some(&asset.id), None, &site, Some(Origin::Ppe)));
            let Some(parts) = exact::allocate(amount, &weights) else {
                v.push(Code::AllocationInvalid, Some("to"), "depreciation weights are all zero");
                return None;
            };
            for ((item, _), part) in dep.to.iter().zip(parts) {
                let lot = self.items.get(item).and_then(|it| self.lot_for(it, &None, &op.id));
                d.post(
                    Role::ProductDepreciation,
                    species,
                    part,
                    dims(Some(item), lot.as_deref(), &dep.site, Some(Origin::Ppe)),
                );
            }
        }
        if !any {
            v.push(
                Code::NothingToDepreciate,
                Some("asset"),
                format!("asset `{}` has nothing left to depreciate up to {}", asset.id, MonthIndex::of(op.date)),
            );
        }
        d.meta.insert("months_in_service".into(), months.to_string());
        Some(())
    }

    fn plan_receive(&self, op: &Op, r: &Receive, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.check_counterparty(&r.supplier, "supplier", v);
        if self.received.contains(&r.transfer) {
            v.push(Code::TransferInvalid, Some("transfer"), format!("transfer `{}` was already received", r.transfer));
        }
        let (Some(quantity), Some(_)) = (r.quantity, &r.supplier) else {
            v.push(
                Code::TransferInvalid,
                Some("transfer"),
                format!(
                    "transfer `{}` is not resolved: a registry fills its supplier, quantity and amounts",
                    r.transfer
                ),
            );
            return None;
        };
        let item = self.item_or(&r.item, "item", v)?;
        if quantity <= 0 {
            v.push(Code::QuantityNotPositive, Some("quantity"), "a transfer's quantity must be positive");
        }
        let (content_role, attributed_role) = inventory_roles(item.category);
        let lot = self.lot_for(item, &r.lot, &op.id);
        let origin = Origin::of_category(item.category).unwrap_or(Origin::RawMaterials);
        for (form, species, amount) in &r.amounts {
            let (stock, flow, origin) = match form {
                TransferForm::Content => (content_role, Role::InContent, None),
                TransferForm::Emissions => (Some(attributed_role), Role::InAttributed, Some(origin)),
            };
            let Some(stock) = stock else {
                v.push(Code::ContentNotAllowed, Some("item"), format!("item `{}` cannot hold carbon content", item.id));
                continue;
            };
            let sd = dims(Some(&item.id), lot.as_deref(), &r.site, origin);
            d.post(stock, *species, *amount, sd.clone());
            d.post(flow, *species, *amount, Dims { counterparty: r.supplier.clone(), ..sd });
        }
        d.movement(&item.id, &r.site, lot, quantity);
        d.meta.insert(TRANSFER_META.into(), r.transfer.clone());
        if let Some(m) = r.custody {
            d.meta.insert(CUSTODY_META.into(), m.as_str().into());
        }
        Some(())
    }

    fn plan_return(&self, op: &Op, r: &Return, d: &mut Draft, v: &mut Violations) -> Option<()> {
        let Some(sale) = self.transaction(&r.sale).filter(|t| t.kind == TxKind::Sell) else {
            v.push(Code::TransferInvalid, Some("sale"), format!("`{}` is not a sale of this ledger", r.sale));
            return None;
        };
        let key = format!("{}{}", crate::statements::SOLD_TO_PREFIX, r.customer);
        let Some(quantity) = sale.meta.get(&key).and_then(|q| q.parse::<i64>().ok()) else {
            v.push(
                Code::TransferInvalid,
                Some("customer"),
                format!("sale `{}` sold nothing to `{}`", r.sale, r.customer),
            );
            return None;
        };
        if self.returned.contains(&(r.sale.clone(), r.customer.clone())) || self.reversed.contains(&r.sale) {
            v.push(
                Code::TransferInvalid,
                Some("sale"),
                format!("sale `{}` to `{}` was already undone", r.sale, r.customer),
            );
            return None;
        }
        let item_id = sale.movements.first().map(|m| m.item.clone())?;
        let item = self.item_or(&item_id, "sale", v)?;
        let lot = self.lot_for(item, &None, &op.id);
        let (content_role, _) = inventory_roles(item.category);
        let out_content = &self.chart.by_role(Role::OutContent).code;
        for p in sale.postings.iter().filter(|p| p.dims.counterparty.as_deref() == Some(r.customer.as_str())) {
            let stock = if p.account == *out_content {
                content_role.unwrap_or(Role::ProductContent)
            } else {
                match p.dims.origin {
                    Some(Origin::Direct | Origin::Ccs) => Role::ProductDirect,
                    Some(Origin::Ppe) => Role::ProductDepreciation,
                    // Transport emissions of the refused delivery stay with the goods that came back.
                    _ => Role::ProductAttributed,
                }
            };
            let back = Dims { counterparty: None, lot: lot.clone(), ..p.dims.clone() };
            d.post(stock, p.species, -p.amount, back);
            d.post_code(&p.account, p.species, -p.amount, p.dims.clone());
        }
        d.movement(&item.id, &sale.movements[0].site, lot, quantity);
        d.meta.insert(key, (-quantity).to_string());
        d.meta.insert("sale".into(), r.sale.clone());
        d.meta.insert("customer".into(), r.customer.clone());
        Some(())
    }

    fn plan_sell(&self, s: &Sell, d: &mut Draft, v: &mut Violations) -> Option<()> {
        self.check_counterparty(&s.carrier, "carrier", v);
        let item = self.item_or(&s.item, "item", v)?;
        if item.category.is_input() {
            v.push(Code::UnitMismatch, Some("item"), format!("item `{}` is an input, not a product", item.id));
            return None;
        }
        if s.lines.is_empty() {
            v.push(Code::AllocationInvalid, Some("customer"), "a sale needs at least one customer");
            return None;
        }
        for l in &s.lines {
            self.check_counterparty(&Some(l.customer.clone()), "customer", v);
        }
        let on_hand: i64 = self
            .quantities
            .iter()
            .filter(|((it, site, lot), _)| *it == item.id && *site == s.site && (s.lot.is_none() || *lot == s.lot))
            .map(|(_, q)| *q)
            .sum();
        let total = match &s.quantity {
            Some(m) => self.quantity_or(item, m, "quantity", v)?.1,
            None => on_hand,
        };
        let per_customer: Vec<i64> = if s.lines.iter().all(|l| l.share.is_some()) {
            let shares: Vec<Q> = s.lines.iter().map(|l| l.share.expect("checked")).collect();
            if shares.iter().copied().sum::<Q>() != exact::q(1) || shares.iter().any(|x| *x < exact::q(0)) {
                v.push(
                    Code::AllocationInvalid,
                    Some("customer"),
                    "customer shares must be non-negative and sum to 100%",
                );
                return None;
            }
            let w: Vec<i128> = shares.iter().map(|x| exact::round_half_even(*x * exact::q(1_000_000_000))).collect();
            exact::allocate(total, &w)?
        } else if s.lines.iter().all(|l| l.quantity.is_some()) {
            let mut qs = Vec::new();
            for l in &s.lines {
                qs.push(self.quantity_or(item, l.quantity.as_ref().expect("checked"), "customer", v)?.1);
            }
            let sum: i64 = qs.iter().sum();
            if s.quantity.is_some() && sum != total {
                v.push(
                    Code::AllocationInvalid,
                    Some("customer"),
                    "customer quantities do not add up to the sale's quantity",
                );
                return None;
            }
            qs
        } else {
            v.push(
                Code::AllocationInvalid,
                Some("customer"),
                "give every customer a share, or every customer a quantity",
            );
            return None;
        };
        let total: i64 = per_customer.iter().sum();
        if total <= 0 {
            v.push(Code::QuantityNotPositive, Some("quantity"), format!("nothing of `{}` to sell", item.id));
            return None;
        }
        let weights: Vec<i128> = per_customer.iter().map(|q| *q as i128).collect();
        if let Some(model) = s.custody {
            d.meta.insert(CUSTODY_META.into(), model.as_str().into());
        }
        for (line, q) in s.lines.iter().zip(&per_customer) {
            let key = format!("{}{}", crate::statements::SOLD_TO_PREFIX, line.customer);
            let before: i64 = d.meta.get(&key).and_then(|x| x.parse().ok()).unwrap_or(0);
            d.meta.insert(key, (before + q).to_string());
        }
        let draws = self.draw_lots(item, &s.site, &s.lot, total, "quantity", v)?;
        for (lot, take, have) in draws {
            for ((acc, species, dm), amount) in self.inventory_positions(&item.id, &s.site, &lot) {
                let taken = exact::scale(amount, take, have).ok()?;
                let role = self.chart.get(&acc).expect("inventory account").role;
                d.post_code(&acc, species, -taken, dm.clone());
                let out_role = match role.form() {
                    Form::Content => Role::OutContent,
                    Form::Emissions => Role::OutEmissions,
                };
                for (line, part) in s.lines.iter().zip(exact::allocate(taken, &weights)?) {
                    d.post(out_role, species, -part, Dims { counterparty: Some(line.customer.clone()), ..dm.clone() });
                }
            }
            d.movement(&item.id, &s.site, lot, -take);
        }
        // Transport under FOD: the seller books the carrier's emissions in and passes them on.
        self.no_duplicate_species(s.transport.iter().map(|t| t.species), "transport", v);
        for (line, q) in s.lines.iter().zip(&per_customer) {
            for t in &s.transport {
                let Some(in_dim) = self.exact_in(item, exact::q(*q as i128), t.per.dimension) else {
                    v.push(
                        Code::UnitMismatch,
                        Some("transport"),
                        format!("transport {t} cannot apply to `{}`", item.id),
                    );
                    continue;
                };
                let Ok(amount) = t
                    .grams_per_base()
                    .and_then(|g| exact::mul(in_dim, g))
                    .and_then(|g| self.entity.ratios.ledger_amount(t.species, g))
                else {
                    v.push(Code::Overflow, Some("transport"), "transport emissions out of range");
                    continue;
                };
                let base = dims(Some(&item.id), None, &s.site, Some(Origin::Transport));
                d.post(Role::InAttributed, t.species, amount, Dims { counterparty: s.carrier.clone(), ..base.clone() });
                d.post(
                    Role::OutEmissions,
                    t.species,
                    -amount,
                    Dims { counterparty: Some(line.customer.clone()), ..base },
                );
            }
        }
        Some(())
    }
}

/// Converts an exact quantity of an item between dimensions (base units g, kJ, m3) with the item's
/// energy content (per mass or per volume) and density.
fn convert(item: &Item, x: Q, from: Dimension, to: Dimension) -> Option<Q> {
    let per = |p: &Option<crate::units::Property>| p.and_then(|p| p.per_base().ok());
    let (ec, ve, rho) = (per(&item.energy_content), per(&item.volumetric_energy), per(&item.density));
    // Base units of `to` per base unit of `from`.
    let mass_per_volume = rho.or_else(|| Some(ve? / ec?));
    let energy_per_volume = ve.or_else(|| Some(rho? * ec?));
    let factor = match (from, to) {
        (a, b) if a == b => Some(exact::q(1)),
        (Dimension::Mass, Dimension::Energy) => ec,
        (Dimension::Energy, Dimension::Mass) => ec.map(|e| exact::q(1) / e),
        (Dimension::Volume, Dimension::Mass) => mass_per_volume,
        (Dimension::Mass, Dimension::Volume) => mass_per_volume.map(|m| exact::q(1) / m),
        (Dimension::Volume, Dimension::Energy) => energy_per_volume,
        (Dimension::Energy, Dimension::Volume) => energy_per_volume.map(|e| exact::q(1) / e),
        _ => None,
    }?;
    if factor == exact::q(0) {
        return None;
    }
    exact::mul(x, factor).ok()
}

fn lot_suffix(lot: &Option<String>) -> String {
    lot.as_ref().map(|l| format!(" lot `{l}`")).unwrap_or_default()
}
