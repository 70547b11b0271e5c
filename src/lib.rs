//! # apue_ipc
//!
//! Safe, owning Rust wrappers for the single-host Unix IPC mechanisms of chapter 15 of
//! *Advanced Programming in the UNIX Environment*, written as the library behind an
//! executable book: every chapter of the book is backed by one module here and by a
//! program in `chapters/` whose real output the book prints.
//!
//! | mechanism | module   | man pages                |
//! |-----------|----------|--------------------------|
//! | pipes     | [`pipe`] | pipe(2), pipe(7)         |
//! | `popen`/`pclose` | [`popen`] | popen(3), pclose(3) |
//! | FIFOs     | [`fifo`] | mkfifo(3), fifo(7)       |
//!
//! Programs that create files do it in a [`tempdir::TempDir`] of their own, removed on drop.
//! Demonstrations that a call waits use [`blocked`] to see the waiting thread inside it.
//!
//! Every fallible call returns [`Result`], whose [`Error`] names the call that failed, the
//! object it was applied to and the `errno`, as in `write(pipe): Broken pipe (EPIPE)`.

pub mod blocked;
pub mod cli;
pub mod error;
pub mod fifo;
pub mod pipe;
pub mod popen;
pub mod tempdir;

pub use error::{Context, Error, Result};
