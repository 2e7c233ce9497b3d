//! Chain of custody: models, mass-balance pools, certificates and avoided-emission certificates.
//!
//! Everything here sits **beside** the physical ledger: no operation of this module posts a
//! transaction, so no pool, certificate or credit can change a physical footprint.
//!
//! A pool's [`Policy`] states the seven decisions of a mass-balance system (input criteria,
//! temporal boundary, transfer boundary, allocation across product groups, attribution within a
//! group, output, claim). Two methods: the *rolling average percentage* (outputs carry the period's
//! eligible share; ASI) and the *credit* method (eligible inputs times a conversion factor credit
//! an account that claims debit, never below zero at period end; ISCC). For an emission-intensity
//! attribute, non-proportional attribution gives chosen outputs a lower factor and computes the
//! residual factor the rest must carry; no output may be cleaner than the cleanest input.

#[macro_use]
mod macros;
mod avoided;
mod certificate;
mod error;
mod line;
mod model;
mod pool;
mod sale;

pub use avoided::{AvoidedBasis, AvoidedCertificate};
pub use certificate::{
    certificate_unit, CertKey, CertState, Certificate, CertificateBlock, CertificateBook, Ranges, SerialSpace,
};
pub use error::CocError;
pub use line::LineStep;
pub use model::{Attribute, Attribution, Boundary, CarryOver, CustodyModel, GroupKey, Method, OutputForm, Policy};
pub use pool::{Pool, PoolClaim, PoolInput, PoolOutput, PoolPeriod, PoolStatement};
pub use sale::{price_sales, PoolSale, ReceivedClaim, ReceivedLine, SaleKind, SaleLine};
