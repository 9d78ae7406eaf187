//! The one error shape that crosses IPC: `{code, message}`. The UI branches on `code` (the
//! core's `ErrorCode`), never on message text, and messages never hold note content.

use kehu::ErrorCode;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError { code, message: message.into() }
    }

    pub fn locked() -> Self {
        IpcError::new(ErrorCode::Locked, "the notebook is locked")
    }

    pub fn io(context: &str, e: &std::io::Error) -> Self {
        IpcError::new(ErrorCode::Io, format!("{context}: {e}"))
    }
}

impl From<kehu::Error> for IpcError {
    fn from(e: kehu::Error) -> Self {
        IpcError { code: e.code(), message: e.to_string() }
    }
}

impl From<kehu::store::StoreError> for IpcError {
    fn from(e: kehu::store::StoreError) -> Self {
        kehu::Error::from(e).into()
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
