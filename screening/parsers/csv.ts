import { ListFormatError } from './list-errors';

export interface CsvRow {
  line: number;
  fields: string[];
}

// RFC 4180 as OFAC writes it: comma-separated, fields optionally in double quotes ("" inside a
// quoted field), CRLF or LF line ends, no header. A quote left open at the end of the file means a
// truncated download, never a field that runs to the end.
export function parseCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const pushRow = () => {
    // OFAC ends its files with a line holding only the DOS end-of-file mark (0x1A).
    const empty = fields.length === 1 && (fields[0] === '' || fields[0] === '\x1a');
    if (!empty) rows.push({ line: rowLine, fields });
    fields = [];
  };
  while (i < text.length) {
    let field: string;
    if (text[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) throw new ListFormatError(file, `line ${rowLine}: a quoted field is never closed (truncated file?)`);
        value += text.slice(from, close);
        if (text[close + 1] === '"') {
          value += '"';
          from = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      for (const ch of value) if (ch === '\n') line++;
      // Anything between the closing quote and the next separator belongs to the field too.
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field = value + text.slice(i, end);
      i = end;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field = text.slice(i, end);
      i = end;
    }
    fields.push(field);
    const separator = text[i];
    if (separator === ',') {
      i++;
      if (i === text.length) fields.push('');
      continue;
    }
    if (separator === '\r' || separator === '\n') {
      i += separator === '\r' && text[i + 1] === '\n' ? 2 : 1;
      pushRow();
      line++;
      rowLine = line;
      continue;
    }
    pushRow();
  }
  return rows;
}
