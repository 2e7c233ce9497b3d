//! The dual-sided chart of accounts.
//!
//! Stock accounts hold carbon inside the company; flow accounts record carbon crossing its
//! boundary. The default template is the EFI chart (Table ES-1 / Figure ES-3); a ledger may add
//! accounts of its own. Operations find their accounts by [`Role`], so an extended chart keeps
//! working with every operation.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Side {
    Stock,
    Flow,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Stock => "stock",
            Side::Flow => "flow",
        }
    }
}

/// What an account is for. Operations and statements work with roles, never with codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Role {
    PpeAttributed,
    PpeDepreciation,
    RawContent,
    RawAttributed,
    FuelContent,
    FuelAttributed,
    ElectricityAttributed,
    WipContent,
    WipAttributed,
    WipDirect,
    ProductContent,
    ProductAttributed,
    ProductDepreciation,
    ProductDirect,
    ByproductContent,
    InContent,
    InAttributed,
    /// Non-carbon gases (N2O, SF6) generated inside the boundary: their balancing flow.
    InGenerated,
    OutSequestered,
    OutContent,
    OutEmissions,
    /// An account a ledger added that no operation uses; reachable by raw postings.
    Custom,
}

/// The form of carbon an account holds, for statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Form {
    Content,
    Emissions,
}

impl Role {
    pub fn form(self) -> Form {
        use Role::*;
        match self {
            RawContent | FuelContent | WipContent | ProductContent | ByproductContent | InContent | OutContent => {
                Form::Content
            }
            _ => Form::Emissions,
        }
    }

    pub fn as_str(self) -> &'static str {
        use Role::*;
        match self {
            PpeAttributed => "ppe-attributed",
            PpeDepreciation => "ppe-depreciation",
            RawContent => "raw-content",
            RawAttributed => "raw-attributed",
            FuelContent => "fuel-content",
            FuelAttributed => "fuel-attributed",
            ElectricityAttributed => "electricity-attributed",
            WipContent => "wip-content",
            WipAttributed => "wip-attributed",
            WipDirect => "wip-direct",
            ProductContent => "product-content",
            ProductAttributed => "product-attributed",
            ProductDepreciation => "product-depreciation",
            ProductDirect => "product-direct",
            ByproductContent => "byproduct-content",
            InContent => "in-content",
            InAttributed => "in-attributed",
            InGenerated => "in-generated",
            OutSequestered => "out-sequestered",
            OutContent => "out-content",
            OutEmissions => "out-emissions",
            Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        TEMPLATE.iter().map(|(_, _, r, _)| *r).chain([Role::Custom]).find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub code: String,
    pub name: String,
    pub side: Side,
    pub role: Role,
}

/// The EFI chart: code, side, role, name.
const TEMPLATE: &[(&str, Side, Role, &str)] = &[
    ("ppe.attributed", Side::Stock, Role::PpeAttributed, "Attributed emissions in PPE"),
    ("ppe.depreciation", Side::Stock, Role::PpeDepreciation, "Accumulated depreciation of PPE"),
    ("raw.content", Side::Stock, Role::RawContent, "Carbon content in raw materials"),
    ("raw.attributed", Side::Stock, Role::RawAttributed, "Attributed emissions to raw materials"),
    ("fuel.content", Side::Stock, Role::FuelContent, "Carbon content in fuels"),
    ("fuel.attributed", Side::Stock, Role::FuelAttributed, "Attributed emissions to fuels"),
    ("elec.attributed", Side::Stock, Role::ElectricityAttributed, "Attributed emissions to electricity"),
    ("wip.content", Side::Stock, Role::WipContent, "Carbon content in WIP"),
    ("wip.attributed", Side::Stock, Role::WipAttributed, "Attributed emissions in WIP"),
    ("wip.direct", Side::Stock, Role::WipDirect, "Direct emissions in WIP"),
    ("product.content", Side::Stock, Role::ProductContent, "Carbon content in products"),
    ("product.attributed", Side::Stock, Role::ProductAttributed, "Attributed emissions to products"),
    ("product.depreciation", Side::Stock, Role::ProductDepreciation, "Depreciation allocated to products"),
    ("product.direct", Side::Stock, Role::ProductDirect, "Direct emissions to products"),
    ("byproduct.content", Side::Stock, Role::ByproductContent, "Carbon content in byproducts"),
    ("in.content", Side::Flow, Role::InContent, "Carbon content transferred in"),
    ("in.attributed", Side::Flow, Role::InAttributed, "Attributed emissions transferred in"),
    ("in.generated", Side::Flow, Role::InGenerated, "Non-carbon gases generated"),
    ("out.sequestered", Side::Flow, Role::OutSequestered, "Emissions transferred out for sequestration"),
    ("out.content", Side::Flow, Role::OutContent, "Carbon content transferred out with products sold"),
    ("out.emissions", Side::Flow, Role::OutEmissions, "Emissions transferred out with products sold"),
];

/// A chart: accounts in display order, stock accounts first. Serialized as its accounts; the
/// index by code is rebuilt when read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "ChartAccounts", into = "ChartAccounts")]
pub struct Chart {
    accounts: Vec<Account>,
    /// Position of each account by code: every posting looks its account up (issue 12: a linear
    /// search comparing codes was a tenth of a replay).
    index: std::collections::HashMap<String, usize, rustc_hash::FxBuildHasher>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ChartAccounts {
    accounts: Vec<Account>,
}

impl From<ChartAccounts> for Chart {
    fn from(c: ChartAccounts) -> Chart {
        Chart::with_accounts(c.accounts)
    }
}

impl From<Chart> for ChartAccounts {
    fn from(c: Chart) -> ChartAccounts {
        ChartAccounts { accounts: c.accounts }
    }
}

impl Chart {
    /// The EFI template (Table ES-1 / Figure ES-3).
    pub fn efi() -> Chart {
        Chart::with_accounts(
            TEMPLATE
                .iter()
                .map(|(code, side, role, name)| Account {
                    code: code.to_string(),
                    name: name.to_string(),
                    side: *side,
                    role: *role,
                })
                .collect(),
        )
    }

    fn with_accounts(accounts: Vec<Account>) -> Chart {
        let index = accounts.iter().enumerate().map(|(i, a)| (a.code.clone(), i)).collect();
        Chart { accounts, index }
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    pub fn get(&self, code: &str) -> Option<&Account> {
        self.index.get(code).map(|i| &self.accounts[*i])
    }

    /// Position of an account in display order.
    pub fn index(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    /// The account playing `role`. Template roles are unique: added accounts are always custom.
    pub fn by_role(&self, role: Role) -> &Account {
        self.accounts.iter().find(|a| a.role == role).expect("every template role is in every chart")
    }

    /// Whether the account was added by the ledger rather than taken from the template.
    pub fn is_template(&self, code: &str) -> bool {
        TEMPLATE.iter().any(|(c, _, _, _)| *c == code)
    }

    /// Adds an account. Template roles stay with their template accounts: an added account
    /// may only take [`Role::Custom`].
    pub fn add(&mut self, account: Account) -> Result<(), ChartError> {
        if self.get(&account.code).is_some() {
            return Err(ChartError::Duplicate(account.code));
        }
        if account.role != Role::Custom {
            return Err(ChartError::RoleTaken(account.code, account.role.as_str()));
        }
        if account.code.is_empty() || account.code.contains(char::is_whitespace) {
            return Err(ChartError::BadCode(account.code));
        }
        let at = match account.side {
            Side::Stock => self.accounts.iter().position(|a| a.side == Side::Flow).unwrap_or(self.accounts.len()),
            Side::Flow => self.accounts.len(),
        };
        self.accounts.insert(at, account);
        *self = Chart::with_accounts(std::mem::take(&mut self.accounts));
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChartError {
    Duplicate(String),
    RoleTaken(String, &'static str),
    BadCode(String),
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::Duplicate(c) => write!(f, "account `{c}` is already in the chart"),
            ChartError::RoleTaken(c, r) => {
                write!(f, "account `{c}`: role `{r}` belongs to a template account; added accounts are `custom`")
            }
            ChartError::BadCode(c) => {
                write!(f, "account code `{c}` must be non-empty with no spaces")
            }
        }
    }
}
