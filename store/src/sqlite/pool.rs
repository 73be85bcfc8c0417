//! A fixed set of read-only connections: a reader takes one, waiting while all are in use.

use std::sync::{Condvar, Mutex};

use rusqlite::Connection;

pub(super) struct Pool {
    idle: Mutex<Vec<Connection>>,
    returned: Condvar,
    size: usize,
}

impl Pool {
    pub fn new(conns: Vec<Connection>) -> Self {
        let size = conns.len();
        Pool { idle: Mutex::new(conns), returned: Condvar::new(), size }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs `f` on an idle connection and gives the connection back, even if `f` panics.
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let conn = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(c) = idle.pop() {
                    break c;
                }
                idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
            }
        };
        struct Return<'a>(&'a Pool, Option<Connection>);
        impl Drop for Return<'_> {
            fn drop(&mut self) {
                if let Some(c) = self.1.take() {
                    self.0.idle.lock().unwrap_or_else(|p| p.into_inner()).push(c);
                    self.0.returned.notify_one();
                }
            }
        }
        let mut guard = Return(self, Some(conn));
        match guard.1.as_mut() {
            Some(conn) => f(conn),
            None => unreachable!("the connection was just placed in the guard"),
        }
    }
}
