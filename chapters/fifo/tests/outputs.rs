//! The FIFO chapter's programs, run as real processes (see `harness::testing`).
//!
//! `fifo` gets the standard checks. The client and server are started as separate
//! processes the way a user starts them in two terminals: the server's transcript and
//! the clients' are snapshots the book shows, the same on every run, and the session
//! leaves no file behind.
//!
//! Every wait on a child is bounded (`harness::testing::Running`): its output is read
//! with poll(2) against a deadline, and a child that is still running when a test gives
//! up is killed, so a broken server fails the test instead of hanging it.

use std::fs;
use std::path::Path;

use apue_ipc::fifo::{open_writer, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use harness::program;
use harness::temp;
use harness::testing::{assert_repeatable, transcript_of, Program, Running};

const SERVER: Program = program!("fifo_server");
const CLIENT: Program = program!("fifo_client");

harness::chapter_program!(fifo);

/// The FIFO goes in a private directory that is gone when the program exits.
#[test]
fn fifo_leaves_no_file_behind() {
    harness::testing::assert_leaves_no_file(program!("fifo"), &[]);
}

harness::chapter_program!(
    fifo_server,
    output_checked_by: super::output,
    bad_arguments: ["/tmp/upper.fifo", "many"]
);
harness::chapter_program!(
    fifo_client,
    output_checked_by: super::output,
    bad_arguments: ["/tmp/upper.fifo"]
);

/// Where the book's transcripts say the session ran: the test's temporary directory is
/// replaced by this, so that the commands shown are ones a reader can type.
const SHOWN_DIR: &str = "/tmp";

/// A session as the book shows it: a server answering `texts.len()` requests, and one
/// client per text, each started after the previous one finished. Returns the server's
/// transcript and the clients' transcripts.
fn session(texts: &[&str]) -> (String, String) {
    let dir = temp::dir("fifo_session").unwrap();
    let well_known = dir.path().join("upper.fifo");
    let well_known = well_known.to_str().unwrap();
    let count = texts.len().to_string();
    let server_args = [well_known, count.as_str()];

    let mut server = Running::start(SERVER, &server_args, Some(dir.path()));
    server.read_until(|out| out.contains(&b'\n')); // "listening": the FIFO exists
    let mut clients = String::new();
    for text in texts {
        let args = [well_known, text];
        let output = Running::start(CLIENT, &args, Some(dir.path())).finish();
        clients.push_str(&transcript_of(CLIENT.name, &args, &output));
    }
    let server_output = server.finish();
    let server_transcript =
        transcript_of(SERVER.name, &server_args, &server_output);

    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "the session left {left:?} behind");
    let dir = dir.path().to_str().unwrap();
    (
        server_transcript.replace(dir, SHOWN_DIR),
        clients.replace(dir, SHOWN_DIR),
    )
}

const BOOK_SESSION: [&str; 2] = ["hello", "fifo"];

#[test]
fn output() {
    let (server, clients) = session(&BOOK_SESSION);
    SERVER.assert_snapshot("fifo_server", &server);
    CLIENT.assert_snapshot("fifo_client", &clients);
}

#[test]
fn is_deterministic() {
    let expected = session(&BOOK_SESSION);
    assert_repeatable(&expected, 100, 8, || session(&BOOK_SESSION));
}

/// Eight clients at once: each request is one atomic write, so the server reads eight
/// whole requests, and each client gets its own answer.
#[test]
fn concurrent_clients_each_get_their_own_answer() {
    let dir = temp::dir("fifo_concurrent").unwrap();
    let well_known = dir.path().join("upper.fifo");
    let well_known = well_known.to_str().unwrap();
    let texts: Vec<String> = (0..8).map(|i| format!("client {i}")).collect();
    let mut server =
        Running::start(SERVER, &[well_known, "8"], Some(dir.path()));
    server.read_until(|out| out.contains(&b'\n'));

    let clients: Vec<Running> = texts
        .iter()
        .map(|text| {
            Running::start(CLIENT, &[well_known, text], Some(dir.path()))
        })
        .collect();
    for (text, client) in texts.iter().zip(clients) {
        let output = client.finish();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!("{}\n", text.to_uppercase())
        );
    }
    let output = server.finish();
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8(output.stdout).unwrap();
    let mut answered: Vec<&str> = log
        .lines()
        .filter_map(|line| {
            line.split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": "))
        })
        .map(|(_, exchange)| exchange)
        .collect();
    answered.sort();
    let mut expected: Vec<String> = texts
        .iter()
        .map(|text| format!("{text} -> {}", text.to_uppercase()))
        .collect();
    expected.sort();
    assert_eq!(answered, expected);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A malformed request is reported and counted, and the server goes on serving.
#[test]
fn a_malformed_request_does_not_stop_the_server() {
    let dir = temp::dir("fifo_malformed").unwrap();
    let well_known = dir.path().join("upper.fifo");
    let well_known = well_known.to_str().unwrap();
    let mut server =
        Running::start(SERVER, &[well_known, "2"], Some(dir.path()));
    server.read_until(|out| out.contains(&b'\n'));

    open_writer(Path::new(well_known), Open::NonBlocking)
        .unwrap()
        .write_atomic(b"no tab in this line\n")
        .unwrap();
    let client =
        Running::start(CLIENT, &[well_known, "still here"], Some(dir.path()))
            .finish();
    assert_eq!(String::from_utf8_lossy(&client.stdout), "STILL HERE\n");

    let output = server.finish();
    let log = String::from_utf8(output.stdout).unwrap();
    assert!(
        log.contains("server: request 1: not answered: request(no tab in this line): expected"),
        "{log}"
    );
    assert!(
        log.contains("server: request 2: still here -> STILL HERE"),
        "{log}"
    );
    assert!(output.status.success());
}

/// With no server, the client fails at once: ENOENT when the FIFO does not exist, ENXIO
/// when it exists but nobody reads it (a blocking open would wait forever). Either way
/// its own FIFO and directory are gone.
#[test]
fn a_client_without_a_server_fails_at_once() {
    let dir = temp::dir("fifo_no_server").unwrap();
    let missing = dir.path().join("missing.fifo");
    let output = Running::start(
        CLIENT,
        &[missing.to_str().unwrap(), "hi"],
        Some(dir.path()),
    )
    .finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("No such file or directory (ENOENT)\n"));

    let stale = Fifo::create(dir.path().join("stale.fifo")).unwrap();
    let output = Running::start(
        CLIENT,
        &[stale.path().to_str().unwrap(), "hi"],
        Some(dir.path()),
    )
    .finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("No such device or address (ENXIO)\n"));
    drop(stale);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}
