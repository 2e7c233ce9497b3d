//! The binary's allocator: mimalloc instead of glibc's malloc. The ledger is millions of small
//! allocations (postings, names, maps), and glibc's free lists were a fifth of a 100k-operation
//! check (issue 12). A well-kept crate: Microsoft's allocator, used by many Rust servers.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (`mi_option_purge_delay` in mimalloc.h; the Rust bindings name
/// no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Never hand freed pages back to the OS: a load or replay frees and allocates in waves, and
/// purging made the kernel zero the same pages again (28% of a 100k check). Memory stays at its
/// high-water mark, which the ledger cache (`--cache-operations`) bounds for `serve`. Called
/// first thing in `main`, before any thread starts.
pub fn configure() {
    // SAFETY: sets a process-wide option; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
