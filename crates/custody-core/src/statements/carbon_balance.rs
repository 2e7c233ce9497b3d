//! The carbon balance of a period, with its two checks.

use super::scope::{carbon_by_account, effective_kind, Scope};
use crate::chart::{Account, Form, Role, Side};
use crate::ledger::Ledger;
use crate::model::*;

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
