//! Rows written as CSV for the downloads (users, reports, audit log, bulk results): RFC 4180
//! as the `csv` crate writes it (commas, CRLF after each row, a cell quoted when it holds a
//! comma, a quote or a line break, quotes doubled), with one guard of our own: a cell that a
//! spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return) gets a `'` in front and is quoted, so a name or payload someone else wrote cannot
//! execute in the reader's Excel.
//!
//! The `csv` crate chooses quoting per writer, not per cell, and a guarded cell is quoted
//! even when nothing in it needs quoting. So each cell is written on its own by the crate
//! (`Necessary` quoting, or `Always` when guarded), and the row is written by a third writer
//! that adds only the commas and the line end (`Never`: the cells come quoted already).
//!
//! Downloads stream: each row is appended to the chunk being filled (a `&mut Vec<u8>`) by a
//! writer made for that row and flushed at its end. A long-lived `csv::Writer<Vec<u8>>`
//! could only give its bytes back by being consumed (`into_inner`, there is no `get_mut`),
//! so it would have to be rebuilt per row anyway, and the row would be copied once more.

use std::sync::LazyLock;

use csv::{QuoteStyle, Terminator, Writer, WriterBuilder};

/// First characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Each writer writes one row into memory: nothing can fail.
const IN_MEMORY: &str = "writing CSV into memory cannot fail";

/// Joins cells that are already written as CSV: commas between, CRLF after.
static ROW: LazyLock<WriterBuilder> = LazyLock::new(|| builder(QuoteStyle::Never, 1024));
/// A cell quoted only when it holds a comma, a quote or a line break.
static CELL: LazyLock<WriterBuilder> = LazyLock::new(|| builder(QuoteStyle::Necessary, 128));
/// A guarded cell: always quoted.
static GUARDED_CELL: LazyLock<WriterBuilder> = LazyLock::new(|| builder(QuoteStyle::Always, 128));

fn builder(quoting: QuoteStyle, buffer: usize) -> WriterBuilder {
    let mut builder = WriterBuilder::new();
    builder
        .quote_style(quoting)
        // CRLF also makes the crate quote a cell holding a lone `\r` (its default, `\n`, would not).
        .terminator(Terminator::CRLF)
        .buffer_capacity(buffer);
    builder
}

/// The header row of a download.
pub fn header(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    write_row(&mut out, names.iter().map(|name| Some(*name)));
    out
}

/// Appends one row to `out`; `None` is an empty cell. A row of a single empty cell comes
/// out as `""` (the `csv` crate's way of not writing a blank line); no download has one.
pub fn write_row<'a>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = Option<&'a str>>) {
    let mut row = ROW.from_writer(out);
    let mut cell = Vec::new();
    for value in cells {
        cell.clear();
        write_cell(&mut cell, value.unwrap_or(""));
        row.write_field(&cell).expect(IN_MEMORY);
    }
    end_row(row);
}

/// One cell as CSV, into `out` (empty for an empty cell).
fn write_cell(out: &mut Vec<u8>, value: &str) {
    if value.is_empty() {
        return; // a lone empty cell would be written as `""`
    }
    let guarded = value.starts_with(FORMULA_STARTS);
    let start = out.len();
    if guarded {
        let mut cell = GUARDED_CELL.from_writer(&mut *out);
        cell.write_field(format!("'{value}")).expect(IN_MEMORY);
        end_row(cell);
    } else {
        let mut cell = CELL.from_writer(&mut *out);
        cell.write_field(value).expect(IN_MEMORY);
        end_row(cell);
    }
    // The cell was written as a row of its own: take its line end off.
    debug_assert!(out[start..].ends_with(b"\r\n"));
    out.truncate(out.len() - 2);
}

fn end_row(mut writer: Writer<&mut Vec<u8>>) {
    writer.write_record(None::<&[u8]>).expect(IN_MEMORY);
    writer.flush().expect(IN_MEMORY);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Option<&str>]) -> String {
        let mut out = Vec::new();
        write_row(&mut out, cells.iter().copied());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_and_guards_formulas() {
        let mut out = Vec::new();
        write_row(
            &mut out,
            [
                Some("plain"),
                None,
                Some("a,b"),
                Some("say \"hi\""),
                Some("=cmd()"),
            ],
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "plain,,\"a,b\",\"say \"\"hi\"\"\",\"'=cmd()\"\r\n"
        );
    }

    #[test]
    fn every_formula_start_is_guarded_and_quoted() {
        assert_eq!(
            row(&[
                Some("=1+2"),
                Some("+1"),
                Some("-1"),
                Some("@SUM(A1)"),
                Some("\tx"),
                Some("\rx"),
            ]),
            "\"'=1+2\",\"'+1\",\"'-1\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\"\r\n"
        );
        // Quotes inside a guarded cell are doubled; a formula character later on is harmless.
        assert_eq!(
            row(&[Some("=HYPERLINK(\"x\")"), Some("a=b"), Some("1-2")]),
            "\"'=HYPERLINK(\"\"x\"\")\",a=b,1-2\r\n"
        );
    }

    #[test]
    fn line_breaks_quote_and_the_rest_stays_bare() {
        assert_eq!(
            row(&[
                Some("two\nlines"),
                Some("cr\rhere"),
                Some("O'Brien"),
                Some("é ✓")
            ]),
            "\"two\nlines\",\"cr\rhere\",O'Brien,é ✓\r\n"
        );
        assert_eq!(row(&[None, None, Some("")]), ",,\r\n");
        assert_eq!(
            header(&["id", "email"]),
            b"id,email\r\n".to_vec(),
            "a header is a row"
        );
    }

    #[test]
    fn rows_append_to_what_is_there() {
        let mut out = b"id\r\n".to_vec();
        write_row(&mut out, [Some("a")]);
        write_row(&mut out, [Some("b,c")]);
        assert_eq!(out, b"id\r\na\r\n\"b,c\"\r\n");
    }

    #[test]
    fn long_cells_pass_the_small_buffers() {
        let long = "x\"".repeat(5000);
        let out = row(&[Some(&long), Some(&format!("={long}"))]);
        let doubled = "x\"\"".repeat(5000);
        assert_eq!(out, format!("\"{doubled}\",\"'={doubled}\"\r\n"));
    }
}
