//! The protocol of the book's FIFO client and server (`fifo_server`, `fifo_client`), after
//! APUE's figure 15.23: clients send requests through one well-known FIFO, and the server
//! answers each client through a FIFO the client created for the purpose.
//!
//! A request is one line, `REPLY_PATH` tab `TEXT` newline, sent with a single `write(2)` of
//! at most `PIPE_BUF` bytes ([`PipeEnd::write_atomic`](apue_ipc::pipe::PipeEnd::write_atomic)):
//! however many clients write at once, the server reads whole lines, never a mix of two.
//! The reply path is absolute (the server does not share the client's working
//! directory) and may be any bytes but a tab or a newline, as a path may; the text is
//! UTF-8 without a newline. The answer is the text in upper case, and the server closes
//! the reply FIFO after it, so the client reads until end-of-file.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use apue_ipc::{Error, Result};

use crate::cli::shown;

/// One client's request: where to answer, and the text to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    reply_to: PathBuf,
    text: String,
}

impl Request {
    /// A request to answer `text` through the FIFO at `reply_to`. Refuses a path that
    /// is not absolute or holds a tab or a newline, and a text with a newline: either
    /// would break the line format.
    pub fn new(
        reply_to: impl Into<PathBuf>,
        text: impl Into<String>,
    ) -> Result<Request> {
        let reply_to = reply_to.into();
        let text = text.into();
        let path = reply_to.as_os_str().as_bytes();
        if !reply_to.is_absolute() {
            return Err(Error::invalid(
                "request",
                shown(&reply_to),
                "the reply path is not absolute",
            ));
        }
        if path.contains(&b'\t') || path.contains(&b'\n') {
            return Err(Error::invalid(
                "request",
                shown(&reply_to),
                "the reply path holds a tab or a newline",
            ));
        }
        if text.contains('\n') {
            return Err(Error::invalid(
                "request",
                shown(&text),
                "the text holds a newline",
            ));
        }
        Ok(Request { reply_to, text })
    }

    /// The FIFO the client reads its answer from.
    pub fn reply_to(&self) -> &Path {
        &self.reply_to
    }

    /// The text to answer.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The request as the line the client writes.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = self.reply_to.as_os_str().as_bytes().to_vec();
        line.push(b'\t');
        line.extend_from_slice(self.text.as_bytes());
        line.push(b'\n');
        line
    }

    /// Parses one line as the server read it, with or without its newline.
    pub fn parse(line: &[u8]) -> Result<Request> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let malformed = |reason: &str| {
            Error::invalid("request", shown(OsStr::from_bytes(line)), reason)
        };
        let Some(tab) = line.iter().position(|&byte| byte == b'\t') else {
            return Err(malformed("expected REPLY_PATH, a tab, then the text"));
        };
        let (path, text) = (&line[..tab], &line[tab + 1..]);
        if path.is_empty() {
            return Err(malformed("expected REPLY_PATH, a tab, then the text"));
        }
        let text = std::str::from_utf8(text)
            .map_err(|_| malformed("the text is not UTF-8"))?;
        Request::new(PathBuf::from(OsStr::from_bytes(path)), text)
    }
}

/// What the server answers to `text`: the text in upper case.
pub fn answer(text: &str) -> String {
    text.to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_survives_its_line() {
        let request =
            Request::new("/tmp/x/reply.fifo", "hello, world").unwrap();
        let line = request.to_line();
        assert_eq!(line, b"/tmp/x/reply.fifo\thello, world\n");
        assert_eq!(Request::parse(&line).unwrap(), request);
    }

    #[test]
    fn lines_that_would_break_the_format_are_refused() {
        assert!(Request::new("/tmp/a\tb", "x").is_err());
        let err = Request::new("/tmp/a", "two\nlines").unwrap_err();
        // names the text, not the reply path (a minor defect of issue 10)
        assert_eq!(
            err.to_string(),
            "request(two\\nlines): the text holds a newline"
        );
        let err = Request::parse(b"no tab here\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "request(no tab here): expected REPLY_PATH, a tab, then the text"
        );
    }

    /// Defect 10 of issue 10: a relative reply path means nothing to a server
    /// that runs in another directory.
    #[test]
    fn a_reply_path_is_absolute() {
        let err = Request::new("reply.fifo", "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "request(reply.fifo): the reply path is not absolute"
        );
        assert!(Request::parse(b"reply.fifo\tx\n").is_err());
    }

    /// Defect 5 of issue 10: a line that is not UTF-8 is a malformed request,
    /// not the end of the server; a reply path may be any bytes.
    #[test]
    fn bytes_that_are_not_utf8() {
        let err = Request::parse(b"\xff\tx\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "request(\\xFF): the reply path is not absolute"
        );
        let err = Request::parse(b"/tmp/r\t\xff\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "request(/tmp/r\\t\\xFF): the text is not UTF-8"
        );
        let request = Request::parse(b"/tmp/\xff\thi\n").unwrap();
        assert_eq!(request.reply_to().as_os_str().as_bytes(), b"/tmp/\xff");
        assert_eq!(request.to_line(), b"/tmp/\xff\thi\n");
    }

    #[test]
    fn the_answer_is_upper_case() {
        assert_eq!(answer("hello, fifo"), "HELLO, FIFO");
    }
}
