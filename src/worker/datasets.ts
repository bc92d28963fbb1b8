import type { DatasetCard } from '../data/card';
import { selectRows, type TensorData } from '../data/dataset';
import { DataError } from '../data/errors';
import { BrowserDecoder } from '../data/images/browser-decoder';
import { imageCard } from '../data/images/card';
import { openImageSource } from '../data/images/files';
import { routeFile, SNIFF_BYTES } from '../data/sniff';
import type { PickedFiles } from '../data/images/picked';
import { readImages, type ImageDataset } from '../data/images/read';
import type { ImageSource } from '../data/images/base';
import { irisTable } from '../data/iris';
import { stratifiedSplit } from '../data/split';
import { describeTable, prepareTable, suggestChoices, TableParser, type ParsedTable, type TableChoices } from '../data/table/index';
import type { DatasetConfig } from '../protocol/run-config';
import { loadMnist } from './mnist';
import type { PreparedDataset } from '../recipe/run-files';

/** Progress of a long dataset step. */
export type DatasetProgress = (phase: string, done: number, total: number) => void;

type Opened =
  | { readonly kind: 'table'; readonly name: string; readonly encoding: 'utf-8' | 'latin1'; readonly table: ParsedTable }
  | { readonly kind: 'images'; readonly name: string; readonly source: ImageSource };

const CHUNK = 4 * 2 ** 20;

/** Streams a File through the table parser in chunks, reporting bytes read. */
async function readTable(file: Blob, fileName: string, encoding: 'utf-8' | 'latin1', progress: DatasetProgress, signal: AbortSignal): Promise<ParsedTable> {
  const parser = new TableParser({ fileName, encoding, fileBytes: file.size });
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    signal.throwIfAborted();
    const { value, done: end } = await reader.read();
    if (end) break;
    // Push in pieces, so progress moves even when the browser hands over large chunks.
    for (let at = 0; at < value.length; at += CHUNK) parser.push(value.subarray(at, at + CHUNK));
    done += value.length;
    progress(`Reading ${fileName}`, done, file.size);
  }
  return parser.finish();
}

/**
 * The worker's datasets: what the user opened (a table parsed, or a folder/zip of images
 * indexed), built-in MNIST and Iris, the card of any choice, and the data a run trains on.
 * Image folders are decoded at the chosen size on demand and the last decode is kept.
 */
export class DatasetHost {
  private opened: Opened | null = null;
  private decoded: { key: string; result: ImageDataset } | null = null;
  private reading: AbortController | null = null;
  private lastCard: { key: string; card: DatasetCard } | null = null;
  private readonly decoder = new BrowserDecoder();

  /**
   * Reads what the user dropped or picked; resolves to its card and the suggested choices. A
   * newer open, or `signal`, stops the read.
   */
  async open(
    picked: PickedFiles,
    encoding: 'utf-8' | 'latin1',
    progress: DatasetProgress,
    signal?: AbortSignal,
  ): Promise<{ card: DatasetCard; suggested: DatasetConfig }> {
    this.reading?.abort(new Error('a newer dataset was opened'));
    this.lastCard = null; // a file of the same name may be a new one
    const reading = (this.reading = new AbortController());
    signal?.addEventListener('abort', () => reading.abort(signal.reason), { once: true });
    const [only] = picked.files;
    if (!only && !picked.folders.length) throw new DataError(picked.name || 'the drop', 'nothing to read: no files');
    // One file is what its first bytes say, whatever its name: a zip, or a table (anything else says what it is).
    const single = picked.files.length === 1 && !picked.folders.length && !only.path.includes('/');
    if (single && routeFile(picked.name, new Uint8Array(await only.file.slice(0, SNIFF_BYTES).arrayBuffer())) === 'table') {
      const table = await readTable(only.file, picked.name, encoding, progress, reading.signal);
      this.opened = { kind: 'table', name: picked.name, encoding, table };
      const { label, task, missing } = suggestChoices(table);
      // The card without choices: a label that cannot train (one class) is the card's error here, not a failed request.
      return { card: describeTable(table), suggested: { type: 'table', file: picked.name, label, task, missing, encoding, exclude: [] } };
    }
    const source = await openImageSource(picked);
    const suggested: DatasetConfig = { type: 'images', source: picked.name, size: 28, channels: 1, fit: 'crop' };
    // What was open stays open until the new source has decoded: a folder that cannot be read leaves the last dataset usable.
    const result = await this.decode(source, suggested, progress, reading.signal);
    this.opened = { kind: 'images', name: picked.name, source };
    this.decoded = { key: decodeKey(suggested), result };
    return { card: result.card, suggested };
  }

  /** The card of a dataset choice; the last one is kept, for the checks when a run starts. */
  async card(d: DatasetConfig, validFraction: number, seed: number, progress: DatasetProgress): Promise<DatasetCard> {
    const key = JSON.stringify([d, validFraction, seed]);
    if (this.lastCard?.key !== key) this.lastCard = { key, card: await this.makeCard(d, validFraction, seed, progress) };
    return this.lastCard.card;
  }

  private async makeCard(d: DatasetConfig, validFraction: number, seed: number, progress: DatasetProgress): Promise<DatasetCard> {
    if (d.type === 'mnist') {
      const data = await loadMnist((done, total) => progress('Loading MNIST, bytes', done, total));
      return mnistCard(
        selectRows(
          data,
          Int32Array.from({ length: Math.min(d.samples, data.y.length) }, (_, i) => i),
        ),
      );
    }
    if (d.type === 'images') return (await this.images(d, progress)).card;
    const [table, choices] = this.tableOf(d, validFraction, seed);
    return describeTable(table, choices);
  }

  /** A non-MNIST dataset prepared for a run: split (seeded, stratified), and for tables encoded and standardized. */
  async prepared(d: Exclude<DatasetConfig, { type: 'mnist' }>, validFraction: number, seed: number, progress: DatasetProgress): Promise<PreparedDataset> {
    if (d.type === 'iris' || d.type === 'table') return prepareTable(...this.tableOf(d, validFraction, seed));
    const { data, card, split } = await this.images(d, progress);
    const rows = split ?? stratifiedSplit(data.y, validFraction, seed);
    return { train: selectRows(data, rows.train), valid: selectRows(data, rows.valid), card };
  }

  /** The table of a choice (Iris, or the open file) and the choices as the table reader takes them. */
  private tableOf(d: Extract<DatasetConfig, { type: 'iris' | 'table' }>, validFraction: number, seed: number): [ParsedTable, TableChoices] {
    if (d.type === 'iris') return [irisTable(), { label: 'species', task: 'classification', missing: 'drop', validFraction, seed }];
    const o = this.opened;
    if (o?.kind !== 'table' || o.name !== d.file)
      throw new DataError(d.file, 'is not open in this tab: drop it again (a dropped file is read only while the tab is open)');
    if (o.encoding !== d.encoding) throw new DataError(d.file, `was read as ${o.encoding}; drop it again to read it as ${d.encoding}`);
    return [o.table, { label: d.label, task: d.task, missing: d.missing, validFraction, seed, exclude: d.exclude }];
  }

  /** The open image folder decoded at the choice's size (the last decode is reused). */
  private async images(d: Extract<DatasetConfig, { type: 'images' }>, progress: DatasetProgress): Promise<ImageDataset> {
    const o = this.opened;
    if (o?.kind !== 'images' || o.name !== d.source)
      throw new DataError(d.source, 'is not open in this tab: drop it again (dropped images are read only while the tab is open)');
    const key = decodeKey(d);
    if (this.decoded?.key === key) return this.decoded.result;
    const result = await this.decode(o.source, d, progress);
    this.decoded = { key, result };
    return result;
  }

  private decode(source: ImageSource, d: Extract<DatasetConfig, { type: 'images' }>, progress: DatasetProgress, signal?: AbortSignal): Promise<ImageDataset> {
    return readImages(source, {
      decoder: this.decoder,
      shape: { size: d.size, channels: d.channels, fit: d.fit },
      onProgress: (done, total) => progress(`Decoding ${source.name}`, done, total),
      signal,
    });
  }
}

/** What a decode of an image source depends on. */
const decodeKey = (d: Extract<DatasetConfig, { type: 'images' }>) => JSON.stringify([d.size, d.channels, d.fit]);

/** The card of (the first N digits of) built-in MNIST. */
function mnistCard(data: TensorData): DatasetCard {
  return imageCard({
    source: 'MNIST (built in)',
    shape: { size: 28, channels: 1, fit: 'crop' },
    x: data.x,
    y: data.y as Int32Array,
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    paths: Array.from({ length: data.y.length }, (_, i) => `digit ${i + 1}`),
    warnings: [],
    skipped: [],
  });
}
