import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, type BenchArgs } from './args';
import { BACKENDS, displayName, type BenchBackend } from './backends';
import { runChromium } from './browser/chromium';
import { CASES } from './cases';
import { formatData, runDataBenches } from './data-readers';
import { FAIRNESS } from './fairness';
import type { ChildOutput } from './node-child';
import { formatTable, skippedCase, type BenchReport, type CaseResult } from './report';

const child = fileURLToPath(new URL('./node-child.ts', import.meta.url));

/** Runs one Node backend's cases in a child process and reads its results back. */
async function runNodeBackend(backend: BenchBackend, args: BenchArgs): Promise<ChildOutput> {
  const dir = mkdtempSync(join(os.tmpdir(), 'kiln-bench-out-'));
  const out = join(dir, 'cases.json');
  const argv = [
    '--expose-gc',
    '--import',
    'tsx',
    child,
    '--backend',
    backend.tfBackend,
    '--cases',
    args.cases.join(','),
    '--out',
    out,
    ...(args.quick ? ['--quick'] : []),
  ];
  try {
    const code = await new Promise<number | null>((resolve) => spawn(process.execPath, argv, { stdio: 'inherit' }).on('exit', resolve));
    if (code !== 0) throw new Error(`the ${backend.name} child process exited with status ${code}`);
    return JSON.parse(readFileSync(out, 'utf8')) as ChildOutput;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every case of a backend as skipped, for a backend whose run failed. */
function failed(backend: string, args: BenchArgs, e: Error): CaseResult[] {
  return CASES.filter((c) => args.cases.includes(c.id)).map((c) => skippedCase(backend, c.name, c.batch, `failed: ${e.message}`));
}

/** `npm run bench`: each backend's cases side by side, one table, and the JSON with --json. */
async function main(args: BenchArgs): Promise<number> {
  const started = Date.now();
  const chosen = BACKENDS.filter((b) => args.backends.includes(b.name));
  const cases: CaseResult[] = [];
  const notRun: BenchReport['notRun'] = [];
  let status = 0;
  for (const b of chosen.filter((b) => b.where === 'node')) {
    const output = await runNodeBackend(b, args).catch((e: Error): ChildOutput => ((status = 1), { cases: failed(b.name, args, e) }));
    if ('notRun' in output) notRun.push({ backend: displayName(b), reason: output.notRun });
    else cases.push(...output.cases);
  }
  const inChromium = chosen.filter((b) => b.where === 'chromium');
  if (inChromium.length) {
    const result = await runChromium(inChromium, args).catch((e: Error) => ((status = 1), inChromium.flatMap((b) => failed(b.name, args, e))));
    cases.push(...result);
  }
  const data = await runDataBenches(args.data, (line) => console.log(line)).catch((e: Error) => {
    status = 1;
    console.error(`bench: dataset readers failed: ${e.message}`);
    return [];
  });
  const cpus = os.cpus();
  const report: BenchReport = {
    date: new Date().toISOString(),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine: `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`,
    cases,
    notRun,
    fairness: FAIRNESS,
    data,
  };
  if (data.length) console.log(`\nDataset readers:\n${formatData(data)}`);
  if (chosen.length) console.log(`\n${formatTable(report)}\n\nFairness:\n${FAIRNESS.map((f) => `- ${f}`).join('\n')}`);
  console.log(`\n${report.machine}; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  return status;
}

let args: BenchArgs;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(2);
}
main(args).then(
  (status) => process.exit(status),
  (e: Error) => {
    console.error(`bench: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
