//! The semaphore chapter's program, run as a real process: see
//! `harness::testing`.

harness::chapter_program!(sem);
