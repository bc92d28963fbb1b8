import type { DataCase } from './args';
import { benchHostile, describeHostile } from './hostile';
import { benchImages } from './images';
import { benchTable } from './table';
import { benchTableMemory, describeMemory, type TableShape } from './table-memory';

/** One dataset-reading measurement against the target. */
export interface DataResult {
  readonly case: DataCase;
  readonly what: string;
  readonly value: number;
  readonly unit: 'MB/s' | 'images/s' | '× the file' | 'MiB over the start';
  /** The target: a floor for speeds, a ceiling for memory (the units of MEMORY_UNITS). */
  readonly target: number;
  readonly detail: string;
}

/** Units of memory, whose targets are ceilings. */
const MEMORY_UNITS: readonly DataResult['unit'][] = ['× the file', 'MiB over the start'];

/**
 * What importing a hostile archive may add to the process: its bytes (at most 2.6 MB) and the
 * checks' working memory, never the 500 MiB to 2.5 GiB the archives would unpack to.
 */
const HOSTILE_MIB = 64;

/** Times the chosen readers: the CSV reader in this process, image decoding in a Chromium worker. */
export async function runDataBenches(cases: readonly DataCase[], log: (line: string) => void): Promise<DataResult[]> {
  const results: DataResult[] = [];
  if (cases.includes('csv')) {
    const r = await benchTable();
    const detail = `${(r.bytes / 1e6).toFixed(1)} MB, ${r.rows.toLocaleString('en-US')} rows × 20 numbers + a label, in ${r.ms.toFixed(0)} ms (best of 3)`;
    results.push({ case: 'csv', what: 'CSV parse + prepare (split, one-hot, standardize, card)', value: r.mbPerSecond, unit: 'MB/s', target: 50, detail });
    log(`csv: ${r.mbPerSecond.toFixed(0)} MB/s (${detail})`);
  }
  if (cases.includes('csv-memory')) {
    for (const shape of ['wide', 'narrow'] as TableShape[]) {
      const r = await benchTableMemory(shape);
      // The target bounds what reading adds: the process's own start (Node and the TypeScript loader,
      // about 80 MB) is twice the short-row file by itself, the same for any file.
      const what = `CSV peak memory over the process's start (${shape === 'wide' ? '20 numbers' : '3 short numbers'} a row, read from disk to the prepared split)`;
      results.push({ case: 'csv-memory', what, value: (r.peakRss - r.baseRss) / r.bytes, unit: '× the file', target: 3, detail: describeMemory(r) });
      log(`csv-memory: ${describeMemory(r)}`);
    }
  }
  if (cases.includes('images')) {
    const r = await benchImages();
    const detail = `${r.images.toLocaleString('en-US')} PNG/JPEG of 20–64 px in ${r.ms} ms, in a Chromium worker`;
    results.push({ case: 'images', what: 'images decoded and resized to 28×28 gray', value: r.imagesPerSecond, unit: 'images/s', target: 1000, detail });
    log(`images: ${r.imagesPerSecond} images/s (${detail})`);
  }
  if (cases.includes('hostile')) {
    for (const r of benchHostile()) {
      if (r.outcome === 'imported') throw new Error(`hostile: the ${r.id} archive was imported (${r.what})`);
      const what = `hostile archive ${r.id} (${r.what}): memory its import added before the refusal`;
      results.push({
        case: 'hostile',
        what,
        value: (r.peakRss - r.baseRss) / 2 ** 20,
        unit: 'MiB over the start',
        target: HOSTILE_MIB,
        detail: describeHostile(r),
      });
      log(`hostile: ${describeHostile(r)}`);
    }
  }
  return results;
}

/** The measurements as text lines, each with its target and whether it holds. */
export function formatData(results: readonly DataResult[]): string {
  return results
    .map((r) => {
      const ceiling = MEMORY_UNITS.includes(r.unit);
      const met = ceiling ? r.value <= r.target : r.value >= r.target;
      return `${r.what}: ${r.value.toFixed(r.unit === '× the file' ? 2 : 0)} ${r.unit} (target ${ceiling ? '≤' : '≥'} ${r.target}: ${met ? 'met' : 'missed'}); ${r.detail}`;
    })
    .join('\n');
}
