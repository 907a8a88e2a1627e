//! A plugin heap: a bump allocator over a static arena, falling back to the system allocator.
//! A plugin opts in with [`crate::arena_allocator!`]`(BYTES)`.
//!
//! Why: every call runs in a fresh instance, and on wasm32 the system allocator gets each heap
//! segment with `memory.grow`, which the server's pooled instances make expensive (about 115 µs
//! per grow, measured with benches/filters.rs: more than the classification itself). The arena
//! lives in the module's zero-initialised data, i.e. in the initial memory, so a typical message
//! is handled without growing memory at all. Blocks are reused when the most recent allocation
//! is freed or resized (the common case of a growing `Vec`/`String`), and the whole arena starts
//! over when every block it handed out has been freed: at the end of a call, when the call's
//! message and verdict are gone, so an instance reused for many calls (a plugin declared
//! stateless) does not fill it up. Larger messages spill over to the system allocator.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, UnsafeCell};

#[repr(C, align(16))]
struct Space<const SIZE: usize>(UnsafeCell<[u8; SIZE]>);

/// `SIZE` bytes of static memory handed out first; see the module documentation.
pub struct Arena<const SIZE: usize> {
    space: Space<SIZE>,
    /// Offset of the first free byte.
    next: Cell<usize>,
    /// Arena blocks handed out and not freed yet; at 0 the arena starts over.
    live: Cell<usize>,
}

// SAFETY: wasm32-unknown-unknown plugins are single-threaded; the allocator is never shared
// between threads.
unsafe impl<const SIZE: usize> Sync for Arena<SIZE> {}

impl<const SIZE: usize> Default for Arena<SIZE> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const SIZE: usize> Arena<SIZE> {
    pub const fn new() -> Arena<SIZE> {
        Arena {
            space: Space(UnsafeCell::new([0; SIZE])),
            next: Cell::new(0),
            live: Cell::new(0),
        }
    }

    fn base(&self) -> usize {
        self.space.0.get() as usize
    }

    fn owns(&self, ptr: *mut u8) -> bool {
        (self.base()..self.base() + SIZE).contains(&(ptr as usize))
    }

    /// True when `ptr..ptr + size` is the most recent allocation.
    fn is_last(&self, ptr: *mut u8, size: usize) -> bool {
        ptr as usize + size == self.base() + self.next.get()
    }
}

unsafe impl<const SIZE: usize> GlobalAlloc for Arena<SIZE> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.base();
        let start = (base + self.next.get()).next_multiple_of(layout.align());
        match start.checked_add(layout.size()) {
            Some(end) if end <= base + SIZE => {
                self.next.set(end - base);
                self.live.set(self.live.get() + 1);
                start as *mut u8
            }
            // SAFETY: `layout` is the caller's valid layout.
            _ => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: not ours, so it came from `System.alloc` with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        self.release(ptr, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.owns(ptr) && self.is_last(ptr, layout.size()) {
            let end = ptr as usize + new_size;
            if end <= self.base() + SIZE {
                self.next.set(end - self.base());
                return ptr;
            }
        }
        if !self.owns(ptr) {
            // SAFETY: not ours, so it came from `System` with this layout.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the caller guarantees a valid layout for `new_size`; the old block stays
        // readable for the copy (an arena block is never handed out twice).
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.release(ptr, layout.size());
            }
            new
        }
    }
}

impl<const SIZE: usize> Arena<SIZE> {
    /// Frees an arena block: the end of the arena if it was the last one, the whole arena if it
    /// was the only one still live.
    fn release(&self, ptr: *mut u8, size: usize) {
        let live = self.live.get().saturating_sub(1);
        self.live.set(live);
        if live == 0 {
            self.next.set(0);
        } else if self.is_last(ptr, size) {
            self.next.set(ptr as usize - self.base());
        }
    }
}

/// Makes an [`Arena`] of `$bytes` the plugin's global allocator on wasm32 (natively, as in
/// tests, the system allocator stays). Size it for a typical message's working set.
#[macro_export]
macro_rules! arena_allocator {
    ($bytes:expr) => {
        #[cfg(target_arch = "wasm32")]
        #[global_allocator]
        static ALLOCATOR: $crate::arena::Arena<{ $bytes }> = $crate::arena::Arena::new();
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_over_when_every_block_is_freed() {
        let arena: Box<Arena<4096>> = Box::default();
        let l = Layout::from_size_align(100, 8).unwrap();
        unsafe {
            let a = arena.alloc(l);
            let b = arena.alloc(l);
            assert!(arena.owns(a) && arena.owns(b));
            // Freeing the older block first: not the last one, the arena stays where it was.
            arena.dealloc(a, l);
            assert!(arena.next.get() >= 200);
            // The last live block: everything is free, the next call starts at the beginning.
            arena.dealloc(b, l);
            assert_eq!(arena.next.get(), 0);
            // A call after another: the same space again, never exhausted by repetition.
            for _ in 0..1000 {
                let p = arena.alloc(l);
                let q = arena.realloc(p, l, 300);
                assert!(arena.owns(q));
                arena.dealloc(q, Layout::from_size_align(300, 8).unwrap());
            }
            assert_eq!(arena.next.get(), 0);
            // A block kept (leaked) keeps the rest from starting over.
            let kept = arena.alloc(l);
            let t = arena.alloc(l);
            arena.dealloc(t, l);
            assert!(arena.next.get() >= 100);
            assert!(arena.owns(kept));
        }
    }
}
