//! Not being root where a permission check is the point.
//!
//! Root passes every System V permission check (`CAP_IPC_OWNER`, ipc/util.c
//! `ipcperms`), so a demonstration or a test of a refusal shows nothing when it
//! runs as root, which CI does. Both ways out are here: a process that becomes
//! the user nobody for the rest of its life ([`drop_root`]), and a command that
//! starts a program as nobody ([`command_as_nobody_if_root`], with
//! `setpriv(1)`, as the kernel's own tests do). Run as any other user, both do
//! nothing; the caller then shows the check with a mode that leaves out the
//! owner's own access.

use std::ffi::OsStr;
use std::process::Command;

use apue_ipc::{Error, Result};
use nix::unistd::{geteuid, setgroups, setresgid, setresuid, Gid, Uid};

/// The user and group id of `nobody` on Linux distributions.
pub const NOBODY: u32 = 65534;

/// Whether the process runs as root, whom no permission check refuses.
pub fn is_root() -> bool {
    geteuid().is_root()
}

/// As root, becomes the user `nobody` (user and group 65534, no supplementary
/// groups) for the rest of the process, and returns `true`; as anyone else,
/// does nothing and returns `false`.
pub fn drop_root() -> Result<bool> {
    if !is_root() {
        return Ok(false);
    }
    let (uid, gid) = (Uid::from_raw(NOBODY), Gid::from_raw(NOBODY));
    let fail = |call| move |errno| Error::os(call, "nobody", errno);
    setgroups(&[]).map_err(fail("setgroups"))?;
    setresgid(gid, gid, gid).map_err(fail("setresgid"))?;
    setresuid(uid, uid, uid).map_err(fail("setresuid"))?;
    Ok(true)
}

/// A command that runs `program` as `nobody` if the caller is root
/// (`setpriv --reuid=65534 --regid=65534 --clear-groups PROGRAM`), and as the
/// caller otherwise. `program` must be readable and executable by nobody.
pub fn command_as_nobody_if_root(program: impl AsRef<OsStr>) -> Command {
    if is_root() {
        let mut command = Command::new("setpriv");
        command
            .arg(format!("--reuid={NOBODY}"))
            .arg(format!("--regid={NOBODY}"))
            .arg("--clear-groups")
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_runs_as_nobody_when_root() {
        let output =
            command_as_nobody_if_root("id").arg("-u").output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let uid: u32 = String::from_utf8(output.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let expected = if is_root() {
            NOBODY
        } else {
            geteuid().as_raw()
        };
        assert_eq!(uid, expected);
    }
}
