//! Tests of the workbook reader, on real files and made-up ones.

fn zipped(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_text_run_longer_than_a_cell_holds_is_refused_across_read_chunks() {
    let sheet = |run: usize| {
        let mut xml = b"<row><c><v>1</v></c><c><is><t>".repeat(3000);
        xml.extend(std::iter::repeat_n(b'a', run));
        xml.extend(b"</t></is></c></row>");
        zipped(&[("xl/worksheets/sheet1.xml", xml), ("xl/media/image1.png", vec![b'x'; 3 << 20])])
    };
    // The run counts from the last `<`: "t>" and the text.
    assert_eq!(check_unpacked(&sheet(MAX_TEXT_RUN - 2)), Ok(()), "a binary part has no text runs");
    let refused = check_unpacked(&sheet(MAX_TEXT_RUN - 1)).unwrap_err();
    assert_eq!(refused.why, WhyUnreadable::Unpacks);
    assert!(refused.reason.contains("32 767"), "{refused}");
}

use super::*;

proptest::proptest! {
    #[test]
    fn any_bytes_give_rows_or_an_error(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
        let _ = read_workbook(&bytes);
    }
}

#[test]
fn addresses_as_a_spreadsheet_shows_them() {
    assert_eq!(cell_address(0, 0), "A1");
    assert_eq!(cell_address(6, 1), "B7");
    assert_eq!(cell_address(0, 25), "Z1");
    assert_eq!(cell_address(0, 26), "AA1");
    assert_eq!(cell_address(1_048_575, 16_383), "XFD1048576");
    assert_eq!(cell_address(4, 76_000), "row 5, column 76001");
}

#[test]
fn rows_hold_their_own_cells_and_merged_values_fill_only_existing_cells() {
    let mut cells = Cells::new("台账");
    for (at, text) in [((2, 1), "公司"), ((2, 2), "联系人"), ((3, 1), "华为"), ((3, 2), "张伟"), ((5, 2), "李娜")]
    {
        cells.push(at, &Data::String(text.into())).unwrap();
    }
    cells.push((4, 3), &Data::Empty).unwrap();
    // 华为 is merged down over rows 4 to 6; row 5 (a blank one) is not created by it.
    let rows = cells.into_rows(&[Dimensions { start: (3, 1), end: (5, 1) }]).unwrap().unwrap();
    assert_eq!(
        rows,
        vec![
            (3, vec!["公司".to_owned(), "联系人".to_owned()]),
            (4, vec!["华为".to_owned(), "张伟".to_owned()]),
            (6, vec!["华为".to_owned(), "李娜".to_owned()]),
        ]
    );
    assert_eq!(Cells::new("空").into_rows(&[]).unwrap(), None);
}

/// The ledger xlwt wrote (tests/fixtures/interop/make_fixtures.py), with `patch` applied at the
/// first record of `kind` whose length is `length`.
fn damaged_xls(kind: u16, length: u16, patch: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/interop/ledger.xls");
    let mut bytes = std::fs::read(path).unwrap();
    let header: Vec<u8> = [kind.to_le_bytes(), length.to_le_bytes()].concat();
    let at = bytes.windows(4).position(|w| w == header).expect("the record is in the fixture") + 4;
    patch(&mut bytes[at..at + usize::from(length)]);
    bytes
}

#[test]
fn the_xls_fixture_reads_and_its_records_are_found() {
    let bytes = damaged_xls(0x00FD, 10, |_| {});
    assert!(read_workbook(&bytes).unwrap()[0].1.len() > 3);
    let mut file = cfb::CompoundFile::open(Cursor::new(&bytes)).unwrap();
    let mut stream = Vec::new();
    file.open_stream("Workbook").unwrap().read_to_end(&mut stream).unwrap();
    let kinds: Vec<u16> = xls::records(&stream).map(|(kind, _)| kind).collect();
    assert!(kinds.contains(&0x0085) && kinds.contains(&0x00FD) && kinds.contains(&0x0200), "{kinds:x?}");
}

#[test]
fn workbooks_with_a_password_to_open_them_are_said_to_be_protected() {
    // msoffcrypto-tool encrypted the ledger as Excel does (make_fixtures.py).
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/interop/protected.xlsx");
    let Unreadable { why, reason, .. } = read_workbook(&std::fs::read(path).unwrap()).unwrap_err();
    assert_eq!(why, WhyUnreadable::PasswordProtected, "{reason}");
    // An .xls with a FilePass record (its records encrypted): the Window1 record retyped.
    let mut bytes = damaged_xls(0x003D, 18, |_| {});
    let at = bytes.windows(4).position(|w| w == [0x3D, 0x00, 18, 0x00]).unwrap();
    bytes[at] = 0x2F;
    let Unreadable { why, reason, .. } = read_workbook(&bytes).unwrap_err();
    assert_eq!(why, WhyUnreadable::PasswordProtected, "{reason}");
}

#[test]
fn an_xls_sheet_declaring_billions_of_cells_is_refused_not_reserved() {
    // Dimensions: the last row (exclusive) set to 4 294 967 295; calamine would reserve 160 GB.
    let bytes = damaged_xls(0x0200, 14, |data| data[4..8].copy_from_slice(&u32::MAX.to_le_bytes()));
    let Unreadable { why, reason: error, .. } = read_workbook(&bytes).unwrap_err();
    assert_eq!(why, WhyUnreadable::Damaged);
    assert!(error.contains("declares 4294967295 rows"), "{error}");
}

#[test]
fn an_xls_cell_beyond_column_iv_is_refused_not_laid_out() {
    // A LabelSst's column moved to 0xFF00: calamine would lay out rows × 65 281 cells.
    let bytes = damaged_xls(0x00FD, 10, |data| data[2..4].copy_from_slice(&0xFF00u16.to_le_bytes()));
    let Unreadable { why, reason: error, .. } = read_workbook(&bytes).unwrap_err();
    assert_eq!(why, WhyUnreadable::Damaged);
    assert!(error.contains("beyond an .xls sheet's 256 columns"), "{error}");
}

#[test]
fn an_xls_sheet_spanning_most_of_the_grid_is_refused_with_its_corners() {
    let bytes = damaged_xls(0x00FD, 10, |data| {
        data[0..2].copy_from_slice(&60_000u16.to_le_bytes());
        data[2..4].copy_from_slice(&200u16.to_le_bytes());
    });
    let Unreadable { why, reason: error, .. } = read_workbook(&bytes).unwrap_err();
    assert_eq!(why, WhyUnreadable::TooLarge);
    assert!(error.contains("too large") && error.contains("GS60001"), "{error}");
    // Far down but within the columns a ledger has: read, the stray row last.
    let bytes = damaged_xls(0x00FD, 10, |data| data[0..2].copy_from_slice(&60_000u16.to_le_bytes()));
    let rows = read_workbook(&bytes).unwrap().remove(0).1;
    assert_eq!(rows.last().unwrap().0, 60_001);
}

#[test]
fn a_stray_value_in_the_last_cell_of_an_xlsx_sheet_costs_one_row() {
    let path = std::env::temp_dir().join(format!("kehu-stray-{}.xlsx", std::process::id()));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "客户名称").unwrap();
    sheet.write_string(0, 1, "手机").unwrap();
    sheet.write_string(1, 0, "华为").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let sheets = read_workbook(&bytes).unwrap();
    let rows = &sheets[0].1;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1], (2, vec!["华为".to_owned()]));
    assert_eq!((rows[2].0, rows[2].1.len()), (1_048_576, 16_384));
}
