//! Reading an import's file: its format and encoding found, a workbook's sheets or a CSV's
//! rows (the rest parsed as they are checked) or a vCard file's cards, each with its column
//! mapping — or a kehu package, which goes through the handover import.

use std::path::Path;

use super::ImportOptions;
use super::rows::{Incoming, from_card, grid_rows};
use crate::Result;
use crate::backup::Package;
use crate::interop::decode::{Encoding, EncodingSource, decode};
use crate::interop::grid::{CsvRows, Grid, HEADER_WINDOW, locate_header};
use crate::interop::mapping::Mapping;
use crate::interop::vcard::{self, Card};
use crate::interop::workbook::read_workbook;
use crate::interop::{Format, InteropError, Unreadable, WhyUnreadable, json};

/// A file read: its rows, or a kehu package.
pub(super) enum Parsed {
    Rows {
        format: Format,
        encoding: Option<(&'static str, EncodingSource)>,
        sheets: Vec<String>,
        mapping: Option<Mapping>,
        table: Table,
    },
    Package(Box<Package>),
}

/// A file's rows as read, turned into customers part by part: checking a row costs more than
/// reading it, so an import checks the next part while the one before is being written.
pub(super) enum Table {
    Cards(Vec<Card>),
    /// Each sheet's rows with the mapping of its columns.
    Grids(Vec<(Grid, Mapping)>),
    /// A CSV file: the rows read while finding its header, and the rest parsed as they are
    /// checked; `count` rows below the header in all.
    Csv {
        grid: Grid,
        mapping: Mapping,
        rest: Box<CsvRows>,
        count: usize,
    },
}

/// Rows per part of an import: enough for the checks to run on every core, few enough that
/// writing starts soon and little waits at the end.
pub(super) const PART_ROWS: usize = 4_096;

impl Table {
    pub(super) fn len(&self) -> usize {
        match self {
            Table::Cards(cards) => cards.len(),
            Table::Grids(grids) => grids.iter().map(|(g, _)| g.rows.len()).sum(),
            Table::Csv { count, .. } => *count,
        }
    }

    /// Hands the rows to `part`, checked, `size` at a time in file order, until it returns
    /// false. An error says why the rest of the file cannot be read.
    pub(super) fn each_part(
        self,
        size: usize,
        flag: &str,
        mut part: impl FnMut(Vec<Incoming>) -> bool,
    ) -> Result<(), Unreadable> {
        match self {
            Table::Cards(mut cards) => {
                while !cards.is_empty() {
                    let rest = cards.split_off(size.min(cards.len()));
                    if !part(cards.into_iter().map(|card| from_card(card, flag)).collect()) {
                        break;
                    }
                    cards = rest;
                }
            }
            Table::Grids(grids) => {
                'sheets: for (grid, mapping) in &grids {
                    for rows in grid.rows.chunks(size) {
                        if !part(grid_rows(grid, mapping, rows, flag)) {
                            break 'sheets;
                        }
                    }
                }
            }
            Table::Csv { mut grid, mapping, mut rest, .. } => loop {
                while grid.rows.len() < size {
                    let Some(row) = rest.next().transpose()? else { break };
                    grid.rows.extend(grid.row(row));
                }
                if grid.rows.is_empty() {
                    break;
                }
                let rows = std::mem::take(&mut grid.rows);
                if !part(grid_rows(&grid, &mapping, &rows, flag)) {
                    break;
                }
            },
        }
        Ok(())
    }

    /// The first row's value under each of `mapping`'s columns (in the first sheet that has it).
    pub(super) fn examples(&self, mapping: &Mapping) -> Vec<String> {
        let grids: Vec<&Grid> = match self {
            Table::Cards(_) => return Vec::new(),
            Table::Grids(grids) => grids.iter().map(|(g, _)| g).collect(),
            Table::Csv { grid, .. } => vec![grid],
        };
        let example = |header: &str| {
            grids.iter().find_map(|g| {
                let at = g.headers.iter().position(|h| h == header)?;
                g.rows.first().and_then(|r| r.cells.get(at)).cloned()
            })
        };
        mapping.columns.iter().map(|c| example(&c.header).unwrap_or_default()).collect()
    }

    /// Every row, checked.
    pub(super) fn all(self, flag: &str) -> Result<Vec<Incoming>, Unreadable> {
        let mut all = Vec::with_capacity(self.len());
        self.each_part(usize::MAX, flag, |part| {
            all.extend(part);
            true
        })?;
        Ok(all)
    }
}

pub(super) enum CardsError {
    NotText(String),
    Unreadable(Unreadable),
}

/// A vCard file's cards, and the encoding its undeclared text was read in: each property in the
/// `CHARSET=` it declares, the rest in the encoding asked for, else UTF-8 where the whole file
/// is UTF-8 and GB18030 where it is not (what Chinese phones write without saying). UTF-16 files
/// are decoded whole first.
pub(super) fn read_cards(
    bytes: &[u8],
    asked: Encoding,
) -> Result<(Vec<Card>, (&'static str, EncodingSource)), CardsError> {
    let source = EncodingSource::of(bytes, asked);
    let utf16 = asked == Encoding::Utf16
        || (asked == Encoding::Auto
            && matches!(decode(bytes, Encoding::Auto), Ok((_, name)) if name.starts_with("utf-16")));
    let (file, name) = if utf16 {
        let (text, name) = decode(bytes, Encoding::Utf16).map_err(CardsError::NotText)?;
        (vcard::parse_bytes(text.as_bytes(), encoding_rs::UTF_8), name)
    } else {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let fallback = match asked {
            Encoding::Auto | Encoding::Utf16 if std::str::from_utf8(body).is_ok() => Encoding::Utf8,
            Encoding::Auto | Encoding::Utf16 => Encoding::Gbk,
            chosen => chosen,
        };
        (vcard::parse_bytes(bytes, fallback.decoder()), fallback.decoder_name())
    };
    let file = file.map_err(CardsError::Unreadable)?;
    // Lines outside any card: counted by line in the log, never with their text (user data).
    for skipped in &file.skipped {
        tracing::warn!("vCard line {} is outside any card or unreadable; left out", skipped.line);
    }
    Ok((file.cards, (name, source)))
}

/// Reads and parses the file.
/// A file that is not text in the encoding asked for (or any detected).
pub(super) fn not_text(path: &Path, reason: String) -> InteropError {
    InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NotText, reason))
}

pub(super) fn read(path: &Path, options: &ImportOptions) -> Result<Parsed> {
    let bytes =
        crate::limits::read_file(path, crate::limits::MAX_IMPORT_BYTES).map_err(|e| InteropError::io(path, e))?;
    let format = options.format.unwrap_or_else(|| Format::detect(path, &bytes));
    match format {
        Format::Json => Ok(Parsed::Package(Box::new(json::read(path, &bytes)?))),
        Format::Vcard => {
            let (cards, encoding) = read_cards(&bytes, options.encoding).map_err(|e| match e {
                CardsError::NotText(reason) => not_text(path, reason),
                CardsError::Unreadable(e) => InteropError::unreadable(path, e),
            })?;
            if cards.is_empty() {
                return Err(
                    InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NoVcard, "holds no vCard")).into()
                );
            }
            let table = Table::Cards(cards);
            Ok(Parsed::Rows { format, encoding: Some(encoding), sheets: Vec::new(), mapping: None, table })
        }
        Format::Csv => {
            let (text, name) = decode(&bytes, options.encoding).map_err(|e| not_text(path, e))?;
            let encoding = (name, EncodingSource::of(&bytes, options.encoding));
            // The header is found among the first rows; the others are parsed as they are checked.
            let mut rest = Box::new(CsvRows::new(text));
            let head = rest.by_ref().take(HEADER_WINDOW).collect::<Result<Vec<_>, Unreadable>>();
            let head = head.map_err(|e| InteropError::unreadable(path, e))?;
            let grid = locate_header(None, head).ok_or_else(|| {
                InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NoRows, "holds no rows"))
            })?;
            let mapping =
                options.mapping.as_ref().map_or_else(|| Mapping::detect(&grid.headers), |m| m.over(&grid.headers));
            let count = grid.rows.len() + rest.count_filled_rest();
            let table = Table::Csv { grid, mapping: mapping.clone(), rest, count };
            Ok(Parsed::Rows { format, encoding: Some(encoding), sheets: Vec::new(), mapping: Some(mapping), table })
        }
        Format::Xlsx => {
            let sheets = read_workbook(&bytes).map_err(|e| InteropError::unreadable(path, e))?;
            let many = sheets.len() > 1;
            let grids: Vec<Grid> = sheets
                .into_iter()
                .filter_map(|(name, rows)| locate_header(many.then_some(name), rows))
                .filter(|g| !g.rows.is_empty())
                .collect();
            // Sheets laid out like the first (by their headers) are read; a summary or a
            // lookup-list sheet beside the ledger is not customers.
            let first = grids.first().ok_or_else(|| {
                InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NoTable, "no sheet holds a table"))
            })?;
            let mapping =
                options.mapping.as_ref().map_or_else(|| Mapping::detect(&first.headers), |m| m.over(&first.headers));
            let first_headers = first.headers.clone();
            let recognised = |g: &Grid| Mapping::detect(&g.headers).recognised() >= 2 || g.headers == first_headers;
            let mut names = Vec::new();
            let mut tables: Vec<(Grid, Mapping)> = Vec::new();
            for grid in grids.into_iter().filter(|g| recognised(g)) {
                let sheet_mapping = options.mapping.as_ref().unwrap_or(&mapping).over(&grid.headers);
                names.extend(grid.sheet.clone());
                tables.push((grid, sheet_mapping));
            }
            let mut union = mapping;
            for (_, m) in tables.iter().skip(1) {
                for column in &m.columns {
                    if !union.columns.iter().any(|c| c.header == column.header) {
                        union.columns.push(column.clone());
                    }
                }
            }
            Ok(Parsed::Rows {
                format,
                encoding: None,
                sheets: names,
                mapping: Some(union),
                table: Table::Grids(tables),
            })
        }
    }
}
