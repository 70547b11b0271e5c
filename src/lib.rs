//! # apue_ipc
//!
//! Safe, owning Rust wrappers for the single-host Unix IPC mechanisms of
//! chapter 15 of *Advanced Programming in the UNIX Environment*, written as the
//! library behind an executable book: every chapter of the book is backed by
//! one module here and by a program in `chapters/` whose real output the book
//! prints.
//!
//! | mechanism | module   | man pages                |
//! |-----------|----------|--------------------------|
//! | pipes     | [`pipe`] | pipe(2), pipe(7)         |
//! | `popen`/`pclose` | [`popen`] | popen(3), pclose(3) |
//! | FIFOs     | [`fifo`] | mkfifo(3), fifo(7)       |
//! | XSI IPC: keys, permissions, limits | [`xsi`] | sysvipc(7), ftok(3) |
//! | message queues | [`msg`] | msgget(2), msgsnd(2), msgctl(2) |
//! | semaphore sets | [`sem`] | semget(2), semop(2), semctl(2) |
//! | shared memory | [`shm`] | shmget(2), shmat(2), shmctl(2) |
//! | removing leftover objects | [`cleanup`] | ipcrm(1), proc_sysvipc(5) |
//! | `fork` without `exec`, checked | [`fork`] | fork(2), _exit(2) |
//! | shared memory with `mmap` | [`mmap`] | mmap(2), memfd_create(2) |
//! | process-shared mutexes and condition variables | [`pshared`] | pthread_mutexattr_setpshared(3), pthread_mutexattr_setrobust(3) |
//! | Unix domain sockets | [`uds`] | unix(7), socketpair(2), cmsg(3) |
//! | POSIX queues, semaphores, shared memory | [`posix`] | mq_overview(7), sem_overview(7), shm_overview(7) |
//!
//! This crate is the subject of the book and nothing else: the scaffolding the
//! programs share (argument handling, exit codes, waiting until a task is blocked
//! in a system call) is the `harness` crate in `chapters/harness/`.
//!
//! Every fallible call returns [`Result`], whose [`Error`] names the call that
//! failed, the object it was applied to and the `errno`, as in `write(pipe):
//! Broken pipe (EPIPE)`.

pub mod cleanup;
pub mod error;
pub mod fifo;
pub mod fork;
pub mod mmap;
pub mod msg;
pub mod pipe;
pub mod popen;
pub mod posix;
pub mod pshared;
mod scratch;
pub mod sem;
pub mod shm;
pub mod uds;
pub mod xsi;

pub use error::{Context, Error, Result};
