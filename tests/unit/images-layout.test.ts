import { describe, expect, it } from 'vitest';
import { DATA_LIMITS } from '../../src/data/errors';
import { findLayout } from '../../src/data/images';

/** The layout's items as "split:class:path", for readable expectations. */
function described(paths: string[], folders: string[] = []) {
  const layout = findLayout('pets', paths, folders);
  return {
    ...layout,
    rows: layout.items.map((it) => `${it.split ?? '-'}:${layout.classNames[it.label]}:${paths[it.entry]}`),
  };
}

describe('image folder layout', () => {
  it('finds_class_folders_at_the_top_with_labels_sorted_by_name', () => {
    const l = described(['pets/dogs/b.png', 'pets/cats/a.png', 'pets/Zebras/z.png', 'pets/cats/sub/c.png']);
    // Code-point order, as Python's sorted() gives Keras and torchvision: capitals first.
    expect(l.classNames).toEqual(['Zebras', 'cats', 'dogs']);
    // Grouped by label, then by path; nested folders belong to their class folder.
    expect(l.rows).toEqual(['-:Zebras:pets/Zebras/z.png', '-:cats:pets/cats/a.png', '-:cats:pets/cats/sub/c.png', '-:dogs:pets/dogs/b.png']);
    expect(l.givenSplit).toBe(false);
    expect(l.warnings).toEqual([]);
  });

  it('strips_every_single_wrapping_folder_but_keeps_the_class_level', () => {
    expect(described(['a/b/cats/1.png', 'a/b/dogs/2.png']).classNames).toEqual(['cats', 'dogs']);
    // One class inside one folder is not stripped down to loose images: it is one class.
    expect(() => findLayout('pets', ['data/cats/1.png', 'data/cats/2.png'])).toThrow(
      /^pets: only one class folder holds files \(data\/cats\/\); at least 2 classes are needed; expected one folder per class/,
    );
  });

  it('reads_a_given_split_from_train_and_valid_folders', () => {
    const l = described(['d/valid/dogs/v2.png', 'd/train/dogs/t2.png', 'd/train/cats/t1.png', 'd/valid/cats/v1.png', 'd/README.md', 'd/train/LICENSE']);
    expect(l.givenSplit).toBe(true);
    expect(l.classNames).toEqual(['cats', 'dogs']);
    expect(l.rows).toEqual([
      'train:cats:d/train/cats/t1.png',
      'train:dogs:d/train/dogs/t2.png',
      'valid:cats:d/valid/cats/v1.png',
      'valid:dogs:d/valid/dogs/v2.png',
    ]);
    expect(l.skipped).toEqual([
      { path: 'd/README.md', reason: 'outside d/train/ and d/valid/' },
      { path: 'd/train/LICENSE', reason: 'not in a class folder' },
    ]);
  });

  it.each(['val', 'validation', 'Validation'])('accepts_%s_as_the_validation_folder', (name) => {
    const l = described([`train/a/1.png`, `train/b/2.png`, `${name}/a/3.png`, `${name}/b/4.png`]);
    expect(l.givenSplit).toBe(true);
    expect(l.rows.filter((r) => r.startsWith('valid:'))).toHaveLength(2);
  });

  it('leaves_test_out_with_a_note', () => {
    const l = described(['train/a/1.png', 'train/b/2.png', 'valid/a/3.png', 'valid/b/4.png', 'test/a/5.png', 'test/b/6.png']);
    expect(l.items).toHaveLength(4);
    expect(l.warnings).toEqual(['test/ left out (2 files): training uses train/ and valid/']);
  });

  it('uses_train_alone_when_only_test_sits_beside_it', () => {
    const l = described(['train/a/1.png', 'train/b/2.png', 'test/a/5.png']);
    expect(l.givenSplit).toBe(false);
    expect(l.rows).toEqual(['-:a:train/a/1.png', '-:b:train/b/2.png']);
    expect(l.warnings).toEqual(['test/ left out (1 file): with no validation folder, part of train/ is held out']);
  });

  it('refuses_a_split_whose_class_sets_differ_naming_the_classes', () => {
    expect(() =>
      findLayout('pets.zip', ['train/cats/1.png', 'train/dogs/2.png', 'train/owls/3.png', 'valid/cats/4.png', 'valid/dogs/5.png', 'valid/yaks/6.png']),
    ).toThrow('pets.zip: train/ and valid/ hold different classes (only in train/: owls; only in valid/: yaks)');
  });

  it('refuses_two_validation_folders', () => {
    expect(() => findLayout('pets', ['train/a/1.png', 'train/b/1.png', 'val/a/1.png', 'valid/a/1.png'])).toThrow(
      'pets: val/ and valid/ both hold validation images; keep one',
    );
  });

  it('refuses_images_directly_at_the_top_saying_what_is_expected', () => {
    expect(() => findLayout('shots', ['1.png', '2.png'])).toThrow(
      'shots: no class folders: the files sit directly at the top; expected one folder per class (cats/1.png, dogs/2.png), or train/ and valid/ folders that each hold such class folders',
    );
  });

  it('refuses_an_empty_source', () => {
    expect(() => findLayout('empty.zip', [])).toThrow(/^empty\.zip: no files found; expected one folder per class/);
    expect(() => findLayout('empty', ['.DS_Store', '__MACOSX/x.png'])).toThrow(/^empty: no files found/);
  });

  it('warns_about_an_empty_class_folder_while_two_classes_remain', () => {
    const l = described(['p/cats/1.png', 'p/dogs/2.png'], ['p', 'p/cats', 'p/dogs', 'p/owls']);
    expect(l.classNames).toEqual(['cats', 'dogs']);
    expect(l.warnings).toEqual(['empty class folder p/owls/ left out']);
  });

  it('refuses_when_empty_folders_leave_fewer_than_two_classes_naming_them', () => {
    expect(() => findLayout('p', ['cats/1.png'], ['cats', 'dogs'])).toThrow(
      /^p: only one class folder holds files \(cats\/\); at least 2 classes are needed; empty: dogs\//,
    );
  });

  it('sees_a_class_folder_holding_only_hidden_files_as_empty', () => {
    // An <input webkitdirectory> lists no folders, but a .DS_Store still shows that owls/ exists.
    expect(described(['cats/1.png', 'dogs/2.png', 'owls/.DS_Store']).warnings).toEqual(['empty class folder owls/ left out']);
  });

  it('ignores_macos_and_windows_clutter_and_hidden_files', () => {
    const l = described(['__MACOSX/cats/._1.png', 'cats/1.png', 'cats/.hidden.png', 'dogs/2.png', 'dogs/Thumbs.db', '.DS_Store', '.git/HEAD']);
    expect(l.rows).toEqual(['-:cats:cats/1.png', '-:dogs:dogs/2.png']);
    expect(l.skipped).toEqual([]);
  });

  it('skips_loose_files_beside_class_folders', () => {
    expect(described(['notes.txt', 'cats/1.png', 'dogs/2.png']).skipped).toEqual([{ path: 'notes.txt', reason: 'not in a class folder' }]);
  });

  it('treats_a_class_named_train_as_a_class_when_it_holds_images_directly', () => {
    const l = described(['train/1.png', 'car/2.png', 'test/3.png']);
    expect(l.classNames).toEqual(['car', 'test', 'train']);
  });

  it('refuses_more_images_than_the_limit_saying_the_limit', () => {
    const paths = Array.from({ length: DATA_LIMITS.images + 1 }, (_, i) => `${i % 2 ? 'a' : 'b'}/${i}.png`);
    expect(() => findLayout('big', paths)).toThrow(
      `big: ${DATA_LIMITS.images + 1} files in class folders, more than the limit of ${DATA_LIMITS.images} images`,
    );
  });
});
