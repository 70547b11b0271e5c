//! Exercise (message queues): one queue, many clients, each getting only its
//! own reply. Requests travel as type 1; each client asks for its reply by its
//! own type, the classic use of message types (APUE and Stevens use the
//! client's pid).
//!
//! In classroom mode, `cargo xtask exercise start msg_server` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! msg_server` tests your copy. The task and its hints are in the chapter
//! "Message queues", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::msg::{MessageQueue, Select};
use apue_ipc::{Error, Result};

/// The type that requests travel with; replies use each client's own type,
/// above it.
pub const REQUEST: i64 = 1;

/// Sends `request` for the client whose reply type is `client` (> 1), and waits
/// for the reply of that type only: other clients' replies stay in the queue
/// for them.
pub fn call(
    queue: &MessageQueue,
    client: i64,
    request: &[u8],
) -> Result<Vec<u8>> {
    // ANCHOR_END: setup
    // ANCHOR: todo send the request with the client's type, receive its reply
    if client <= REQUEST {
        return Err(Error::invalid(
            "msgsnd",
            format!("client {client}"),
            "client types start at 2",
        ));
    }
    // who to answer, then the request
    let mut message = client.to_ne_bytes().to_vec();
    message.extend_from_slice(request);
    queue.send(REQUEST, &message)?;
    Ok(queue.receive(Select::Type(client), 8192)?.data)
    // ANCHOR_END: todo
}

// ANCHOR: serve
/// Answers `count` requests, each with its text in upper case, sent back with
/// the type the request names.
pub fn serve(queue: &MessageQueue, count: usize) -> Result<()> {
    // ANCHOR_END: serve
    // ANCHOR: todo receive each request, answer with the type it names
    for _ in 0..count {
        let request = queue.receive(Select::Type(REQUEST), 8192)?.data;
        let (client, text) = request.split_at_checked(8).ok_or_else(|| {
            Error::invalid("msgrcv", "request", "shorter than a client type")
        })?;
        let client = i64::from_ne_bytes(client.try_into().expect("8 bytes"));
        queue.send(client, &text.to_ascii_uppercase())?;
    }
    Ok(())
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    let queue = MessageQueue::new()?;
    std::thread::scope(|scope| {
        let server = scope.spawn(|| serve(&queue, 2));
        println!("{}", String::from_utf8_lossy(&call(&queue, 2, b"hello")?));
        println!("{}", String::from_utf8_lossy(&call(&queue, 3, b"world")?));
        server.join().expect("server thread")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_reply() {
        let queue = MessageQueue::new().unwrap();
        std::thread::scope(|scope| {
            let server = scope.spawn(|| serve(&queue, 40));
            let clients: Vec<_> = (2..6)
                .map(|client| {
                    let queue = &queue;
                    scope.spawn(move || {
                        for n in 0..10 {
                            let text = format!("client {client} request {n}");
                            let reply =
                                call(queue, client, text.as_bytes()).unwrap();
                            assert_eq!(
                                reply,
                                text.to_ascii_uppercase().into_bytes()
                            );
                        }
                    })
                })
                .collect();
            for client in clients {
                client.join().unwrap();
            }
            server.join().unwrap().unwrap();
        });
        assert_eq!(queue.stat().unwrap().messages, 0);
    }

    #[test]
    fn client_types_start_above_requests() {
        let queue = MessageQueue::new().unwrap();
        assert!(call(&queue, REQUEST, b"x").is_err());
    }
}
