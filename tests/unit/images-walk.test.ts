import { describe, expect, it } from 'vitest';
import { pickedFromInput } from '../../src/data/images/picked';
import { droppedEntries, walkEntries } from '../../src/data/images/walk-entries';

/** A fake dropped file entry. */
const fileEntry = (name: string) => ({ name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => setTimeout(() => ok(new File([name], name))) });

/** A fake folder whose reader hands out at most `perCall` entries a call (100, as browsers do), then an empty batch. */
function folder(name: string, children: unknown[], perCall = 100) {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (batch: unknown[]) => void) => {
          const batch = children.slice(at, at + perCall);
          at += batch.length;
          setTimeout(() => ok(batch));
        },
      };
    },
  };
}

const walk = (entries: unknown[]) => walkEntries(entries as FileSystemEntry[]);

describe('walking a dropped folder', () => {
  it('reads_every_batch_of_a_large_folder', async () => {
    const cats = folder(
      'cats',
      Array.from({ length: 250 }, (_, i) => fileEntry(`${i}.png`)),
    );
    const picked = await walk([folder('pets', [cats, folder('dogs', [fileEntry('d.png')])])]);
    expect(picked.files).toHaveLength(251);
    expect(picked.files.filter((f) => f.path.startsWith('pets/cats/'))).toHaveLength(250);
    expect(new Set(picked.files.map((f) => f.path)).size).toBe(251);
    expect(picked.name).toBe('pets');
    expect(await picked.files.find((f) => f.path === 'pets/cats/249.png')!.file.text()).toBe('249.png');
  });

  it('takes_a_batch_of_hundreds_of_thousands_of_entries_from_one_call', async () => {
    // A reader that hands out a whole large folder at once: each batch was spread into push(),
    // which overflows the stack past about 120,000 arguments.
    const file = { name: 'x.png', isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([], 'x.png')) };
    const picked = await walk([
      folder(
        'big',
        Array.from({ length: 200_000 }, () => file),
        200_000,
      ),
    ]);
    expect(picked.files).toHaveLength(200_000);
  });

  it('lists_folders_so_empty_ones_show_and_skips_hidden_and_clutter', async () => {
    const picked = await walk([
      folder('pets', [
        folder('cats', [fileEntry('1.png'), fileEntry('.DS_Store')]),
        folder('owls', []),
        folder('__MACOSX', [fileEntry('x')]),
        fileEntry('Thumbs.db'),
      ]),
    ]);
    expect(picked.files.map((f) => f.path)).toEqual(['pets/cats/1.png']);
    expect(picked.folders).toEqual(['pets', 'pets/cats', 'pets/owls']);
  });

  it('takes_several_dropped_folders_as_class_folders', async () => {
    const picked = await walk([folder('cats', [fileEntry('1.png')]), folder('dogs', [fileEntry('2.png')])]);
    expect(picked.name).toBe('dropped files');
    expect(picked.files.map((f) => f.path)).toEqual(['cats/1.png', 'dogs/2.png']);
  });

  it('gets_entries_from_the_drop_event_items', () => {
    const entry = folder('pets', []);
    const items = [
      { kind: 'file', webkitGetAsEntry: () => entry },
      { kind: 'string', webkitGetAsEntry: () => null },
    ];
    expect(droppedEntries({ items } as unknown as DataTransfer)).toEqual([entry]);
  });

  it('takes_paths_of_a_picked_folder_from_webkitRelativePath', () => {
    const file = (path: string) => Object.assign(new File(['x'], path.split('/').at(-1)!), { webkitRelativePath: path });
    const picked = pickedFromInput([file('pets/cats/1.png'), file('pets/dogs/2.png')]);
    expect(picked.name).toBe('pets');
    expect(picked.files.map((f) => f.path)).toEqual(['pets/cats/1.png', 'pets/dogs/2.png']);
  });
});
