import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareTable, suggestChoices } from '../src/data/table';
import { readTableFile } from '../src/data/table-node';
import { Rng } from '../src/util/rng';

/** The generated tables: rows, and one row's cells from the generator. */
const SHAPES = {
  /** About 165 MB: 20 numbers of 3 to 7 significant digits (about 8 bytes a cell) and a 3-class label. */
  wide: {
    rows: 1_000_000,
    header: [...Array.from({ length: 20 }, (_, c) => `f${c}`), 'label'],
    row: (rng: Rng) => [...Array.from({ length: 20 }, (_, c) => ((rng.next() - 0.5) * 10 ** (c % 4)).toFixed(2 + (c % 5))), String(rng.int(3))],
  },
  /** About 45 MB: two short numbers and a 2-class label (11 bytes a row), the worst case for memory per byte. */
  narrow: { rows: 4_000_000, header: ['x', 'y', 'label'], row: (rng: Rng) => [String(rng.int(1000) / 4), String(rng.int(100)), String(rng.int(2))] },
} as const;

/** A generated table's name. */
export type TableShape = keyof typeof SHAPES;

/** Peak memory of reading one large numeric CSV, from a child process that did nothing else. */
export interface TableMemory {
  readonly shape: TableShape;
  readonly bytes: number;
  readonly rows: number;
  /** Resident set size before reading, and its peak over the whole child. */
  readonly baseRss: number;
  readonly peakRss: number;
  readonly ms: number;
}

/** Writes the bench's CSV of `shape` once, in the temp folder (seeded: the same bytes every time). */
async function csvFile(shape: TableShape): Promise<string> {
  const { rows, header, row } = SHAPES[shape];
  const path = join(tmpdir(), `kiln-bench-${shape}-${rows}.csv`);
  if (existsSync(path)) return path;
  const out = createWriteStream(`${path}.part`);
  const rng = new Rng(11);
  out.write(`${header.join(',')}\n`);
  for (let r = 0; r < rows; r += 1000) {
    const lines = Array.from({ length: 1000 }, () => `${row(rng).join(',')}\n`);
    if (!out.write(lines.join(''))) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
  const { rename } = await import('node:fs/promises');
  await rename(`${path}.part`, path);
  return path;
}

/** In the child: reads the file as the CLI does, prepares it, reports. */
function measure(shape: TableShape, path: string): TableMemory {
  const baseRss = process.memoryUsage().rss;
  const started = performance.now();
  const bytes = statSync(path).size;
  const table = readTableFile(path, 'utf-8');
  const prepared = prepareTable(table, suggestChoices(table));
  const ms = performance.now() - started;
  return { shape, bytes, rows: prepared.card.items, baseRss, peakRss: process.resourceUsage().maxRSS * 1024, ms };
}

/**
 * Peak resident memory of reading a generated numeric CSV from disk to the prepared split (suggested
 * choices) as the CLI reads a file (4 MiB pieces through one buffer), in a fresh Node process, so
 * nothing else in the bench inflates the peak.
 */
export async function benchTableMemory(shape: TableShape): Promise<TableMemory> {
  const path = await csvFile(shape);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', shape, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`the table memory child exited with ${code}`);
  return JSON.parse(out) as TableMemory;
}

/** One line: the file, the peak, and the peak as a multiple of the file, with and without the process's own start. */
export function describeMemory(r: TableMemory): string {
  const mb = (n: number) => (n / 1e6).toFixed(0);
  const over = r.peakRss - r.baseRss;
  return `${r.shape}: ${mb(r.bytes)} MB, ${r.rows.toLocaleString('en-US')} rows in ${r.ms.toFixed(0)} ms: peak RSS ${mb(r.peakRss)} MB (${(r.peakRss / r.bytes).toFixed(2)}× the file); ${mb(over)} MB over the ${mb(r.baseRss)} MB before reading (${(over / r.bytes).toFixed(2)}×)`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--child');
  if (at > 0) {
    process.stdout.write(JSON.stringify(measure(process.argv[at + 1] as TableShape, process.argv[at + 2])));
  } else {
    for (const shape of Object.keys(SHAPES) as TableShape[]) console.log(describeMemory(await benchTableMemory(shape)));
  }
}
