//! The allocator every build of the crate runs with, and how long it keeps
//! memory that was freed.

/// mimalloc instead of the system allocator: building manifests allocates
/// many small JSON nodes, and it makes a large render about 20% faster.
/// Declared here so the plugin, the completion helper, tests and benches
/// all run with the allocator users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc 2.x's `mi_option_purge_delay` (its place in `mi_option_t`, in
/// the `mimalloc.h` that libmimalloc-sys builds with the `v2` feature; the
/// test below checks it by the option's default).
const PURGE_DELAY: std::ffi::c_int = 15;

/// How long freed memory stays with the process before it is given back.
/// mimalloc's 10 ms gave back, during a large build, the pages of each
/// service's tree once it was read, only to take fresh ones (a page fault
/// and a zeroed page each) for the next: a quarter of the page faults of
/// `validate` and `render -o yaml` of 10,000 services (21,500 and 28,700;
/// 16,700 and 20,800 with this), none at 1,000. A second is longer than
/// the builds and short enough that a long `apply --wait` still gives
/// back what the build no longer needs.
const KEEP_FREED_MS: std::ffi::c_long = 1_000;

extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
}

/// Keep freed memory for reuse for `KEEP_FREED_MS`; called first thing by
/// the plugin (and by the benches, which measure what the plugin does).
pub fn keep_freed_memory() {
    // SAFETY: mimalloc's options may be set at any time, from any thread.
    unsafe { mi_option_set(PURGE_DELAY, KEEP_FREED_MS) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_the_option_it_is_taken_for() {
        // The options around it have defaults of their own: eager commit
        // delay 1, purge delay 10 ms, NUMA nodes 0 (all). The test harness
        // never calls `keep_freed_memory`.
        // SAFETY: reading an option is safe at any time.
        let defaults = unsafe { [14, PURGE_DELAY, 16].map(|option| mi_option_get(option)) };
        assert_eq!(defaults, [1, 10, 0]);
        keep_freed_memory();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(PURGE_DELAY) }, KEEP_FREED_MS);
    }
}
