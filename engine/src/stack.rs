//! Stack safety: every deep recursion in the engine (nested calls, nested
//! values in comparisons and repr, deeply nested syntax) runs through
//! [`guard`], which moves onto a fresh heap-allocated stack segment when the
//! current one runs low. The host's thread stack size therefore never limits
//! what the call-depth and nesting limits allow, and never overflows.

/// Bytes that must remain on the current stack before we switch segments.
const RED_ZONE: usize = 128 * 1024;
/// Size of each new stack segment.
const SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `f`, first growing the stack if fewer than [`RED_ZONE`] bytes remain.
/// Hosts that recurse over nested values (converters, encoders) run each
/// level through it too (it is `engine::stack_guard`).
#[inline]
pub fn guard<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
