//! Compiles and runs every ```rust block of the book (see build.rs).
include!(concat!(env!("OUT_DIR"), "/skeptic-tests.rs"));
