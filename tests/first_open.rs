//! The first databases a process opens, opened on several threads at once. SQLCipher finishes
//! its own set-up after SQLite says it is ready, and a thread keying its database in between was
//! refused ("An error occurred with PRAGMA key"). This is a test binary of its own because only
//! a process's first opens can show it.

use std::sync::{Arc, Barrier};

use kehu::Notebook;
use kehu::vault::KdfParams;

#[test]
fn notebooks_opened_at_once_by_a_new_process_all_open() {
    let tmp = tempfile::tempdir().unwrap();
    let threads = 8;
    let start = Arc::new(Barrier::new(threads));
    let opened: Vec<_> = (0..threads)
        .map(|i| {
            let (start, dir) = (Arc::clone(&start), tmp.path().join(format!("nb{i}")));
            std::thread::spawn(move || {
                start.wait();
                Notebook::create(&dir, b"pw", KdfParams::INSECURE_FOR_TESTS).map(drop).map_err(|e| e.to_string())
            })
        })
        .collect();
    for (i, thread) in opened.into_iter().enumerate() {
        assert_eq!(thread.join().unwrap(), Ok(()), "notebook {i}");
    }
}
