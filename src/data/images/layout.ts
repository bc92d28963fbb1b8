import { DATA_LIMITS, DataError } from '../errors';
import { counted } from './base';
import { isIgnoredPath } from './paths';

/** One candidate image of a layout: which entry, its class, and the given split it sits in. */
export interface LayoutItem {
  /** Index into the paths given to {@link findLayout}. */
  readonly entry: number;
  readonly label: number;
  /** Set when the folder came split into train/ and valid/. */
  readonly split?: 'train' | 'valid';
}

/** A file left out, with why (the card lists them). */
export interface Skip {
  readonly path: string;
  readonly reason: string;
}

/** Where the images and their classes are, as found from a folder's paths alone. */
export interface ImageLayout {
  /** Class folder names in label order: sorted by code point, as Keras and torchvision sort them. */
  readonly classNames: readonly string[];
  /** Candidate images (not yet known to decode): training ones first, then by label, then by path. */
  readonly items: readonly LayoutItem[];
  /** True when train/ and valid/ folders gave the split. */
  readonly givenSplit: boolean;
  readonly warnings: readonly string[];
  readonly skipped: readonly Skip[];
}

const EXPECTED = 'expected one folder per class (cats/1.png, dogs/2.png), or train/ and valid/ folders that each hold such class folders';
const VALID_NAMES = ['valid', 'val', 'validation'];

interface FileRef {
  readonly entry: number;
  readonly path: string;
  readonly parts: readonly string[];
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A folder whose subfolders are classes: the top, train/ alone, or train/ and valid/ of a given split. */
interface Root {
  readonly split?: 'train' | 'valid';
  /** The folder's name at the top; undefined: the top itself. */
  readonly folder?: string;
}

/**
 * Finds the classes (and a given split) from paths: strips shared top folders, then reads either
 * train/ + valid/ (or val/, validation/; test/ is left out with a note) each holding class
 * folders, or class folders at the top. Pure, so every layout rule is testable without files.
 * An empty class folder is left out with a warning; fewer than 2 classes with files, like every
 * other unusable layout, throws a DataError naming `source`.
 */
export function findLayout(source: string, paths: readonly string[], folders: readonly string[] = []): ImageLayout {
  const all = paths.flatMap((path, entry) => (isIgnoredPath(path) ? [] : [{ entry, path, parts: path.split('/') }]));
  if (all.length === 0) throw new DataError(source, `no files found; ${EXPECTED}`);
  // Every file sits under the stripped prefix; folders outside it (empty ones) are of no class.
  const depth = sharedTopDepth(all);
  const prefix = all[0].parts.slice(0, depth);
  const files = all.map((f) => ({ ...f, parts: f.parts.slice(depth) }));
  const dirs = knownFolders(paths, folders)
    .filter((d) => d.length > depth && prefix.every((p, i) => d[i] === p))
    .map((d) => d.slice(depth));
  const named = (...parts: (string | undefined)[]) => `${[...prefix, ...parts.filter((p) => p !== undefined)].join('/')}/`;
  const skipped: Skip[] = [];
  const warnings: string[] = [];
  const { roots, test } = findRoots(source, files, dirs, named);

  // Files by root, then by class folder.
  const groups = roots.map(() => new Map<string, FileRef[]>());
  let testFiles = 0;
  for (const f of files) {
    const r = roots.findIndex((root) => root.folder === undefined || root.folder === f.parts[0]);
    if (r < 0 && f.parts[0] === test && f.parts.length > 1) {
      testFiles++;
      continue;
    }
    if (r < 0) {
      skipped.push({ path: f.path, reason: `outside ${roots.map((root) => named(root.folder)).join(' and ')}` });
      continue;
    }
    const parts = roots[r].folder === undefined ? f.parts : f.parts.slice(1);
    if (parts.length < 2) {
      skipped.push({ path: f.path, reason: 'not in a class folder' });
      continue;
    }
    const refs = groups[r].get(parts[0]);
    if (refs) refs.push(f);
    else groups[r].set(parts[0], [f]);
  }
  if (test !== undefined) {
    const why =
      roots.length === 2
        ? `training uses ${named(roots[0].folder)} and ${named(roots[1].folder)}`
        : `with no validation folder, part of ${named(roots[0].folder)} is held out`;
    warnings.push(`${named(test)} left out (${counted(testFiles, 'file')}): ${why}`);
  }

  const classSets = groups.map((g) => new Set(g.keys()));
  const empty = roots.flatMap((root, r) => emptyClassFolders(dirs, root.folder, classSets[r]).map((c) => named(root.folder, c)));
  const emptyNote = empty.length > 0 ? `; empty: ${empty.join(', ')}` : '';
  if (roots.length === 2)
    checkSameClasses(
      source,
      classSets,
      roots.map((root) => named(root.folder)),
      emptyNote,
    );
  const classNames = [...classSets[0]].sort(byCodePoint);
  if (classNames.length < 2) {
    const problem =
      classNames.length === 1
        ? `only one class folder holds files (${named(roots[0].folder, classNames[0])}); at least 2 classes are needed`
        : skipped.some((s) => s.reason === 'not in a class folder')
          ? 'no class folders: the files sit directly at the top'
          : 'no class folders hold files';
    throw new DataError(source, `${problem}${emptyNote}; ${EXPECTED}`);
  }
  for (const folder of empty) warnings.push(`empty class folder ${folder} left out`);

  const label = new Map(classNames.map((name, i) => [name, i]));
  const items = roots.flatMap((root, r) => {
    const rows = [...groups[r]].flatMap(([name, refs]) => refs.map((f) => ({ path: f.path, entry: f.entry, label: label.get(name)! })));
    rows.sort((a, b) => a.label - b.label || byCodePoint(a.path, b.path));
    return rows.map(({ entry, label }): LayoutItem => (root.split ? { entry, label, split: root.split } : { entry, label }));
  });
  if (items.length > DATA_LIMITS.images)
    throw new DataError(source, `${items.length} files in class folders, more than the limit of ${DATA_LIMITS.images} images`);
  return { classNames, items, givenSplit: roots.length === 2, warnings, skipped };
}

/**
 * The class roots: train/ and a validation folder when train/ holds class folders beside one (or
 * beside test/ alone: then train/ is the whole dataset); otherwise the top. `test` is the test
 * folder to leave out, when there is a split.
 */
function findRoots(
  source: string,
  files: readonly FileRef[],
  dirs: readonly string[][],
  named: (...parts: string[]) => string,
): { roots: Root[]; test?: string } {
  const tops = new Set([...files.filter((f) => f.parts.length > 1).map((f) => f.parts[0]), ...dirs.map((d) => d[0])]);
  const withName = (names: readonly string[]) => [...tops].filter((t) => names.includes(t.toLowerCase())).sort(byCodePoint);
  const [train] = withName(['train']);
  const valids = withName(VALID_NAMES);
  const [test] = withName(['test']);
  const split = train !== undefined && files.some((f) => f.parts[0] === train && f.parts.length >= 3) && (valids.length > 0 || test !== undefined);
  if (!split) return { roots: [{}] };
  if (valids.length > 1) throw new DataError(source, `${valids.map((v) => named(v)).join(' and ')} both hold validation images; keep one`);
  if (valids.length === 0) return { roots: [{ folder: train }], test };
  return {
    roots: [
      { split: 'train', folder: train },
      { split: 'valid', folder: valids[0] },
    ],
    test,
  };
}

/**
 * How many single top folders wrap everything (a zip of "dataset/" adds one): a folder is stripped
 * while every file sits in it and some sit in its subfolders, so the class level is never stripped.
 */
function sharedTopDepth(files: readonly FileRef[]): number {
  for (let depth = 0; ; depth++) {
    const top = files[0].parts[depth];
    if (!files.every((f) => f.parts.length >= depth + 2 && f.parts[depth] === top)) return depth;
    if (!files.some((f) => f.parts.length >= depth + 3)) return depth;
  }
}

/** Folders the source listed, plus the folders of ignored files (a class folder holding only .DS_Store still shows). */
function knownFolders(paths: readonly string[], folders: readonly string[]): string[][] {
  const parents = paths.filter(isIgnoredPath).map((p) => p.split('/').slice(0, -1).join('/'));
  return [...folders, ...parents].filter((d) => d !== '' && !isIgnoredPath(d)).map((d) => d.split('/').filter(Boolean));
}

/** Class folders under `root` (undefined: the top) that hold no files. */
function emptyClassFolders(dirs: readonly string[][], root: string | undefined, nonEmpty: ReadonlySet<string>): string[] {
  const level = root === undefined ? 0 : 1;
  const seen = new Set(dirs.filter((d) => d.length > level && (root === undefined || d[0] === root)).map((d) => d[level]));
  return [...seen].filter((c) => !nonEmpty.has(c)).sort(byCodePoint);
}

/** A given split must hold the same classes on both sides, or a label would mean different things. */
function checkSameClasses(source: string, [train, valid]: readonly ReadonlySet<string>[], [trainName, validName]: readonly string[], emptyNote: string): void {
  const onlyTrain = [...train].filter((c) => !valid.has(c)).sort(byCodePoint);
  const onlyValid = [...valid].filter((c) => !train.has(c)).sort(byCodePoint);
  if (onlyTrain.length + onlyValid.length === 0) return;
  const parts = [
    onlyTrain.length ? `only in ${trainName}: ${onlyTrain.join(', ')}` : '',
    onlyValid.length ? `only in ${validName}: ${onlyValid.join(', ')}` : '',
  ];
  throw new DataError(source, `${trainName} and ${validName} hold different classes (${parts.filter(Boolean).join('; ')})${emptyNote}`);
}
