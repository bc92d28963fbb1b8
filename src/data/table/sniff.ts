import { COMMA, CR, LF, QUOTE, SEMICOLON, TAB } from './bytes';

/** The delimiters a table may use. */
export type Delimiter = ',' | '\t' | ';';

const CANDIDATES: readonly { delimiter: Delimiter; byte: number }[] = [
  { delimiter: ',', byte: COMMA },
  { delimiter: '\t', byte: TAB },
  { delimiter: ';', byte: SEMICOLON },
];

/** The delimiter a file's extension promises: tab for .tsv/.tab, comma for .csv; none otherwise. */
function delimiterFromName(fileName: string): Delimiter | undefined {
  const ext = fileName.toLowerCase().split('.').pop();
  if (ext === 'tsv' || ext === 'tab') return '\t';
  if (ext === 'csv') return ',';
  return undefined;
}

/**
 * The delimiter of a table whose header line is `header`: the extension's when the header holds it
 * (a .csv saved with semicolons by a European spreadsheet does not), else the candidate that occurs
 * most often outside quotes, else the extension's or comma (a one-column table).
 */
export function sniffDelimiter(header: Uint8Array, fileName: string): Delimiter {
  const counts = new Map<number, number>(CANDIDATES.map((c) => [c.byte, 0]));
  let quoted = false;
  for (const byte of header) {
    if (byte === QUOTE) quoted = !quoted;
    else if (!quoted && counts.has(byte)) counts.set(byte, counts.get(byte)! + 1);
  }
  const named = delimiterFromName(fileName);
  const namedByte = CANDIDATES.find((c) => c.delimiter === named)?.byte;
  if (namedByte !== undefined && counts.get(namedByte)! > 0) return named!;
  let best = CANDIDATES[0];
  for (const c of CANDIDATES) if (counts.get(c.byte)! > counts.get(best.byte)!) best = c;
  return counts.get(best.byte)! > 0 ? best.delimiter : (named ?? ',');
}

/** Where the search for the header's end stands after some bytes: inside quotes, past any text. */
export interface HeaderScan {
  readonly quoted: boolean;
  readonly content: boolean;
}

/**
 * Where the header line ends in `b` (index of its CR or LF), continuing from the state of earlier
 * bytes; -1 when not here. Blank lines before the header and line breaks inside quotes do not count.
 */
export function headerEnd(b: Uint8Array, scan: HeaderScan): { end: number; scan: HeaderScan } {
  let { quoted, content } = scan;
  for (let i = 0; i < b.length; i++) {
    const byte = b[i];
    if (byte === QUOTE) quoted = !quoted;
    if (byte === LF || byte === CR) {
      if (!quoted && content) return { end: i, scan: { quoted, content } };
    } else {
      content = true;
    }
  }
  return { end: -1, scan: { quoted, content } };
}
