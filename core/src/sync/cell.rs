//! Shared access to a store for long work that also waits on the network.
//!
//! A sync or messaging round alternates between short store steps (read what to send, apply
//! what came back, each one transaction) and network waits. It reaches the store only through
//! a [`StoreCell`], one step at a time, so a front end that shares the store (the application
//! layer's writer behind a mutex) is never locked out while a request waits on a server:
//! **no lock is held across network I/O**.

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use crate::error::{CoreError, Result};
use crate::store::Store;

/// A place the store can be borrowed from for one step at a time.
pub trait StoreCell {
    /// Runs `f` with exclusive access to the store, for exactly the duration of the call.
    fn enter(&self, f: &mut dyn FnMut(&mut Store)) -> Result<()>;
}

impl dyn StoreCell + '_ {
    /// Runs one store step and returns its result. Never call the network inside `f`.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.enter(&mut |store| {
            if let Some(f) = f.take() {
                out = Some(f(store));
            }
        })?;
        out.unwrap_or(Err(CoreError::Store(crate::error::StoreError::Busy)))
    }
}

/// A store shared between threads that can be closed (the application layer's writer):
/// each step locks it for exactly the step; a closed store is [`CoreError::Closed`].
impl StoreCell for Mutex<Option<Store>> {
    fn enter(&self, f: &mut dyn FnMut(&mut Store)) -> Result<()> {
        // A panic in an earlier step cannot leave the database half-written (every step is a
        // transaction that rolls back when dropped), so a poisoned lock is safe to reuse.
        let mut guard = self.lock().unwrap_or_else(PoisonError::into_inner);
        let store = guard.as_mut().ok_or(CoreError::Closed)?;
        f(store);
        Ok(())
    }
}

/// A store borrowed exclusively by one caller (the terminal client, tests): no lock needed.
pub struct Exclusive<'a>(RefCell<&'a mut Store>);

impl<'a> Exclusive<'a> {
    /// Wraps an exclusively borrowed store.
    pub fn new(store: &'a mut Store) -> Self {
        Self(RefCell::new(store))
    }
}

impl StoreCell for Exclusive<'_> {
    fn enter(&self, f: &mut dyn FnMut(&mut Store)) -> Result<()> {
        // Re-entering from inside a step is a programming error; report it, never panic.
        let mut store = self
            .0
            .try_borrow_mut()
            .map_err(|_| CoreError::Store(crate::error::StoreError::Busy))?;
        f(&mut store);
        Ok(())
    }
}
