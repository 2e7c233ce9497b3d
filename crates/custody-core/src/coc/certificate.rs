//! Certificates: serial blocks, their states and the certificate book (issue, split, receive,
//! retire, transfer, cancel, expire).
//!
//! A unit's serial is structured, never a joined string: (issuer entity, pool, period, number).
//! Two issuers therefore never share a serial, whatever their ids contain. A block is a range of
//! numbers, and so is a retirement: every operation costs the same for one unit and for 10^9.
//! A holder's book knows a certificate by who named it and its id: the issuer names what it
//! issues, a holder names the parts of a block it splits (the parts keep the issuer's serials).
//! So two issuers may both name one `CERT-1`, a holder's split part `X1` never collides with the
//! issuer's own later `X1`, and a block that comes back to a former holder takes up its old entry
//! again (docs/custody.md "A book knows a certificate by its namer and id").

use super::error::CocError;
use super::model::Attribute;
use crate::model::*;
use std::collections::BTreeMap;

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

/// Where a unit's number counts: the issuing entity, its pool and the pool period.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct SerialSpace {
    pub issuer: String,
    pub pool: String,
    pub period: u32,
}

impl SerialSpace {
    /// `issuer a, pool b-c, period 0`: the parts named, never joined.
    pub fn describe(&self) -> String {
        format!("issuer `{}`, pool `{}`, period {}", self.issuer, self.pool, self.period)
    }
}

/// A block of serial-numbered certificate units: numbers `first..=last` of one serial space.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Certificate {
    pub id: String,
    /// The entity that issued the units (part of every serial).
    pub issuer: String,
    pub pool: String,
    pub period: u32,
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
    /// The operation that last transferred the block out of this book.
    pub sent_by: Option<String>,
    /// The holder that named this block by splitting one it held, when that is not the issuer
    /// (`None`: the issuer named it). With `id`, the block's key in every book.
    #[serde(default)]
    pub named_by: Option<String>,
}

impl Certificate {
    /// Who named the block: the splitting holder, else the issuer.
    pub fn namer(&self) -> &str {
        self.named_by.as_deref().unwrap_or(&self.issuer)
    }
    /// The block's key in a book: (namer, id).
    pub fn key(&self) -> CertKey {
        (self.namer().to_string(), self.id.clone())
    }
    /// `ID` when the issuer named it, else `NAMER/ID`: how reports and messages show it.
    pub fn reference(&self) -> String {
        match &self.named_by {
            Some(n) => format!("{n}/{}", self.id),
            None => self.id.clone(),
        }
    }
    /// Units in the block (blocks are checked to hold at most `i64::MAX` units).
    pub fn units(&self) -> i64 {
        i64::try_from(self.last - self.first + 1).unwrap_or(i64::MAX)
    }
    pub fn space(&self) -> SerialSpace {
        SerialSpace { issuer: self.issuer.clone(), pool: self.pool.clone(), period: self.period }
    }
    /// `1..10 (issuer a, pool b-c, period 0)`.
    pub fn serials(&self) -> String {
        format!("{:08}..{:08} ({})", self.first, self.last, self.space().describe())
    }
}

/// What a received certificate is: its serial block and origin, as the sender's book holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateBlock {
    pub issuer: String,
    pub pool: String,
    pub period: u32,
    pub first: u64,
    pub last: u64,
    pub bundled_with: Option<String>,
    pub expires: Option<Date>,
    /// The sender's transfer operation (each transfer is received once).
    pub sent_by: Option<String>,
    /// The holder that named the block by a split, when not the issuer (see [`Certificate`]).
    #[serde(default)]
    pub named_by: Option<String>,
}

impl CertificateBlock {
    /// Who named the block: the splitting holder, else the issuer.
    pub fn namer(&self) -> &str {
        self.named_by.as_deref().unwrap_or(&self.issuer)
    }
}

impl Certificate {
    pub fn block(&self) -> CertificateBlock {
        CertificateBlock {
            issuer: self.issuer.clone(),
            pool: self.pool.clone(),
            period: self.period,
            first: self.first,
            last: self.last,
            bundled_with: self.bundled_with.clone(),
            expires: self.expires,
            sent_by: self.sent_by.clone(),
            named_by: self.named_by.clone(),
        }
    }
}

/// Disjoint closed ranges of serial numbers, keyed by their first number.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ranges(BTreeMap<u64, u64>);

impl Ranges {
    /// The first stored range that overlaps `first..=last`, if any: O(log n).
    pub fn overlap(&self, first: u64, last: u64) -> Option<(u64, u64)> {
        let before = self.0.range(..=last).next_back().map(|(a, b)| (*a, *b));
        before.filter(|(_, b)| *b >= first)
    }
    /// Adds `first..=last`; refuses an overlap and returns the range it overlaps.
    pub fn insert(&mut self, first: u64, last: u64) -> Result<(), (u64, u64)> {
        if let Some(o) = self.overlap(first, last) {
            return Err(o);
        }
        self.0.insert(first, last);
        Ok(())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.0.iter().map(|(a, b)| (*a, *b))
    }
}

/// A book key: the block's namer (its issuer, or the holder that split it) and its id.
pub type CertKey = (String, String);

/// The certificate units of a ledger and their life.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateBook {
    /// By namer and id: ids are the names their namer gave (the issuer's, or a splitting
    /// holder's), so two namers may use the same one and never collide.
    pub certificates: BTreeMap<CertKey, Certificate>,
    /// Next serial number per own (pool, period).
    pub next_serial: BTreeMap<(String, u32), u64>,
    /// Retired numbers per serial space, as ranges.
    pub retired: BTreeMap<SerialSpace, Ranges>,
}

impl CertificateBook {
    /// The certificate a reference names: `ID` when one certificate of the book has that id, else
    /// `NAMER/ID` (the issuer, or the holder that named it by a split). Among several, `pick` chooses (e.g. the active one held); two left
    /// is ambiguous.
    pub fn find(&self, reference: &str, pick: impl Fn(&Certificate) -> bool) -> Result<&Certificate, CocError> {
        let by_id: Vec<&Certificate> = self.certificates.values().filter(|c| c.id == reference).collect();
        let found: Vec<&Certificate> = if by_id.is_empty() {
            match reference.split_once('/') {
                Some((issuer, id)) => {
                    self.certificates.get(&(issuer.to_string(), id.to_string())).into_iter().collect()
                }
                None => Vec::new(),
            }
        } else {
            by_id
        };
        match found.len() {
            0 => Err(CocError::CertificateUnknown(format!("no certificate `{reference}`"))),
            1 => Ok(found[0]),
            _ => {
                let picked: Vec<&Certificate> = found.iter().copied().filter(|c| pick(c)).collect();
                match picked.len() {
                    1 => Ok(picked[0]),
                    0 => Ok(found[0]),
                    _ => Err(CocError::Invalid(format!(
                        "`{reference}` names certificates of {}: write NAMER/{reference}",
                        picked.iter().map(|c| format!("`{}`", c.namer())).collect::<Vec<_>>().join(" and ")
                    ))),
                }
            }
        }
    }

    fn key_of(&self, reference: &str, me: &str) -> Result<CertKey, CocError> {
        let c = self.find(reference, |c| c.state == CertState::Active && c.holder == me)?;
        Ok(c.key())
    }

    pub fn get_active(&self, reference: &str, me: &str) -> Result<&Certificate, CocError> {
        let c = self.find(reference, |c| c.state == CertState::Active && c.holder == me)?;
        if c.state != CertState::Active {
            return Err(CocError::CertificateUnavailable(format!("certificate `{reference}` is {}", c.state.as_str())));
        }
        if c.holder != me {
            return Err(CocError::CertificateUnavailable(format!("certificate `{reference}` is not held here")));
        }
        Ok(c)
    }

    /// Units of this book's own certificates bundled with `sale`: the distinct serials bundled
    /// with it, never more. A block shares its serials with the parts split from it, and a part a
    /// holder split and sent back with the block this book sent out (`B` transferred out, `b/X1`
    /// back): [`CertificateBook::current_units`] counts each serial once, for the entry it is in.
    pub fn bundled_units(&self, me: &str, sale: &str) -> i128 {
        self.current_units(|c| c.issuer == me && c.bundled_with.as_deref() == Some(sale)).values().sum()
    }

    /// For each certificate `scope` chooses, other than a split one, the units it holds now: its
    /// serials less those of the blocks inside it. One serial may be in several entries of a book:
    /// a block sent out and a part of it a holder split and sent back (`B` transferred out, `b/X1`
    /// active). Blocks are only ever cut, never joined, and a block split is never whole again, so
    /// the entries holding one serial nest, and the innermost is the newest: where the serial is
    /// now. Each serial counts once, for the innermost entry holding it (among overlapping entries
    /// that do not nest, the one starting last).
    pub fn current_units(&self, scope: impl Fn(&Certificate) -> bool) -> BTreeMap<CertKey, i128> {
        let mut blocks: Vec<&Certificate> =
            self.certificates.values().filter(|c| c.state != CertState::Split && scope(c)).collect();
        blocks.sort_by_cached_key(|c| (c.space(), c.first, std::cmp::Reverse(c.last)));
        let mut units: BTreeMap<CertKey, i128> = BTreeMap::new();
        // The entries open at serial `at` of the space, outermost first.
        let mut open: Vec<&Certificate> = Vec::new();
        let mut at: i128 = 0;
        // Serials `at..to` (to exclusive) go to the innermost open entry.
        let mut give = |open: &[&Certificate], at: &mut i128, to: i128| {
            if let Some(c) = open.last() {
                if to > *at {
                    *units.entry(c.key()).or_default() += to - *at;
                }
            }
            *at = (*at).max(to);
        };
        for c in blocks {
            while let Some(top) = open.last().copied() {
                if top.space() == c.space() && top.last >= c.first {
                    break;
                }
                give(&open, &mut at, top.last as i128 + 1);
                open.pop();
            }
            if open.is_empty() {
                at = c.first as i128;
            }
            give(&open, &mut at, c.first as i128);
            open.push(c);
        }
        while let Some(top) = open.last().copied() {
            give(&open, &mut at, top.last as i128 + 1);
            open.pop();
        }
        units
    }

    /// Issues `units` fresh numbers of the issuer's (pool, period) space.
    pub fn issue(&mut self, mut c: Certificate, units: i64) -> Result<(), CocError> {
        c.named_by = None;
        let key = c.key();
        if self.certificates.contains_key(&key) {
            return Err(CocError::Invalid(format!("certificate `{}` already exists", c.id)));
        }
        if units <= 0 {
            return Err(CocError::Invalid("a certificate has at least one unit".into()));
        }
        let next = self.next_serial.get(&(c.pool.clone(), c.period)).copied().unwrap_or(1);
        let after = next
            .checked_add(units as u64)
            .filter(|a| *a - 1 <= i64::MAX as u64)
            .ok_or_else(|| CocError::Overflow(format!("{units} more units exceed the serial numbers of the pool")))?;
        c.first = next;
        c.last = after - 1;
        self.next_serial.insert((c.pool.clone(), c.period), after);
        self.certificates.insert(key, c);
        Ok(())
    }

    /// Splits `id` into `first_id` (first `units`) and `rest_id` (the remainder). The parts keep
    /// the block's serial space (issuer, pool, period) and cut its range in two, so they trace to
    /// the issuance and never share a serial; they are named by `me`, the holder that splits, and
    /// so never take a key the issuer (or another holder) may give its own blocks.
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
        if first_id == rest_id {
            return Err(CocError::Invalid("the two parts of a split need two ids".into()));
        }
        for new in [first_id, rest_id] {
            if self.certificates.contains_key(&(me.to_string(), new.to_string())) {
                return Err(CocError::Invalid(format!("certificate `{new}` already exists")));
            }
        }
        let mut a = c.clone();
        a.id = first_id.into();
        a.named_by = (me != c.issuer).then(|| me.to_string());
        a.last = c.first + units as u64 - 1;
        a.history = vec![(date, format!("split from {}", c.reference()))];
        a.sent_by = None;
        let mut b = a.clone();
        b.id = rest_id.into();
        b.first = a.last + 1;
        b.last = c.last;
        let orig = self.certificates.get_mut(&c.key()).expect("checked");
        orig.state = CertState::Split;
        orig.history.push((date, format!("split into {} and {}", a.reference(), b.reference())));
        self.certificates.insert(a.key(), a);
        self.certificates.insert(b.key(), b);
        Ok(())
    }

    /// Books a certificate received from another holder. `reference` is its id, or NAMER/ID; the
    /// book keys it by the block's namer and id.
    /// A block this book once sent away takes up its old entry again.
    pub fn receive(
        &mut self,
        reference: &str,
        from: &str,
        me: &str,
        block: &CertificateBlock,
        date: Date,
    ) -> Result<(), CocError> {
        if block.first == 0 || block.last < block.first || block.last - block.first >= i64::MAX as u64 {
            return Err(CocError::Invalid(format!(
                "certificate `{reference}` has no valid serial block ({}..{})",
                block.first, block.last
            )));
        }
        if block.issuer == me
            && block.last >= self.next_serial.get(&(block.pool.clone(), block.period)).copied().unwrap_or(1)
        {
            return Err(CocError::Invalid(format!("certificate `{reference}`: this book never issued those serials")));
        }
        let id = match reference.split_once('/') {
            Some((namer, id)) if namer == block.namer() => id,
            _ => reference,
        };
        let key = (block.namer().to_string(), id.to_string());
        let space = SerialSpace { issuer: block.issuer.clone(), pool: block.pool.clone(), period: block.period };
        if let Some(old) = self.certificates.get(&key) {
            let same = old.block() == CertificateBlock { sent_by: old.sent_by.clone(), ..block.clone() };
            if !(same && old.state == CertState::TransferredOut) {
                return Err(CocError::CertificateUnavailable(format!(
                    "certificate `{id}` named by `{}` is already in this book",
                    block.namer()
                )));
            }
        }
        // No unit is held or retired twice in one book.
        if let Some((a, b)) = self.retired.get(&space).and_then(|r| r.overlap(block.first, block.last)) {
            return Err(CocError::CertificateUnavailable(format!(
                "certificate `{id}`: units {a}..{b} of {} were already retired here",
                space.describe()
            )));
        }
        if let Some(other) = self.certificates.values().find(|c| {
            c.state == CertState::Active && c.space() == space && c.first <= block.last && block.first <= c.last
        }) {
            return Err(CocError::CertificateUnavailable(format!(
                "certificate `{id}` overlaps `{}`, held here, in {}",
                other.reference(),
                space.describe()
            )));
        }
        let entry = self.certificates.entry(key).or_insert_with(|| Certificate {
            id: id.to_string(),
            issuer: block.issuer.clone(),
            pool: block.pool.clone(),
            period: block.period,
            first: block.first,
            last: block.last,
            bundled_with: block.bundled_with.clone(),
            expires: block.expires,
            holder: me.to_string(),
            state: CertState::Active,
            history: Vec::new(),
            retirement: None,
            sent_by: None,
            named_by: block.named_by.clone(),
        });
        entry.holder = me.to_string();
        entry.state = CertState::Active;
        entry.sent_by = None;
        entry.history.push((date, format!("received from {from}")));
        Ok(())
    }

    /// Retires a block: one range, whatever its size; a unit is retired once.
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
        if let Err((a, b)) = self.retired.entry(c.space()).or_default().insert(c.first, c.last) {
            return Err(CocError::CertificateUnavailable(format!(
                "units {a}..{b} of {} were already retired",
                c.space().describe()
            )));
        }
        let c = self.certificates.get_mut(&c.key()).expect("checked");
        c.state = CertState::Retired;
        c.history
            .push((date, format!("retired for {} ({}), claim period {}", retirement.0, retirement.1, retirement.2)));
        c.retirement = Some(retirement);
        Ok(())
    }

    /// Marks the block sent to `to` by operation `op`.
    pub fn send(&mut self, id: &str, me: &str, to: &str, op: &str, date: Date, note: String) -> Result<(), CocError> {
        let key = self.key_of(id, me)?;
        self.get_active(id, me)?;
        let c = self.certificates.get_mut(&key).expect("checked");
        c.state = CertState::TransferredOut;
        c.holder = to.to_string();
        c.sent_by = Some(op.to_string());
        c.history.push((date, note));
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
        let key = self.key_of(id, me)?;
        let c = self.certificates.get_mut(&key).expect("checked");
        c.state = state;
        c.history.push((date, note));
        Ok(())
    }
}
