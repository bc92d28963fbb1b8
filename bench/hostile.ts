/**
 * Hostile archives: how much memory and time Kiln spends before it refuses them. Each case runs in
 * its own Node process, so its peak RSS is its own. `npm run bench -- --data hostile`, or alone
 * `npx tsx bench/hostile.ts` (about 3 minutes on 2 cores, most of it deflating the zeros).
 */
import 'fake-indexeddb/auto'; // the child imports into IndexedDB as the worker does
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '@msgpack/msgpack';
import { Gzip, strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { DEFAULT_RUN_CONFIG } from '../src/protocol/run-config';

const MiB = 2 ** 20;
const manifest = strToU8(JSON.stringify({ format: 'kiln.archive', version: 1, kind: 'run', name: 'hostile', createdAt: '2026-01-01T00:00:00Z' }));
const config = strToU8(JSON.stringify({ ...DEFAULT_RUN_CONFIG, dataset: { type: 'mnist', samples: 1000 }, model: { type: 'logistic' } }));

/** Streams `mib` MiB of zeros into a push function, one MiB at a time (the generator never holds them). */
function zeros(mib: number, push: (chunk: Uint8Array, final: boolean) => void): void {
  const chunk = new Uint8Array(MiB);
  for (let i = 0; i < mib; i++) push(chunk, i === mib - 1);
}

/** A zip from entries, each either bytes or a count of MiB of zeros (deflated as they stream). */
function zipOf(entries: [string, Uint8Array | number][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  for (const [name, content] of entries) {
    if (typeof content === 'number') {
      const entry = new ZipDeflate(name, { level: 9 });
      zip.add(entry);
      zeros(content, (c, final) => entry.push(c, final));
    } else {
      const entry = new ZipPassThrough(name);
      zip.add(entry);
      entry.push(content, true);
    }
  }
  zip.end();
  return Buffer.concat(parts);
}

/** gzip of a Kiln model record whose payload pads to `mib` MiB of zeros. */
function recordBomb(mib: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const gz = new Gzip({ level: 9 }, (chunk) => parts.push(chunk));
  const head = encode({
    format: 'kiln.record',
    version: 1,
    kind: 'model',
    checkpoint: { id: 'a', epoch: 1, globalStep: 0 },
    payload: { weights: [], pad: new Uint8Array(0) },
  });
  gz.push(head.subarray(0, head.length - 1)); // drop the empty bin's length byte: a bin32 header for the zeros instead
  gz.push(Uint8Array.of(0xc6, (mib * MiB) >>> 24, 0, 0, 0));
  zeros(mib, (c, final) => gz.push(c, final));
  return Buffer.concat(parts);
}

/** Offset of the central directory record of `name`. */
function centralRecord(zip: Uint8Array, name: string): number {
  const want = Buffer.from(name);
  for (let at = zip.length - 46; at >= 0; at--) {
    if (
      zip[at] === 0x50 &&
      zip[at + 1] === 0x4b &&
      zip[at + 2] === 1 &&
      zip[at + 3] === 2 &&
      Buffer.from(zip.subarray(at + 46, at + 46 + want.length)).equals(want)
    )
      return at;
  }
  throw new Error(`no ${name}`);
}

interface Case {
  readonly id: string;
  readonly what: string;
  readonly make: () => Uint8Array;
}

const CASES: Case[] = [
  {
    id: 'zip-bomb',
    what: "5 entries of 500 MiB zeros (the issue's 4.3 MB zip)",
    make: () => zipOf([['kiln.json', manifest], ...Array.from({ length: 5 }, (_, i): [string, number] => [`train/epoch-${i + 1}/Loss.log`, 500])]),
  },
  {
    id: 'lying-zip',
    what: 'one entry of 500 MiB zeros whose directory declares 1,000 bytes',
    make: () => {
      const zip = zipOf([
        ['kiln.json', manifest],
        ['experiment.log', 500],
      ]);
      new DataView(zip.buffer, zip.byteOffset).setUint32(centralRecord(zip, 'experiment.log') + 24, 1000, true);
      return zip;
    },
  },
  {
    id: 'record-bomb',
    what: 'a run whose model record gzip inflates to 1 GiB (logistic on MNIST: 31 KB legitimately)',
    make: () =>
      zipOf([
        ['kiln.json', manifest],
        ['config.json', config],
        ['checkpoint/model-1.mpk.gz', recordBomb(1024)],
        ['checkpoint/optim-1.mpk.gz', new Uint8Array(0)],
        ['checkpoint/scheduler-1.mpk.gz', new Uint8Array(0)],
      ]),
  },
];

/** How one hostile archive fared: its size, the child's memory before the import and at its peak, the time, and the refusal. */
export interface HostileResult {
  readonly id: string;
  readonly what: string;
  readonly bytes: number;
  readonly baseRss: number;
  readonly peakRss: number;
  readonly ms: number;
  /** The refusal's message, or 'imported' when the archive was taken. */
  readonly outcome: string;
}

/** In the child: imports the archive as the studio's worker does and reports how it ended. */
async function child(file: string): Promise<void> {
  const { KilnDb } = await import('../src/store/idb');
  const { importArchive } = await import('../src/worker/artifacts');
  const bytes = new Uint8Array(readFileSync(file));
  const kiln = await KilnDb.open();
  const baseRss = process.memoryUsage().rss;
  const started = performance.now();
  let outcome = 'imported';
  try {
    await importArchive(kiln, 'hostile.zip', bytes);
  } catch (e) {
    outcome = (e as Error).message;
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, baseRss, peakRss: process.resourceUsage().maxRSS * 1024, outcome }));
}

/** Builds each hostile archive in a temporary folder and imports it in a Node process of its own. */
export function benchHostile(log: (line: string) => void = () => {}): HostileResult[] {
  const dir = mkdtempSync(join(os.tmpdir(), 'kiln-hostile-'));
  const self = fileURLToPath(import.meta.url);
  try {
    return CASES.map((c) => {
      const file = join(dir, `${c.id}.zip`);
      writeFileSync(file, c.make());
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file], { encoding: 'utf8', maxBuffer: 16 * MiB });
      if (r.status !== 0) throw new Error(`${c.id}: the child failed: ${r.stderr}`);
      const result: HostileResult = {
        id: c.id,
        what: c.what,
        bytes: statSync(file).size,
        ...(JSON.parse(r.stdout) as Omit<HostileResult, 'id' | 'what' | 'bytes'>),
      };
      log(describeHostile(result));
      return result;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line: the archive, the peak and what the import added to the process, the time and the refusal. */
export function describeHostile(r: HostileResult): string {
  const mib = (n: number) => (n / MiB).toFixed(0);
  return `${r.id} (${(r.bytes / 1000).toFixed(0)} KB): peak RSS ${mib(r.peakRss)} MiB, ${mib(r.peakRss - r.baseRss)} MiB over the ${mib(r.baseRss)} MiB before the import; ${r.ms.toFixed(0)} ms; ${r.outcome === 'imported' ? 'IMPORTED' : `refused: ${r.outcome.slice(0, 160)}`}`;
}

function main(): void {
  const rows = benchHostile((line) => console.error(line)).map(
    (r) =>
      `| ${r.id} | ${r.what} | ${(r.bytes / 1000).toFixed(0)} KB | ${(r.peakRss / MiB).toFixed(0)} MiB | ${((r.peakRss - r.baseRss) / MiB).toFixed(0)} MiB | ${r.ms.toFixed(0)} ms | ${r.outcome.slice(0, 120)} |`,
  );
  const cpus = os.cpus();
  console.log(
    `${cpus.length} cores (${cpus[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}; ${new Date().toISOString()}`,
  );
  console.log('| case | archive | size | peak RSS | over the start | time to refusal | message |\n|---|---|--:|--:|--:|--:|---|');
  console.log(rows.join('\n'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--child');
  if (at > 0) await child(process.argv[at + 1]);
  else main();
}
