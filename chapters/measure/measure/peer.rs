//! The other process: this program started again with the role `peer
//! MECHANISM`, one per mechanism, for the whole run.
//!
//! Parent and peer talk over a control channel, a `SOCK_SEQPACKET` socket
//! that is the peer's standard input, outside every timed loop: the setup
//! (words and descriptors, `SCM_RIGHTS`), then one command per measurement
//! and its answer. Between measurements the peer waits on the control
//! channel, so that the idle peers take no CPU from the measured ones.
//!
//! | parent                      | peer                                           |
//! |-----------------------------|------------------------------------------------|
//! | `setup` + words, descriptors | its endpoint, then `ready`                    |
//! | `echo WAY SIZE COUNT SEQ`   | receives and answers COUNT messages, the way WAY (a variant) says; `done ALLOCATIONS` |
//! | `sink WAY SIZE COUNT SEQ`   | receives COUNT messages; `done ALLOCATIONS END`, END the time the last one was checked (`CLOCK_MONOTONIC`, ns) |
//! | `stop`                      | exits                                          |

use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, Stdio};

use apue_ipc::uds::{self, Kind, UnixSocket};
use apue_ipc::Error;
use harness::allocations::allocations_during;
use harness::cli::{self, Failure};
use nix::sched::{sched_setaffinity, CpuSet};
use nix::unistd::Pid;

use crate::link::{self, Endpoint, Limits, Variant};

/// A running peer and its control channel.
pub struct Peer {
    pub variant: Variant,
    child: Option<Child>,
    control: OwnedFd,
}

/// What a peer answers a command with.
pub struct Done {
    /// The allocations the peer made in its loop.
    pub allocations: u64,
    /// For `sink`: when the last message was checked, `CLOCK_MONOTONIC` ns.
    pub end: Option<u64>,
}

impl Peer {
    /// Starts the peer of the mechanism `variant` (a [`Variant::peer`]),
    /// sets it up on both sides, and returns the peer and the parent's
    /// endpoint.
    pub fn start(
        variant: Variant,
        limits: &Limits,
    ) -> Result<(Peer, Box<dyn Endpoint>), Failure> {
        let (setup, finish) = link::prepare(variant, limits)?;
        let (control, theirs) = uds::pair(Kind::SeqPacket)?;
        let child = cli::spawn(
            cli::child_command("peer")?
                .arg(variant.role())
                .stdin(Stdio::from(theirs))
                .stdout(Stdio::null()),
            variant.role(),
        )?;
        let peer = Peer {
            variant,
            child: Some(child),
            control,
        };
        let mut text = String::from("setup");
        for word in &setup.words {
            text.push('\n');
            text.push_str(word);
        }
        let fds: Vec<_> = setup.fds.iter().map(|fd| fd.as_fd()).collect();
        peer.control.send_fds(text.as_bytes(), &fds)?;
        // The peer has its copies now: the parent's go, so that closing the
        // peer's is an end-of-file the parent sees.
        drop(fds);
        drop(setup);
        let endpoint = finish()?;
        let mut buf = [0u8; 64];
        let got = peer.control.receive_once(&mut buf)?;
        if &buf[..got.len] != b"ready" {
            return Err(peer.failed());
        }
        Ok((peer, endpoint))
    }

    /// Sends the peer a command.
    pub fn command(&self, line: &str) -> Result<(), Failure> {
        self.control.send_once(line.as_bytes())?;
        Ok(())
    }

    /// The peer's answer to a command.
    pub fn done(&mut self) -> Result<Done, Failure> {
        let mut buf = [0u8; 64];
        let got = self.control.receive_once(&mut buf)?;
        let text = std::str::from_utf8(&buf[..got.len]).unwrap_or("");
        let mut words = text.split(' ');
        let (Some("done"), Some(allocations)) = (words.next(), words.next())
        else {
            return Err(self.failed());
        };
        let number = |word: &str| word.parse::<u64>().ok();
        let end = words.next().and_then(number);
        Ok(Done {
            allocations: number(allocations).unwrap_or(u64::MAX),
            end,
        })
    }

    /// Pins the peer to `cpu`.
    pub fn pin(&self, cpu: usize) -> Result<(), Failure> {
        pin(self.pid(), cpu)
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.as_ref().map_or(0, |c| c.id() as i32))
    }

    /// What to say when the peer did not answer as it should: it ended, and
    /// said why on its standard error, which is this program's.
    fn failed(&self) -> Failure {
        Failure::Runtime(
            format!("peer {} stopped answering", self.variant.role()).into(),
        )
    }

    /// Tells the peer to exit, and waits for it.
    pub fn stop(mut self) -> Result<(), Failure> {
        self.command("stop")?;
        if let Some(child) = self.child.take() {
            cli::wait_success(child, self.variant.role())?;
        }
        Ok(())
    }
}

impl Drop for Peer {
    /// A peer not stopped (the parent is leaving on an error) is killed: it
    /// may be waiting on its mechanism for a message that will not come.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // our own child, by its pid
            let _ = child.wait();
        }
    }
}

/// Pins the process or thread `pid` (0: the caller) to `cpu`.
pub fn pin(pid: Pid, cpu: usize) -> Result<(), Failure> {
    let mut set = CpuSet::new();
    set.set(cpu)
        .map_err(|e| Error::os("sched_setaffinity", format!("CPU {cpu}"), e))?;
    sched_setaffinity(pid, &set)
        .map_err(|e| Error::os("sched_setaffinity", format!("CPU {cpu}"), e))?;
    Ok(())
}

/// `CLOCK_MONOTONIC` in nanoseconds: the same clock in every process.
pub fn now_ns() -> u64 {
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .expect("CLOCK_MONOTONIC is always there");
    now.tv_sec() as u64 * 1_000_000_000 + now.tv_nsec() as u64
}

/// The peer's half: sets its endpoint up from what the parent sends on the
/// control channel (its standard input), then carries out commands.
pub fn run(variant: Variant) -> Result<(), Failure> {
    serve(variant).map_err(|err| within(variant, "peer", err))
}

/// `err`, saying which variant and which side it comes from.
pub fn within(variant: Variant, side: &str, err: Failure) -> Failure {
    match err {
        Failure::Usage(message) => Failure::Usage(message),
        Failure::Runtime(err) => Failure::Runtime(
            format!("{side} of {}: {err}", variant.role()).into(),
        ),
    }
}

fn serve(variant: Variant) -> Result<(), Failure> {
    // A parent that dies leaves no peer behind, waiting on its mechanism.
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .map_err(|e| Error::os("prctl(PR_SET_PDEATHSIG)", "peer", e))?;
    let control = std::io::stdin().as_fd().try_clone_to_owned()?;
    let mut buf = [0u8; 4096];
    let (packet, fds) = control.receive_fds(&mut buf)?;
    let text = std::str::from_utf8(&buf[..packet.len]).unwrap_or("");
    let mut lines = text.lines();
    if lines.next() != Some("setup") {
        return Err(Failure::Runtime(
            "the control channel (standard input) sent no setup".into(),
        ));
    }
    let words: Vec<String> = lines.map(str::to_string).collect();
    let mut endpoint = link::connect(variant, &words, fds)?;
    control.send_once(b"ready")?;
    loop {
        let got = control.receive_once(&mut buf)?;
        let command = std::str::from_utf8(&buf[..got.len]).unwrap_or("");
        let words: Vec<&str> = command.split(' ').collect();
        let number =
            |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok());
        let way = words.get(1).and_then(|w| Variant::parse(w));
        let (way, size, count, seq) = match (
            words[0],
            way.filter(|w| w.peer() == variant),
            number(2),
            number(3),
            number(4),
        ) {
            ("stop", ..) | ("", ..) => return Ok(()),
            (
                "echo" | "sink",
                Some(way),
                Some(size),
                Some(count),
                Some(seq),
            ) => (way, size as usize, count, seq),
            _ => {
                return Err(Failure::Runtime(
                    format!("unknown command '{command}'").into(),
                ))
            }
        };
        let echo = words[0] == "echo";
        let (result, allocations) = allocations_during(|| {
            for i in 0..count {
                endpoint.receive(way, size, seq + i)?;
                if echo {
                    endpoint.send(way, size, link::reply(seq + i))?;
                }
            }
            Ok::<u64, Failure>(now_ns())
        });
        let end = match result {
            Ok(end) => end,
            Err(err) => {
                endpoint.abort();
                return Err(err);
            }
        };
        let answer = if echo {
            format!("done {allocations}")
        } else {
            format!("done {allocations} {end}")
        };
        control.send_once(answer.as_bytes())?;
    }
}
