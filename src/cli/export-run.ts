import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadMnist } from '../data/mnist-node';
import { kilnCacheDir } from '../util/cache-dir-node';
import type { ExportHost } from '../export/base';
import { modelFile } from '../export/format-list';
import { MODEL_WRITERS } from '../export/formats';
import { loadModel } from '../infer/load';
import { DirectoryStore } from '../store/node-dir';
import { selectBackend } from '../train/learner/devices';
import type { ExportArgs } from './args';
import { registerNodeBackends } from './backends-node';

/** What the writers need from Node: the mnist package's digits, and the Lightning project's Python read from src/export/lightning/. */
const HOST: ExportHost = {
  mnist: async () => loadMnist(kilnCacheDir()),
  python: async () => {
    const dir = new URL('../export/lightning/', import.meta.url);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.py')).sort();
    return new Map(await Promise.all(names.map(async (n) => [n, await readFile(new URL(n, dir), 'utf8')] as const)));
  },
};

/** Writes the export the flags ask for into `--out` (a folder, or a file format's model file); resolves to the files written. */
export async function exportRun(args: ExportArgs): Promise<string[]> {
  registerNodeBackends();
  await selectBackend(['cpu']);
  const store = new DirectoryStore(args.run);
  const loaded = await loadModel(store, args.checkpoint);
  try {
    const files = await MODEL_WRITERS[args.format](loaded, basename(resolve(args.run)), store, basename(args.out), HOST);
    const dir = modelFile(args.format) ? dirname(args.out) : args.out;
    for (const f of files) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await writeFile(join(dir, f.path), f.data);
    }
    return files.map((f) => join(dir, f.path));
  } finally {
    loaded.model.dispose();
  }
}
