//! Search everywhere: the palette's one command.

use kehu::search::{SearchHit, SearchQuery};
use tauri::State;

use crate::error::IpcResult;
use crate::session::Session;

#[tauri::command(async)]
pub fn search(session: State<'_, Session>, query: SearchQuery) -> IpcResult<Vec<SearchHit>> {
    session.with(|nb| nb.search(&query))
}
