//! Statements computed from the ledger: plain data, rendered elsewhere.
//!
//! Every statement covers one period. Its *beginning* is everything posted before the period
//! plus the period's opening transactions (opening inventory, assets brought in with their
//! accumulated depreciation); its *activity* is every other transaction dated in the period.

mod balances;
mod carbon_balance;
mod cbam;
mod eledger;
mod entity;
mod ghg_inventory;
mod ghg_scope2;
mod ghg_scope3;
mod intensity;
mod ledger_statement;
mod purchased;
mod scope;

/// Meta key under which a sale records the quantity sold to one customer (kept in [`crate::model`]).
pub use crate::model::SOLD_TO_PREFIX;
pub use balances::{balances, Balances, BalancesFold};
pub use carbon_balance::{carbon_balance, CarbonBalance};
pub use cbam::{cbam, CbamError, CbamGoodLine, CbamPrecursor, CbamStatement, CbamTotals, Missing};
pub use eledger::{eledger, ELedger, ELedgerCustomer, ELedgerGas};
pub use entity::{entity_emissions, EntityEmissions, EntityLineKind};
pub use ghg_inventory::{ets_coverage, ghg_inventory, GhgInventory, ReconLine, ReconSide, Restatement, Scope1};
pub use ghg_scope2::{InstrumentUse, Scope2, Scope2Item};
pub use ghg_scope3::{Scope3Category, Status, SCOPE3_NAMES};
pub use intensity::{
    product_intensity, BySpecies, GasBySpecies, IntensityLine, ProductIntensity, ProductIntensityStatement,
};
pub use ledger_statement::{ledger_statement, LedgerRow, LedgerStatement};
pub use purchased::{purchased_goods, ClaimedPurchase, PurchasedGoods};
pub use scope::{PeriodActivity, Scope};
