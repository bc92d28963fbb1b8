import type { DataCase } from './args';
import { benchImages } from './images';
import { benchTable } from './table';
import { benchTableMemory, describeMemory, type TableShape } from './table-memory';

/** One dataset-reading measurement against the target. */
export interface DataResult {
  readonly case: DataCase;
  readonly what: string;
  readonly value: number;
  readonly unit: 'MB/s' | 'images/s' | '× the file';
  /** The target: a floor for speeds, a ceiling for memory (unit '× the file'). */
  readonly target: number;
  readonly detail: string;
}

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
      const what = `CSV peak memory (${shape === 'wide' ? '20 numbers' : '3 short numbers'} a row, read from disk to the prepared split)`;
      results.push({ case: 'csv-memory', what, value: r.peakRss / r.bytes, unit: '× the file', target: 3, detail: describeMemory(r) });
      log(`csv-memory: ${describeMemory(r)}`);
    }
  }
  if (cases.includes('images')) {
    const r = await benchImages();
    const detail = `${r.images.toLocaleString('en-US')} PNG/JPEG of 20–64 px in ${r.ms} ms, in a Chromium worker`;
    results.push({ case: 'images', what: 'images decoded and resized to 28×28 gray', value: r.imagesPerSecond, unit: 'images/s', target: 1000, detail });
    log(`images: ${r.imagesPerSecond} images/s (${detail})`);
  }
  return results;
}

/** The measurements as text lines, each with its target and whether it holds. */
export function formatData(results: readonly DataResult[]): string {
  return results
    .map((r) => {
      const ceiling = r.unit === '× the file';
      const met = ceiling ? r.value <= r.target : r.value >= r.target;
      return `${r.what}: ${r.value.toFixed(ceiling ? 2 : 0)} ${r.unit} (target ${ceiling ? '≤' : '≥'} ${r.target}: ${met ? 'met' : 'missed'}); ${r.detail}`;
    })
    .join('\n');
}
