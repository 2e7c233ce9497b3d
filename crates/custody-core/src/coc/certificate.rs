//! Certificates: serial blocks, their states and the certificate book (issue, split, receive,
//! retire, transfer, cancel, expire).

use super::error::CocError;
use super::model::Attribute;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

named_enum!(CertState {
    Active => "active",
    Retired => "retired",
    Cancelled => "cancelled",
    Expired => "expired",
    Split => "split",
    TransferredOut => "transferred-out",
});

/// Base units of attribute one certificate unit stands for: 1 MWh (3,600,000 kJ) of green
/// electricity, 1 t (1,000,000 g) of every other attribute.
pub fn certificate_unit(attribute: Attribute) -> i64 {
    match attribute {
        Attribute::GreenElectricity => 3_600_000,
        _ => 1_000_000,
    }
}

/// A block of serial-numbered certificate units, `PREFIX-first` to `PREFIX-last`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: String,
    pub pool: String,
    pub period: u32,
    pub prefix: String,
    pub first: u64,
    pub last: u64,
    /// The sale the certificate travels with (bundled), if any.
    pub bundled_with: Option<String>,
    pub expires: Option<Date>,
    pub holder: String,
    pub state: CertState,
    pub history: Vec<(Date, String)>,
    /// Set when retired: beneficiary, purpose, claim period.
    pub retirement: Option<(String, String, String)>,
}

impl Certificate {
    pub fn units(&self) -> i64 {
        (self.last - self.first + 1) as i64
    }
    pub fn serials(&self) -> String {
        format!("{}-{:08}..{}-{:08}", self.prefix, self.first, self.prefix, self.last)
    }
}

/// What a received certificate is: its serial block and origin, as the sender's book holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateBlock {
    pub pool: String,
    pub period: u32,
    pub prefix: String,
    pub first: u64,
    pub last: u64,
    pub bundled_with: Option<String>,
    pub expires: Option<Date>,
}

impl Certificate {
    pub fn block(&self) -> CertificateBlock {
        CertificateBlock {
            pool: self.pool.clone(),
            period: self.period,
            prefix: self.prefix.clone(),
            first: self.first,
            last: self.last,
            bundled_with: self.bundled_with.clone(),
            expires: self.expires,
        }
    }
}

/// The certificate units of a ledger and their life.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateBook {
    pub certificates: BTreeMap<String, Certificate>,
    /// Next serial per (pool, period) prefix.
    pub next_serial: BTreeMap<String, u64>,
    pub retired_serials: BTreeSet<(String, u64)>,
}

impl CertificateBook {
    pub fn get_active(&self, id: &str, me: &str) -> Result<&Certificate, CocError> {
        let c =
            self.certificates.get(id).ok_or_else(|| CocError::CertificateUnknown(format!("no certificate `{id}`")))?;
        if c.state != CertState::Active {
            return Err(CocError::CertificateUnavailable(format!("certificate `{id}` is {}", c.state.as_str())));
        }
        if c.holder != me {
            return Err(CocError::CertificateUnavailable(format!("certificate `{id}` is held by `{}`", c.holder)));
        }
        Ok(c)
    }

    pub fn issue(&mut self, mut c: Certificate, units: i64) -> Result<(), CocError> {
        if self.certificates.contains_key(&c.id) {
            return Err(CocError::Invalid(format!("certificate `{}` already exists", c.id)));
        }
        let next = self.next_serial.entry(c.prefix.clone()).or_insert(1);
        c.first = *next;
        c.last = *next + units as u64 - 1;
        *next += units as u64;
        self.certificates.insert(c.id.clone(), c);
        Ok(())
    }

    /// Splits `id` into `first_id` (first `units`) and `rest_id` (the remainder).
    pub fn split(
        &mut self,
        id: &str,
        me: &str,
        units: i64,
        first_id: &str,
        rest_id: &str,
        date: Date,
    ) -> Result<(), CocError> {
        let c = self.get_active(id, me)?.clone();
        if units <= 0 || units >= c.units() {
            return Err(CocError::Invalid(format!(
                "a split of `{id}` ({} units) needs 1 to {} units",
                c.units(),
                c.units() - 1
            )));
        }
        for new in [first_id, rest_id] {
            if self.certificates.contains_key(new) {
                return Err(CocError::Invalid(format!("certificate `{new}` already exists")));
            }
        }
        let mut a = c.clone();
        a.id = first_id.into();
        a.last = c.first + units as u64 - 1;
        a.history = vec![(date, format!("split from {id}"))];
        let mut b = c.clone();
        b.id = rest_id.into();
        b.first = a.last + 1;
        b.history = vec![(date, format!("split from {id}"))];
        let orig = self.certificates.get_mut(id).expect("checked");
        orig.state = CertState::Split;
        orig.history.push((date, format!("split into {first_id} and {rest_id}")));
        self.certificates.insert(a.id.clone(), a);
        self.certificates.insert(b.id.clone(), b);
        Ok(())
    }

    /// Books a certificate received from another holder.
    pub fn receive(
        &mut self,
        id: &str,
        from: &str,
        me: &str,
        block: &CertificateBlock,
        date: Date,
    ) -> Result<(), CocError> {
        if self.certificates.contains_key(id) {
            return Err(CocError::CertificateUnavailable(format!("certificate `{id}` is already in this book")));
        }
        if block.last < block.first {
            return Err(CocError::Invalid(format!("certificate `{id}` has an empty serial block")));
        }
        self.certificates.insert(
            id.to_string(),
            Certificate {
                id: id.to_string(),
                pool: block.pool.clone(),
                period: block.period,
                prefix: block.prefix.clone(),
                first: block.first,
                last: block.last,
                bundled_with: block.bundled_with.clone(),
                expires: block.expires,
                holder: me.to_string(),
                state: CertState::Active,
                history: vec![(date, format!("received from {from}"))],
                retirement: None,
            },
        );
        Ok(())
    }

    pub fn retire(
        &mut self,
        id: &str,
        me: &str,
        date: Date,
        retirement: (String, String, String),
    ) -> Result<(), CocError> {
        let c = self.get_active(id, me)?.clone();
        if c.expires.is_some_and(|e| date > e) {
            return Err(CocError::CertificateUnavailable(format!(
                "certificate `{id}` expired on {}",
                format_date(c.expires.expect("checked"))
            )));
        }
        for s in c.first..=c.last {
            if !self.retired_serials.insert((c.prefix.clone(), s)) {
                return Err(CocError::CertificateUnavailable(format!("unit {}-{s:08} was already retired", c.prefix)));
            }
        }
        let c = self.certificates.get_mut(id).expect("checked");
        c.state = CertState::Retired;
        c.history
            .push((date, format!("retired for {} ({}), claim period {}", retirement.0, retirement.1, retirement.2)));
        c.retirement = Some(retirement);
        Ok(())
    }

    pub fn set_state(
        &mut self,
        id: &str,
        me: &str,
        date: Date,
        state: CertState,
        note: String,
    ) -> Result<(), CocError> {
        self.get_active(id, me)?;
        let c = self.certificates.get_mut(id).expect("checked");
        c.state = state;
        c.history.push((date, note));
        Ok(())
    }
}
