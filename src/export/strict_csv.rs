//! The strict CSV grammar shared by the verifier's files (`audit.csv`,
//! `round.csv`): LF line ends only, RFC 4180 quoting, and no stray quote
//! accepted, so that one file has one reading (see `audit_csv` for why the
//! `csv` crate is not used here).

use crate::domain::audit::swar;

/// Decoded fields of whole records, back to back: `ends[k]` is where field k
/// ends in `data`, and each field starts where the previous one ended.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    pub(crate) data: Vec<u8>,
    pub(crate) ends: Vec<usize>,
}

impl Fields {
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }

    /// Number of fields parsed.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn field(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.data[start..self.ends[k]]
    }

    pub(crate) fn truncate(&mut self, data_len: usize, fields: usize) {
        self.data.truncate(data_len);
        self.ends.truncate(fields);
    }
}

pub(crate) enum Step {
    /// A record was parsed from the first `n` bytes.
    Record(usize),
    /// The buffer ends inside a record.
    NeedMore,
    /// Clean end of input.
    End,
}

/// Parses one record from the start of `input`, appending its fields to `out`.
pub(crate) fn parse_record(
    input: &[u8],
    at_eof: bool,
    out: &mut Fields,
) -> Result<Step, &'static str> {
    let n = input.len();
    if n == 0 {
        return Ok(if at_eof { Step::End } else { Step::NeedMore });
    }
    let mut i = 0;
    loop {
        if input.get(i) == Some(&b'"') {
            i += 1;
            loop {
                let start = i;
                i = swar::find(input, i, |w| swar::eq(w, b'"'), |b| b == b'"');
                if i == n {
                    return if at_eof {
                        Err("a quoted field is never closed")
                    } else {
                        Ok(Step::NeedMore)
                    };
                }
                match input.get(i + 1) {
                    Some(b'"') => {
                        // The run and one quote of the doubled pair, in one copy.
                        out.data.extend_from_slice(&input[start..=i]);
                        i += 2;
                    }
                    None if !at_eof => return Ok(Step::NeedMore),
                    _ => {
                        out.data.extend_from_slice(&input[start..i]);
                        i += 1;
                        break;
                    }
                }
            }
            out.ends.push(out.data.len());
            match input.get(i) {
                Some(b',') => i += 1,
                Some(b'\n') => return Ok(Step::Record(i + 1)),
                None if at_eof => return Ok(Step::Record(i)),
                None => return Ok(Step::NeedMore),
                Some(_) => {
                    return Err(
                        "a closing quote is followed by something other than , or a line end",
                    );
                }
            }
        } else {
            let start = i;
            i = swar::find(
                input,
                i,
                |w| swar::eq(w, b',') | swar::eq(w, b'\n') | swar::eq(w, b'"') | swar::eq(w, b'\r'),
                |b| matches!(b, b',' | b'\n' | b'"' | b'\r'),
            );
            out.data.extend_from_slice(&input[start..i]);
            match input.get(i) {
                Some(b',') => {
                    out.ends.push(out.data.len());
                    i += 1;
                }
                Some(b'\n') => {
                    out.ends.push(out.data.len());
                    return Ok(Step::Record(i + 1));
                }
                Some(b'"') => return Err("a quote inside an unquoted field"),
                Some(_) => return Err("a CR outside quotes (lines must end with LF only)"),
                None if at_eof => {
                    out.ends.push(out.data.len());
                    return Ok(Step::Record(i));
                }
                None => return Ok(Step::NeedMore),
            }
        }
    }
}
