import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { type ParsedTable, TableParser } from './table/index';

const CHUNK = 4 * 2 ** 20;

/**
 * Reads a CSV/TSV file through the table parser in 4 MiB pieces, into one buffer refilled for each
 * (the parser copies what it keeps), so memory follows the table, not the file (Node only).
 */
export function readTableFile(path: string, encoding: 'utf-8' | 'latin1'): ParsedTable {
  const fd = openSync(path, 'r');
  try {
    const parser = new TableParser({ fileName: basename(path), encoding, fileBytes: fstatSync(fd).size });
    const chunk = new Uint8Array(CHUNK);
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      parser.push(chunk.subarray(0, n));
    }
    return parser.finish();
  } finally {
    closeSync(fd);
  }
}
