//! Spreadsheets as grids of text: CSV read with its delimiter detected, and the header row found
//! below any title rows of a CSV file or a workbook's sheet (read in `workbook`).

use super::mapping::recognise;

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

/// Reads CSV text (comma, semicolon or tab separated; quoted fields may span lines).
pub fn read_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let delimiter = sniff_delimiter(text);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // The reader's own line numbers count a skipped blank line as the next record's first line,
    // so lines are counted here from byte offsets, incrementally.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let mut start = record.position().map_or(counted_to, |p| p.byte() as usize).max(counted_to);
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                line += bytes[counted_to..start].iter().filter(|&&b| b == b'\n').count();
                counted_to = start;
                rows.push((line, record.iter().map(str::to_owned).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(format!("line {line}: {e}"));
            }
        }
    }
    Ok(rows)
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

/// Finds the header among the first rows — the first with two or more headers kehu knows, or
/// failing that the first with two or more filled cells — and takes the rows below it,
/// dropping empty ones. `None` when nothing looks like a table.
pub fn locate_header(sheet: Option<String>, rows: Vec<(usize, Vec<String>)>) -> Option<Grid> {
    let filled = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    let known = |cells: &[String]| cells.iter().filter(|c| recognise(c).is_some()).count();
    let window = rows.len().min(30);
    let at = (0..window)
        .find(|&i| known(&rows[i].1) >= 2)
        .or_else(|| (0..window).find(|&i| filled(&rows[i].1) >= 2))
        .or_else(|| (0..window).find(|&i| filled(&rows[i].1) >= 1))?;
    let mut rows = rows.into_iter().skip(at);
    let (header_line, headers) = rows.next()?;
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    let rows = rows
        .filter(|(_, cells)| filled(cells) > 0)
        .map(|(line, mut cells)| {
            cells.resize(headers.len().max(cells.len()), String::new());
            GridRow { line, cells }
        })
        .collect();
    Some(Grid { sheet, header_line, headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
