// The end-to-end case: a whole training job's wall time, from process start to exit, for Kiln's
// CLI and the same job as a plain PyTorch script and as Lightning (bench/e2e/*.py): MNIST (the
// built-in 10,000 digits, exported for the scripts by mnist-export.ts), 5 epochs, the MLP at batch
// 64 and the CNN at batch 256, every iteration's loss and accuracy logged to files, validation and
// a checkpoint after every epoch. Each job runs once untimed (disk caches), then --reps times,
// jobs interleaved; where a job's time went comes from its own log (Kiln's experiment.log, the
// scripts' phase lines).
//   npx tsx bench/e2e/run.ts --data DIR [--kiln 'npx tsx src/cli/train.ts'] [--before CMD] [--python python3]
//     [--jobs kiln,torch,lightning] [--cases mlp,cnn] [--reps 2] [--json FILE]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    kiln: { type: 'string', default: 'npx tsx src/cli/train.ts' },
    /** Another build of the CLI to time beside it (the code before a change), as job 'kiln-before'. */
    before: { type: 'string' },
    python: { type: 'string', default: 'python3' },
    /** Where the .py jobs are (default: beside this file). */
    scripts: { type: 'string', default: here },
    jobs: { type: 'string', default: 'kiln,torch,lightning' },
    cases: { type: 'string', default: 'mlp,cnn' },
    reps: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
if (!values.data) throw new Error('--data: the folder mnist-export.ts wrote');
const CASES = { mlp: 64, cnn: 256 } as const;
type CaseId = keyof typeof CASES;

/** One timed run: its wall time and where its time went (seconds from its start), by phase. */
interface Run {
  readonly wallMs: number;
  readonly phases: Record<string, number>;
}

/** The command line of a job on a case, writing into `out`. */
function command(job: string, id: CaseId, out: string): string {
  const common = `--model ${id} --epochs 5 --batch-size ${CASES[id]} --out ${out}`;
  if (job === 'kiln' || job === 'kiln-before') {
    const cli = job === 'kiln' ? values.kiln : values.before;
    return `${cli} --dataset mnist --backend webgpu --overwrite ${common}`;
  }
  return `${values.python} ${join(values.scripts, `${job}_job.py`)} --data ${values.data} ${common}`;
}

/** Seconds from `started` (ms since the epoch) to each experiment.log landmark of a Kiln run: fit() called, its first step, training's end. */
function kilnPhases(out: string, started: number): Record<string, number> {
  const lines = readFileSync(join(out, 'experiment.log'), 'utf8').split('\n');
  const at = (line: string | undefined) => (line ? (Date.parse(line.slice(0, 24)) - started) / 1000 : NaN);
  const first = lines.find((l) => /first step \d+ ms after fit/.test(l));
  const firstMs = Number(/first step (\d+) ms/.exec(first ?? '')?.[1]);
  return {
    'fit()': at(first) - firstMs / 1000,
    'first step': at(first),
    'training ended': at(lines.find((l) => l.includes('training ended'))),
  };
}

/** The scripts' "[  1.234 s] phase" lines. */
function scriptPhases(output: string): Record<string, number> {
  return Object.fromEntries([...output.matchAll(/^\[\s*([\d.]+) s\] (.+)$/gm)].map((m) => [m[2], Number(m[1])]));
}

/** Runs one job once; throws with its output's end when it fails. */
function run(job: string, id: CaseId): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), `e2e-${job}-${id}-`));
  const line = command(job, id, out);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const t0 = performance.now();
    const child = spawn(line, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    // When the CLI's own lines came (the adapter named, the data loaded): seconds from the start.
    const heard: Record<string, number> = {};
    child.stdout.on('data', (d) => {
      output += d;
      for (const [, what] of String(d).matchAll(/^(webgpu adapter|MNIST)/gm)) heard[`printed '${what}'`] ??= (performance.now() - t0) / 1000;
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      try {
        if (code !== 0) throw new Error(`${line} exited with ${code}:\n${output.slice(-3000)}`);
        resolve({ wallMs, phases: job.startsWith('kiln') ? { ...heard, ...kilnPhases(out, started) } : scriptPhases(output) });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const jobs = values.jobs.split(',').concat(values.before ? ['kiln-before'] : []);
const cases = values.cases.split(',') as CaseId[];
const results: { case: string; batch: number; job: string; untimed: Run | null; runs: Run[]; error?: string }[] = [];
/** A job that fails is recorded with its error and not run again; the others go on. */
const attempt = async (row: (typeof results)[number], first: boolean) => {
  if (row.error) return;
  try {
    const r = await run(row.job, row.case as CaseId);
    if (first) row.untimed = r;
    else row.runs.push(r);
    console.log(`  ${row.case} ${row.job}${first ? ' (untimed)' : ''}: ${(r.wallMs / 1000).toFixed(2)} s ${JSON.stringify(r.phases)}`);
  } catch (e) {
    row.error = (e as Error).message;
    console.error(row.error);
  }
};
for (const id of cases) for (const job of jobs) results.push({ case: id, batch: CASES[id], job, untimed: null, runs: [] });
for (const row of results) await attempt(row, true);
for (let r = 0; r < Number(values.reps); r++) for (const row of results) await attempt(row, false);
for (const row of results) {
  if (!row.runs.length) {
    console.log(`${row.case} b${row.batch} ${row.job}: failed`);
    continue;
  }
  const walls = row.runs.map((x) => x.wallMs);
  const mid = row.runs.find((x) => x.wallMs === median(walls))!;
  const phases = Object.entries(mid.phases)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
  console.log(
    `${row.case} b${row.batch} ${row.job.padEnd(11)} wall ${(median(walls) / 1000).toFixed(2)} s (runs ${walls.map((w) => (w / 1000).toFixed(2)).join(', ')}; untimed ${((row.untimed?.wallMs ?? NaN) / 1000).toFixed(2)}) | ${phases}`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
