import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page, type Worker } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM, chromiumFlags } from '../scripts/chromium';

/**
 * The studio's first load and its main thread, as a user meets them: builds the app, serves it as
 * `vite preview` does and opens it in a fresh chromium profile `--runs` times. Each run reports
 * the time from opening the page to an enabled Start on built-in MNIST, the bytes fetched, when
 * the worker started and fetched what, and the long main-thread tasks before Start (with the
 * scripts the long animation frames blame). `--train S` then trains for S seconds and reports the
 * tasks while training; `--webgl` hides WebGPU. Ends with the median and range over the runs.
 * `--profile` records the main thread's CPU profile while training (the app built unminified) and
 * prints the functions that took longest, self and total.
 * `npx tsx bench/studio-load.ts [--runs 5] [--train 20] [--webgl] [--no-build] [--profile]`.
 */

interface Seen {
  longTasks: { start: number; duration: number }[];
  frames: {
    start: number;
    duration: number;
    blocking: number;
    layout: number;
    render: number;
    scripts: { source: string; fn: string; invoker: string; duration: number }[];
  }[];
  startEnabledAt?: number;
  cardAt?: number;
  firstMessage: Record<string, number>;
}

const flag = (name: string) => process.argv.includes(name);
const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

/**
 * Records long tasks, long animation frames and the moment Start first turns enabled into
 * `window.__seen`. A string, not a function: tsx's name helpers do not exist in the page.
 */
const OBSERVE = `(() => {
  const seen = { longTasks: [], frames: [] };
  window.__seen = seen;
  new PerformanceObserver((l) => l.getEntries().forEach((e) => seen.longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((l) => l.getEntries().forEach((f) => seen.frames.push({
    start: f.startTime, duration: f.duration, blocking: f.blockingDuration,
    render: f.renderStart ? f.startTime + f.duration - f.renderStart : 0,
    layout: f.styleAndLayoutStart ? f.startTime + f.duration - f.styleAndLayoutStart : 0,
    scripts: f.scripts.map((s) => ({ source: s.sourceURL.replace(/^.*\\//, ''), fn: s.sourceFunctionName, invoker: s.invoker, duration: s.duration })),
  }))).observe({ type: 'long-animation-frame', buffered: true });
  // When the worker starts and when each kind of its messages first arrives.
  seen.firstMessage = {};
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      seen.firstMessage.created ??= performance.now();
      this.addEventListener('message', (e) => (seen.firstMessage[e.data?.type] ??= performance.now()));
    }
  };
  const watch = new MutationObserver(() => {
    const start = document.querySelector('button.primary');
    if (start && !start.disabled) seen.startEnabledAt ??= performance.now();
    if (document.querySelector('[aria-label="Dataset card"] h2')?.textContent === 'MNIST (built in)') seen.cardAt ??= performance.now();
    if (seen.startEnabledAt !== undefined && seen.cardAt !== undefined) watch.disconnect();
  });
  watch.observe(document, { subtree: true, childList: true, attributes: true });
})();`;

const seenOf = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen }).__seen);

/** Prints the long tasks in a window and the frames that blocked longest, with their scripts. */
function report(what: string, seen: Seen, from: number, to: number): number {
  const tasks = seen.longTasks.filter((t) => t.start >= from && t.start < to);
  const longest = Math.max(0, ...tasks.map((t) => t.duration));
  console.log(
    `  ${what}: ${tasks.length} long tasks, longest ${longest.toFixed(0)} ms [${tasks.map((t) => `${t.duration.toFixed(0)}@${t.start.toFixed(0)}`).join(' ')}]`,
  );
  const frames = seen.frames.filter((f) => f.start >= from && f.start < to && f.blocking > 0).sort((a, b) => b.blocking - a.blocking);
  for (const f of frames.slice(0, 4)) {
    console.log(
      `    frame @${f.start.toFixed(0)} ${f.duration.toFixed(0)} ms (blocking ${f.blocking.toFixed(0)}, rendering ${f.render.toFixed(0)}, style and layout ${f.layout.toFixed(0)}): ${f.scripts.map((s) => `${s.invoker} ${s.fn || '?'} (${s.source}) ${s.duration.toFixed(0)} ms`).join('; ')}`,
    );
  }
  return longest;
}

/** One run's numbers, for the summary. */
interface Run {
  readonly startEnabled: number;
  readonly loadLongest: number;
  readonly trainLongest?: number;
}

async function once(url: string, webgpu: boolean, trainSeconds: number): Promise<Run> {
  const profile = mkdtempSync(join(tmpdir(), 'kiln-load-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumFlags(webgpu),
    viewport: { width: 1280, height: 900 },
  });
  try {
    await context.addInitScript({ content: OBSERVE });
    const page = context.pages()[0] ?? (await context.newPage());
    const sizes: Promise<number>[] = [];
    const workers: Worker[] = [];
    page.on('worker', (w) => workers.push(w));
    page.on('requestfinished', (r) =>
      sizes.push(
        r.sizes().then(
          (s) => s.responseBodySize,
          () => 0,
        ),
      ),
    );
    await page.goto(url);
    await page.waitForFunction(
      () => ((s: Seen) => s.startEnabledAt !== undefined && s.cardAt !== undefined)((window as unknown as { __seen: Seen }).__seen),
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(1000); // the observers report late
    const seen = await seenOf(page);
    const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    console.log(
      `Start enabled after ${seen.startEnabledAt!.toFixed(0)} ms, the MNIST card after ${seen.cardAt!.toFixed(0)} ms; ${(bytes / 2 ** 20).toFixed(2)} MiB fetched`,
    );
    console.log(
      `  worker messages, first of each: ${Object.entries(seen.firstMessage)
        .map(([k, t]) => `${k} ${t.toFixed(0)}`)
        .join(', ')}`,
    );
    const pageOrigin = await page.evaluate(() => performance.timeOrigin);
    for (const w of workers) {
      const t = await w.evaluate(() => ({
        origin: performance.timeOrigin,
        res: performance
          .getEntriesByType('resource')
          .map((r) => [r.name.replace(/^.*\//, ''), r.startTime, (r as PerformanceResourceTiming).responseEnd] as const),
      }));
      const at = (v: number) => (v + t.origin - pageOrigin).toFixed(0);
      console.log(`  worker fetches: ${t.res.map(([n, a, b]) => `${n} ${at(a)}–${at(b)}`).join(', ')}`);
    }
    const loadLongest = report('before Start', seen, 0, seen.startEnabledAt!);
    if (!trainSeconds) return { startEnabled: seen.startEnabledAt!, loadLongest };
    await page.getByLabel('Samples').fill('600');
    await page.getByLabel('Epochs').fill('50');
    await page.getByLabel('Batch size').fill('32');
    await page.waitForTimeout(1500);
    const cdp = flag('--profile') ? await context.newCDPSession(page) : null;
    await cdp?.send('Profiler.enable');
    await cdp?.send('Profiler.setSamplingInterval', { interval: 250 });
    await cdp?.send('Profiler.start');
    const clickedAt = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForTimeout(trainSeconds * 1000);
    await page.getByRole('button', { name: 'Stop' }).click();
    if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
    await page
      .getByRole('status')
      .filter({ hasText: /Stopped/ })
      .waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1000);
    return { startEnabled: seen.startEnabledAt!, loadLongest, trainLongest: report('training', await seenOf(page), clickedAt, Infinity) };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The functions that ran longest in a CPU profile: self time, and total time with their callees. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
function printProfile(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\//, '')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples!.forEach((id, i) => {
    const dt = (profile.timeDeltas![i + 1] ?? 0) / 1000;
    const leaf = byId.get(id)!;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = name(byId.get(n)!);
      if (!seen.has(k)) total.set(k, (total.get(k) ?? 0) + dt), seen.add(k);
    }
  });
  const top = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => !/^\((root|program|idle|garbage collector)\)/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, ms]) => `    ${ms.toFixed(0).padStart(6)} ms  ${k}`)
      .join('\n');
  console.log(`  main thread while training, self time:\n${top(self)}\n  total time:\n${top(total)}`);
}

if (!flag('--no-build')) await build({ logLevel: 'warn', build: { minify: !flag('--profile') } });
const server = await preview({ preview: { port: 0, strictPort: false }, logLevel: 'warn' });
const address = server.httpServer.address();
const url = `http://localhost:${typeof address === 'object' && address ? address.port : 4173}/`;
/** Median, and the range, of some numbers. */
const spread = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms (${s[0].toFixed(0)}–${s[s.length - 1].toFixed(0)})`;
};

try {
  const runs: Run[] = [];
  for (let i = 0; i < option('--runs', 3); i++) runs.push(await once(url, !flag('--webgl'), option('--train', 0)));
  console.log(
    `\n${runs.length} runs. Start enabled: ${spread(runs.map((r) => r.startEnabled))}; longest task before Start: ${spread(runs.map((r) => r.loadLongest))}`,
  );
  if (option('--train', 0)) console.log(`longest task while training: ${spread(runs.map((r) => r.trainLongest!))}`);
} finally {
  server.httpServer.close();
}
