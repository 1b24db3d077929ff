//! A small CSV reader for RFC 4180 files: comma-separated fields, records ending in CRLF or
//! LF, fields in double quotes that may hold commas, line breaks and doubled quotes (`""`).
//!
//! Lenient where real files are sloppy: a `"` inside an unquoted field is kept as a
//! character, a byte-order mark at the start is skipped, the last record may lack its line
//! break, and empty lines are skipped. Strict where data would be lost: a quoted field that
//! never closes, or text after a closing quote, is an error with its line number.

/// One record, with the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u32,
    pub fields: Vec<String>,
}

/// A malformed file: the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: u32,
    pub message: String,
}

/// Splits `text` into records.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut chars = text.chars().peekable();
    let mut line: u32 = 1;
    let mut records = Vec::new();
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut at_field_start = true;
        let mut any_quoted = false;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') if at_field_start => {
                    at_field_start = false;
                    any_quoted = true;
                    let open_line = line;
                    loop {
                        match chars.next() {
                            None => {
                                return Err(CsvError {
                                    line: open_line,
                                    message: "a quoted field is never closed (missing `\"`)".into(),
                                });
                            }
                            Some('"') => {
                                if chars.peek() == Some(&'"') {
                                    chars.next();
                                    field.push('"');
                                } else {
                                    break;
                                }
                            }
                            Some('\n') => {
                                line = line.saturating_add(1);
                                field.push('\n');
                            }
                            Some(c) => field.push(c),
                        }
                    }
                    match chars.peek() {
                        None | Some(',' | '\n' | '\r') => {}
                        Some(c) => {
                            return Err(CsvError {
                                line,
                                message: format!(
                                    "unexpected {c:?} after the closing quote of a field (write a quote inside a quoted field as `\"\"`)"
                                ),
                            });
                        }
                    }
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line = line.saturating_add(1);
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('\n') => {
                    line = line.saturating_add(1);
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some(c) => {
                    at_field_start = false;
                    field.push(c);
                }
            }
        }
        let blank = !any_quoted && matches!(fields.as_slice(), [only] if only.is_empty());
        if !blank {
            records.push(Record { line: start, fields });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    fn lines(text: &str) -> Vec<u32> {
        parse(text).unwrap().into_iter().map(|r| r.line).collect()
    }

    #[test]
    fn plain_records_with_lf_and_crlf() {
        assert_eq!(fields("a,b,c\n1,2,3\n"), [["a", "b", "c"], ["1", "2", "3"]]);
        assert_eq!(fields("a,b\r\n1,2\r\n"), [["a", "b"], ["1", "2"]]);
        assert_eq!(
            fields("a,b\r\n1,2"),
            [["a", "b"], ["1", "2"]],
            "no final line break"
        );
        assert_eq!(fields("a,,\n"), [["a", "", ""]], "empty fields");
        assert_eq!(fields(",\n"), [["", ""]]);
        assert_eq!(fields(""), Vec::<Vec<String>>::new());
        assert_eq!(fields("\u{feff}x,y\n"), [["x", "y"]], "byte-order mark");
    }

    #[test]
    fn quoted_fields() {
        assert_eq!(fields("\"a,b\",c\n"), [["a,b", "c"]], "comma inside quotes");
        assert_eq!(
            fields("\"say \"\"hi\"\"\",x\n"),
            [["say \"hi\"", "x"]],
            "doubled quotes"
        );
        assert_eq!(fields("\"\",x\n"), [["", "x"]], "empty quoted field");
        assert_eq!(fields("\"\"\n"), [[""]], "a quoted empty record is kept");
        assert_eq!(fields("\"line1\nline2\",x\n"), [["line1\nline2", "x"]]);
        assert_eq!(
            fields("\"a\r\nb\",x\r\n"),
            [["a\r\nb", "x"]],
            "CRLF inside quotes is kept"
        );
        assert_eq!(
            fields("ab\"c,d\n"),
            [["ab\"c", "d"]],
            "a stray quote in an unquoted field"
        );
        assert_eq!(fields("x,\"\"\"\"\n"), [["x", "\""]]);
    }

    #[test]
    fn line_numbers_count_breaks_inside_quotes_and_skip_blank_lines() {
        assert_eq!(lines("h\n\"a\nb\nc\"\nnext\n\nlast\n"), [1, 2, 5, 7]);
        assert_eq!(lines("h\r\n\"a\r\nb\"\r\nnext\r\n"), [1, 2, 4]);
    }

    #[test]
    fn malformed_files_say_where() {
        let e = parse("h\nok\n\"never closed,x\ny\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("never closed"), "{}", e.message);
        let e = parse("h\n\"a\"b,c\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("after the closing quote"), "{}", e.message);
    }
}
