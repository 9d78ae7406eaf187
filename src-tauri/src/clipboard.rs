//! Copying a credential: the text goes on the clipboard marked `x-kde-passwordManagerHint:
//! secret` (the convention clipboard-history managers honour to skip an entry), and is cleared
//! after a delay — unless the user has copied something else since.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arboard::SetExtLinux;
use zeroize::Zeroizing;

#[derive(Default)]
pub struct SecretClipboard {
    // arboard serves the X selection from a thread that lives as long as a Clipboard does.
    clipboard: Arc<Mutex<Option<arboard::Clipboard>>>,
    generation: Arc<AtomicU64>,
}

impl SecretClipboard {
    pub fn copy(&self, text: Zeroizing<String>, clear_after: Duration) -> Result<(), arboard::Error> {
        let mut guard = self.clipboard.lock().expect("clipboard mutex");
        if guard.is_none() {
            *guard = Some(arboard::Clipboard::new()?);
        }
        let clipboard = guard.as_mut().expect("just set");
        clipboard.set().exclude_from_history().text(text.as_str())?;
        drop(guard);
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let (shared, current) = (Arc::clone(&self.clipboard), Arc::clone(&self.generation));
        std::thread::Builder::new()
            .name("kehu-clipboard-clear".into())
            .spawn(move || {
                std::thread::sleep(clear_after);
                if current.load(Ordering::SeqCst) != generation {
                    return; // a later copy owns the clipboard and its own timer
                }
                let mut guard = shared.lock().expect("clipboard mutex");
                if let Some(clipboard) = guard.as_mut() {
                    let still_ours = clipboard.get_text().is_ok_and(|t| Zeroizing::new(t).as_str() == text.as_str());
                    if still_ours && let Err(e) = clipboard.clear() {
                        tracing::warn!("cannot clear the clipboard: {e}");
                    }
                }
            })
            .expect("spawn clipboard timer");
        Ok(())
    }
}
