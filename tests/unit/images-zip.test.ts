import { strToU8, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors';
import { IMAGE_LIMITS, openImageSource, zipSource } from '../../src/data/images';
import { solid } from '../fixtures/images/png';
import { storedZip } from '../fixtures/images/zip';

const cat = solid(4, 4, 200);
const dog = solid(6, 3, [10, 20, 30]);
const blob = (bytes: Uint8Array<ArrayBuffer>) => new Blob([bytes]);

/** Offsets of the central directory records of a zip, in order. */
function centralRecords(zip: Uint8Array): number[] {
  const at: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2) at.push(i);
  return at;
}

function setU32(zip: Uint8Array, at: number, value: number): void {
  new DataView(zip.buffer, zip.byteOffset).setUint32(at, value, true);
}

describe('zip source', () => {
  it('lists_entries_and_folders_and_inflates_each_on_demand', async () => {
    const zip = zipSync({ 'pets/cats/1.png': [cat, { level: 0 }], 'pets/dogs/2.png': [dog, { level: 9 }], 'pets/owls/': {} });
    const source = await zipSource(blob(zip), 'pets.zip');
    expect(source.name).toBe('pets.zip');
    expect(source.entries.map((e) => [e.path, e.size])).toEqual([
      ['pets/cats/1.png', cat.length],
      ['pets/dogs/2.png', dog.length],
    ]);
    expect(source.folders).toEqual(['pets/owls']);
    expect(await source.entries[1].bytes()).toEqual(dog);
    expect(await source.entries[0].bytes()).toEqual(cat);
  });

  it('refuses_a_path_outside_the_archive_naming_the_entry', async () => {
    await expect(zipSource(blob(zipSync({ 'cats/1.png': cat, '../x.png': cat })), 'pets.zip')).rejects.toThrow(
      'pets.zip: entry ../x.png: a path outside the archive',
    );
    await expect(zipSource(blob(zipSync({ 'cats/../../x.png': cat })), 'pets.zip')).rejects.toThrow(
      'pets.zip: entry cats/../../x.png: a path outside the archive',
    );
    await expect(zipSource(blob(zipSync({ '/etc/x.png': cat })), 'pets.zip')).rejects.toThrow('pets.zip: entry /etc/x.png: a path outside the archive');
    await expect(zipSource(blob(zipSync({ 'C:\\x.png': cat })), 'pets.zip')).rejects.toBeInstanceOf(DataError);
  });

  it('leaves_out_macos_clutter_and_hidden_files', async () => {
    const files: Zippable = { '__MACOSX/cats/._1.png': strToU8('resource fork'), 'cats/1.png': cat, 'cats/.DS_Store': strToU8('x'), 'Thumbs.db': strToU8('x') };
    const source = await zipSource(blob(zipSync(files)), 'pets.zip');
    expect(source.entries.map((e) => e.path)).toEqual(['cats/1.png']);
  });

  it('refuses_an_entry_whose_declared_size_is_over_the_limit_before_inflating', async () => {
    const zip = zipSync({ 'cats/1.png': cat, 'cats/big.png': new Uint8Array(5000) });
    await expect(zipSource(blob(zip), 'pets.zip', { ...IMAGE_LIMITS, fileBytes: 4096 })).rejects.toThrow(
      'pets.zip: entry cats/big.png: unpacks to 4.9 KiB, over the 4 KiB limit for one file',
    );
    await expect(zipSource(blob(zip), 'pets.zip', { ...IMAGE_LIMITS, unpackedBytes: 5000 })).rejects.toThrow(
      'pets.zip: its files unpack to more than the 4.9 KiB limit',
    );
    await expect(zipSource(blob(zip), 'pets.zip', { ...IMAGE_LIMITS, zipEntries: 1 })).rejects.toThrow('pets.zip: 2 entries, more than the limit of 1');
  });

  it('refuses_an_entry_that_inflates_past_its_declared_size', async () => {
    const zip = zipSync({ 'cats/bomb.png': new Uint8Array(300_000) });
    setU32(zip, centralRecords(zip)[0] + 24, 1000); // the central directory now claims 1000 bytes
    const source = await zipSource(blob(zip), 'pets.zip');
    expect(source.entries[0].size).toBe(1000);
    await expect(source.entries[0].bytes()).rejects.toThrow('pets.zip: entry cats/bomb.png: unpacks past its declared 1000 bytes: a damaged or hostile zip');
  });

  it('refuses_a_zip_over_the_file_size_limit', async () => {
    const huge = { size: 2 ** 31, slice: () => new Blob() } as unknown as Blob;
    await expect(zipSource(huge, 'huge.zip')).rejects.toThrow('huge.zip: the zip is 2048 MiB, over the 1024 MiB limit');
  });

  it('says_when_a_file_is_not_a_zip', async () => {
    await expect(zipSource(blob(strToU8('just text')), 'notes.zip')).rejects.toThrow('notes.zip: not a readable zip archive (no end of central directory)');
  });

  it('skips_encrypted_entries_and_unknown_compression_with_the_reason', async () => {
    const zip = storedZip([
      { name: 'cats/1.png', data: cat },
      { name: 'cats/2.png', data: cat },
      { name: 'dogs/3.png', data: dog },
    ]);
    const [first, second] = centralRecords(zip);
    zip[first + 8] |= 1; // encrypted flag
    zip[second + 10] = 14; // LZMA
    const source = await zipSource(blob(zip), 'pets.zip');
    expect(source.entries.map((e) => e.path)).toEqual(['dogs/3.png']);
    expect(source.skipped).toEqual([
      { path: 'cats/1.png', reason: 'encrypted' },
      { path: 'cats/2.png', reason: 'compressed with method 14; only stored and deflated entries are read' },
    ]);
  });

  it('says_an_encrypted_zip_is_encrypted_instead_of_empty', async () => {
    const zip = storedZip([
      { name: 'cats/1.png', data: cat },
      { name: 'dogs/2.png', data: dog },
    ]);
    for (const at of centralRecords(zip)) zip[at + 8] |= 1;
    await expect(zipSource(blob(zip), 'locked.zip')).rejects.toThrow('locked.zip: the zip is encrypted (password-protected) and cannot be read');
  });

  it('refuses_a_name_flagged_utf8_that_is_not_with_a_data_error_naming_the_entry', async () => {
    const zip = storedZip([{ name: 'cats/x1.png', data: cat }]);
    const [at] = centralRecords(zip);
    zip[at + 9] |= 0x08; // general purpose flag bit 11: the name is UTF-8
    zip.set([0xff, 0xfe], at + 46 + 'cats/'.length);
    const error = await zipSource(blob(zip), 'bad.zip').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/^bad\.zip: entry cats\/\uFFFD\uFFFD\.png: has a name marked UTF-8 that is not valid UTF-8/);
  });

  it('reads_an_unflagged_name_that_is_not_utf8_as_code_page_437', async () => {
    const zip = storedZip([{ name: 'cats/x1.png', data: cat }]);
    const [at] = centralRecords(zip);
    zip[at + 9] &= ~0x08;
    zip.set([0x82, 0x81], at + 46 + 'cats/'.length); // é, ü in code page 437 (Latin-1 would give control characters)
    expect((await zipSource(blob(zip), 'old.zip')).entries.map((e) => e.path)).toEqual(['cats/éü.png']);
  });

  it('fails_only_the_entry_whose_data_is_damaged', async () => {
    const zip = zipSync({ 'cats/1.png': [new Uint8Array(2000).fill(7), { level: 9 }] });
    const local = 30 + 'cats/1.png'.length;
    zip.fill(0xff, local, local + 4); // an invalid deflate block type
    const source = await zipSource(blob(zip), 'pets.zip');
    const error = await source.entries[0].bytes().catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/^the zip entry is damaged \(/);
  });

  it('fails_only_the_entry_whose_crc_does_not_match', async () => {
    const zip = storedZip([
      { name: 'cats/1.png', data: cat },
      { name: 'dogs/2.png', data: dog },
    ]);
    zip[30 + 'cats/1.png'.length + 20] ^= 1; // one bit of the first image's pixels: it would decode to other pixels
    const source = await zipSource(blob(zip), 'pets.zip');
    const error = await source.entries[0].bytes().catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(DataError);
    expect((error as Error).message).toBe('the zip entry fails its CRC-32 check: the zip is damaged');
    expect(await source.entries[1].bytes()).toEqual(dog);
  });

  it('refuses_a_name_that_appears_twice', async () => {
    const zip = storedZip([
      { name: 'cats/1.png', data: cat },
      { name: 'cats/1.png', data: dog },
    ]);
    await expect(zipSource(blob(zip), 'pets.zip')).rejects.toThrow('pets.zip: entry cats/1.png: appears twice in the zip');
  });

  it('reads_zip64_counts_sizes_and_offsets', async () => {
    const zip = storedZip([{ name: 'pets/' }, { name: 'pets/cats/1.png', data: cat }, { name: 'pets/dogs/2.png', data: dog }], true);
    const source = await zipSource(blob(zip), 'big.zip');
    expect(source.folders).toEqual(['pets']);
    expect(source.entries.map((e) => [e.path, e.size])).toEqual([
      ['pets/cats/1.png', cat.length],
      ['pets/dogs/2.png', dog.length],
    ]);
    expect(await source.entries[1].bytes()).toEqual(dog);
  });

  it('opens_a_single_dropped_zip_as_an_archive_and_anything_else_as_a_folder', async () => {
    const zipped = await openImageSource({ name: 'pets.zip', files: [{ path: 'pets.zip', file: blob(zipSync({ 'cats/1.png': cat })) }], folders: [] });
    expect(zipped.entries.map((e) => e.path)).toEqual(['cats/1.png']);
    const folder = await openImageSource({ name: 'pets', files: [{ path: 'pets/cats/1.png', file: blob(cat) }], folders: ['pets', 'pets/cats', 'pets/owls'] });
    // Paths are relative to the dropped folder.
    expect(folder.entries.map((e) => e.path)).toEqual(['cats/1.png']);
    expect(folder.folders).toEqual(['cats', 'owls']);
    expect(await folder.entries[0].bytes()).toEqual(cat);
  });
});
