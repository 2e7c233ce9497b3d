//! Compact postings (issue 12 item 2): dimensions interned as one pointer (`DimsRef`), equal and
//! ordered by value, serialized as the `Dims` they hold; a posting is 48 bytes.

use custody_core::model::{Dims, DimsRef, Name, Origin, Posting};

#[test]
fn interned_dims_are_one_pointer_equal_by_value_and_ordered_as_dims() {
    let d = |item: &str, lot: Option<&str>| Dims {
        item: Some(Name::new(item)),
        lot: lot.map(Name::new),
        origin: Some(Origin::Fuels),
        ..Dims::default()
    };
    let (a, b) = (DimsRef::new(d("coal", Some("l1"))), DimsRef::from(d("coal", Some("l1"))));
    assert!(std::ptr::eq(&*a, &*b));
    assert_eq!(a, b);
    assert_eq!(a.lot, Some(Name::new("l1")));
    let there = std::thread::spawn(move || &*DimsRef::new(d("coal", Some("l1"))) as *const Dims as usize);
    assert_eq!(there.join().unwrap(), &*a as *const Dims as usize, "one table for every thread");
    let mut v = vec![DimsRef::new(d("ore", None)), a, DimsRef::new(d("coal", None)), DimsRef::default()];
    v.sort();
    let by_value: Vec<Dims> = {
        let mut w: Vec<Dims> = v.iter().map(|x| **x).collect();
        w.sort();
        w
    };
    assert_eq!(v.iter().map(|x| **x).collect::<Vec<_>>(), by_value, "ordered as the dims they hold");
    // Serialized as the `Dims` itself: snapshots and exports do not change.
    assert_eq!(postcard::to_allocvec(&a).unwrap(), postcard::to_allocvec(&*a).unwrap());
    let back: DimsRef = postcard::from_bytes(&postcard::to_allocvec(&a).unwrap()).unwrap();
    assert_eq!(back, a);
    // Postings are the ledger's bulk: 48 bytes, no longer 80 (issue 12 item 2).
    assert_eq!(std::mem::size_of::<Posting>(), 48);
}
