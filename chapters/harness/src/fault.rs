//! A deliberate fault, for the one demonstration that needs one: what the C
//! statement `*addr = 'x'` does when `addr` points into a shared memory
//! segment attached read-only.
//!
//! Safe Rust cannot write through a read-only attachment: the type the library
//! returns for one ([`ReadOnlyAttachment`]) has no method that writes, which is
//! the point. The kernel enforces the same rule one level down, by mapping the
//! pages without write permission, and the shared-memory chapter shows that
//! too, in a child process that it expects to die. That store is a raw pointer
//! write, which chapter programs never contain; it lives here, alone.

use apue_ipc::shm::ReadOnlyAttachment;

/// Stores `byte` into the first byte of `attachment`, as C's `*addr = byte`
/// would. The pages are mapped read-only (`SHM_RDONLY`), so the processor
/// refuses the store, the kernel sends `SIGSEGV`, and its default action ends
/// the process (Rust's own `SIGSEGV` handler only looks for stack overflows,
/// and otherwise restores the default). The process is first made
/// non-dumpable, so that its death leaves no core file behind.
///
/// Returns only if the store succeeded, which would mean the attachment was
/// not read-only after all: the caller's demonstration then fails.
pub fn store_into(attachment: &ReadOnlyAttachment, byte: u8) {
    // A failure here only means a core file could be written: go on.
    let _ = nix::sys::prctl::set_dumpable(false);
    let target = attachment.address() as *mut u8;
    // SAFETY: deliberately not a valid write. `target` is the start of a live
    // mapping (the attachment is borrowed for the call) that was attached
    // with SHM_RDONLY, so the store faults before it changes any memory, and
    // the fault ends the process; nothing observes a changed byte.
    unsafe { std::ptr::write_volatile(target, byte) };
}
