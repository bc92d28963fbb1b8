import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SRC = join(ROOT, 'src');

/** A module specifier in a file, and whether the import survives compilation. */
interface Spec {
  readonly spec: string;
  readonly typeOnly: boolean;
  /** `import(x)`: loaded when the code asks for it, not with the module. */
  readonly dynamic?: boolean;
}

// `import x from 'y'`, `import type x from 'y'`, `export { x } from 'y'`, `import 'y'`, `import('y')`.
// `new Worker(new URL('./w.ts', import.meta.url))` matches none of them: the worker is its own bundle.
const STATIC = /\b(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

function specifiers(file: string): Spec[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  const out: Spec[] = [];
  for (const m of text.matchAll(STATIC)) out.push({ spec: m[3], typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(DYNAMIC)) out.push({ spec: m[1], typeOnly: false, dynamic: true });
  return out;
}

/** The .ts/.tsx file a relative specifier names, or undefined for assets (css) and packages. */
function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (/\.tsx?$/.test(candidate) && statSafe(candidate)) return candidate;
  }
  return undefined;
}

const statSafe = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/**
 * Every file reachable from `entries` through imports that load code (with `types`, through
 * type-only imports too: a layer must not name an upper one's types either), and each one's
 * package imports.
 */
function walk(entries: string | readonly string[], types = false, dynamic = true): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = typeof entries === 'string' ? [entries] : [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const packages: string[] = [];
    seen.set(file, packages);
    for (const { spec, typeOnly, dynamic: later } of specifiers(file)) {
      // Type-only imports are erased: they put nothing on the main thread.
      if ((typeOnly && !types) || (later && !dynamic)) continue;
      const next = resolveRelative(file, spec);
      if (next) queue.push(next);
      else if (!spec.startsWith('.')) packages.push(spec);
    }
  }
  return seen;
}

const rel = (p: string) => relative(ROOT, p);
const tfjsImports = (graph: Map<string, string[]>) =>
  [...graph].flatMap(([file, pkgs]) => pkgs.filter((p) => p.startsWith('@tensorflow/')).map((p) => `${rel(file)} -> ${p}`));

/** The IndexedDB module where a walk reaches it, and any other file that loads the `idb` package. */
const idbModules = (graph: Map<string, string[]>) =>
  [...graph].flatMap(([file, pkgs]) => (rel(file) === 'src/store/idb.ts' ? [rel(file)] : pkgs.filter((p) => p === 'idb').map((p) => `${rel(file)} -> ${p}`)));

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  );

describe('the studio main thread', () => {
  const graph = walk(join(SRC, 'ui/main.tsx'));

  it('reaches_the_app_the_store_and_the_protocol', () => {
    const reached = [...graph.keys()].map(rel);
    for (const f of ['src/ui/App.tsx', 'src/ui/run-store.ts', 'src/protocol/index.ts', 'src/ui/client.ts']) expect(reached).toContain(f);
  });

  it('does_not_follow_the_worker_url_into_the_worker_bundle', () => {
    expect([...graph.keys()].map(rel).filter((f) => f.startsWith('src/worker/'))).toEqual([]);
  });

  it('never_imports_tensorflow', () => {
    expect(tfjsImports(graph)).toEqual([]);
  });

  it('would_see_tensorflow_where_it_is_imported', () => {
    // The same walk from the worker finds tfjs, so an empty list above means something.
    expect(tfjsImports(walk(join(SRC, 'worker/training.worker.ts'))).length).toBeGreaterThan(0);
  });

  it('never_opens_indexeddb_itself', () => {
    // Stored runs are browsed through the worker; types of src/store/idb are fine (erased).
    expect(idbModules(graph)).toEqual([]);
  });

  it('would_see_the_indexeddb_module_where_it_is_imported', () => {
    expect(idbModules(walk(join(SRC, 'worker/training.worker.ts')))).toEqual(['src/store/idb.ts']);
  });
});

describe('the training worker', () => {
  const entry = join(SRC, 'worker/training.worker.ts');

  it('answers_its_first_requests_before_tensorflow_loads', () => {
    // The hello, the backend probes and the built-in dataset's card come from modules that do
    // not load TensorFlow.js; training, export and import load it with import().
    const first = walk(entry, false, false);
    expect([...first.keys()].map(rel)).toEqual(expect.arrayContaining(['src/worker/backends.ts', 'src/worker/datasets.ts', 'src/worker/mnist.ts']));
    expect(tfjsImports(first)).toEqual([]);
  });

  it('would_see_tensorflow_behind_its_import', () => {
    expect(tfjsImports(walk(entry))).toEqual(expect.arrayContaining(['src/worker/tfjs-backends.ts -> @tensorflow/tfjs']));
  });
});

describe('the learner library', () => {
  const files = filesUnder(join(SRC, 'train'));

  it('is_found', () => {
    expect(files.map(rel)).toContain('src/train/learner/learner.ts');
  });

  it('imports_no_react_no_node_modules_and_no_ui', () => {
    const bad = files.flatMap((file) =>
      specifiers(file)
        .map((s) => s.spec)
        .filter(
          (spec) =>
            /^react(-dom)?(\/|$)/.test(spec) || spec.startsWith('node:') || (spec.startsWith('.') && rel(resolve(dirname(file), spec)).startsWith('src/ui')),
        )
        .map((spec) => `${rel(file)} -> ${spec}`),
    );
    expect(bad).toEqual([]);
  });
});

/** The files under `dirs` that the code under `from` reaches, imports of types included. */
function reachedUnder(from: string, dirs: readonly string[]): string[] {
  const graph = walk(filesUnder(join(SRC, from)), true);
  return [...graph.keys()].map(rel).filter((f) => dirs.some((d) => f.startsWith(`src/${d}/`)));
}

/** `import(x)` whose specifier is built at run time (a bundler and the type checks cannot see where it goes). */
const runtimeBuilt = (text: string) => [...text.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/\bimport\s*\(\s*(?![\s'"])([^)]*)\)/g)].map((m) => m[0]);

const srcText = (file: string) => readFileSync(file, 'utf8');

describe('layers that point one way', () => {
  it('the_learner_library_reaches_nothing_of_gpu_worker_ui_cli_protocol_or_recipe', () => {
    expect(reachedUnder('train', ['gpu', 'worker', 'ui', 'cli', 'protocol', 'recipe'])).toEqual([]);
  });

  it('data_and_store_reach_nothing_of_the_learner_or_the_hosts', () => {
    expect(reachedUnder('data', ['train', 'gpu', 'worker', 'ui', 'cli', 'protocol', 'recipe'])).toEqual([]);
    expect(reachedUnder('store', ['train', 'gpu', 'worker', 'ui', 'cli', 'protocol', 'recipe'])).toEqual([]);
  });

  it('the_run_recipe_takes_its_engines_and_reaches_no_host', () => {
    expect(reachedUnder('recipe', ['gpu', 'worker', 'ui', 'cli'])).toEqual([]);
  });

  it('would_see_an_upward_import_where_there_is_one', () => {
    // The same walk from the hosts finds what the checks above forbid, so their empty lists mean something.
    expect(reachedUnder('gpu', ['train'])).toContain('src/train/step/stats.ts');
    expect(reachedUnder('worker', ['gpu', 'protocol', 'recipe', 'train'])).toEqual(
      expect.arrayContaining(['src/gpu/factory.ts', 'src/protocol/run-config.ts', 'src/recipe/learner.ts', 'src/train/learner/builder.ts']),
    );
    expect(reachedUnder('cli', ['gpu', 'data'])).toEqual(expect.arrayContaining(['src/gpu/factory.ts', 'src/data/dataloader.ts']));
  });

  it('metrics_carry_nothing_for_the_compiled_step', () => {
    // The compiled step maps the metric classes it computes itself (src/gpu/stats.ts).
    const mentions = (dir: string) =>
      filesUnder(join(SRC, dir))
        .filter((f) => /\bcompiledStat\b/.test(srcText(f)))
        .map(rel);
    expect(mentions('train')).toEqual([]);
    expect(mentions('gpu')).toContain('src/gpu/stats.ts');
  });

  it('the_learner_library_loads_nothing_dynamically', () => {
    const dynamic = (dir: string) =>
      filesUnder(join(SRC, dir))
        .filter((f) => /\bimport\s*\(/.test(srcText(f).replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '')))
        .map(rel);
    expect(dynamic('train')).toEqual([]);
    expect(dynamic('gpu')).toEqual(['src/gpu/factory.ts']); // the compiled step, loaded once a run reaches WebGPU
  });

  it('no_import_specifier_is_built_at_run_time', () => {
    expect(filesUnder(SRC).flatMap((f) => runtimeBuilt(srcText(f)).map((m) => `${rel(f)}: ${m}`))).toEqual([]);
    // What the check catches: the store module's old way to reach node:fs past the bundler.
    expect(runtimeBuilt('const { DirectoryStore } = await import(/* @vite-ignore */ specifier);')).toHaveLength(1);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template import, as the check reads it
    expect(runtimeBuilt('await import(`./kernels/${name}`);')).toHaveLength(1);
    expect(runtimeBuilt("await import('./engine'); type T = typeof import('webgpu');")).toEqual([]);
  });
});
