//! A small RFC 4180 CSV reader for the importers: quoted fields with `""` escapes, commas and
//! line breaks inside quotes, CRLF or LF line ends, a UTF-8 byte-order mark, any Unicode.
//! Each record keeps the line it starts on, so errors can name it.

use crate::error::CsvImportError as ImportError;

/// One CSV record: its fields and the 1-based line of the file it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The line the record starts on (1 = the first line of the file).
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

impl CsvRecord {
    /// Whether every field is empty (a blank line).
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }

    /// The field at `index`, trimmed, or "" when the record is shorter.
    pub fn get(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.fields.get(i))
            .map_or("", |f| f.trim())
    }
}

/// Splits `text` into records. Blank lines are dropped. A quote that is never closed, or text
/// right after a closing quote, is an error naming the line.
pub fn read(text: &str) -> Result<Vec<CsvRecord>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut quote_line = 1usize;
    let mut in_quotes = false;
    // The current field was quoted and its closing quote has been read.
    let mut closed = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    closed = true;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                closed = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => {
                fields.push(std::mem::take(&mut field));
                closed = false;
                push(&mut records, record_line, std::mem::take(&mut fields));
                line += 1;
                record_line = line;
            }
            '"' if field.is_empty() && !closed => {
                in_quotes = true;
                quote_line = line;
            }
            _ if closed => {
                return Err(ImportError::Line {
                    line,
                    reason: "text after a closing quote",
                })
            }
            // A quote inside an unquoted field is kept as text (exports in the wild do this).
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(ImportError::Line {
            line: quote_line,
            reason: "a quoted field is never closed",
        });
    }
    if !field.is_empty() || !fields.is_empty() || closed {
        fields.push(field);
        push(&mut records, record_line, fields);
    }
    Ok(records)
}

fn push(records: &mut Vec<CsvRecord>, line: usize, fields: Vec<String>) {
    let record = CsvRecord { line, fields };
    if !record.is_blank() {
        records.push(record);
    }
}

/// Column positions found by header name (trimmed, case-insensitive).
#[derive(Debug)]
pub struct Header {
    names: Vec<String>,
}

impl Header {
    /// The header row's names, normalized.
    pub fn new(record: &CsvRecord) -> Self {
        Header {
            names: record
                .fields
                .iter()
                .map(|f| f.trim().to_lowercase())
                .collect(),
        }
    }

    /// The position of the first column named any of `names`.
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.names.iter().position(|h| h == n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        read(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn quotes_newlines_crlf_bom_and_emoji() {
        let text = "\u{feff}a,b,c\r\n1,\"x, \"\"y\"\"\r\nsecond 🌧️ line\",3\r\n\r\n4,,\"\"\n";
        let records = read(text).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].fields, ["a", "b", "c"]);
        assert_eq!(records[1].line, 2);
        assert_eq!(records[1].fields[1], "x, \"y\"\nsecond 🌧️ line");
        assert_eq!(records[2].line, 5);
        assert_eq!(records[2].fields, ["4", "", ""]);
        assert_eq!(fields("x,y"), [["x", "y"]]);
        assert_eq!(fields("x\ry\n"), [["x"], ["y"]]);
    }

    #[test]
    fn malformed_quotes_name_their_line() {
        assert_eq!(
            read("a,b\n1,\"open\n2,3\n").unwrap_err(),
            ImportError::Line {
                line: 2,
                reason: "a quoted field is never closed"
            }
        );
        assert_eq!(
            read("a\n\"x\"y\n").unwrap_err(),
            ImportError::Line {
                line: 2,
                reason: "text after a closing quote"
            }
        );
    }
}
