//! The pipe chapter's program, run as a real process: see `harness::testing`.

harness::chapter_program!(pipe);
