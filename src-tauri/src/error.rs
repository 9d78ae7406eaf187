//! The one error shape that crosses IPC: `{code, message, detail}`. The UI branches on `code`
//! (the core's `ErrorCode`), never on message text, and says the error in the user's language
//! from `detail` where the core gives one; messages never hold note content.

use kehu::{ErrorCode, ErrorDetail};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct IpcError {
    pub code: ErrorCode,
    /// English, for logs and as the last resort of a screen.
    pub message: String,
    pub detail: Option<ErrorDetail>,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError { code, message: message.into(), detail: None }
    }

    pub fn locked() -> Self {
        IpcError::new(ErrorCode::Locked, "the notebook is locked")
    }

    pub fn io(context: &str, e: &std::io::Error) -> Self {
        IpcError {
            detail: Some(ErrorDetail::of_io(None, e)),
            ..IpcError::new(ErrorCode::Io, format!("{context}: {e}"))
        }
    }
}

impl From<kehu::Error> for IpcError {
    fn from(e: kehu::Error) -> Self {
        IpcError { code: e.code(), message: e.to_string(), detail: e.detail() }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
