//! Asynchronous switchless ECALLs: submit now, collect the result later.
//!
//! A submitted call is named by an [`AsyncId`]: the pool task that carries it
//! and a generation drawn from a counter that never repeats, so an id kept
//! after its result was collected can never read the result of a later call
//! that reuses the task (the original's task ids were bare slot indices).

pub use crate::async_id::{AsyncId, Submitted, unknown_call};
use crate::error::{Error, ErrorCode};
use crate::transport::Transport;
use std::time::Duration;

type Decode<'a, R> = Box<dyn FnOnce(&[u8]) -> Result<R, Error> + 'a>;

enum State {
    Pending(AsyncId),
    Ready(Vec<u8>),
    Collected,
}

/// The handle a generated `<function>_async` method returns. It borrows the
/// call's `[out]` buffers, which are written when the result is collected.
///
/// Dropping a handle whose call is still running waits for the call to end:
/// its OCALLs need a host thread to serve them, and its buffers must outlive it.
/// A handle stays on the thread that submitted it (it is not `Send`); other
/// threads can collect the call through its [`AsyncId`].
pub struct AsyncCall<'a, T: Transport + ?Sized, R> {
    transport: &'a T,
    state: State,
    decode: Option<Decode<'a, R>>,
}

impl<T: Transport + ?Sized, R> std::fmt::Debug for AsyncCall<'_, T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncCall").field("id", &self.id()).finish()
    }
}

fn already_collected() -> Error {
    Error::new(
        ErrorCode::SwitchlessInvalidTaskId,
        "the result of this asynchronous call was already collected",
    )
}

impl<'a, T: Transport + ?Sized, R> AsyncCall<'a, T, R> {
    /// Submits `request`; `decode` turns the reply into the result (generated code).
    pub fn submit(
        transport: &'a T,
        request: Vec<u8>,
        decode: impl FnOnce(&[u8]) -> Result<R, Error> + 'a,
    ) -> Result<Self, Error> {
        let state = match transport.submit_async(request)? {
            Submitted::Completed(reply) => State::Ready(reply),
            Submitted::Pending(id) => State::Pending(id),
        };
        Ok(Self {
            transport,
            state,
            decode: Some(Box::new(decode)),
        })
    }

    /// The call's id while it is in the pool; `None` when it ran as a normal
    /// call (the original's `task_id = -1`) or its result was collected.
    pub fn id(&self) -> Option<AsyncId> {
        match self.state {
            State::Pending(id) => Some(id),
            _ => None,
        }
    }

    /// The result if the call has finished (`Ok(None)` while it runs); the
    /// result is handed out once.
    pub fn poll(&mut self) -> Result<Option<R>, Error> {
        self.advance(Some(Duration::ZERO))
    }

    /// Waits up to `timeout` for the result (`Ok(None)` if it is still running).
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<R>, Error> {
        self.advance(Some(timeout))
    }

    /// Waits for the result, however long the call takes.
    pub fn join(mut self) -> Result<R, Error> {
        self.advance(None)?.ok_or_else(already_collected)
    }

    fn advance(&mut self, wait: Option<Duration>) -> Result<Option<R>, Error> {
        let reply = match std::mem::replace(&mut self.state, State::Collected) {
            State::Collected => return Err(already_collected()),
            State::Ready(reply) => reply,
            State::Pending(id) => match self.transport.async_result(id, wait) {
                Ok(Some(reply)) => reply,
                Ok(None) => {
                    self.state = State::Pending(id);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
        };
        let decode = self.decode.take().ok_or_else(already_collected)?;
        decode(&reply).map(Some)
    }
}

impl<T: Transport + ?Sized, R> Drop for AsyncCall<'_, T, R> {
    fn drop(&mut self) {
        if let State::Pending(id) = self.state {
            let _ = self.transport.async_result(id, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// A transport that completes a call on its second look.
    #[derive(Default)]
    struct Deferred {
        next: RefCell<u64>,
        calls: RefCell<HashMap<AsyncId, (Vec<u8>, bool)>>,
    }

    impl Transport for Deferred {
        fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
            Ok(request)
        }
        fn submit_async(&self, request: Vec<u8>) -> Result<Submitted, Error> {
            let mut next = self.next.borrow_mut();
            *next += 1;
            let id = AsyncId {
                task: 0,
                generation: *next,
            };
            self.calls.borrow_mut().insert(id, (request, false));
            Ok(Submitted::Pending(id))
        }
        fn async_result(&self, id: AsyncId, _: Option<Duration>) -> Result<Option<Vec<u8>>, Error> {
            let mut calls = self.calls.borrow_mut();
            let (reply, looked) = calls.get_mut(&id).ok_or_else(already_collected)?;
            if !*looked {
                *looked = true;
                return Ok(None);
            }
            let reply = reply.clone();
            calls.remove(&id);
            Ok(Some(reply))
        }
    }

    #[test]
    fn a_result_is_handed_out_once_and_writes_the_out_buffer() {
        let t = Deferred::default();
        let mut out = 0u8;
        let mut call = AsyncCall::submit(&t, vec![7], |r: &[u8]| {
            out = r[0];
            Ok(r.len())
        })
        .expect("submit");
        let id = call.id().expect("pending");
        assert_eq!(call.poll().expect("poll"), None);
        assert_eq!(call.poll().expect("poll"), Some(1));
        assert_eq!(call.id(), None);
        assert_eq!(
            call.poll().expect_err("twice").kind(),
            ErrorCode::SwitchlessInvalidTaskId
        );
        drop(call);
        assert_eq!(out, 7);
        // The id is stale now: the transport no longer knows it.
        assert!(t.async_result(id, None).is_err());
    }

    #[test]
    fn transports_without_a_pool_complete_at_submission() {
        struct Plain;
        impl Transport for Plain {
            fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
                Ok(request)
            }
        }
        let call =
            AsyncCall::submit(&Plain, vec![1, 2], |r: &[u8]| Ok(r.to_vec())).expect("submit");
        assert_eq!(call.id(), None);
        assert_eq!(call.join().expect("join"), vec![1, 2]);
    }
}
