//! What a program must remove, however it ends.
//!
//! A program that creates files (a FIFO, a temporary directory) removes them
//! when the value that owns them is dropped: on a normal return, on an error
//! returned with `?`, while a panic unwinds. That leaves the ways out that run
//! no destructor, and this module covers them for every program that
//! [`crate::cli::run`] runs:
//!
//! | how the program ends | who removes what it registered |
//! |---|---|
//! | `SIGINT` (Ctrl-C), `SIGTERM`, `SIGHUP` | a thread of the program, which waits for these signals with sigwait(3), removes everything registered, then lets the signal end the process as it would have |
//! | `SIGKILL`, or any other death | the *reaper*: a second copy of the program, started at the first registration, whose standard input is a pipe from the program; end-of-file on that pipe means the program has ended, however it ended, and the reaper then removes what is still registered |
//!
//! Because those three signals are blocked in every thread but the one that
//! waits for them, no system call of the program is ever interrupted by them
//! (`EINTR`): the program goes on until the signal thread ends it. The thread
//! and the reaper start at the first registration (at once in the child half
//! of a program, which must hear of its parent's death): a program that
//! registers nothing keeps a single thread, and the signals their default
//! action. A program that forks without `exec` must do so before it
//! registers anything.
//!
//! Registration is cheap, and comes *before* the creation it covers, so that
//! no moment exists when the file exists unregistered: a temporary directory,
//! whose name is random, is removed if it exists; a FIFO or socket at a path
//! that others may use too (a server's well-known FIFO or socket) is removed
//! only if it is the one the program created (its device and inode, which
//! [`Registration::created`] records), or, when the program died before it
//! could record them, only if nobody uses it (no process reads the FIFO or
//! listens on the socket: a live server's is never touched).
//! Dropping the [`Registration`] unregisters it.
//!
//! Man pages: [sigwait(3)](https://man7.org/linux/man-pages/man3/sigwait.3.html),
//! [pthread_sigmask(3)](https://man7.org/linux/man-pages/man3/pthread_sigmask.3.html),
//! [prctl(2)](https://man7.org/linux/man-pages/man2/prctl.2.html) (`PR_SET_PDEATHSIG`).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::{fs, io, thread};

use apue_ipc::{Context, Result};
use nix::sys::signal::{raise, SigSet, Signal};
use nix::unistd::{getppid, Pid};

/// Set in the environment of the reaper: the program it is started from runs
/// as the reaper instead of itself.
const ROLE: &str = "APUE_IPC_ROLE";
const REAPER: &str = "reaper";

/// The signals that end a program after it cleaned up.
const SIGNALS: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// Something registered to be removed or done if the program is stopped.
enum Action {
    /// A directory with a random name, and everything in it.
    Tree(PathBuf),
    /// A file, only while the path names the same file (device, inode).
    File { path: PathBuf, dev: u64, ino: u64 },
    /// A FIFO or socket at a path others may use, registered before it was
    /// created: the one created (device, inode) once known; until then,
    /// after the program has died, one that nobody uses (a FIFO no process
    /// reads, a socket no process listens on).
    Shared {
        path: PathBuf,
        made: Option<(u64, u64)>,
    },
    /// Code to run on a signal (not after a `SIGKILL`: nothing runs then).
    Call(Box<dyn FnOnce() + Send>),
}

impl Action {
    /// Does it: `after_death` in the reaper, once the program has ended.
    fn run(self, after_death: bool) {
        match self {
            Action::Tree(path) => remove_tree(&path),
            Action::File { path, dev, ino }
            | Action::Shared {
                path,
                made: Some((dev, ino)),
            } => remove_file(&path, dev, ino),
            Action::Shared { path, made: None } if after_death => {
                remove_if_unused(&path)
            }
            Action::Shared { made: None, .. } => {}
            Action::Call(call) => call(),
        }
    }

    /// The line that tells the reaper about this action, if it can do it.
    fn line(&self, id: u64) -> Option<Vec<u8>> {
        let mut line = match self {
            Action::Tree(path) => format!("T {id} {}", hex(path)),
            Action::File { path, dev, ino }
            | Action::Shared {
                path,
                made: Some((dev, ino)),
            } => format!("F {id} {dev} {ino} {}", hex(path)),
            Action::Shared { path, made: None } => {
                format!("P {id} {}", hex(path))
            }
            Action::Call(_) => return None,
        }
        .into_bytes();
        line.push(b'\n');
        Some(line)
    }
}

enum Reaper {
    /// Not a program run by `cli::run` (a demonstration, a test): no reaper.
    NotWanted,
    /// Started at the first registration of a path.
    NotStarted,
    Running(Child, ChildStdin),
    /// It could not be started, or died: signals still clean up.
    Failed,
}

struct Registry {
    next: u64,
    actions: Vec<(u64, Action)>,
    reaper: Reaper,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 1,
    actions: Vec::new(),
    reaper: Reaper::NotWanted,
});

fn registry() -> MutexGuard<'static, Registry> {
    lock(&REGISTRY)
}

/// An entry of the registry; dropping it unregisters it (without doing it).
#[must_use = "dropping a Registration unregisters it at once"]
pub struct Registration {
    id: u64,
    registry: &'static Mutex<Registry>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut registry = lock(self.registry);
        registry.actions.retain(|(id, _)| *id != self.id);
        let line = format!("- {}\n", self.id);
        tell_reaper(&mut registry, line.as_bytes());
    }
}

impl Registration {
    /// Records that the FIFO or socket registered with
    /// [`remove_fifo_when_stopped`] or [`remove_socket_when_stopped`] now
    /// exists, and which one it is (device and inode): from now on it is
    /// removed if the path still names it, whoever uses it.
    pub fn created(&self) -> Result<()> {
        let mut registry = lock(self.registry);
        let Some((_, Action::Shared { path, made })) =
            registry.actions.iter_mut().find(|(id, _)| *id == self.id)
        else {
            return Ok(());
        };
        let metadata = fs::symlink_metadata(&*path)
            .context("lstat", path.display().to_string())?;
        *made = Some((metadata.dev(), metadata.ino()));
        let line =
            format!("C {} {} {}\n", self.id, metadata.dev(), metadata.ino());
        tell_reaper(&mut registry, line.as_bytes());
        Ok(())
    }
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(|e| e.into_inner())
}

fn register(action: Action) -> Registration {
    register_in(&REGISTRY, action)
}

fn register_in(
    place: &'static Mutex<Registry>,
    action: Action,
) -> Registration {
    if PROGRAM.get().is_some() {
        // Before the action exists: a signal from now on finds it.
        start_signal_thread();
    }
    let mut registry = lock(place);
    let id = registry.next;
    registry.next += 1;
    if let Some(line) = action.line(id) {
        if matches!(registry.reaper, Reaper::NotStarted) {
            registry.reaper = start_reaper();
        }
        tell_reaper(&mut registry, &line);
    }
    registry.actions.push((id, action));
    Registration {
        id,
        registry: place,
    }
}

/// Registers the directory `path`, which the caller is about to create with a
/// name nobody else can have picked (see [`crate::temp::dir`]): it is removed
/// with everything in it if the program is stopped by a signal or killed.
pub fn remove_tree_when_stopped(path: &Path) -> Registration {
    register(Action::Tree(absolute(path)))
}

/// Registers the FIFO at `path`, which the caller is about to create with
/// mkfifo(3) at a path that others may use too; call
/// [`Registration::created`] once it exists. If the program is stopped by a
/// signal or killed, the FIFO is removed if it is the one the program created,
/// or, if the program died before it said which that is, if no process has it
/// open for reading: a FIFO that another program reads is never removed.
pub fn remove_fifo_when_stopped(path: &Path) -> Registration {
    register(Action::Shared {
        path: absolute(path),
        made: None,
    })
}

/// Registers the Unix domain socket at `path`, which the caller is about to
/// bind(2) at a path that others may use too; call
/// [`Registration::created`] once it exists. As for a FIFO: removed if it is
/// the one the program created, or, if the program died before it said
/// which that is, if no process listens on it (connect(2) is refused): a
/// socket that another server listens on is never removed.
pub fn remove_socket_when_stopped(path: &Path) -> Registration {
    register(Action::Shared {
        path: absolute(path),
        made: None,
    })
}

/// Registers `action`, to run if the program is stopped by `SIGINT`,
/// `SIGTERM` or `SIGHUP` (a `SIGKILL` runs nothing).
pub fn on_signal(action: impl FnOnce() + Send + 'static) -> Registration {
    register(Action::Call(Box::new(action)))
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match std::env::current_dir() {
        Ok(dir) => dir.join(path),
        Err(_) => path.to_path_buf(),
    }
}

fn remove_tree(path: &Path) {
    // A file created in the directory while it is being removed makes the
    // last rmdir fail with ENOTEMPTY: try again a few times.
    for _ in 0..3 {
        match fs::remove_dir_all(path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => continue,
            _ => return,
        }
    }
}

/// Removes the FIFO or socket at `path` if nobody uses it: for a FIFO, no
/// process has it open for reading (a non-blocking open for writing then
/// fails with ENXIO, fifo(7)); for a socket, no process listens on it
/// (connect(2) fails with ECONNREFUSED, unix(7); a socket of another type
/// gives EPROTOTYPE, and is in use). Anything else at the path stays.
fn remove_if_unused(path: &Path) {
    use apue_ipc::fifo::{open_writer, Open};
    use std::os::unix::fs::FileTypeExt;
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return;
    };
    let kind = metadata.file_type();
    let unused = if kind.is_fifo() {
        open_writer(path, Open::NonBlocking)
            .is_err_and(|err| err.errno() == Some(nix::errno::Errno::ENXIO))
    } else if kind.is_socket() {
        std::os::unix::net::UnixStream::connect(path)
            .is_err_and(|err| err.raw_os_error() == Some(libc::ECONNREFUSED))
    } else {
        false
    };
    if unused {
        let _ = fs::remove_file(path);
    }
}

fn remove_file(path: &Path, dev: u64, ino: u64) {
    if let Ok(metadata) = fs::symlink_metadata(path) {
        if metadata.dev() == dev && metadata.ino() == ino {
            let _ = fs::remove_file(path);
        }
    }
}

/// Runs every registered action, the last registered first.
fn run_actions() {
    run_actions_of(&REGISTRY);
}

fn run_actions_of(registry: &Mutex<Registry>) {
    // Twice: an action registered by the program while the first ones ran.
    for _ in 0..2 {
        let actions = std::mem::take(&mut lock(registry).actions);
        for (_, action) in actions.into_iter().rev() {
            action.run(false);
        }
    }
}

/// The name of the program, for the signal thread's messages.
static PROGRAM: OnceLock<String> = OnceLock::new();

/// The parent of the child half of a program, for the signal thread.
static PARENT: OnceLock<Option<Pid>> = OnceLock::new();

/// Sets up the cleanup of a program run by [`crate::cli::run`]: the reaper
/// and the signal thread start at the first registration, so that a program
/// that registers nothing keeps a single thread (and may still `fork` without
/// `exec`, where inheriting memory is the point). With `parent`, the process
/// is the child half of a program: it asks for `SIGHUP` when its parent dies,
/// starts the signal thread at once to say so when it comes, and stops at
/// once if `parent` is already gone.
pub(crate) fn install(name: &str, parent: Option<Pid>) {
    let _ = PROGRAM.set(name.to_string());
    let _ = PARENT.set(parent);
    registry().reaper = Reaper::NotStarted;
    if let Some(parent) = parent {
        start_signal_thread();
        let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGHUP);
        // The parent may have died before the call above.
        if getppid() != parent {
            parent_has_ended(parent);
        }
    }
}

/// Blocks `SIGINT`, `SIGTERM` and `SIGHUP` in this thread (and so in every
/// thread it starts from now on), and starts the thread that waits for them;
/// once.
fn start_signal_thread() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let parent = PARENT.get().copied().flatten();
        let mut signals = SigSet::empty();
        for signal in SIGNALS {
            signals.add(signal);
        }
        if signals.thread_block().is_err() {
            return; // cannot fail with a valid set; without it, no cleanup
        }
        let spawned =
            thread::Builder::new()
                .name("signals".into())
                .spawn(move || loop {
                    match signals.wait() {
                        Ok(signal) => stop(signal, parent),
                        Err(_) => return,
                    }
                });
        if spawned.is_err() {
            let _ = signals.thread_unblock();
        }
    });
}

/// What the signal thread does with `signal`.
fn stop(signal: Signal, parent: Option<Pid>) {
    if let Some(parent) = parent {
        if signal == Signal::SIGHUP && getppid() != parent {
            parent_has_ended(parent);
        }
    }
    run_actions();
    // Nothing changed the signal's action, which is the default one: once
    // unblocked in this thread and raised, it ends the process as if nothing
    // had caught it, and the shell sees it in the exit status.
    let mut one = SigSet::empty();
    one.add(signal);
    let _ = one.thread_unblock();
    let _ = raise(signal);
    std::process::exit(128 + signal as i32);
}

/// The child half of a program whose parent is gone: nobody will ever open
/// the other end of its FIFO or write into its pipe. It says so and stops.
fn parent_has_ended(parent: Pid) -> ! {
    let name = PROGRAM.get().map_or("program", String::as_str);
    eprintln!("{name}: child: the parent process ({parent}) has ended");
    run_actions();
    std::process::exit(1);
}

fn start_reaper() -> Reaper {
    let Ok(exe) = std::env::current_exe() else {
        return Reaper::Failed;
    };
    let spawned = Command::new(exe)
        .env(ROLE, REAPER)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        // Its own process group: Ctrl-C at a terminal reaches the program,
        // not the reaper, which must outlive it.
        .process_group(0)
        .spawn();
    match spawned {
        Ok(mut child) => match child.stdin.take() {
            Some(stdin) => Reaper::Running(child, stdin),
            None => Reaper::Failed,
        },
        Err(_) => Reaper::Failed,
    }
}

fn tell_reaper(registry: &mut Registry, line: &[u8]) {
    if let Reaper::Running(_, stdin) = &mut registry.reaper {
        if stdin.write_all(line).is_err() {
            registry.reaper = Reaper::Failed;
        }
    }
}

/// At the normal end of a program: closes the reaper's pipe and waits for it
/// to remove what is still registered (nothing, usually) and exit.
pub(crate) fn finish() {
    let reaper = std::mem::replace(&mut registry().reaper, Reaper::NotWanted);
    if let Reaper::Running(mut child, stdin) = reaper {
        drop(stdin);
        let _ = child.wait();
    }
}

/// If this process was started as a reaper, serves as one and returns its
/// exit code.
pub(crate) fn serve_if_reaper() -> Option<ExitCode> {
    if std::env::var_os(ROLE).is_none_or(|role| role != REAPER) {
        return None;
    }
    // Signals meant for the program (a terminal's, a test's) must not stop
    // the reaper before the program is gone.
    let mut signals = SigSet::empty();
    for signal in SIGNALS {
        signals.add(signal);
    }
    let _ = signals.thread_block();
    let mut pending: Vec<(u64, Action)> = Vec::new();
    let mut input = BufReader::new(io::stdin().lock());
    let mut line = Vec::new();
    // Ends at end-of-file: the program has closed its end, or has died.
    while matches!(input.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        // A line cut short by the program's death has no newline: ignore it.
        if line.pop() == Some(b'\n') {
            apply(&line, &mut pending);
        }
        line.clear();
    }
    for (_, action) in pending.into_iter().rev() {
        action.run(true);
    }
    Some(ExitCode::SUCCESS)
}

/// Applies one line of the reaper's protocol to `pending`.
fn apply(line: &[u8], pending: &mut Vec<(u64, Action)>) {
    let text = String::from_utf8_lossy(line);
    let fields: Vec<&str> = text.split(' ').collect();
    let number = |index: usize| fields.get(index)?.parse::<u64>().ok();
    match fields.first().copied() {
        Some("T") => {
            if let (Some(id), Some(path)) = (number(1), unhex(fields.get(2))) {
                pending.push((id, Action::Tree(path)));
            }
        }
        Some("F") => {
            if let (Some(id), Some(dev), Some(ino), Some(path)) =
                (number(1), number(2), number(3), unhex(fields.get(4)))
            {
                pending.push((id, Action::File { path, dev, ino }));
            }
        }
        Some("P") => {
            if let (Some(id), Some(path)) = (number(1), unhex(fields.get(2))) {
                pending.push((id, Action::Shared { path, made: None }));
            }
        }
        Some("C") => {
            if let (Some(id), Some(dev), Some(ino)) =
                (number(1), number(2), number(3))
            {
                for (pending, action) in pending.iter_mut() {
                    if let (true, Action::Shared { made, .. }) =
                        (*pending == id, action)
                    {
                        *made = Some((dev, ino));
                    }
                }
            }
        }
        Some("-") => {
            if let Some(id) = number(1) {
                pending.retain(|(pending, _)| *pending != id);
            }
        }
        _ => {}
    }
}

/// A path as hexadecimal digits: any bytes, on one line.
fn hex(path: &Path) -> String {
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn unhex(text: Option<&&str>) -> Option<PathBuf> {
    let text = text?;
    if text.is_empty() || text.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect();
    Some(PathBuf::from(OsStr::from_bytes(&bytes?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_survive_the_protocol_whatever_their_bytes() {
        let path = PathBuf::from(OsStr::from_bytes(b"/tmp/a b\n\xff"));
        let action = Action::Tree(path.clone());
        let line = action.line(7).unwrap();
        let mut pending = Vec::new();
        apply(&line[..line.len() - 1], &mut pending);
        assert!(matches!(&pending[..], [(7, Action::Tree(p))] if *p == path));
        apply(b"- 7", &mut pending);
        assert!(pending.is_empty());
        apply(b"T 8 zz", &mut pending); // not hex: ignored
        apply(b"F 9 1 2", &mut pending); // no path: ignored
        assert!(pending.is_empty());
        let fifo = Action::Shared {
            path: path.clone(),
            made: None,
        };
        let line = fifo.line(10).unwrap();
        apply(&line[..line.len() - 1], &mut pending);
        apply(b"C 10 3 4", &mut pending);
        assert!(matches!(
            &pending[..],
            [(
                10,
                Action::Shared {
                    made: Some((3, 4)),
                    ..
                }
            )]
        ));
    }

    /// A FIFO registered before its creation, when the program died before
    /// saying which one it created: removed only if nobody reads it.
    #[test]
    fn a_fifo_of_unknown_inode_is_removed_only_if_nobody_reads_it() {
        use apue_ipc::fifo::{Fifo, Open};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.fifo");
        let fifo = Fifo::create(&path).unwrap().keep();
        let read =
            apue_ipc::fifo::open_reader(&fifo, Open::NonBlocking).unwrap();
        let pending = || Action::Shared {
            path: path.clone(),
            made: None,
        };
        pending().run(false); // in the program: never without the inode
        assert!(path.exists());
        pending().run(true); // someone reads it: left alone
        assert!(path.exists());
        drop(read);
        pending().run(true); // stale: removed
        assert!(!path.exists());
        fs::write(&path, b"data").unwrap(); // not a FIFO: left alone
        pending().run(true);
        assert!(path.exists());
    }

    /// The same for a socket: removed only if nobody listens on it.
    #[test]
    fn a_socket_of_unknown_inode_is_removed_only_if_nobody_listens() {
        use std::os::unix::net::{UnixDatagram, UnixListener};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let pending = || Action::Shared {
            path: path.clone(),
            made: None,
        };
        let listener = UnixListener::bind(&path).unwrap();
        pending().run(false); // in the program: never without the inode
        assert!(path.exists());
        pending().run(true); // someone listens: left alone
        assert!(path.exists());
        drop(listener); // std leaves the file: stale now
        pending().run(true);
        assert!(!path.exists());
        // A bound socket of another type is in use (EPROTOTYPE): left alone.
        let datagram = UnixDatagram::bind(&path).unwrap();
        pending().run(true);
        assert!(path.exists());
        drop(datagram);
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_is_removed_only_while_it_is_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, b"first").unwrap();
        let first = fs::metadata(&path).unwrap();
        // The first file is replaced by another with the same name.
        fs::remove_file(&path).unwrap();
        let keep = dir.path().join("keep"); // holds the first inode number
        fs::write(&keep, b"").unwrap();
        fs::write(&path, b"second").unwrap();
        remove_file(&path, first.dev(), first.ino());
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let second = fs::metadata(&path).unwrap();
        remove_file(&path, second.dev(), second.ino());
        assert!(!path.exists());
    }

    #[test]
    fn signal_actions_run_in_reverse_and_unregister() {
        // A registry of its own: the global one holds other tests' entries.
        let place: &'static Mutex<Registry> =
            Box::leak(Box::new(Mutex::new(Registry {
                next: 1,
                actions: Vec::new(),
                reaper: Reaper::NotWanted,
            })));
        let (sender, receiver) = std::sync::mpsc::channel();
        let first = sender.clone();
        let call =
            |f: Box<dyn FnOnce() + Send>| register_in(place, Action::Call(f));
        let _one = call(Box::new(move || first.send(1).unwrap()));
        let _two = call(Box::new(move || sender.send(2).unwrap()));
        let dropped = call(Box::new(|| panic!("unregistered")));
        drop(dropped);
        run_actions_of(place);
        let order: Vec<i32> = receiver.try_iter().collect();
        assert_eq!(order, [2, 1]);
    }
}
