//! Merkle tree hashes and inclusion proofs as RFC 6962 section 2.1 (RFC 9162 section 2.1) defines
//! them: SHA-256, leaf hash `H(0x00 || data)`, node hash `H(0x01 || left || right)`, the tree of n
//! leaves split at the largest power of two below n. Pure functions over 32-byte hashes.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// `H(0x00 || data)`: the hash of one leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `H(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n >= 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]) over leaf hashes: the hash of the empty string for no leaves. O(n) time.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `index` (RFC 6962 2.1.1), siblings from the leaf up.
/// `None` when `index` is not a leaf of the tree.
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
        if d.len() <= 1 {
            return;
        }
        let k = split(d.len());
        if m < k {
            path(m, &d[..k], out);
            out.push(root(&d[k..]));
        } else {
            path(m - k, &d[k..], out);
            out.push(root(&d[..k]));
        }
    }
    let mut out = Vec::new();
    path(index, leaves, &mut out);
    Some(out)
}

/// Checks an audit path (RFC 9162 section 2.1.3.2): whether `leaf` at `index` of a tree of
/// `size` leaves and `path` hash to `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    /// RFC 6962's definition read literally, written separately: the reference the fast paths
    /// are checked against.
    fn reference_root(d: &[Hash]) -> Hash {
        if d.is_empty() {
            return Sha256::digest([]).into();
        }
        if d.len() == 1 {
            return d[0];
        }
        let k = (0..).map(|e| 1usize << e).take_while(|p| *p < d.len()).last().unwrap();
        node_hash(&reference_root(&d[..k]), &reference_root(&d[k..]))
    }

    #[test]
    fn known_answers() {
        // The empty tree is SHA-256 of the empty string (RFC 6962 2.1).
        assert_eq!(hex::encode(root(&[])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // A one-leaf tree is its leaf hash: H(0x00 || "") for the empty leaf.
        assert_eq!(hex::encode(leaf_hash(b"")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        let l = leaves(3);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
    }

    proptest! {
        #[test]
        fn every_leaf_proves_and_no_other_does(n in 1usize..70, pick in 0usize..70, other in 0usize..70) {
            let l = leaves(n);
            let r = root(&l);
            prop_assert_eq!(r, reference_root(&l));
            let i = pick % n;
            let path = inclusion_proof(i, &l).unwrap();
            prop_assert!(verify_inclusion(i as u64, n as u64, &l[i], &path, &r));
            // Another leaf, another index, another size or another root does not verify.
            let j = other % n;
            if j != i {
                prop_assert!(!verify_inclusion(i as u64, n as u64, &l[j], &path, &r));
                prop_assert!(!verify_inclusion(j as u64, n as u64, &l[i], &path, &r));
            }
            let mut bad = r;
            bad[0] ^= 1;
            prop_assert!(!verify_inclusion(i as u64, n as u64, &l[i], &path, &bad));
            prop_assert!(inclusion_proof(n, &l).is_none());
        }
    }
}
