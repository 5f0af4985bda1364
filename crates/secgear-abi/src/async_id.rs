//! What names an asynchronous call, shared by transports and the handles
//! generated code returns.

use crate::error::{Error, ErrorCode};

/// Names one asynchronous call in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsyncId {
    pub task: u32,
    pub generation: u64,
}

/// What a transport did with an asynchronous submission.
#[derive(Debug)]
pub enum Submitted {
    /// Ran as a normal call (no pool, a message too big for a task, or a
    /// full pool with `rollback_to_common`): here is its reply.
    Completed(Vec<u8>),
    /// In the pool; collect it with [`Transport::async_result`](crate::Transport::async_result).
    Pending(AsyncId),
}

/// The error for an id that names no call in flight.
pub fn unknown_call(id: AsyncId) -> Error {
    Error::new(
        ErrorCode::SwitchlessInvalidTaskId,
        format!(
            "asynchronous call {}:{} is unknown or its result was already collected",
            id.task, id.generation
        ),
    )
}
