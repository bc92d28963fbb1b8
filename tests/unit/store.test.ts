import 'fake-indexeddb/auto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPath, readText, type ArtifactStore } from '../../src/store/base';
import { MemoryStore } from '../../src/store/memory';
import { DirectoryStore } from '../../src/store/node-dir';
import { KilnDb } from '../../src/store/idb';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-store-'));
  roots.push(d);
  return d;
}

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

const kiln = await KilnDb.open(); // on fake-indexeddb
let runs = 0;

const stores: [string, () => ArtifactStore][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['DirectoryStore', () => new DirectoryStore(tempDir())],
  ['IndexedDB run store', () => kiln.store(`run-${runs++}`)],
];

describe.each(stores)('%s', (_name, make) => {
  it('reads_undefined_for_a_missing_file', async () => {
    const s = make();
    expect(await s.read('checkpoint/model-1.mpk.gz')).toBeUndefined();
    expect(await readText(s, 'nope.log')).toBeUndefined();
  });

  it('round_trips_bytes_exactly', async () => {
    const s = make();
    const bytes = new Uint8Array(256).map((_, i) => i);
    await s.write('checkpoint/model-1.mpk.gz', bytes);
    expect(await s.read('checkpoint/model-1.mpk.gz')).toEqual(bytes);
  });

  it('stores_strings_as_utf8', async () => {
    const s = make();
    await s.write('experiment.log', 'β = 2 · F₂ ✓\n');
    const bytes = await s.read('experiment.log');
    expect(bytes).toEqual(new TextEncoder().encode('β = 2 · F₂ ✓\n'));
    expect(await readText(s, 'experiment.log')).toBe('β = 2 · F₂ ✓\n');
  });

  it('write_replaces_the_whole_file', async () => {
    const s = make();
    await s.write('a.txt', 'a much longer first version');
    await s.write('a.txt', 'short');
    expect(await readText(s, 'a.txt')).toBe('short');
  });

  it('is_not_affected_by_later_changes_to_written_or_read_buffers', async () => {
    const s = make();
    const data = new Uint8Array([1, 2, 3]);
    await s.write('x.bin', data);
    data[0] = 9;
    const read = (await s.read('x.bin'))!;
    read[1] = 9;
    expect(await s.read('x.bin')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('append_creates_the_file_then_adds_to_its_end', async () => {
    const s = make();
    await s.append('train/epoch-1/Loss.log', '0.5,4\n');
    await s.append('train/epoch-1/Loss.log', '0.25,4\n');
    expect(await readText(s, 'train/epoch-1/Loss.log')).toBe('0.5,4\n0.25,4\n');
    await s.write('train/epoch-1/Loss.log', '1,1\n');
    await s.append('train/epoch-1/Loss.log', '2,2\n');
    expect(await readText(s, 'train/epoch-1/Loss.log')).toBe('1,1\n2,2\n');
  });

  it('lists_every_file_under_a_prefix_sorted', async () => {
    const s = make();
    for (const p of [
      'valid/epoch-1/Loss.log',
      'checkpoint/optim-2.mpk.gz',
      'train/epoch-10/Loss.log',
      'checkpoint/model-10.mpk.gz',
      'experiment.log',
      'train/epoch-1/Accuracy.log',
      'checkpoint/model-2.mpk.gz',
    ]) {
      await s.write(p, 'x');
    }
    expect(await s.list()).toEqual([
      'checkpoint/model-10.mpk.gz',
      'checkpoint/model-2.mpk.gz',
      'checkpoint/optim-2.mpk.gz',
      'experiment.log',
      'train/epoch-1/Accuracy.log',
      'train/epoch-10/Loss.log',
      'valid/epoch-1/Loss.log',
    ]);
    expect(await s.list('')).toEqual(await s.list());
    expect(await s.list('checkpoint/')).toEqual(['checkpoint/model-10.mpk.gz', 'checkpoint/model-2.mpk.gz', 'checkpoint/optim-2.mpk.gz']);
    expect(await s.list('train/epoch-1/')).toEqual(['train/epoch-1/Accuracy.log']);
    expect(await s.list('train/epoch-1')).toEqual(['train/epoch-1/Accuracy.log', 'train/epoch-10/Loss.log']); // a prefix, not a folder
    expect(await s.list('nothing/')).toEqual([]);
    expect(await s.list('checkpoint/model-')).toEqual(['checkpoint/model-10.mpk.gz', 'checkpoint/model-2.mpk.gz']);
  });

  it('sorts_by_path_string_across_folders_and_punctuation', async () => {
    const s = make();
    const sorted = ['a-b.log', 'a.log', 'a/b.log', 'a/c/d.log', 'b.log', 'epoch-1.log', 'epoch-10/x.log', 'epoch-2.log', 'z/a.log'];
    for (const p of [...sorted].reverse()) await s.write(p, p);
    expect(await s.list()).toEqual(sorted);
    expect(await s.list('a')).toEqual(['a-b.log', 'a.log', 'a/b.log', 'a/c/d.log']);
  });

  it('lists_nothing_in_an_empty_store', async () => {
    expect(await make().list()).toEqual([]);
  });

  it('delete_removes_the_file_and_ignores_a_missing_one', async () => {
    const s = make();
    await s.write('checkpoint/model-1.mpk.gz', 'm');
    await s.write('checkpoint/model-2.mpk.gz', 'm');
    await s.delete('checkpoint/model-1.mpk.gz');
    expect(await s.read('checkpoint/model-1.mpk.gz')).toBeUndefined();
    expect(await s.list()).toEqual(['checkpoint/model-2.mpk.gz']);
    await expect(s.delete('checkpoint/model-1.mpk.gz')).resolves.toBeUndefined();
    await expect(s.delete('never/was.txt')).resolves.toBeUndefined();
  });

  it('writes_different_files_concurrently', async () => {
    const s = make();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.write(`checkpoint/model-${i}.mpk.gz`, `m${i}`)));
    expect(await s.list('checkpoint/')).toHaveLength(20);
    expect(await readText(s, 'checkpoint/model-7.mpk.gz')).toBe('m7');
  });

  it.each(['../escape.txt', 'a/../../b', '/etc/passwd', '', 'a//b', 'a/', './a', 'a/./b'])('rejects_the_path_%j_in_every_operation', async (bad) => {
    const s = make();
    const message = `invalid artifact path '${bad}'`;
    await expect(s.write(bad, 'x')).rejects.toThrow(message);
    await expect(s.append(bad, 'x')).rejects.toThrow(message);
    await expect(s.read(bad)).rejects.toThrow(message);
    await expect(s.delete(bad)).rejects.toThrow(message);
    expect(await s.list()).toEqual([]);
  });
});

describe('checkPath', () => {
  it('accepts_relative_slash_separated_paths', () => {
    expect(checkPath('checkpoint/model-1.mpk.gz')).toBe('checkpoint/model-1.mpk.gz');
    expect(checkPath('experiment.log')).toBe('experiment.log');
    expect(checkPath('a..b/c.d')).toBe('a..b/c.d');
  });
});

describe('DirectoryStore on disk', () => {
  it('keeps_files_at_their_relative_paths_under_the_root', async () => {
    const root = tempDir();
    const s = new DirectoryStore(root);
    await s.write('checkpoint/model-3.mpk.gz', new Uint8Array([7, 8]));
    await s.append('train/epoch-3/Loss.log', '1,2\n');
    expect([...fs.readFileSync(path.join(root, 'checkpoint', 'model-3.mpk.gz'))]).toEqual([7, 8]);
    expect(fs.readFileSync(path.join(root, 'train', 'epoch-3', 'Loss.log'), 'utf8')).toBe('1,2\n');
  });

  it('removes_temporary_files_that_killed_writers_left_when_it_opens_and_only_those', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'checkpoint'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // a writer that has exited
    const files = {
      stale: `checkpoint/model-1.mpk.gz.~kiln-${dead}-3.tmp`,
      live: `checkpoint/model-2.mpk.gz.~kiln-${process.pid}-0.tmp`,
      other: 'checkpoint/notes.~kiln-x.tmp',
      kept: 'checkpoint/model-1.mpk.gz',
    };
    for (const f of Object.values(files)) fs.writeFileSync(path.join(root, f), 'x');
    expect(await new DirectoryStore(root).list()).toEqual(['checkpoint/model-1.mpk.gz', 'checkpoint/notes.~kiln-x.tmp']);
    expect(fs.readdirSync(path.join(root, 'checkpoint')).sort()).toEqual([files.kept, files.live, files.other].map((f) => path.basename(f)).sort());
  });

  it('leaves_no_temporary_file_after_a_write', async () => {
    const root = tempDir();
    const s = new DirectoryStore(root);
    await s.write('checkpoint/model-1.mpk.gz', 'first');
    await s.write('checkpoint/model-1.mpk.gz', 'second');
    expect(fs.readdirSync(path.join(root, 'checkpoint'))).toEqual(['model-1.mpk.gz']);
  });

  it('does_not_list_the_temporary_file_of_an_unfinished_write', async () => {
    const root = tempDir();
    const s = new DirectoryStore(root);
    await s.write('checkpoint/model-1.mpk.gz', 'old');
    // What a crash between writeFile and rename leaves behind.
    fs.writeFileSync(path.join(root, 'checkpoint', 'model-1.mpk.gz.~kiln-4242-0.tmp'), 'half');
    expect(await s.list()).toEqual(['checkpoint/model-1.mpk.gz']);
    expect(await readText(s, 'checkpoint/model-1.mpk.gz')).toBe('old');
  });

  it('sees_files_written_by_another_store_on_the_same_folder', async () => {
    const root = tempDir();
    await new DirectoryStore(root).write('experiment.log', 'hello\n');
    expect(await readText(new DirectoryStore(root), 'experiment.log')).toBe('hello\n');
    expect(await new DirectoryStore(path.join(root, 'missing')).list()).toEqual([]);
  });

  it('writes_one_path_concurrently_and_keeps_one_whole_version', async () => {
    const s = new DirectoryStore(tempDir());
    await Promise.all([s.write('a.bin', 'xxxx'), s.write('a.bin', 'yyyy')]);
    expect(['xxxx', 'yyyy']).toContain(text(await s.read('a.bin')));
  });

  it('lists_a_user_file_whose_name_ends_in_tmp', async () => {
    const s = new DirectoryStore(tempDir());
    await s.write('notes.tmp', 'x');
    expect(await s.list()).toEqual(['notes.tmp']);
  });
});
