//! Spreadsheets as grids of text: CSV read with its delimiter detected, and the header row found
//! below any title rows of a CSV file or a workbook's sheet (read in `workbook`).

use super::mapping::recognise;
use super::{Unreadable, WhyUnreadable};

/// One sheet's rows below its header. `line` is the row number a spreadsheet program shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub sheet: Option<String>,
    pub header_line: usize,
    pub headers: Vec<String>,
    pub rows: Vec<GridRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    pub line: usize,
    pub cells: Vec<String>,
}

/// CSV text's records as numbered rows (comma, semicolon or tab separated; quoted fields may
/// span lines), parsed one at a time: an import checks and writes the first rows of a large
/// file while the rest are still being parsed.
pub struct CsvRows {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    delimiter: u8,
    record: csv::StringRecord,
    /// Lines are counted here from byte offsets, incrementally: the reader's own line numbers
    /// count a skipped blank line as the next record's first line.
    counted_to: usize,
    line: usize,
}

impl CsvRows {
    pub fn new(text: String) -> CsvRows {
        let delimiter = sniff_delimiter(&text);
        let reader = csv_reader(delimiter).from_reader(std::io::Cursor::new(text.into_bytes()));
        CsvRows { reader, delimiter, record: csv::StringRecord::new(), counted_to: 0, line: 1 }
    }

    /// How many of the rows not yet read have a filled cell (the rows [`locate_header`] keeps),
    /// counted without reading them.
    pub fn count_filled_rest(&self) -> usize {
        let bytes = self.reader.get_ref().get_ref();
        let rest = &bytes[(self.reader.position().byte() as usize).min(bytes.len())..];
        let mut reader = csv_reader(self.delimiter).from_reader(rest);
        let mut record = csv::ByteRecord::new();
        let mut count = 0;
        while let Ok(true) = reader.read_byte_record(&mut record) {
            count += usize::from(record.iter().any(|cell| std::str::from_utf8(cell).map_or(true, |c| !is_blank(c))));
        }
        count
    }
}

/// How kehu reads CSV: no header row assumed (it is found later), rows of any width.
fn csv_reader(delimiter: u8) -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder.has_headers(false).flexible(true).delimiter(delimiter);
    builder
}

impl Iterator for CsvRows {
    type Item = Result<(usize, Vec<String>), Unreadable>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let bytes = self.reader.get_ref().get_ref();
                let counted_to = self.counted_to;
                let mut start = self.record.position().map_or(counted_to, |p| p.byte() as usize).max(counted_to);
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                self.line += bytes[counted_to..start].iter().filter(|&&b| b == b'\n').count();
                self.counted_to = start;
                Some(Ok((self.line, self.record.iter().map(str::to_owned).collect())))
            }
            Err(e) => Some(Err(match e.position().map(csv::Position::line) {
                Some(line) if line > 0 => Unreadable::at_line(WhyUnreadable::BadCsv, line as usize, e),
                _ => Unreadable::new(WhyUnreadable::BadCsv, e.to_string()),
            })),
        }
    }
}

/// The delimiter used most consistently on the first lines.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(10).collect();
    [b',', b'\t', b';', b'|']
        .into_iter()
        .max_by_key(|&d| {
            let counts: Vec<usize> = lines.iter().map(|l| l.bytes().filter(|&b| b == d).count()).collect();
            let min = counts.iter().copied().min().unwrap_or(0);
            (min, counts.iter().sum::<usize>(), d == b',')
        })
        .unwrap_or(b',')
}

/// Numbered rows of text cells: (line, cells).
pub type Rows = Vec<(usize, Vec<String>)>;

/// Rows [`locate_header`] looks for a header among.
pub const HEADER_WINDOW: usize = 30;

fn is_blank(cell: &str) -> bool {
    cell.trim().is_empty()
}

/// Finds the header among the first rows — the first with two or more headers kehu knows, or
/// failing that the first with two or more filled cells — and takes the rows below it,
/// dropping empty ones. `None` when nothing looks like a table.
pub fn locate_header(sheet: Option<String>, rows: Vec<(usize, Vec<String>)>) -> Option<Grid> {
    let filled = |cells: &[String]| cells.iter().filter(|c| !is_blank(c)).count();
    let known = |cells: &[String]| cells.iter().filter(|c| recognise(c).is_some()).count();
    let window = rows.len().min(HEADER_WINDOW);
    let at = (0..window)
        .find(|&i| known(&rows[i].1) >= 2)
        .or_else(|| (0..window).find(|&i| filled(&rows[i].1) >= 2))
        .or_else(|| (0..window).find(|&i| filled(&rows[i].1) >= 1))?;
    let mut rows = rows.into_iter().skip(at);
    let (header_line, headers) = rows.next()?;
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    let mut grid = Grid { sheet, header_line, headers, rows: Vec::new() };
    grid.rows = rows.filter_map(|row| grid.row(row)).collect();
    Some(grid)
}

impl Grid {
    /// A row read below the header as the grid keeps it: as wide as the header at least, and
    /// `None` when no cell is filled.
    pub fn row(&self, (line, mut cells): (usize, Vec<String>)) -> Option<GridRow> {
        if cells.iter().all(|c| is_blank(c)) {
            return None;
        }
        cells.resize(self.headers.len().max(cells.len()), String::new());
        Some(GridRow { line, cells })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_csv(text: &str) -> Result<Rows, Unreadable> {
        CsvRows::new(text.to_owned()).collect()
    }

    #[test]
    fn rows_below_a_header_are_counted_before_they_are_read() {
        let text = "台账\n客户名称,联系人\n华为,张伟\n,\n\"腾讯\n深圳\",\u{3000}\n阿里,\n";
        let mut rows = CsvRows::new(text.to_owned());
        let head: Rows = rows.by_ref().take(3).collect::<Result<_, _>>().unwrap();
        assert_eq!(head.last().unwrap().1, ["华为", "张伟"]);
        assert_eq!(rows.count_filled_rest(), 2, "the blank row is not counted");
        let grid = locate_header(None, head).unwrap();
        let rest: Vec<GridRow> = rows.map(Result::unwrap).filter_map(|r| grid.row(r)).collect();
        assert_eq!(rest.iter().map(|r| r.line).collect::<Vec<_>>(), [5, 7]);
        assert_eq!(rest[0].cells, ["腾讯\n深圳", "\u{3000}"]);
    }

    #[test]
    fn csv_with_title_rows_quotes_and_semicolons() {
        let text = "2024年客户台账,,\n\n客户名称;联系人;备注\n华为;张伟;\"多行\n备注\"\n;;\n腾讯;李娜;\n";
        let rows = read_csv(text).unwrap();
        let grid = locate_header(None, rows).unwrap();
        assert_eq!(grid.headers, ["客户名称", "联系人", "备注"]);
        assert_eq!(grid.header_line, 3);
        assert_eq!(grid.rows.len(), 2);
        assert_eq!(grid.rows[0].cells[2], "多行\n备注");
        assert_eq!(grid.rows[1].line, 7);
        assert_eq!(grid.rows[1].cells[0], "腾讯");
    }

    #[test]
    fn delimiter_is_sniffed() {
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
    }

    proptest! {
        #[test]
        fn csv_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(text) = std::str::from_utf8(&bytes) && let Ok(rows) = read_csv(text) {
                let _ = locate_header(None, rows);
            }
        }

        #[test]
        fn csv_written_is_csv_read(cells in proptest::collection::vec(proptest::collection::vec("[a-z0-9 张伟,\"\\n]{0,12}", 3), 1..8)) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for row in &cells {
                writer.write_record(row).unwrap();
            }
            let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            let read: Vec<Vec<String>> = read_csv(&text).unwrap().into_iter().map(|(_, c)| c).collect();
            prop_assert_eq!(read, cells);
        }
    }
}
