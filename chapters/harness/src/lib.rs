//! # harness
//!
//! What the book's programs, demonstrations and tests share that is *not* the
//! subject of the book. The IPC mechanisms are in the library `apue_ipc`
//! (`src/`); this crate holds the scaffolding around them, kept apart so that
//! the library's documentation shows IPC and nothing else:
//!
//! | module | what it does |
//! |---|---|
//! | [`cli`] | `--help`, argument errors, exit codes, a standard output that fails cleanly; a program that runs itself again as its own child |
//! | [`cleanup`] | what a program removes however it ends: on `SIGINT`, `SIGTERM` or `SIGHUP`, and after a `SIGKILL` |
//! | [`blocked`] | waits, with a deadline, until a thread or a child is blocked inside a given system call |
//! | [`fifo_request`] | the one-line request format of the FIFO client and server |
//! | [`temp`] | a private temporary directory for the files a program creates |
//! | `testing` (feature `testing`) | the checks every chapter program gets: snapshot, determinism, `--help`, bad input, failing standard output, and `cargo xtask stress` |
//!
//! It lives in `chapters/harness/`, beside the chapters that use it.

pub mod blocked;
pub mod cleanup;
pub mod cli;
pub mod fifo_request;
mod stdio;
pub mod temp;
#[cfg(feature = "testing")]
pub mod testing;
