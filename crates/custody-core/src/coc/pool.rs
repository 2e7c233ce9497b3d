//! Mass-balance pools: inputs, outputs, claims, periods, closing and the period statement.

use super::error::CocError;
use super::model::LineStep;
use super::model::{Attribute, Attribution, Method, Policy};
use crate::exact::{self, Q};
use crate::model::*;
use crate::units::Dimension;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolInput {
    pub id: String,
    pub date: Date,
    pub item: String,
    /// Base units of the item.
    pub quantity: i64,
    /// g CO2e per g (or per base unit), when the input's intensity is known.
    pub intensity: Option<Q>,
    pub eligible: bool,
    pub site: Option<String>,
    /// The ledger operations the quantity comes from, and how much of each; empty for material
    /// declared from outside the ledger.
    pub sources: Vec<(String, i64)>,
    /// The item's physical dimension, when the ledger knows the item.
    pub dimension: Option<Dimension>,
    /// Quantity typed beyond what the ledger backs (base units): declared material, flagged.
    pub unbacked: i64,
}

impl PoolInput {
    /// `ledger`, `declared`, or `ledger+declared` (typed beyond what the ledger made: the excess
    /// is declared material, flagged).
    pub fn source(&self) -> &'static str {
        if self.sources.is_empty() {
            "declared"
        } else if self.unbacked > 0 {
            "ledger+declared"
        } else {
            "ledger"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolOutput {
    pub id: String,
    pub date: Date,
    pub item: String,
    pub group: String,
    pub quantity: i64,
    pub site: Option<String>,
    /// The ledger productions the quantity comes from; empty for a declared output.
    pub sources: Vec<(String, i64)>,
    pub dimension: Option<Dimension>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolClaim {
    pub id: String,
    pub date: Date,
    /// The output the claim is made for (credit method, attribution); None for certificates.
    pub output: Option<String>,
    /// Attribute units claimed (output base units).
    pub quantity: i64,
    /// For emission-intensity pools: the factor the claimed quantity carries (g CO2e per unit).
    pub factor: Option<Q>,
    /// The certificate issued by this claim, if any.
    pub certificate: Option<String>,
    /// The sale and customer the claim travels with (issue 8), if it names one.
    pub sale: Option<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolPeriod {
    pub inputs: Vec<PoolInput>,
    pub outputs: Vec<PoolOutput>,
    pub claims: Vec<PoolClaim>,
    /// Claims given back to the pool by a return or reversal of their sale, with its date: they
    /// count no more (the quantity is claimable again).
    pub released: Vec<(PoolClaim, Date)>,
    /// Carried in from earlier periods: (origin period, amount).
    pub carried_in: Vec<(u32, i64)>,
    pub closed: Option<Date>,
}

/// A pool period's statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolStatement {
    pub period: u32,
    pub first_month: MonthIndex,
    pub last_month: MonthIndex,
    pub inputs: i64,
    pub eligible_inputs: i64,
    /// Eligible inputs x conversion factor.
    pub credited: i64,
    pub carried_in: i64,
    pub outputs: i64,
    /// Output by product group.
    pub outputs_by_group: Vec<(String, i64)>,
    pub claimed: i64,
    /// Credited + carried in - claimed (never negative).
    pub balance: i64,
    /// What moves to the next period (within the policy's limits) and what lapses.
    pub carry_out: i64,
    pub lapsed: i64,
    /// Percentage method: the share of output that may be claimed.
    pub eligible_share: Option<Q>,
    /// Emission-intensity pools: the group's emissions (g CO2e), the lowest input factor, the
    /// factor on claimed outputs, and the residual factor the rest carries.
    pub emissions: Option<i64>,
    pub lowest_input_factor: Option<Q>,
    pub residual_factor: Option<Q>,
    /// The stacking line (emission-intensity pools): per eligible input, the factor per unit of
    /// output (intensity / conversion) and the output it supports (quantity x conversion), cleanest
    /// first. A claim at factor f needs eligible output at or below f for its quantity.
    pub line: Vec<LineStep>,
    /// The dirtiest input per unit of output (intensity / conversion): no claim above it.
    pub highest_input_factor: Option<Q>,
    /// The cleanest input per unit of output (intensity / conversion): no residual below it.
    pub cleanest_input_factor: Option<Q>,
    /// Outputs the inputs can make (inputs x conversion), when inputs and outputs share a unit.
    pub output_capacity: Option<i64>,
    pub closed: bool,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pool {
    pub policy: Policy,
    pub periods: BTreeMap<u32, PoolPeriod>,
}

impl Pool {
    pub fn new(policy: Policy) -> Pool {
        Pool { policy, periods: BTreeMap::new() }
    }

    fn open_period(&mut self, date: Date) -> Result<(u32, &mut PoolPeriod), CocError> {
        let p = self.policy.period_of(date).ok_or_else(|| {
            CocError::Invalid(format!("{} is before pool `{}` starts", format_date(date), self.policy.id))
        })?;
        self.ensure_carry(p);
        let period = self.periods.entry(p).or_default();
        if period.closed.is_some() {
            return Err(CocError::PeriodClosed(format!("pool `{}` period {p} is closed", self.policy.id)));
        }
        Ok((p, period))
    }

    /// Brings a closed earlier period's carry-over into period `p`, once.
    fn ensure_carry(&mut self, p: u32) {
        if p == 0 || self.periods.get(&p).is_some_and(|x| !x.carried_in.is_empty()) {
            return;
        }
        let Some(prev) = self.periods.get(&(p - 1)).filter(|x| x.closed.is_some()) else { return };
        let carry = self.carry_parts(p - 1, prev);
        if !carry.is_empty() {
            self.periods.entry(p).or_default().carried_in = carry;
        }
    }

    /// What of period `p`'s balance moves on, by origin period. Claims use the oldest credit
    /// first; carried credit older than `max_periods` lapses; of the period's own credit at most
    /// `max_share` moves on.
    fn carry_parts(&self, p: u32, period: &PoolPeriod) -> Vec<(u32, i64)> {
        let Some(rule) = &self.policy.carry_over else { return Vec::new() };
        let st = self.statement_of_raw(p, period);
        let mut to_consume = st.claimed;
        let mut parts = Vec::new();
        for (origin, amount) in &period.carried_in {
            let used = to_consume.min(*amount);
            to_consume -= used;
            let left = amount - used;
            if left > 0 && p + 1 - origin <= rule.max_periods {
                parts.push((*origin, left));
            }
        }
        let own_left = st.credited - to_consume.min(st.credited);
        let cap = exact::round_half_even(Q::from_integer(st.credited as i128) * rule.max_share) as i64;
        let own = own_left.min(cap.max(0));
        if own > 0 && rule.max_periods >= 1 {
            parts.push((p, own));
        }
        parts
    }

    pub fn add_input(&mut self, input: PoolInput, process: Option<&str>, batch: Option<&str>) -> Result<(), CocError> {
        if !self.policy.boundary.contains(input.site.as_deref(), process, batch) {
            return Err(CocError::OutsideBoundary(format!(
                "input `{}` is outside the pool's boundary ({})",
                input.id,
                self.policy.boundary.describe()
            )));
        }
        if input.quantity <= 0 {
            return Err(CocError::Invalid("a pool input's quantity must be positive".into()));
        }
        if let Some(d) = input.dimension.filter(|d| *d != self.policy.input_dimension()) {
            return Err(CocError::UnitMismatch(format!(
                "input `{}` of `{}` is measured by {} ({}), but pool `{}` counts its inputs by {} ({}): a pool never adds one measure to another",
                input.id,
                input.item,
                d.as_str(),
                d.base_unit(),
                self.policy.id,
                self.policy.input_dimension().as_str(),
                self.policy.input_dimension().base_unit()
            )));
        }
        let (p, period) = self.open_period(input.date)?;
        period.inputs.push(input);
        // Inputs arriving after claims (a falling share, a cleaner input under the residual)
        // must leave every claim already made within the period's limits.
        self.admit(p, |x| {
            x.inputs.pop();
        })
    }

    /// Keeps the change just made to period `p` only if the period still meets every limit.
    fn admit(&mut self, p: u32, undo: impl FnOnce(&mut PoolPeriod)) -> Result<(), CocError> {
        let res = self.limits(p, &self.periods[&p]);
        if res.is_err() {
            undo(self.periods.get_mut(&p).expect("opened"));
        }
        res
    }

    /// Whether an input of `item` with `intensity` meets the input criteria.
    pub fn is_eligible(&self, item: &str, intensity: Option<Q>) -> bool {
        let listed = self.policy.eligible.iter().any(|e| e == item);
        match (self.policy.benchmark, intensity) {
            (Some(b), Some(i)) => listed && i <= b,
            (Some(_), None) => false,
            (None, _) => listed,
        }
    }

    pub fn add_output(
        &mut self,
        output: PoolOutput,
        process: Option<&str>,
        batch: Option<&str>,
    ) -> Result<(), CocError> {
        if !self.policy.boundary.contains(output.site.as_deref(), process, batch) {
            return Err(CocError::OutsideBoundary(format!(
                "output `{}` is outside the pool's boundary ({})",
                output.id,
                self.policy.boundary.describe()
            )));
        }
        if output.quantity <= 0 {
            return Err(CocError::Invalid("a pool output's quantity must be positive".into()));
        }
        let fixed = self.policy.output_dimension();
        let id = self.policy.id.clone();
        let (p, period) = self.open_period(output.date)?;
        let want = fixed.or_else(|| period.outputs.iter().find_map(|o| o.dimension));
        if let (Some(d), Some(w)) = (output.dimension, want) {
            if d != w {
                return Err(CocError::UnitMismatch(format!(
                    "output `{}` of `{}` is measured by {} ({}), but pool `{}` counts its outputs by {} ({}): a pool never adds one measure to another",
                    output.id,
                    output.item,
                    d.as_str(),
                    d.base_unit(),
                    id,
                    w.as_str(),
                    w.base_unit()
                )));
            }
        }
        period.outputs.push(output);
        self.admit(p, |x| {
            x.outputs.pop();
        })
    }

    /// The lowest intensity among inputs of the period (eligible or not).
    fn lowest_input(period: &PoolPeriod) -> Option<Q> {
        period.inputs.iter().filter_map(|i| i.intensity).min()
    }

    /// Records a claim, refusing anything beyond the balance (credit), beyond the eligible share
    /// (percentage), below the lowest input (stacking), or non-proportional where not allowed.
    pub fn add_claim(&mut self, claim: PoolClaim) -> Result<(), CocError> {
        if claim.quantity <= 0 {
            return Err(CocError::Invalid("a claim's quantity must be positive".into()));
        }
        let policy = self.policy.clone();
        let (p, _) = self.open_period(claim.date)?;
        let period = self.periods.get(&p).expect("opened above").clone();
        let st = self.statement_of(p, &period);
        if claim.output.is_some() && policy.method == Method::Credit {
            self.units_joined(&period, claim.output.as_deref())?;
        }
        if let Some(out) = &claim.output {
            let Some(o) = period.outputs.iter().find(|o| &o.id == out) else {
                return Err(CocError::Invalid(format!("pool `{}` has no output `{out}` in this period", policy.id)));
            };
            let already: i64 =
                period.claims.iter().filter(|c| c.output.as_deref() == Some(out)).map(|c| c.quantity).sum();
            if already + claim.quantity > o.quantity {
                return Err(CocError::ClaimExceedsBalance(format!(
                    "output `{out}` is {} but {} would be claimed",
                    o.quantity,
                    already + claim.quantity
                )));
            }
        }
        // Both methods: a claim within the balance (credit: eligible inputs x conversion;
        // percentage: the eligible share of output), plus what was carried in.
        if claim.quantity > st.balance {
            let share = st
                .eligible_share
                .map(|x| {
                    format!(
                        "; eligible share {}% of {} output",
                        exact::format_decimal(x * exact::q(100), 4),
                        st.outputs
                    )
                })
                .unwrap_or_default();
            return Err(CocError::ClaimExceedsBalance(format!(
                "pool `{}` holds {} (credited {}{share}, carried in {}, claimed {}); {} claimed",
                policy.id, st.balance, st.credited, st.carried_in, st.claimed, claim.quantity
            )));
        }
        if claim.factor.is_some() && policy.attribution == Attribution::Proportional {
            return Err(CocError::AttributionNotAllowed(format!(
                "pool `{}` attributes proportionally: no output may carry its own factor",
                policy.id
            )));
        }
        self.periods.get_mut(&p).expect("opened above").claims.push(claim);
        self.admit(p, |x| {
            x.claims.pop();
        })
    }

    /// Closes the period a date falls in: it must have ended; the statement is fixed and the
    /// period takes nothing more.
    pub fn close(&mut self, date: Date, period: u32) -> Result<PoolStatement, CocError> {
        let (_, last) = self.policy.period_months_of(period);
        if MonthIndex::of(date) <= last {
            return Err(CocError::PeriodNotEnded(format!(
                "pool `{}` period {period} runs to {last}; close it after",
                self.policy.id
            )));
        }
        self.ensure_carry(period);
        let p = self.periods.entry(period).or_default();
        if p.closed.is_some() {
            return Err(CocError::PeriodClosed(format!("pool `{}` period {period} is already closed", self.policy.id)));
        }
        p.closed = Some(date);
        let p = p.clone();
        Ok(self.statement_of(period, &p))
    }

    /// The statement of one period, as it stands (with carry-over once closed).
    pub fn statement_of(&self, period: u32, p: &PoolPeriod) -> PoolStatement {
        let mut st = self.statement_of_raw(period, p);
        if p.closed.is_some() {
            st.carry_out = self.carry_parts(period, p).iter().map(|(_, a)| a).sum();
            st.lapsed = st.balance - st.carry_out;
        }
        st
    }

    pub(super) fn statement_of_raw(&self, period: u32, p: &PoolPeriod) -> PoolStatement {
        let inputs: i64 = p.inputs.iter().map(|i| i.quantity).sum();
        let eligible_inputs: i64 = p.inputs.iter().filter(|i| i.eligible).map(|i| i.quantity).sum();
        let outputs: i64 = p.outputs.iter().map(|o| o.quantity).sum();
        let eligible_share =
            (self.policy.method == Method::Percentage).then(|| self.policy.share_of(eligible_inputs, inputs)).flatten();
        // Credit: eligible inputs times the conversion factor. Percentage: the eligible share of
        // the period's output. Either way the credit is in output units.
        let credited = match self.policy.method {
            Method::Credit => {
                exact::round_half_even(Q::from_integer(eligible_inputs as i128) * self.policy.conversion) as i64
            }
            Method::Percentage => {
                exact::round_half_even(Q::from_integer(outputs as i128) * eligible_share.unwrap_or_else(|| exact::q(0)))
                    as i64
            }
        };
        let carried_in: i64 = p.carried_in.iter().map(|(_, a)| a).sum();
        let mut by_group: BTreeMap<String, i64> = BTreeMap::new();
        for o in &p.outputs {
            *by_group.entry(o.group.clone()).or_default() += o.quantity;
        }
        let claimed: i64 = p.claims.iter().map(|c| c.quantity).sum();
        let balance = credited + carried_in - claimed;
        let emissions: Option<i64> = (self.policy.attribute == Attribute::EmissionIntensity).then(|| {
            exact::round_half_even(
                p.inputs.iter().filter_map(|i| i.intensity.map(|f| f * Q::from_integer(i.quantity as i128))).sum::<Q>(),
            ) as i64
        });
        let residual_factor = emissions.and_then(|e| {
            let claimed_q: i64 = p.claims.iter().filter(|c| c.factor.is_some()).map(|c| c.quantity).sum();
            let claimed_e: Q =
                p.claims.iter().filter_map(|c| c.factor.map(|f| f * Q::from_integer(c.quantity as i128))).sum();
            let rest = outputs - claimed_q;
            // No input stating an intensity: the residual is unknown, never 0.
            let known = p.inputs.iter().any(|i| i.intensity.is_some());
            (rest > 0 && known).then(|| (Q::from_integer(e as i128) - claimed_e) / Q::from_integer(rest as i128))
        });
        let range = self.input_range(p);
        PoolStatement {
            period,
            first_month: self.policy.period_months_of(period).0,
            last_month: self.policy.period_months_of(period).1,
            inputs,
            eligible_inputs,
            credited,
            carried_in,
            outputs,
            outputs_by_group: by_group.into_iter().collect(),
            claimed,
            balance,
            carry_out: 0,
            lapsed: 0,
            eligible_share,
            emissions,
            lowest_input_factor: Self::lowest_input(p),
            residual_factor,
            line: if self.policy.attribute == Attribute::EmissionIntensity { self.line_of(p) } else { Vec::new() },
            highest_input_factor: range.map(|r| r.1),
            cleanest_input_factor: range.map(|r| r.0),
            output_capacity: self.output_capacity(p).map(|c| exact::round_half_even(c.0) as i64),
            closed: p.closed.is_some(),
            flags: self.flags_of(p, outputs),
        }
    }

    /// The policy's flags, and those of the period: declared inputs or outputs, outputs above
    /// inputs x conversion.
    fn flags_of(&self, p: &PoolPeriod, outputs: i64) -> Vec<String> {
        let mut f = self.policy.flags();
        let declared: Vec<&str> = p.inputs.iter().filter(|i| i.sources.is_empty()).map(|i| i.id.as_str()).collect();
        if !declared.is_empty() {
            f.push(format!("declared, not from the ledger: input {}", declared.join(", ")));
        }
        let unbacked: Vec<String> = p
            .inputs
            .iter()
            .filter(|i| i.unbacked > 0)
            .map(|i| format!("{} ({} base units)", i.id, i.unbacked))
            .collect();
        if !unbacked.is_empty() {
            f.push(format!(
                "declared, not from the ledger: typed beyond what the ledger made: input {}",
                unbacked.join(", ")
            ));
        }
        let beyond = |o: &&PoolOutput| o.sources.iter().map(|s| s.1).sum::<i64>() < o.quantity;
        let declared: Vec<&str> = p.outputs.iter().filter(beyond).map(|o| o.id.as_str()).collect();
        if !declared.is_empty() {
            f.push(format!("declared, not from the ledger: output {}", declared.join(", ")));
        }
        if let Some((by_conversion, _)) = self.output_capacity(p) {
            if p.closed.is_some() && outputs > 0 && Q::from_integer(outputs as i128) < by_conversion {
                f.push(format!(
                    "outputs ({outputs}) below inputs x conversion ({}): the yield the pool shows is lower than its conversion",
                    exact::round_half_even(by_conversion)
                ));
            }
            if Q::from_integer(outputs as i128) > by_conversion {
                f.push(format!(
                    "outputs ({outputs}) above inputs x conversion ({}): the conversion is not the yield the pool shows",
                    exact::round_half_even(by_conversion)
                ));
            }
        }
        f
    }

    /// A credit compared with an output only in one unit, or through a stated conversion.
    fn units_joined(&self, p: &PoolPeriod, output: Option<&str>) -> Result<(), CocError> {
        let Some(dout) = p.outputs.iter().find(|o| Some(o.id.as_str()) == output).and_then(|o| o.dimension) else {
            return Ok(());
        };
        for i in p.inputs.iter().filter(|i| i.eligible) {
            let Some(din) = i.dimension else { continue };
            let joined = match self.policy.conversion_dims {
                None => din == dout,
                Some((o, n)) => o == dout && n == din,
            };
            if !joined {
                return Err(CocError::UnitMismatch(format!(
                    "pool `{}` credits {} ({}) and claims {} ({}): state the conversion between them, e.g. `conversion 0.0714 t/MWh`",
                    self.policy.id,
                    din.as_str(),
                    din.base_unit(),
                    dout.as_str(),
                    dout.base_unit()
                )));
            }
        }
        Ok(())
    }

    pub fn statements(&self) -> Vec<PoolStatement> {
        self.periods.iter().map(|(p, x)| self.statement_of(*p, x)).collect()
    }
}
