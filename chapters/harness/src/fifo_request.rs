//! The protocol of the book's FIFO client and server (`fifo_server`, `fifo_client`), after
//! APUE's figure 15.23: clients send requests through one well-known FIFO, and the server
//! answers each client through a FIFO the client created for the purpose.
//!
//! A request is one line, `REPLY_PATH` tab `TEXT` newline, sent with a single `write(2)` of
//! at most `PIPE_BUF` bytes ([`PipeEnd::write_atomic`](apue_ipc::pipe::PipeEnd::write_atomic)):
//! however many clients write at once, the server reads whole lines, never a mix of two.
//! The answer is the text in upper case, and the server closes the reply FIFO after it, so
//! the client reads until end-of-file.

use std::path::{Path, PathBuf};

use apue_ipc::{Error, Result};

/// One client's request: where to answer, and the text to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    reply_to: PathBuf,
    text: String,
}

impl Request {
    /// A request to answer `text` through the FIFO at `reply_to`. Refuses a path that
    /// is not valid UTF-8 or holds a tab or a newline, and a text with a newline: either
    /// would break the line format.
    pub fn new(
        reply_to: impl Into<PathBuf>,
        text: impl Into<String>,
    ) -> Result<Request> {
        let reply_to = reply_to.into();
        let text = text.into();
        let path = reply_to.to_str().ok_or_else(|| {
            Error::invalid(
                "request",
                reply_to.display().to_string(),
                "the reply path is not UTF-8",
            )
        })?;
        if path.contains(['\t', '\n']) {
            return Err(Error::invalid(
                "request",
                path,
                "the reply path holds a tab or a newline",
            ));
        }
        if text.contains('\n') {
            return Err(Error::invalid(
                "request",
                path,
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
    pub fn to_line(&self) -> String {
        format!("{}\t{}\n", self.reply_to.display(), self.text)
    }

    /// Parses one line as the server read it, with or without its newline.
    pub fn parse(line: &str) -> Result<Request> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        match line.split_once('\t') {
            Some((path, text)) if !path.is_empty() => Request::new(path, text),
            _ => Err(Error::invalid(
                "request",
                line,
                "expected REPLY_PATH, a tab, then the text",
            )),
        }
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
        assert_eq!(line, "/tmp/x/reply.fifo\thello, world\n");
        assert_eq!(Request::parse(&line).unwrap(), request);
    }

    #[test]
    fn lines_that_would_break_the_format_are_refused() {
        assert!(Request::new("/tmp/a\tb", "x").is_err());
        assert!(Request::new("/tmp/a", "two\nlines").is_err());
        let err = Request::parse("no tab here\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "request(no tab here): expected REPLY_PATH, a tab, then the text"
        );
    }

    #[test]
    fn the_answer_is_upper_case() {
        assert_eq!(answer("hello, fifo"), "HELLO, FIFO");
    }
}
