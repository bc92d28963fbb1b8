import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RUN_ENTRIES } from '../store/base';

/** What `--out` is asked to do: start a fresh run, replace the run it holds, or continue it from a checkpoint. */
export interface OutIntent {
  readonly resumeFrom?: number;
  readonly overwrite: boolean;
}

/** A refusal of `--out` (or of a flag that goes with it): the CLI prints it and exits with status 2. */
export class OutDirError extends Error {}

export const exists = (p: string) =>
  fs.stat(p).then(
    (s) => s,
    () => undefined,
  );

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir never returns for a path under /proc
 * (it retries the parent forever), where a plain mkdir fails at once.
 */
async function makeDirs(dir: string): Promise<void> {
  if (await exists(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) await makeDirs(parent);
  await fs.mkdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

/** The run entries `dir` holds, and the epochs of its stored checkpoints. */
export async function heldRun(dir: string): Promise<{ entries: string[]; checkpoints: number[] }> {
  const entries: string[] = [];
  for (const e of RUN_ENTRIES) if (await exists(path.join(dir, e))) entries.push(e);
  const names = await fs.readdir(path.join(dir, 'checkpoint')).catch(() => [] as string[]);
  const checkpoints = names.flatMap((n) => /^model-(\d+)\.mpk\.gz$/.exec(n)?.[1] ?? []).map(Number);
  return { entries, checkpoints: checkpoints.sort((a, b) => a - b) };
}

/**
 * Makes `dir` ready for a run, or refuses before anything is written: a fresh run never writes into
 * a folder that holds a run (its checkpoints and logs would be overwritten or deleted by retention)
 * unless `--overwrite` replaces it; a resume needs the checkpoint it names.
 */
export async function prepareOutDir(dir: string, intent: OutIntent): Promise<void> {
  const stat = await exists(dir);
  if (stat && !stat.isDirectory()) throw new OutDirError(`--out: ${dir} is a file, not a folder`);
  try {
    await makeDirs(path.resolve(dir));
    await fs.access(dir, constants.W_OK);
  } catch (e) {
    throw new OutDirError(`--out: ${dir} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const held = await heldRun(dir);
  const holding = held.checkpoints.length ? `checkpoints ${held.checkpoints.join(', ')}` : `${held.entries.join(', ')}`;
  if (intent.resumeFrom !== undefined) {
    if (intent.overwrite) throw new OutDirError('--overwrite: a resume (--checkpoint) continues the run in --out; drop one of the two');
    if (!held.checkpoints.includes(intent.resumeFrom)) {
      throw new OutDirError(`--checkpoint: ${dir} holds no checkpoint ${intent.resumeFrom}${held.checkpoints.length ? ` (it holds ${holding})` : ''}`);
    }
    return;
  }
  if (!held.entries.length) return;
  if (!intent.overwrite) {
    const last = held.checkpoints.at(-1);
    const resume = last !== undefined ? `resume it with --checkpoint ${last}, ` : '';
    throw new OutDirError(`--out: ${dir} already holds a run (${holding}); ${resume}pick another --out, or pass --overwrite to replace it`);
  }
  // Only the run's own entries go: other files the user keeps in the folder stay.
  for (const e of held.entries) await fs.rm(path.join(dir, e), { recursive: true, force: true });
}

/**
 * Checks `--run` and `--checkpoint` of a command that uses a stored run (predict, evaluate) before
 * anything loads: the folder holds a run's config and, when named, that checkpoint.
 */
export async function checkRunDir(dir: string, checkpoint: number | undefined): Promise<void> {
  const stat = await exists(dir);
  if (!stat?.isDirectory()) throw new OutDirError(`--run: ${dir} is not a folder`);
  const held = await heldRun(dir);
  if (!held.entries.includes('config.json')) throw new OutDirError(`--run: ${dir} holds no run (no config.json)`);
  if (!held.checkpoints.length) throw new OutDirError(`--run: ${dir} holds no checkpoint: train at least one epoch`);
  if (checkpoint !== undefined && !held.checkpoints.includes(checkpoint))
    throw new OutDirError(`--checkpoint: ${dir} holds no checkpoint ${checkpoint} (it holds ${held.checkpoints.join(', ')})`);
}
