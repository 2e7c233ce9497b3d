//! What a pool period may physically claim: the stacking line (eligible inputs per unit of output,
//! cleanest first), the highest and cleanest input, the residual, and outputs within inputs.
//!
//! Every input, output and claim is admitted only if the whole period still meets these limits
//! afterwards, so the order in which a journal records them cannot bend the rules.

use super::error::CocError;
use super::model::{Attribute, Policy};
use super::pool::{Pool, PoolPeriod};
use crate::exact::{self, Q};

pub use super::model::LineStep;

fn show(x: Q) -> String {
    exact::format_decimal(x, 6)
}

/// Tonnes (or MWh) for messages: base units / 1,000,000 (g to t) or / 3,600,000 (kJ to MWh) are
/// left to the reader; messages give base units' tonne figure for mass.
fn tonnes(x: Q) -> String {
    exact::format_decimal(x / exact::q(1_000_000), 6)
}

impl Policy {
    /// The conversion as a number (a zero or negative conversion converts nothing).
    fn conversion_or_one(&self) -> Q {
        if self.conversion > exact::q(0) {
            self.conversion
        } else {
            exact::q(1)
        }
    }

    /// An input intensity per unit of output: intensity / conversion.
    pub fn per_output(&self, intensity: Q) -> Q {
        intensity / self.conversion_or_one()
    }

    /// The share of a percentage pool: the physical eligible share. A conversion may lower it
    /// (a yield below 1), never lift it.
    pub fn share_of(&self, eligible: i64, inputs: i64) -> Option<Q> {
        (inputs > 0).then(|| {
            let physical = Q::new(eligible as i128, inputs as i128);
            let c = self.conversion_or_one();
            if self.conversion_dims.is_none() && c < exact::q(1) {
                physical * c
            } else {
                physical
            }
        })
    }
}

impl Pool {
    /// The period's stacking line: eligible inputs that state an intensity, cleanest first.
    pub fn line_of(&self, p: &PoolPeriod) -> Vec<LineStep> {
        let c = self.policy.conversion_or_one();
        let mut line: Vec<LineStep> = p
            .inputs
            .iter()
            .filter(|i| i.eligible)
            .filter_map(|i| {
                i.intensity.map(|f| LineStep {
                    input: i.id.clone(),
                    factor: f / c,
                    supports: Q::from_integer(i.quantity as i128) * c,
                })
            })
            .collect();
        line.sort_by(|a, b| a.factor.cmp(&b.factor).then_with(|| a.input.cmp(&b.input)));
        line
    }

    /// The dirtiest and the cleanest input of the period per unit of output (eligible or not).
    pub fn input_range(&self, p: &PoolPeriod) -> Option<(Q, Q)> {
        let fs: Vec<Q> = p.inputs.iter().filter_map(|i| i.intensity).map(|f| self.policy.per_output(f)).collect();
        Some((*fs.iter().min()?, *fs.iter().max()?))
    }

    /// The largest output the period's inputs can physically make, when inputs and outputs are
    /// measured in one dimension (or a stated conversion joins theirs): inputs x the conversion,
    /// but never less than the inputs themselves (a conversion below 1 may be an attribute
    /// conversion rather than the yield; outputs above inputs x conversion are flagged).
    pub fn output_capacity(&self, p: &PoolPeriod) -> Option<(Q, Q)> {
        let din = p.inputs.first().and_then(|i| i.dimension);
        let same_in = p.inputs.iter().all(|i| i.dimension.is_some() && i.dimension == din);
        let dout = p.outputs.first().and_then(|o| o.dimension).or(din);
        let same_out = p.outputs.iter().all(|o| o.dimension.is_some() && o.dimension == dout);
        let joined = match (din, dout, self.policy.conversion_dims) {
            (Some(i), Some(o), None) => i == o,
            (Some(i), Some(o), Some((po, pi))) => po == o && pi == i,
            _ => p.inputs.is_empty(),
        };
        if !(same_in && same_out && joined) {
            return None;
        }
        let inputs = Q::from_integer(p.inputs.iter().map(|i| i.quantity as i128).sum());
        let c = self.policy.conversion_or_one();
        let by_conversion = inputs * c;
        let hard = if self.policy.conversion_dims.is_none() && c < exact::q(1) { inputs } else { by_conversion };
        Some((by_conversion, hard))
    }

    /// The period's exact emissions (g CO2e): inputs x their intensities.
    pub(super) fn exact_emissions(p: &PoolPeriod) -> Q {
        p.inputs.iter().filter_map(|i| i.intensity.map(|f| f * Q::from_integer(i.quantity as i128))).sum()
    }

    /// Checks every physical limit of period `period` as it stands.
    pub(super) fn limits(&self, period: u32, p: &PoolPeriod) -> Result<(), CocError> {
        let outputs: i128 = p.outputs.iter().map(|o| o.quantity as i128).sum();
        if let Some((_, hard)) = self.output_capacity(p) {
            if Q::from_integer(outputs) > hard {
                return Err(CocError::OutputsExceedInputs(format!(
                    "pool `{}` period {period}: {} t of output from {} t of input (conversion {}): outputs cannot exceed what the inputs make",
                    self.policy.id,
                    tonnes(Q::from_integer(outputs)),
                    tonnes(Q::from_integer(p.inputs.iter().map(|i| i.quantity as i128).sum())),
                    show(self.policy.conversion)
                )));
            }
        }
        let st = self.statement_of_raw(period, p);
        if st.balance < 0 {
            return Err(CocError::ClaimExceedsBalance(format!(
                "pool `{}` would hold {} claimed above its {} (eligible share {})",
                self.policy.id,
                st.claimed,
                st.credited + st.carried_in,
                st.eligible_share
                    .map(|x| format!("{}%", exact::format_decimal(x * exact::q(100), 4)))
                    .unwrap_or_default()
            )));
        }
        if self.policy.attribute != Attribute::EmissionIntensity {
            return Ok(());
        }
        let mut claims: Vec<(Q, i128, &str)> =
            p.claims.iter().filter_map(|c| c.factor.map(|f| (f, c.quantity as i128, c.id.as_str()))).collect();
        if claims.is_empty() {
            return Ok(());
        }
        let Some((cleanest, highest)) = self.input_range(p) else {
            return Err(CocError::Invalid("no input of the period states an intensity".into()));
        };
        claims.sort();
        for (f, _, id) in &claims {
            if *f > highest {
                return Err(CocError::StackedAttribution(format!(
                    "claim `{id}`: factor {} is above the dirtiest input of the pool ({} per unit of output): the rest of the output would carry less than it physically has",
                    show(*f),
                    show(highest)
                )));
            }
        }
        // Only as much output at a factor as eligible inputs at or below it support.
        let line = self.line_of(p);
        let mut claimed = Q::from_integer(0);
        for (k, (f, q, id)) in claims.iter().enumerate() {
            claimed += Q::from_integer(*q);
            if claims.get(k + 1).is_some_and(|next| next.0 == *f) {
                continue;
            }
            let supported: Q = line.iter().filter(|s| s.factor <= *f).map(|s| s.supports).sum();
            if claimed > supported {
                let lowest = line.first().map(|s| show(s.factor)).unwrap_or_else(|| "none".into());
                return Err(CocError::StackedAttribution(format!(
                    "claim `{id}`: {} t claimed at or below {} tCO2e/t, but eligible inputs support {} t at or below it (lowest eligible factor per unit of output: {lowest}; non-eligible inputs do not count)",
                    tonnes(claimed),
                    show(*f),
                    tonnes(supported)
                )));
            }
        }
        let emissions = Self::exact_emissions(p);
        let claimed_q: i128 = claims.iter().map(|c| c.1).sum();
        let claimed_e: Q = claims.iter().map(|c| c.0 * Q::from_integer(c.1)).sum();
        if claimed_e > emissions {
            return Err(CocError::ClaimExceedsBalance(
                "the claimed outputs would carry more than the pool's emissions".into(),
            ));
        }
        let rest = outputs - claimed_q;
        if rest > 0 {
            let residual = (emissions - claimed_e) / Q::from_integer(rest);
            // Per unit of output at the yield the pool shows: the stated conversion, or
            // outputs / inputs where more was made than the conversion allows (flagged).
            let inputs = Q::from_integer(p.inputs.iter().map(|i| i.quantity as i128).sum());
            let shown = Q::from_integer(outputs) / inputs;
            let c = self.policy.conversion_or_one();
            let cleanest = if shown > c { cleanest * c / shown } else { cleanest };
            if residual < cleanest {
                return Err(CocError::StackedAttribution(format!(
                    "the residual factor would fall to {} tCO2e/t, below the cleanest input of the pool ({} per unit of output)",
                    show(residual),
                    show(cleanest)
                )));
            }
        }
        Ok(())
    }
}
