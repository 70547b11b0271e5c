//! The pthread chapter's program, run as a real process: see
//! `harness::testing`. It forks without exec, which the multi-threaded test
//! harness may not do: it can only be tested this way, from outside.

harness::chapter_program!(pshared);
