//! The Unix domain socket chapter's programs, run as real processes (see
//! `harness::testing`).
//!
//! `uds` gets the standard checks, and one more: its lines are the message-queue
//! program's. The client and server are started as separate processes, the way a
//! user starts them in two terminals: their transcripts are snapshots the book
//! shows, the same on every run, and a session leaves no file behind. A client of
//! another uid is refused; to have one, a test running as root starts the client
//! through `setpriv` as uid 65534, and a test running as another user checks that
//! it cannot do that (which is why the uid the server sees can be trusted).
//!
//! Every wait on a child is bounded (`harness::testing::Running`): its output is
//! read with poll(2) against a deadline, and a child that is still running when a
//! test gives up is killed.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use apue_ipc::uds::{connect, Address, Kind, Listener};
use harness::program;
use harness::temp;
use harness::testing::{
    assert_repeatable, filter, transcript_of, Filters, Program, Running,
};

const SERVER: Program = program!("uds_server");
const CLIENT: Program = program!("uds_client");

harness::chapter_program!(uds);

/// The message-queue replacement prints, line for line, what the message-queue
/// program prints: its snapshot, which the message-queue chapter shows.
#[test]
fn uds_prints_the_lines_of_the_message_queue_program() {
    let msg = include_str!("../../msg/snapshots/msg.snap");
    let msg_lines: Vec<&str> = msg
        .lines()
        .skip_while(|line| !line.starts_with("$ cargo run --bin msg"))
        .skip(1)
        .collect();
    assert_eq!(msg_lines.len(), 3, "{msg}");
    let uds = program!("uds").transcript(&[]);
    let uds_lines: Vec<&str> = uds.lines().skip(1).collect();
    assert_eq!(uds_lines, msg_lines);
}

harness::chapter_program!(
    uds_server,
    output_checked_by: super::output,
    bad_arguments: ["/tmp/upper.sock", "many"],
    bad_inputs: [
        ["{tmp}/upper.sock"],
        ["", "1"],
        ["{huge}", "1"],
        ["{missing}/{xff}.sock", "1"],
        ["{tmp}/upper.sock", "{xff}"],
        ["{tmp}/upper.sock", "-1"],
        ["{tmp}/upper.sock", "99999999999999999999"],
        ["{tmp}/upper.sock", ""],
        ["{tmp}/upper.sock", "1", "extra"],
        ["{dir}", "1"],
        ["{file}", "1"],
        ["{fifo}", "1"],
        ["{missing}/upper.sock", "1"]
    ],
    stdout_args: ["{tmp}/upper.sock", "1"]
);
harness::chapter_program!(
    uds_client,
    output_checked_by: super::output,
    bad_arguments: ["/tmp/upper.sock"],
    bad_inputs: [
        ["", "hi"],
        ["{huge}", "hi"],
        ["{missing}", "hi"],
        ["{dir}", "hi"],
        ["{file}", "hi"],
        ["{fifo}", "hi"],
        ["{fifo}"],
        ["{fifo}", "{xff}"],
        ["{fifo}", "{huge}"],
        ["{fifo}", "hi", "extra"]
    ]
);

/// Where the book's transcripts say the session ran: the test's temporary
/// directory is replaced by this, so that the commands shown are ones a reader
/// can type.
const SHOWN_DIR: &str = "/tmp";

/// Process ids vary from run to run.
fn pid_filter() -> Filters {
    vec![(r"pid \d+".to_string(), "pid PID".to_string())]
}

/// A server for `count` clients in `dir`, once it is listening.
fn start_server(dir: &Path, count: usize) -> (Running, String) {
    let socket = dir.join("upper.sock");
    let socket = socket.to_str().unwrap().to_string();
    let count = count.to_string();
    let mut server = Running::start(SERVER, &[&socket, &count], Some(dir));
    server.read_until(|out| out.contains(&b'\n')); // "listening": it is bound
    (server, socket)
}

/// What a finished server printed, and how it ended.
fn server_transcript(dir: &Path, count: usize, output: &Output) -> String {
    let socket = dir.join("upper.sock");
    let args = [socket.to_str().unwrap(), &count.to_string()];
    transcript_of(SERVER.name, &args, output)
}

/// `text` with the test's directory shown as `/tmp` and pids as `PID`.
fn shown(text: &str, dir: &Path) -> String {
    filter(
        text.replace(dir.to_str().unwrap(), SHOWN_DIR),
        &pid_filter(),
    )
}

/// A session as the book shows it: a server for `texts.len()` clients, and one
/// client per text, each started after the previous one finished. Returns the
/// server's transcript and the clients'.
fn session(texts: &[&str]) -> (String, String) {
    let dir = temp::dir("uds_session").unwrap();
    let (server, socket) = start_server(dir.path(), texts.len());
    let mut clients = String::new();
    for text in texts {
        let args = [socket.as_str(), text];
        let output = Running::start(CLIENT, &args, Some(dir.path())).finish();
        clients.push_str(&transcript_of(CLIENT.name, &args, &output));
    }
    let output = server.finish();
    let server = server_transcript(dir.path(), texts.len(), &output);
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "the session left {left:?} behind");
    (shown(&server, dir.path()), shown(&clients, dir.path()))
}

const BOOK_SESSION: [&str; 2] = ["hello", "socket"];

#[test]
fn output() {
    let (server, clients) = session(&BOOK_SESSION);
    SERVER.assert_snapshot("uds_server", &server);
    CLIENT.assert_snapshot("uds_client", &clients);
}

#[test]
fn is_deterministic() {
    let expected = session(&BOOK_SESSION);
    assert_repeatable(&expected, 100, 8, || session(&BOOK_SESSION));
}

/// The pid the server prints is the client's, as the kernel knows it: nobody
/// told the server.
#[test]
fn the_server_names_each_client_by_its_pid() {
    let dir = temp::dir("uds_pid").unwrap();
    let (server, socket) = start_server(dir.path(), 1);
    let client = Running::start(CLIENT, &[&socket, "who"], Some(dir.path()));
    let pid = client.pid();
    assert!(client.finish().status.success());
    let log = String::from_utf8(server.finish().stdout).unwrap();
    assert!(
        log.contains(&format!("client 1 (pid {pid}, my uid): who -> WHO")),
        "{log}"
    );
}

/// Eight clients at once: each gets its own answer over its own connection.
#[test]
fn concurrent_clients_each_get_their_own_answer() {
    let dir = temp::dir("uds_concurrent").unwrap();
    let (server, socket) = start_server(dir.path(), 8);
    let texts: Vec<String> = (0..8).map(|i| format!("client {i}")).collect();
    let clients: Vec<Running> = texts
        .iter()
        .map(|text| Running::start(CLIENT, &[&socket, text], Some(dir.path())))
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
    for text in &texts {
        let exchange = format!("{text} -> {}", text.to_uppercase());
        assert_eq!(log.matches(&exchange).count(), 1, "{log}");
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A client that connects and leaves without a word is noticed at once (the
/// server reads end-of-file), and the server goes on: unlike a FIFO server, it
/// never waits for a client that is gone.
#[test]
fn a_client_that_leaves_does_not_stop_the_server() {
    let dir = temp::dir("uds_leaves").unwrap();
    let (server, socket) = start_server(dir.path(), 2);
    drop(connect(
        &Address::Path(socket.clone().into()),
        Kind::SeqPacket,
    ));
    let client = Running::start(CLIENT, &[&socket, "still here"], None);
    assert_eq!(
        String::from_utf8_lossy(&client.finish().stdout),
        "STILL HERE\n"
    );
    let log = String::from_utf8(server.finish().stdout).unwrap();
    assert!(log.contains("): left without a request\n"), "{log}");
    assert!(log.contains("): still here -> STILL HERE\n"), "{log}");
}

/// With no server, the client fails at once: ENOENT when there is no socket
/// file, ECONNREFUSED when a file is left but nobody listens on it.
#[test]
fn a_client_without_a_server_fails_at_once() {
    let dir = temp::dir("uds_no_server").unwrap();
    let missing = dir.path().join("missing.sock");
    let output =
        Running::start(CLIENT, &[missing.to_str().unwrap(), "hi"], None)
            .finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("No such file or directory (ENOENT)\n"));

    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap()); // left
    let output =
        Running::start(CLIENT, &[stale.to_str().unwrap(), "hi"], None).finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("Connection refused (ECONNREFUSED)\n"));
    fs::remove_file(&stale).unwrap();
}

/// A server refuses to start on a path that is taken, and leaves it alone.
#[test]
fn a_server_does_not_take_over_a_path_in_use() {
    let dir = temp::dir("uds_taken").unwrap();
    let path = dir.path().join("upper.sock");
    let first =
        Listener::bind(Address::Path(path.clone()), Kind::SeqPacket).unwrap();
    let output =
        Running::start(SERVER, &[path.to_str().unwrap(), "1"], None).finish();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .ends_with("Address already in use (EADDRINUSE)\n"));
    assert!(path.exists());
    drop(first);
    assert!(!path.exists());
}

/// The uid the test asks `setpriv` for: one that is not the test's own.
fn another_uid() -> u32 {
    match nix::unistd::geteuid().as_raw() {
        65534 => 65533,
        _ => 65534,
    }
}

/// The command line `setpriv` runs `client` with, as another user.
fn setpriv_args<'a>(uid: &'a str, client: &'a str) -> Vec<String> {
    vec![
        format!("--reuid={uid}"),
        format!("--regid={uid}"),
        "--clear-groups".to_string(),
        client.to_string(),
    ]
}

/// A client running under another uid than the server's is refused, by the
/// credentials the kernel gives the server.
///
/// As root (CI), the test starts the client as uid 65534 through `setpriv`,
/// from a copy of the client in the test's directory (opened to every user, as
/// the server's socket is), so that uid 65534 can run it wherever the
/// repository is; the server's log and the client's error are snapshots the
/// book shows. As any other user the test cannot do that, and checks exactly
/// that: the kernel refuses to let it take another uid, which is why a server
/// can trust the uid it is given.
#[test]
fn a_client_of_another_uid_is_refused() {
    let dir = temp::dir("uds_refused").unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o711)).unwrap();
    let copy = dir.path().join("uds_client");
    fs::copy(CLIENT.path, &copy).unwrap();
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).unwrap();
    let copy = copy.to_str().unwrap();
    let uid = another_uid().to_string();

    // As root both clients connect; otherwise only the second one can.
    let root = nix::unistd::geteuid().is_root();
    let count = if root { 2 } else { 1 };
    let (server, socket) = start_server(dir.path(), count);
    let mut args = setpriv_args(&uid, copy);
    args.extend([socket.clone(), "hello".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let setpriv = Program {
        name: "setpriv",
        path: "setpriv",
        snapshots: CLIENT.snapshots,
    };
    let other = Running::start(setpriv, &args, None).finish();
    // Whatever happened, a client of the server's own uid ends the session.
    let mine = Running::start(CLIENT, &[&socket, "mine"], None).finish();
    assert_eq!(String::from_utf8_lossy(&mine.stdout), "MINE\n");
    let server = server.finish();
    fs::remove_file(copy).unwrap();
    let log = String::from_utf8_lossy(&server.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&other.stderr).into_owned();

    if root {
        assert_eq!(other.status.code(), Some(1), "{stderr}");
        assert!(log.contains(&format!(", uid {uid}): refused\n")), "{log}");
        assert!(stderr.contains("refused by the server"), "{stderr}");
        let client_line = format!(
            "$ sudo setpriv --reuid={uid} --regid={uid} --clear-groups \
             target/debug/uds_client {socket} hello"
        );
        let body = transcript_of(CLIENT.name, &[], &other);
        let body = body.split_once('\n').unwrap().1;
        let client = format!("{client_line}\n{body}");
        CLIENT
            .assert_snapshot("uds_client-refusal", &shown(&client, dir.path()));
        let server = server_transcript(dir.path(), count, &server);
        SERVER
            .assert_snapshot("uds_server-refusal", &shown(&server, dir.path()));
    } else {
        // setpriv: setresuid failed: Operation not permitted
        assert_ne!(other.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("Operation not permitted"), "{stderr}");
        assert!(log.contains("client 1 (pid "), "{log}");
        assert!(log.contains(", my uid): mine -> MINE"), "{log}");
        assert!(!log.contains("): refused"), "{log}");
    }
}

/// A socket's path is a file's path, and a file's path need not be UTF-8:
/// server and client take it as bytes, as the FIFO programs do.
#[test]
fn a_socket_path_that_is_not_utf8_works() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = temp::dir("uds_bytes").unwrap();
    let socket = dir.path().join(OsStr::from_bytes(b"\xff.sock"));
    let mut server = SERVER.command();
    server.arg(&socket).arg("1");
    let mut server = Running::spawn(SERVER.name, server);
    server.read_until(|out| out.contains(&b'\n')); // listening
    let mut client = CLIENT.command();
    client.arg(&socket).arg("bytes");
    let output = Running::spawn(CLIENT.name, client).finish();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"BYTES\n");
    assert!(server.finish().status.success());
    assert!(!socket.exists(), "the server removes its socket");
}

/// The client's answer goes to its standard output: a full one is one line
/// and exit code 1, a pipe nobody reads a quiet `SIGPIPE`, and the server
/// goes on either way (it has answered before the client writes).
#[test]
fn the_client_survives_a_failing_stdout() {
    use harness::testing::matrix::{assert_stdout_broken, assert_stdout_full};
    let dir = temp::dir("uds_client_stdout").unwrap();
    let (server, socket) = start_server(dir.path(), 2);
    for (text, check) in [
        (
            "full",
            assert_stdout_full as fn(&'static str, std::process::Command),
        ),
        ("gone", assert_stdout_broken),
    ] {
        let mut command = CLIENT.command();
        command
            .args([socket.as_str(), text])
            .env("TMPDIR", dir.path());
        check(CLIENT.name, command);
    }
    let log = String::from_utf8(server.finish().stdout).unwrap();
    assert!(
        log.contains("full -> FULL") && log.contains("gone -> GONE"),
        "{log}"
    );
}
