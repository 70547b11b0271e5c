//! The protocol of the book's Unix domain socket client and server (`uds_server`,
//! `uds_client`): typed messages over a `SOCK_SEQPACKET` connection
//! ([`MessageSocket`](apue_ipc::uds::MessageSocket)), one exchange per connection.
//!
//! The client sends one [`REQUEST`]; the server answers with one [`ANSWER`] (the text
//! in upper case, [`fifo_request::answer`](crate::fifo_request::answer)) or one
//! [`REFUSED`] that says why, and closes the connection.

/// The type of a client's request: its text.
pub const REQUEST: i64 = 1;

/// The type of the server's answer: the text in upper case.
pub const ANSWER: i64 = 2;

/// The type of the server's refusal: why it will not answer.
pub const REFUSED: i64 = 3;

/// The longest request or answer, in bytes.
pub const MAX_TEXT: usize = 4096;
