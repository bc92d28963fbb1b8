import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_VERSION, inLayout, readArchive, zipArchive, type ArchiveManifest } from '../../src/store/archive';

const manifest: ArchiveManifest = { format: 'kiln.archive', version: ARCHIVE_VERSION, kind: 'run', name: 'r', createdAt: '2026-11-27T00:00:00Z' };
const kilnJson = strToU8(JSON.stringify(manifest));

async function zipped(files: { path: string; data: Uint8Array }[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await zipArchive(manifest, files, (c) => parts.push(c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

describe('archives', () => {
  it('round_trips_a_run_tree_with_its_manifest', async () => {
    const files = [
      { path: 'experiment.log', data: strToU8('2026 INFO kiln::learner: hi\n') },
      { path: 'checkpoint/model-1.mpk.gz', data: new Uint8Array([31, 139, 8, 0, 1, 2, 3]) },
      { path: 'train/epoch-1/Loss.log', data: strToU8('0.5,64\n') },
    ];
    const { manifest: m, files: back } = await readArchive(await zipped(files), 'run.zip');
    expect(m).toEqual(manifest);
    expect(back.map((f) => f.path)).toEqual(['checkpoint/model-1.mpk.gz', 'experiment.log', 'train/epoch-1/Loss.log']);
    expect(back[0].data).toEqual(files[1].data);
  });

  it('streams_the_archive_in_several_chunks', async () => {
    const chunks: Uint8Array[] = [];
    await zipArchive(manifest, [{ path: 'experiment.log', data: new Uint8Array(200_000).fill(65) }], (c) => chunks.push(c));
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('accepts_only_paths_of_the_artifact_layout', () => {
    for (const p of ['experiment.log', 'config.json', 'checkpoint/optim-12.mpk.gz', 'valid/epoch-3/Top-5_Accuracy.log']) expect(inLayout(p)).toBe(true);
    for (const p of ['../x', 'checkpoint/model-0.mpk.gz', 'checkpoint/model-1.bin', 'train/epoch-1/a/b.log', 'notes.txt', 'train/Loss.log'])
      expect(inLayout(p)).toBe(false);
  });

  it('refuses_an_entry_over_the_size_limit_naming_it', async () => {
    const bytes = zipSync({ 'kiln.json': kilnJson, 'experiment.log': new Uint8Array(2000) });
    await expect(readArchive(bytes, 'big.zip', { entryBytes: 1000, totalBytes: 10_000, entries: 10 })).rejects.toThrow(
      "big.zip: 'experiment.log' unpacks to 2 KiB, over the 1000 bytes limit for one file",
    );
  });

  it('refuses_an_archive_whose_total_unpacks_past_the_limit', async () => {
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`train/epoch-${i + 1}/Loss.log`, new Uint8Array(900)]));
    const bytes = zipSync({ 'kiln.json': kilnJson, ...files });
    await expect(readArchive(bytes, 'many.zip', { entryBytes: 1000, totalBytes: 3000, entries: 100 })).rejects.toThrow(
      'many.zip: its files unpack to more than the 2.9 KiB limit',
    );
  });

  it('refuses_too_many_entries', async () => {
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`train/epoch-${i + 1}/Loss.log`, new Uint8Array(1)]));
    await expect(readArchive(zipSync({ 'kiln.json': kilnJson, ...files }), 'n.zip', { entryBytes: 100, totalBytes: 1000, entries: 3 })).rejects.toThrow(
      'n.zip: 6 entries, more than the limit of 3',
    );
  });

  it('refuses_paths_that_leave_the_run_and_unknown_versions', async () => {
    await expect(readArchive(zipSync({ 'kiln.json': kilnJson, '../../etc/x.log': strToU8('x') }), 'a.zip')).rejects.toThrow(
      "a.zip: '../../etc/x.log' is not a path of a run's artifact layout",
    );
    const v2 = strToU8(JSON.stringify({ ...manifest, version: 2 }));
    await expect(readArchive(zipSync({ 'kiln.json': v2 }), 'b.zip')).rejects.toThrow(
      'b.zip: kiln.json: archive format version 2; this version of Kiln reads version 1',
    );
    await expect(readArchive(strToU8('garbage'), 'c.zip')).rejects.toThrow(/c\.zip: not a readable zip archive/);
  });

  it('ignores_folder_entries', async () => {
    const bytes = zipSync({ 'kiln.json': kilnJson, 'train/': new Uint8Array(0), 'train/epoch-1/Loss.log': strToU8('1,1\n') });
    expect(Object.keys(unzipSync(bytes))).toContain('train/');
    expect((await readArchive(bytes, 'd.zip')).files.map((f) => f.path)).toEqual(['train/epoch-1/Loss.log']);
  });

  it('refuses_on_the_declared_total_before_inflating_any_entry', async () => {
    // The first entry's deflate data is garbage: inflating it first would fail with another message.
    const files = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`train/epoch-${i + 1}/Loss.log`, new Uint8Array(900).fill(48)]));
    const bytes = zipSync({ 'kiln.json': kilnJson, ...files });
    const first = localData(bytes, 'train/epoch-1/Loss.log');
    bytes.fill(0xff, first, first + 4);
    await expect(readArchive(bytes, 'bomb.zip', { entryBytes: 1000, totalBytes: 2000, entries: 100 })).rejects.toThrow(
      'bomb.zip: its files unpack to more than the 2 KiB limit',
    );
  });

  it('refuses_an_entry_that_unpacks_past_the_size_its_directory_declares', async () => {
    const bytes = zipSync({ 'kiln.json': kilnJson, 'experiment.log': new Uint8Array(5000).fill(65) });
    patchCentral(bytes, 'experiment.log', (at) => new DataView(bytes.buffer).setUint32(at + 24, 100, true));
    await expect(readArchive(bytes, 'liar.zip')).rejects.toThrow("liar.zip: 'experiment.log' unpacks past its declared 100 bytes");
  });

  it('refuses_an_entry_whose_crc_does_not_match', async () => {
    const bytes = zipSync({ 'kiln.json': kilnJson, 'experiment.log': strToU8('hello') }, { level: 0 });
    bytes[localData(bytes, 'experiment.log')] ^= 1;
    await expect(readArchive(bytes, 'flip.zip')).rejects.toThrow("flip.zip: 'experiment.log' fails its CRC-32 check");
  });

  it('refuses_an_entry_name_that_appears_twice', async () => {
    const bytes = zipSync({ 'kiln.json': kilnJson, 'train/epoch-1/A.log': strToU8('1,1\n'), 'train/epoch-1/B.log': strToU8('2,1\n') });
    patchCentral(bytes, 'train/epoch-1/B.log', (at) => (bytes[at + 46 + 'train/epoch-1/'.length] = 'A'.charCodeAt(0)));
    await expect(readArchive(bytes, 'twice.zip')).rejects.toThrow("twice.zip: 'train/epoch-1/A.log' appears twice in the zip");
  });

  it('says_an_encrypted_entry_cannot_be_read', async () => {
    const bytes = zipSync({ 'kiln.json': kilnJson, 'experiment.log': strToU8('secret') });
    patchCentral(bytes, 'experiment.log', (at) => (bytes[at + 8] |= 1));
    await expect(readArchive(bytes, 'locked.zip')).rejects.toThrow("locked.zip: 'experiment.log' is encrypted");
  });

  it('refuses_a_manifest_that_is_not_an_object_with_a_message', async () => {
    await expect(readArchive(zipSync({ 'kiln.json': strToU8('null') }), 'null.zip')).rejects.toThrow('null.zip: kiln.json does not describe a Kiln archive');
    const noName = strToU8(JSON.stringify({ ...manifest, name: 7 }));
    await expect(readArchive(zipSync({ 'kiln.json': noName }), 'n.zip')).rejects.toThrow(/n\.zip: kiln\.json: name: /);
  });

  it('keeps_stored_entries_as_views_of_the_archive_instead_of_copies', async () => {
    const record = new Uint8Array([31, 139, 8, 0, 9, 9, 9]);
    const bytes = await zipped([{ path: 'checkpoint/model-1.mpk.gz', data: record }]);
    const [file] = (await readArchive(bytes, 'v.zip')).files;
    expect(file.data).toEqual(record);
    expect(file.data.buffer).toBe(bytes.buffer);
  });
});

/** Offset of the central directory record of `name`. */
function centralRecord(zip: Uint8Array, name: string): number {
  const want = strToU8(name);
  for (let at = 0; at + 46 < zip.length; at++) {
    if (zip[at] !== 0x50 || zip[at + 1] !== 0x4b || zip[at + 2] !== 1 || zip[at + 3] !== 2) continue;
    const n = zip[at + 28] | (zip[at + 29] << 8);
    if (n === want.length && want.every((b, i) => zip[at + 46 + i] === b)) return at;
  }
  throw new Error(`no central record for ${name}`);
}

/** Edits the central directory record of `name` (the reader trusts it, not the local header). */
function patchCentral(zip: Uint8Array, name: string, edit: (at: number) => void): void {
  edit(centralRecord(zip, name));
}

/** Offset where the data of `name` starts. */
function localData(zip: Uint8Array, name: string): number {
  const view = new DataView(zip.buffer, zip.byteOffset);
  const local = view.getUint32(centralRecord(zip, name) + 42, true);
  return local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
}
