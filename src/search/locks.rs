//! Tantivy's directory locks, kept in process memory. Tantivy takes `META_LOCK` around reading
//! `meta.json` and opening its segments, and around deleting unused files, so a reader reload
//! never opens a file garbage collection is removing. Its default lock is a file, polled every
//! 100 ms — a stall on every contended reload, and a file that outlives a kill -9. Here a waiter
//! wakes the moment the lock is free; other processes are kept out by the notebook's own flock.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use tantivy::directory::error::LockError;
use tantivy::directory::{DirectoryLock, Lock};

#[derive(Debug, Default)]
pub struct LockTable {
    held: Mutex<HashSet<PathBuf>>,
    released: Condvar,
}

struct Guard {
    table: Arc<LockTable>,
    path: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.table.held.lock().expect("lock table").remove(&self.path);
        self.table.released.notify_all();
    }
}

impl LockTable {
    pub fn acquire(self: &Arc<Self>, lock: &Lock) -> Result<DirectoryLock, LockError> {
        let mut held = self.held.lock().expect("lock table");
        while held.contains(&lock.filepath) {
            if !lock.is_blocking {
                return Err(LockError::LockBusy);
            }
            held = self.released.wait(held).expect("lock table");
        }
        held.insert(lock.filepath.clone());
        Ok(DirectoryLock::from(Box::new(Guard { table: self.clone(), path: lock.filepath.clone() })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_blocking_and_non_blocking() {
        let table = Arc::new(LockTable::default());
        let blocking = Lock { filepath: "meta.lock".into(), is_blocking: true };
        let non_blocking = Lock { filepath: "meta.lock".into(), is_blocking: false };
        let held = table.acquire(&blocking).unwrap();
        assert!(matches!(table.acquire(&non_blocking), Err(LockError::LockBusy)));
        let waiter = {
            let table = table.clone();
            std::thread::spawn(move || table.acquire(&Lock { filepath: "meta.lock".into(), is_blocking: true }).is_ok())
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(held);
        assert!(waiter.join().unwrap());
    }
}
