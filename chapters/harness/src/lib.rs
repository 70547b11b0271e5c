//! # harness
//!
//! What the book's programs, demonstrations and tests share that is *not* the
//! subject of the book. The IPC mechanisms are in the library `apue_ipc`
//! (`src/`); this crate holds the scaffolding around them, kept apart so that
//! the library's documentation shows IPC and nothing else:
//!
//! | module | what it does |
//! |---|---|
//! | [`cli`] | `--help`, argument errors, exit codes; a program that runs itself again as its own child |
//! | [`blocked`] | waits, with a deadline, until a thread or a child is blocked inside a given system call; a thread to interrupt there |
//! | [`fifo_request`] | the one-line request format of the FIFO client and server |
//! | [`temp`] | a private temporary directory for the files a program creates |
//! | [`uds_request`] | the message types of the Unix domain socket client and server |
//! | `interrupt` (feature `testing`) | interrupts a thread blocked in a system call with a signal, without `SA_RESTART` |
//! | [`allocations`] | a global allocator that counts, to prove a hot path allocates nothing (in tests, and in the measurement program) |
//! | [`user`] | not being root where a permission check is the point |
//! | [`test_child`] | a test's second process: the test binary running one of its tests again, in a role |
//! | [`fault`] | a deliberate store through a read-only shared memory attachment, which the kernel answers with `SIGSEGV` |
//! | `testing` (feature `testing`) | the checks every chapter program gets: snapshot, determinism, `--help`, bad arguments |
//!
//! It lives in `chapters/harness/`, beside the chapters that use it.

pub mod allocations;
pub mod blocked;
pub mod cli;
pub mod fault;
pub mod fifo_request;
#[cfg(feature = "testing")]
pub mod interrupt;
pub mod temp;
pub mod test_child;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uds_request;
pub mod user;
