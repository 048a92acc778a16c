//! The global allocator: mimalloc for small allocations, the system
//! allocator for large ones.
//!
//! Starlark values are many small, short-lived allocations, which mimalloc
//! serves much faster than glibc (13% fewer instructions on the
//! dict-aggregation benchmark). Large buffers — a long list's items, Arrow
//! arrays — go to the system allocator, whose `realloc` moves big blocks by
//! remapping pages: a growing list then never holds its old and new buffers
//! at once, and freed buffers go back to the OS. The owner of a block
//! follows from its size, which `dealloc` and `realloc` are always given.
//! mimalloc is built without transparent huge pages (`no_thp`): an arena
//! backed by 2 MiB pages made a trivial run 6 MB larger, at no gain in speed.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of at least this many bytes come from the system allocator.
const LARGE: usize = 256 << 10;

/// mimalloc below [`LARGE`] bytes, the system allocator from there up.
pub struct QuarryAlloc;

fn is_large(size: usize) -> bool {
    size >= LARGE
}

// SAFETY: every block is allocated and freed by the same allocator, chosen
// by its size; the layout passed to `dealloc`/`realloc` is the one the
// block was allocated with (a `GlobalAlloc` guarantee), so the choice is
// the same on both sides. Moving between allocators copies the contents
// and frees the old block with its own allocator.
unsafe impl GlobalAlloc for QuarryAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_large(layout.size()) {
            System.alloc(layout)
        } else {
            mimalloc::MiMalloc.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_large(layout.size()) {
            System.alloc_zeroed(layout)
        } else {
            mimalloc::MiMalloc.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout.size()) {
            System.dealloc(ptr, layout)
        } else {
            mimalloc::MiMalloc.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (is_large(layout.size()), is_large(new_size)) {
            (true, true) => System.realloc(ptr, layout, new_size),
            (false, false) => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
            _ => {
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn blocks_move_between_allocators_intact() {
        // Grow a vector across the threshold and shrink it back: contents survive.
        let mut v: Vec<u64> = (0..1000).collect();
        v.reserve(super::LARGE);
        assert_eq!(v[999], 999);
        v.truncate(10);
        v.shrink_to_fit();
        assert_eq!(v, (0..10).collect::<Vec<u64>>());
    }
}
