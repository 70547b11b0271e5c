//! The fields this crate reads that have no portable name.
//!
//! POSIX defines `struct ipc_perm` with `uid`, `gid`, `cuid`, `cgid` and `mode` only, and
//! `struct msqid_ds` without a byte count. Linux reports more, and glibc names those
//! fields with leading underscores: `__key` and `__seq` in `ipc_perm`, `__msg_cbytes` in
//! `msqid_ds` (glibc also offers `msg_cbytes` as a macro, which Rust cannot see). The
//! `libc` crate mirrors glibc's names, and other C libraries use others (musl:
//! `__ipc_perm_key`, `__ipc_perm_seq`, `__msg_cbytes`). They are read here and nowhere
//! else, so that porting the crate to another C library touches this file only.

/// The key of an object (`ipc_perm.__key`).
pub(crate) fn perm_key(perm: &libc::ipc_perm) -> libc::key_t {
    perm.__key
}

/// The sequence number of an object's slot (`ipc_perm.__seq`).
pub(crate) fn perm_seq(perm: &libc::ipc_perm) -> u16 {
    perm.__seq
}

/// The bytes of all messages in a queue (`msqid_ds.__msg_cbytes`).
pub(crate) fn msg_cbytes(ds: &libc::msqid_ds) -> u64 {
    ds.__msg_cbytes
}
