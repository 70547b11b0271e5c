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
//! | [`blocked`] | waits, with a deadline, until a thread or a child is blocked inside a given system call; a thread to interrupt there |
//! | [`fifo_request`] | the one-line request format of the FIFO client and server |
//! | [`uds_request`] | the message types of the Unix domain socket client and server |
//! | [`temp`] | a private temporary directory for the files a program creates |
//! | [`user`] | not being root where a permission check is the point |
//! | [`test_child`] | a test's second process: the test binary running one of its tests again, in a role |
//! | `one_thread` (feature `testing`) | the test harness of the exercises whose tests fork: each test on the main thread of a process of one thread |
//! | [`fault`] | a deliberate store through a read-only shared memory attachment, which the kernel answers with `SIGSEGV` |
//! | `interrupt` (feature `testing`) | interrupts a thread blocked in a system call with a signal, without `SA_RESTART` |
//! | [`allocations`] | a global allocator that counts, to prove a hot path allocates nothing (in tests, and in the measurement program) |
//! | `testing` (feature `testing`) | the checks every chapter program gets: snapshot, determinism, `--help`, bad input, failing standard output, and `cargo xtask stress` |
//!
//! It lives in `chapters/harness/`, beside the chapters that use it.

pub mod allocations;
pub mod blocked;
pub mod cleanup;
pub mod cli;
pub mod fault;
pub mod fifo_request;
#[cfg(feature = "testing")]
pub mod interrupt;
#[cfg(feature = "testing")]
pub mod one_thread;
mod stdio;
pub mod temp;
pub mod test_child;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uds_request;
pub mod user;
