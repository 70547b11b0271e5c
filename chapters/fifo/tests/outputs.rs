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

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use apue_ipc::fifo::{open_writer, Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use harness::blocked::wait_until_child_blocked_in;
use harness::program;
use harness::temp;
use harness::testing::matrix::{assert_stdout_broken, assert_stdout_full};
use harness::testing::{
    assert_repeatable, transcript_of, Program, Running, Sandbox,
};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const FIFO: Program = program!("fifo");
const SERVER: Program = program!("fifo_server");
const CLIENT: Program = program!("fifo_client");

harness::chapter_program!(fifo);

/// The FIFO goes in a private directory that is gone when the program exits.
#[test]
fn fifo_leaves_no_file_behind() {
    harness::testing::assert_leaves_no_file(FIFO, &[]);
}

harness::chapter_program!(
    fifo_server,
    output_checked_by: super::output,
    bad_arguments: ["/tmp/upper.fifo", "many"],
    bad_inputs: [
        ["{tmp}/upper.fifo"],
        ["", "1"],
        ["{huge}", "1"],
        ["{tmp}/upper.fifo", "{xff}"],
        ["{tmp}/upper.fifo", "-1"],
        ["{tmp}/upper.fifo", "99999999999999999999"],
        ["{tmp}/upper.fifo", ""],
        ["{tmp}/upper.fifo", "1", "extra"],
        ["{dir}", "1"],
        ["{file}", "1"],
        ["{missing}/upper.fifo", "1"]
    ],
    stdout_args: ["{tmp}/upper.fifo", "1"]
);
harness::chapter_program!(
    fifo_client,
    output_checked_by: super::output,
    bad_arguments: ["/tmp/upper.fifo"],
    bad_inputs: [
        ["", "hi"],
        ["{huge}", "hi"],
        ["{fifo}", "{xff}"],
        ["{missing}", "hi"],
        ["{dir}", "hi"],
        ["{file}", "hi"],
        ["{fifo}", "hi"],
        ["{fifo}"],
        ["{fifo}", "two\nlines"],
        ["--timeout", "{fifo}", "hi"],
        ["--timeout=soon", "{fifo}", "hi"],
        ["--timeout=-1", "{fifo}", "hi"],
        ["--timeout=0", "{fifo}", "hi"],
        ["--timeout=1e9", "{fifo}", "hi"]
    ],
    kill_args: ["{mute}", "is anyone there?"]
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

/// A server started in `dir` on `dir/upper.fifo` for `count` requests, once
/// it has said that it listens.
fn server_in(dir: &Path, count: u32) -> (Running, PathBuf) {
    let well_known = dir.join("upper.fifo");
    let count = count.to_string();
    let args = [well_known.to_str().unwrap(), count.as_str()];
    let mut server = Running::start(SERVER, &args, Some(dir));
    server.read_until(|out| out.contains(&b'\n'));
    (server, well_known)
}

/// A client's answer to `text`, asserting that it succeeded.
fn answer(dir: &Path, well_known: &Path, text: &str) -> String {
    let args = [well_known.to_str().unwrap(), text];
    let output = Running::start(CLIENT, &args, Some(dir)).finish();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Writes `line` into the well-known FIFO as a hostile writer would.
fn inject(well_known: &Path, line: &[u8]) {
    open_writer(well_known, Open::NonBlocking)
        .unwrap()
        .write_atomic(line)
        .unwrap();
}

/// The server's log once it has answered everything.
fn log_of(server: Running) -> String {
    let output = server.finish();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Defect 3 of issue 10: a request whose reply FIFO nobody reads (a client
/// that died after sending it) no longer stops the server in `open`, and the
/// next client is answered.
#[test]
fn a_client_that_is_gone_does_not_stop_the_server() {
    let dir = temp::dir("fifo_gone").unwrap();
    let (server, well_known) = server_in(dir.path(), 2);
    let orphan = Fifo::create(dir.path().join("orphan.fifo")).unwrap();
    let mut line = orphan.path().as_os_str().as_bytes().to_vec();
    line.extend_from_slice(b"\tanyone?\n");
    inject(&well_known, &line);
    assert_eq!(answer(dir.path(), &well_known, "next"), "NEXT\n");
    let log = log_of(server);
    assert!(
        log.contains("request 1: not answered: open(")
            && log.contains("No such device or address (ENXIO)"),
        "{log}"
    );
    assert!(log.contains("request 2: next -> NEXT"), "{log}");
}

/// Defect 3 as the issue found it: the server stopped (SIGSTOP), a client sends
/// its request and is killed with SIGKILL while it waits, the server continues
/// (SIGCONT), and the next client is answered.
#[test]
fn a_client_killed_while_waiting_does_not_stop_the_server() {
    let dir = temp::dir("fifo_killed_client").unwrap();
    let (server, well_known) = server_in(dir.path(), 2);
    let server_pid = Pid::from_raw(server.pid() as i32);
    kill(server_pid, Signal::SIGSTOP).unwrap();
    let args = [well_known.to_str().unwrap(), "doomed"];
    let client = Running::start(CLIENT, &args, Some(dir.path()));
    // The request is sent once the client waits for the answer, in poll(2).
    wait_until_child_blocked_in(client.pid(), libc::SYS_poll).unwrap();
    kill(Pid::from_raw(client.pid() as i32), Signal::SIGKILL).unwrap();
    let killed = client.finish(); // its reaper has removed its FIFO by now
    assert_eq!(killed.status.signal(), Some(libc::SIGKILL));
    kill(server_pid, Signal::SIGCONT).unwrap();
    assert_eq!(answer(dir.path(), &well_known, "next"), "NEXT\n");
    let log = log_of(server);
    assert!(log.contains("request 1: not answered: "), "{log}");
    assert!(log.contains("request 2: next -> NEXT"), "{log}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Defect 4 of issue 10: a server that reads requests but cannot answer (here
/// the test itself, which never does) costs the client a bounded wait and a
/// clear message, not its life.
#[test]
fn a_client_whose_server_cannot_answer_gives_up_in_time() {
    let dir = temp::dir("fifo_mute").unwrap();
    let mute = Fifo::create(dir.path().join("mute.fifo")).unwrap();
    let _reading = mute.open_reader(Open::NonBlocking).unwrap();
    let args = ["--timeout=0.3", mute.path().to_str().unwrap(), "hello?"];
    let output = Running::start(CLIENT, &args, Some(dir.path())).finish();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("fifo_client: read(")
            && stderr.ends_with(
                "no answer within 300ms: is a server reading the FIFO, and \
                 can it open this one?\n"
            ),
        "{stderr}"
    );
    drop(mute);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Defect 5 of issue 10: a request that is not UTF-8 is reported, and the
/// server goes on.
#[test]
fn a_request_that_is_not_utf8_does_not_stop_the_server() {
    let dir = temp::dir("fifo_bytes").unwrap();
    let (server, well_known) = server_in(dir.path(), 2);
    inject(&well_known, b"\xff\tx\n");
    assert_eq!(
        answer(dir.path(), &well_known, "still here"),
        "STILL HERE\n"
    );
    let log = log_of(server);
    assert!(
        log.contains(
            "request 1: not answered: request(\\xFF): the reply path is not \
             absolute"
        ),
        "{log}"
    );
    assert!(log.contains("request 2: still here -> STILL HERE"), "{log}");
}

/// Defect 6 of issue 10: a request naming the server's own FIFO as its reply
/// path is refused (answering it would write into the next request).
#[test]
fn a_request_cannot_make_the_server_answer_itself() {
    let dir = temp::dir("fifo_itself").unwrap();
    let (server, well_known) = server_in(dir.path(), 3);
    let mut line = well_known.as_os_str().as_bytes().to_vec();
    line.extend_from_slice(b"\tloop\n");
    inject(&well_known, &line);
    // The same FIFO by another name.
    let alias = dir.path().join("alias.fifo");
    std::os::unix::fs::symlink(&well_known, &alias).unwrap();
    let mut line = alias.as_os_str().as_bytes().to_vec();
    line.extend_from_slice(b"\tloop\n");
    inject(&well_known, &line);
    assert_eq!(answer(dir.path(), &well_known, "real"), "REAL\n");
    fs::remove_file(&alias).unwrap();
    let log = log_of(server);
    assert_eq!(
        log.matches("the reply path is the server's own FIFO")
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains("request 3: real -> REAL"), "{log}");
}

/// The peak memory of process `pid`, in kB (VmHWM in /proc/PID/status).
fn peak_memory_kb(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap()
}

/// Defect 6 of issue 10: a request line is read with a bound. A writer that
/// sends 32 MB without a newline costs the server no more memory than any
/// request (before, the whole line was held: a 200 MB line took 207 MB).
#[test]
fn a_huge_request_is_refused_with_bounded_memory() {
    let dir = temp::dir("fifo_huge").unwrap();
    let (mut server, well_known) = server_in(dir.path(), 3);
    let before = peak_memory_kb(server.pid());
    let mut writer = open_writer(&well_known, Open::Blocking).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..32 {
        writer.write_all(&chunk).unwrap(); // waits while the server reads
    }
    writer.write_all(b"\n").unwrap();
    drop(writer);
    assert_eq!(answer(dir.path(), &well_known, "after"), "AFTER\n");
    // The log says request 2 was answered: the server waits for request 3, and
    // its peak memory is there to read.
    server.read_until(|out| out.windows(9).any(|w| w == b"request 2"));
    let peak = peak_memory_kb(server.pid());
    assert!(
        peak < before + 4 * 1024,
        "peak memory grew from {before} kB to {peak} kB"
    );
    assert_eq!(answer(dir.path(), &well_known, "last"), "LAST\n");
    let log = log_of(server);
    assert!(
        log.contains("request 1: not answered: read(")
            && log.contains("a request of 33554433 bytes: at most 4096"),
        "{log}"
    );
}

/// Defect 7 of issue 10: the child of `fifo`, blocked in `open` when its parent
/// dies, notices (SIGHUP, asked for with PR_SET_PDEATHSIG), says so and exits.
#[test]
fn the_fifo_child_notices_its_parent_dying() {
    let dir = temp::dir("fifo_orphan").unwrap();
    let fifo = Fifo::create(dir.path().join("fifo")).unwrap();
    // A stand-in parent: a shell that starts `fifo child PATH` as the program
    // would, tells us its pid, then waits on its standard input.
    let mut parent = Command::new("/bin/sh")
        .arg("-c")
        .arg("APUE_IPC_PARENT_PID=$$ \"$0\" child \"$1\" & echo $!; read x")
        .arg(FIFO.exe())
        .arg(fifo.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = parent.stdout.take().unwrap();
    let mut stderr = parent.stderr.take().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(&mut stdout),
        &mut line,
    )
    .unwrap();
    let child: u32 = line.trim().parse().unwrap();
    wait_until_child_blocked_in(child, libc::SYS_openat).unwrap();
    parent.kill().unwrap(); // SIGKILL, by pid: our own child
    parent.wait().unwrap();
    // The child shares the shell's stderr: end-of-file once it has exited.
    let mut said = String::new();
    let reader = std::thread::spawn(move || {
        std::io::Read::read_to_string(&mut stderr, &mut said).unwrap();
        said
    });
    let deadline = std::time::Instant::now() + harness::testing::PATIENCE;
    while !reader.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the child still waits"
        );
        std::thread::yield_now();
    }
    let said = reader.join().unwrap();
    assert!(
        said.starts_with("fifo: child: the parent process (")
            && said.ends_with(") has ended\n"),
        "{said:?}"
    );
}

/// Defect 8 of issue 10: a `TMPDIR` that is not UTF-8 is a path like any
/// other (before, the child panicked on it and the parent waited for ever).
#[test]
fn fifo_works_under_a_tmpdir_that_is_not_utf8() {
    let sandbox = Sandbox::new();
    let odd = sandbox.tmpdir().join(OsStr::from_bytes(b"caf\xe9"));
    fs::create_dir(&odd).unwrap();
    let mut command = sandbox.command(FIFO);
    command.env("TMPDIR", &odd);
    let output = Running::spawn(FIFO.name, command).finish();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"hello,world\n");
    assert_eq!(fs::read_dir(&odd).unwrap().count(), 0);
    fs::remove_dir(&odd).unwrap();
    sandbox.assert_nothing_left(FIFO.name);
}

/// Defect 10 of issue 10: an empty `TMPDIR` means `/tmp` (it used to mean
/// the working directory, contrary to `--help`), and a relative one is taken
/// from the working directory: either way the reply path the client sends is
/// absolute, so that a server in another directory finds it. The test plays
/// the server and reads the request itself.
#[test]
fn an_empty_or_relative_tmpdir_still_gives_absolute_paths() {
    for tmpdir in ["", "here"] {
        let sandbox = Sandbox::new();
        fs::create_dir(sandbox.workdir().join("here")).unwrap();
        let well_known = Fifo::create(sandbox.root().join("s.fifo")).unwrap();
        let requests = well_known.open_reader(Open::NonBlocking).unwrap();
        let mut command = sandbox.command(CLIENT);
        command
            .env("TMPDIR", tmpdir)
            .args([well_known.path().as_os_str(), OsStr::new("where?")]);
        let client = Running::spawn(CLIENT.name, command);
        let line = read_within(&requests, harness::testing::PATIENCE);
        drop(client); // killed, by its pid: it would wait for an answer
        let path = String::from_utf8_lossy(&line);
        let expected = match tmpdir {
            "" => "/tmp/apue-ipc-fifo_client.".to_string(),
            _ => format!(
                "{}/here/apue-ipc-fifo_client.",
                sandbox.workdir().display()
            ),
        };
        assert!(path.starts_with(&expected), "TMPDIR={tmpdir:?}: {path}");
    }
}

/// What `reader`, opened non-blocking, receives within `patience`.
fn read_within(
    reader: &std::io::PipeReader,
    patience: std::time::Duration,
) -> Vec<u8> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let mut fds = [PollFd::new(reader.as_fd(), PollFlags::POLLIN)];
    let ready =
        poll(&mut fds, PollTimeout::try_from(patience).unwrap()).unwrap();
    assert_eq!(ready, 1, "nothing written within {patience:?}");
    let mut line = vec![0u8; 4096];
    let n = std::io::Read::read(&mut &*reader, &mut line).unwrap();
    line.truncate(n);
    line
}

/// Defect 11 of issue 10: a server stopped with SIGTERM or SIGINT removes its
/// FIFO before the signal ends it; one killed with SIGKILL has it removed by
/// its reaper.
#[test]
fn a_stopped_or_killed_server_leaves_no_fifo() {
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGKILL] {
        let dir = temp::dir("fifo_signal").unwrap();
        let (server, well_known) = server_in(dir.path(), 1);
        kill(Pid::from_raw(server.pid() as i32), signal).unwrap();
        // Its output closes once the server and its reaper have both exited.
        let output = server.finish();
        assert_eq!(output.status.signal(), Some(signal as i32), "{output:?}");
        assert!(output.stderr.is_empty(), "{output:?}");
        assert!(
            !well_known.exists(),
            "{signal}: {} is left",
            well_known.display()
        );
    }
}

/// Defect 11 of issue 10: a FIFO that no process reads, as a killed server
/// leaves, is replaced at start; one that a server reads, and a file that is
/// not a FIFO, are not.
#[test]
fn a_restart_recovers_a_stale_fifo_and_only_that() {
    let dir = temp::dir("fifo_stale").unwrap();
    let stale = Fifo::create(dir.path().join("upper.fifo")).unwrap().keep();
    let (server, well_known) = server_in(dir.path(), 1);
    assert_eq!(well_known, stale);
    // A second server on the same path while the first one runs: refused.
    let args = [well_known.to_str().unwrap(), "1"];
    let second = Running::start(SERVER, &args, Some(dir.path())).finish();
    assert_eq!(second.status.code(), Some(1), "{second:?}");
    assert_eq!(
        String::from_utf8_lossy(&second.stderr),
        format!(
            "fifo_server: mkfifo({}: a server is reading it): File exists \
             (EEXIST)\n",
            well_known.display()
        )
    );
    assert_eq!(answer(dir.path(), &well_known, "recovered"), "RECOVERED\n");
    let log = log_of(server);
    assert!(
        log.starts_with(&format!(
            "server: removed {}, a FIFO no server was reading\nserver: listening",
            well_known.display()
        )),
        "{log}"
    );
    assert!(!well_known.exists());
}

/// Defect 13 of issue 10: text that starts with `-` is sent as it is, even
/// `-h`: options come before the operands.
#[test]
fn text_that_starts_with_a_dash_is_sent() {
    let dir = temp::dir("fifo_dash").unwrap();
    let (server, well_known) = server_in(dir.path(), 3);
    assert_eq!(answer(dir.path(), &well_known, "-5"), "-5\n");
    assert_eq!(answer(dir.path(), &well_known, "-h"), "-H\n");
    let args = ["--", well_known.to_str().unwrap(), "--help"];
    let output = Running::start(CLIENT, &args, Some(dir.path())).finish();
    assert_eq!(output.stdout, b"--HELP\n", "{output:?}");
    log_of(server);
}

/// The client's standard output failing, with a server to answer it: one line
/// and exit code 1 for a full one, a quiet SIGPIPE for a pipe nobody reads,
/// and the server goes on either way.
#[test]
fn the_client_survives_a_failing_stdout() {
    let dir = temp::dir("fifo_client_stdout").unwrap();
    let (server, well_known) = server_in(dir.path(), 2);
    for (text, check) in [
        ("full", assert_stdout_full as fn(&'static str, Command)),
        ("gone", assert_stdout_broken),
    ] {
        let mut command = CLIENT.command();
        command
            .args([well_known.as_os_str(), OsStr::new(text)])
            .env("TMPDIR", dir.path());
        check(CLIENT.name, command);
    }
    let log = log_of(server);
    assert!(
        log.contains("full -> FULL") && log.contains("gone -> GONE"),
        "{log}"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}
