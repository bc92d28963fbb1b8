import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TableParser, prepareTable, suggestChoices } from '../src/data/table';
import { Rng } from '../src/util/rng';

const ROWS = 100_000;
const FEATURES = 20;
const CHUNK = 64 * 1024;

/** A seeded numeric CSV: FEATURES float columns of varied scale and precision, and a 3-class label. */
function makeCsv(seed: number): Uint8Array {
  const rng = new Rng(seed);
  const header = [...Array.from({ length: FEATURES }, (_, c) => `f${c}`), 'label'].join(',');
  const lines = [header];
  for (let r = 0; r < ROWS; r++) {
    const cells: string[] = [];
    for (let c = 0; c < FEATURES; c++) cells.push(((rng.next() - 0.5) * 10 ** (c % 4)).toFixed(2 + (c % 5)));
    cells.push(String(rng.int(3)));
    lines.push(cells.join(','));
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/**
 * Times a generated 100k × 20 numeric CSV from bytes (fed in 64 KiB chunks, like File.stream()) to
 * train/valid TensorData and the card: parse, column summaries, split, standardization.
 */
export async function benchTable(): Promise<{ mbPerSecond: number; bytes: number; rows: number; ms: number }> {
  const bytes = makeCsv(7);
  let best = Infinity;
  let rows = 0;
  // Best of three: timings drift from run to run, and the first pass also pays for compilation.
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    const parser = new TableParser({ fileName: 'bench.csv', fileBytes: bytes.length });
    for (let at = 0; at < bytes.length; at += CHUNK) parser.push(bytes.subarray(at, at + CHUNK));
    const table = parser.finish();
    const prepared = prepareTable(table, suggestChoices(table));
    best = Math.min(best, performance.now() - started);
    rows = prepared.card.items;
  }
  return { mbPerSecond: bytes.length / 1e6 / (best / 1000), bytes: bytes.length, rows, ms: best };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchTable();
  console.log(`table reader: ${(r.bytes / 1e6).toFixed(1)} MB, ${r.rows} rows in ${r.ms.toFixed(0)} ms: ${r.mbPerSecond.toFixed(0)} MB/s`);
}
