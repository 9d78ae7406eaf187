//! Excel and OpenDocument workbooks as numbered rows of text, read through calamine, with the
//! memory a file can make kehu take bounded by the cells it really holds.
//!
//! calamine lays a sheet out as one dense rectangle from its first cell to its last. A stray
//! value in the last row and column of an .xlsx sheet, or one damaged address in an .xls file,
//! would then ask for gigabytes: this project's fuzz test once aborted on a 1.4 TB allocation and
//! was once killed for memory. So .xlsx and .xlsb sheets are read cell by cell into rows that hold
//! only what they need, and an .xls file's cell addresses are checked before calamine opens it
//! (it lays out every sheet as it opens the file). The check walks the BIFF records by hand, the
//! way calamine does, because no crate exposes them; the compound file around them is read with
//! the `cfb` crate. .ods files are left to calamine: they are compressed, so one damaged byte
//! does not turn into a far address.
//!
//! A zipped workbook (.xlsx, .xlsb, .ods) is unpacked once before calamine reads it, streaming,
//! to refuse what no spreadsheet program writes but would make calamine take memory without
//! bound: calamine holds a cell's text whole as it reads it, so 700 KB of zip holding one cell
//! of 700 MB aborted kehu for memory (found by the fuzz test's memory limit). The pass counts
//! the bytes between tags with `memchr`; a bound that calamine's reader could enforce itself
//! would be better, and it has none.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Dimensions, Reader, Sheets, XlsxError, open_workbook_auto_from_rs};

use super::grid::Rows;
use super::{Unreadable, WhyUnreadable};

/// The most cells kehu lays out for one sheet's rows (empty ones between values included):
/// about 400 MB at worst, and as many as a full-height sheet of 16 columns holds.
const SHEET_CELLS: usize = 1_048_576 * 16;

const DAMAGED: &str = "the workbook is damaged (its internal structure is inconsistent)";

fn damaged(reason: impl Into<String>) -> Unreadable {
    Unreadable::new(WhyUnreadable::Damaged, reason)
}

const PASSWORD_PROTECTED: &str =
    "the workbook has a password to open it: open it in Excel or WPS, remove the password, save it and import that";

fn not_a_workbook(reason: impl Into<String>) -> Unreadable {
    Unreadable::new(WhyUnreadable::NotAWorkbook, reason)
}

/// Reads every non-empty sheet of a workbook, as (name, rows); a row holds the cells from the
/// sheet's first used column to its own last value, and empty rows are left out. calamine
/// panics on some damaged files (a cut-short .xls, found by the fuzz test); such a panic is
/// caught and said as a damaged workbook, with the default panic message silenced meanwhile.
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<(String, Rows)>, Unreadable> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let read = std::panic::catch_unwind(|| read_unguarded(bytes));
    std::panic::set_hook(hook);
    read.unwrap_or_else(|_| Err(damaged(DAMAGED)))
}

/// The most a zipped workbook's parts may unpack to in all: about four times what a sheet of a
/// million rows of sixteen columns takes as XML.
const MAX_UNPACKED: u64 = 2 << 30;
/// The longest run of text between two XML tags: Excel's 32 767 characters a cell, four bytes
/// each, escaped (`&amp;` is five bytes for one), with room to spare.
const MAX_TEXT_RUN: usize = 1 << 20;

/// Unpacks every part of a zipped workbook, streaming, and refuses one that unpacks to more
/// than [`MAX_UNPACKED`] in all or holds a text run longer than [`MAX_TEXT_RUN`]. A zip that
/// does not open is left to calamine, which says why.
fn check_unpacked(bytes: &[u8]) -> Result<(), Unreadable> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let too_much = |reason: String| Unreadable::new(WhyUnreadable::Unpacks, reason);
    let mut total = 0u64;
    let mut buffer = vec![0u8; 64 << 10];
    for index in 0..archive.len() {
        let Ok(mut part) = archive.by_index(index) else { return Ok(()) };
        let xml = part.name().is_ok_and(|n| n.ends_with(".xml") || n.ends_with(".rels"));
        let mut run = 0usize;
        loop {
            let n = match part.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => return Ok(()), // damaged: calamine says so
            };
            total += n as u64;
            if total > MAX_UNPACKED {
                return Err(too_much(format!("the workbook unpacks to more than {} GiB", MAX_UNPACKED >> 30)));
            }
            if xml {
                let mut from = 0;
                let mut longest = 0;
                for tag in memchr::memchr_iter(b'<', &buffer[..n]) {
                    longest = longest.max(run + tag - from);
                    run = 0;
                    from = tag + 1;
                }
                run += n - from;
                if longest.max(run) > MAX_TEXT_RUN {
                    return Err(too_much(format!(
                        "one text in the workbook is longer than {} MiB; a cell holds at most 32 767 characters",
                        MAX_TEXT_RUN >> 20
                    )));
                }
            }
        }
    }
    Ok(())
}

fn read_unguarded(bytes: &[u8]) -> Result<Vec<(String, Rows)>, Unreadable> {
    if bytes.starts_with(&xls::COMPOUND_FILE_MAGIC) {
        xls::check_layout(bytes)?;
    }
    if bytes.starts_with(b"PK") {
        check_unpacked(bytes)?;
    }
    std::thread::scope(|scope| {
        // An .xlsx sheet lists its merged regions after its rows, so finding them is a second
        // pass over the sheet: a second reader of the file makes it while this one reads cells.
        let running = bytes.starts_with(b"PK").then(|| scope.spawn(|| xlsx_merges(bytes)));
        let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| not_a_workbook(format!("not a readable workbook: {e}")))?;
        let mut xlsx_merges = MergesBeside { running, found: HashMap::new() };
        let mut sheets = Vec::new();
        for name in book.sheet_names() {
            let sheet_error = |e: &dyn std::fmt::Display| damaged(format!("sheet '{name}': {e}"));
            let mut cells = Cells::new(&name);
            let merged = match &mut book {
                Sheets::Xlsx(x) => {
                    match x.worksheet_cells_reader(&name) {
                        Ok(mut reader) => {
                            while let Some(cell) = reader.next_cell().map_err(|e| sheet_error(&e))? {
                                cells.push_ref(cell.get_position(), cell.get_value())?;
                            }
                        }
                        // A chart sheet: nothing to import.
                        Err(XlsxError::NotAWorksheet(_)) => continue,
                        Err(e) => return Err(sheet_error(&e)),
                    }
                    xlsx_merges.of(&name)?
                }
                Sheets::Xlsb(x) => {
                    let mut reader = x.worksheet_cells_reader(&name).map_err(|e| sheet_error(&e))?;
                    while let Some(cell) = reader.next_cell().map_err(|e| sheet_error(&e))? {
                        cells.push_ref(cell.get_position(), cell.get_value())?;
                    }
                    Vec::new()
                }
                Sheets::Xls(x) => {
                    cells.push_range(&x.worksheet_range(&name).map_err(|e| sheet_error(&e))?)?;
                    x.merge_cells_by_sheet_name(&name).unwrap_or_default()
                }
                Sheets::Ods(x) => {
                    cells.push_range(&x.worksheet_range(&name).map_err(|e| sheet_error(&e))?)?;
                    Vec::new()
                }
            };
            if let Some(rows) = cells.into_rows(&merged)? {
                sheets.push((name, rows));
            }
        }
        Ok(sheets)
    })
}

/// Each sheet's merged regions, by sheet name, from a reader of its own (none for a zip file
/// that is not .xlsx). A sheet whose regions cannot be read is taken as having none, as a
/// damaged list of regions is no reason to refuse the cells.
fn xlsx_merges(bytes: &[u8]) -> HashMap<String, Vec<Dimensions>> {
    let Ok(mut book) = calamine::Xlsx::new(Cursor::new(bytes)) else { return HashMap::new() };
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let merged = book.merge_cells_by_sheet_name(&name).unwrap_or_default();
            (name, merged)
        })
        .collect()
}

/// The merged regions being found beside the cells, joined when first needed.
struct MergesBeside<'scope> {
    running: Option<std::thread::ScopedJoinHandle<'scope, HashMap<String, Vec<Dimensions>>>>,
    found: HashMap<String, Vec<Dimensions>>,
}

impl MergesBeside<'_> {
    fn of(&mut self, sheet: &str) -> Result<Vec<Dimensions>, Unreadable> {
        if let Some(running) = self.running.take() {
            // calamine panics on some damaged files: that reader's panic is the workbook's damage.
            self.found = running.join().map_err(|_| damaged(DAMAGED))?;
        }
        Ok(self.found.remove(sheet).unwrap_or_default())
    }
}

/// One sheet's values as they are read: (row, column, text), empty cells left out.
struct Cells<'a> {
    sheet: &'a str,
    values: Vec<(u32, u32, String)>,
}

impl<'a> Cells<'a> {
    fn new(sheet: &'a str) -> Self {
        Cells { sheet, values: Vec::new() }
    }

    fn push(&mut self, position: (u32, u32), value: &Data) -> Result<(), Unreadable> {
        self.push_text(position, cell_text(value).into())
    }

    /// A cell as a streaming reader gives it: text is copied once, not through a [`Data`].
    fn push_ref(&mut self, position: (u32, u32), value: &DataRef<'_>) -> Result<(), Unreadable> {
        match value {
            DataRef::SharedString(text) => self.push_text(position, text.trim().into()),
            DataRef::String(text) => self.push_text(position, text.trim().into()),
            other => self.push(position, &other.clone().into()),
        }
    }

    fn push_text(&mut self, (row, column): (u32, u32), text: std::borrow::Cow<'_, str>) -> Result<(), Unreadable> {
        if text.is_empty() {
            return Ok(());
        }
        if self.values.len() >= SHEET_CELLS {
            return Err(self.too_large(row, column));
        }
        self.values.push((row, column, text.into_owned()));
        Ok(())
    }

    fn push_range(&mut self, range: &calamine::Range<Data>) -> Result<(), Unreadable> {
        let Some((first_row, first_column)) = range.start() else { return Ok(()) };
        for (row, column, value) in range.used_cells() {
            self.push((first_row + row as u32, first_column + column as u32), value)?;
        }
        Ok(())
    }

    fn too_large(&self, row: u32, column: u32) -> Unreadable {
        let reason = format!(
            "sheet '{}' is too large to import: kehu lays out at most {SHEET_CELLS} cells of a sheet, \
             and its cells reach {} (delete stray values far from the table, or split the sheet)",
            self.sheet,
            cell_address(row, column)
        );
        Unreadable::new(WhyUnreadable::TooLarge, reason)
    }

    /// The rows, numbered as a spreadsheet program shows them, with merged regions' values
    /// copied into their other cells; `None` for a sheet without a value.
    fn into_rows(mut self, merged: &[Dimensions]) -> Result<Option<Rows>, Unreadable> {
        // Stable: of two values at one address (a damaged file), the later one wins, as in calamine.
        self.values.sort_by_key(|&(row, column, _)| (row, column));
        let Some(first_column) = self.values.iter().map(|&(_, column, _)| column).min() else { return Ok(None) };
        let mut numbers: Vec<u32> = Vec::new();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut laid_out = 0usize;
        let mut width = 0usize;
        for (row, column, text) in std::mem::take(&mut self.values) {
            if numbers.last() != Some(&row) {
                numbers.push(row);
                rows.push(Vec::new());
            }
            let cells = rows.last_mut().expect("a row was just pushed");
            let at = (column - first_column) as usize;
            if at >= cells.len() {
                laid_out += at + 1 - cells.len();
                if laid_out > SHEET_CELLS {
                    return Err(self.too_large(row, column));
                }
                cells.resize(at + 1, String::new());
                width = width.max(at + 1);
            }
            cells[at] = text;
        }
        for &Dimensions { start: (r0, c0), end: (r1, c1) } in merged {
            let value = numbers
                .binary_search(&r0)
                .ok()
                .and_then(|i| rows[i].get(c0.checked_sub(first_column)? as usize))
                .filter(|v| !v.is_empty())
                .cloned();
            let Some(value) = value else { continue };
            // Only rows and columns the sheet already has: a merged region never grows the layout.
            let from = numbers.partition_point(|&n| n < r0);
            let to = numbers.partition_point(|&n| n <= r1);
            let columns = c0.saturating_sub(first_column) as usize..=(c1.saturating_sub(first_column) as usize);
            for (i, cells) in rows[from..to].iter_mut().enumerate() {
                let end = (*columns.end() + 1).min(width);
                if cells.len() < end {
                    laid_out += end - cells.len();
                    if laid_out > SHEET_CELLS {
                        return Err(self.too_large(numbers[from + i], first_column + end as u32 - 1));
                    }
                    cells.resize(end, String::new());
                }
                for cell in cells.iter_mut().take(end).skip(*columns.start()) {
                    if cell.is_empty() {
                        cell.clone_from(&value);
                    }
                }
            }
        }
        Ok(Some(numbers.into_iter().map(|n| n as usize + 1).zip(rows).collect()))
    }
}

/// A cell's address as a spreadsheet program shows it (`B7`, `XFD1048576`); a damaged .xls
/// file's column past any spreadsheet's last is said by number.
fn cell_address(row: u32, column: u32) -> String {
    match u16::try_from(column) {
        Ok(column) if column < 16_384 => rust_xlsxwriter::utility::row_col_to_cell(row, column),
        _ => format!("row {}, column {}", u64::from(row) + 1, u64::from(column) + 1),
    }
}

/// A cell as the text a person sees: dates as `YYYY-MM-DD` (with the time when there is one),
/// whole numbers without `.0` (phone numbers typed as numbers), errors empty.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

/// The check of a compound file (.xls, or an encrypted .xlsx) before calamine lays its sheets out.
mod xls {
    use super::{Cursor, PASSWORD_PROTECTED, Read, Unreadable, WhyUnreadable, cell_address, damaged, not_a_workbook};

    pub const COMPOUND_FILE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    /// An .xls sheet's grid (BIFF8): 65 536 rows of 256 columns.
    const COLUMNS: u32 = 256;
    const GRID_CELLS: u64 = 65_536 * COLUMNS as u64;
    /// The most cells calamine may lay out for one sheet (as 32-byte values, 128 MB); a table
    /// of 65 536 rows by 64 columns fits.
    const LAYOUT_CELLS: u64 = 4 * 1024 * 1024;

    /// Refuses a workbook calamine would lay out beyond these bounds; leaves every other damage
    /// to calamine, which says what it is.
    pub fn check_layout(bytes: &[u8]) -> Result<(), Unreadable> {
        let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
            .map_err(|e| not_a_workbook(format!("not a readable workbook: its container is damaged ({e})")))?;
        // An .xlsx saved with a password to open it is a compound file holding the encrypted
        // zip (ECMA-376 part 2 / MS-OFFCRYPTO), which calamine would call an unknown format.
        if file.is_stream("EncryptedPackage") || file.is_stream("EncryptionInfo") {
            return Err(Unreadable::new(WhyUnreadable::PasswordProtected, PASSWORD_PROTECTED));
        }
        let Some(name) = ["Workbook", "Book"].into_iter().find(|name| file.is_stream(name)) else { return Ok(()) };
        let mut stream = Vec::new();
        file.open_stream(name)
            .and_then(|mut s| s.read_to_end(&mut stream))
            .map_err(|e| not_a_workbook(format!("not a readable workbook: its {name} stream is damaged ({e})")))?;
        let mut sheets = Vec::new();
        for (kind, data) in records(&stream) {
            match kind {
                // FilePass: the records are encrypted (a password to open the .xls).
                0x002F => return Err(Unreadable::new(WhyUnreadable::PasswordProtected, PASSWORD_PROTECTED)),
                // BoundSheet8: where a sheet's records start.
                0x0085 if data.len() >= 4 => sheets.push(u32_at(data, 0) as usize),
                0x000A => break,
                _ => {}
            }
        }
        for start in sheets {
            if let Some(records) = stream.get(start..) {
                check_sheet(records)?;
            }
        }
        Ok(())
    }

    fn check_sheet(stream: &[u8]) -> Result<(), Unreadable> {
        let mut extent: Option<(u32, u32, u32, u32)> = None;
        let mut include = |row: u32, first: u32, last: u32| -> Result<(), Unreadable> {
            if last >= COLUMNS {
                return Err(damaged(format!(
                    "the workbook is damaged: it has a cell at {}, beyond an .xls sheet's 256 columns",
                    cell_address(row, last)
                )));
            }
            let (r0, c0, r1, c1) = extent.get_or_insert((row, first, row, last));
            (*r0, *c0, *r1, *c1) = ((*r0).min(row), (*c0).min(first), (*r1).max(row), (*c1).max(last));
            let cells = u64::from(*r1 - *r0 + 1) * u64::from(*c1 - *c0 + 1);
            if cells > LAYOUT_CELLS {
                return Err(Unreadable::new(
                    WhyUnreadable::TooLarge,
                    format!(
                        "a sheet is too large to import: its cells span {} to {} ({cells} cells; kehu reads \
                     .xls sheets up to {LAYOUT_CELLS}). Delete stray values far from the table, or save it as .xlsx",
                        cell_address(*r0, *c0),
                        cell_address(*r1, *c1)
                    ),
                ));
            }
            Ok(())
        };
        // Calamine skips the records of substreams nested in a sheet (embedded charts).
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (kind, data) in records(stream) {
            if depth > 0 {
                match kind {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |offset: usize| u32::from(u16_at(data, offset));
            match kind {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                // Dimensions: calamine reserves room for the rows × columns it declares.
                0x0200 => check_dimensions(data)?,
                // Number, Label, RString, BoolErr, Rk, LabelSst, Formula: row, then column.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 if data.len() >= 4 => {
                    include(at(0), at(2), at(2))?;
                }
                // MulRk: row, first column, six bytes per value, last column.
                0x00BD if data.len() >= 12 => {
                    let values = (data.len() - 6) / 6;
                    include(at(0), at(2), at(2) + values as u32 - 1)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Mirrors calamine's reading of the record, so the rows × columns checked are the ones it
    /// will reserve.
    fn check_dimensions(data: &[u8]) -> Result<(), Unreadable> {
        let (first_row, last_row, mut first_column, last_column) = match data.len() {
            10 => (
                u32::from(u16_at(data, 0)),
                u32::from(u16_at(data, 2)),
                u32::from(u16_at(data, 4)),
                u32::from(u16_at(data, 6)),
            ),
            14 | 16 => (u32_at(data, 0), u32_at(data, 4), u32::from(u16_at(data, 8)), u32::from(u16_at(data, 10))),
            _ => return Ok(()),
        };
        if first_column > 0xFF || last_column < first_column {
            first_column = 0;
        }
        if last_row == 0 || last_column == 0 {
            return Ok(());
        }
        let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
        let columns = (last_column - 1).wrapping_sub(first_column).wrapping_add(1);
        if u64::from(rows) * u64::from(columns) > GRID_CELLS {
            return Err(damaged(format!(
                "the workbook is damaged: a sheet declares {rows} rows × {columns} columns, \
                 beyond an .xls sheet's 65 536 × 256"
            )));
        }
        Ok(())
    }

    /// BIFF records as (type, data), as calamine splits them; a record cut short ends the walk.
    pub(super) fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
        std::iter::from_fn(move || {
            let length = usize::from(u16_at(stream.get(..4)?, 2));
            let record = stream.get(4..4 + length)?;
            let kind = u16_at(stream, 0);
            stream = &stream[4 + length..];
            Some((kind, record))
        })
    }

    fn u16_at(data: &[u8], offset: usize) -> u16 {
        u16::from_le_bytes([data[offset], data[offset + 1]])
    }

    fn u32_at(data: &[u8], offset: usize) -> u32 {
        u32::from_le_bytes([data[offset], data[offset + 1], data[offset + 2], data[offset + 3]])
    }
}

#[cfg(test)]
mod tests;
