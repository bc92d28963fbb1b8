#!/usr/bin/env node
// `npm test`: installs what the tests need where it can, then runs every test: type checks, unit
// tests in Node (vitest), then browser tests that drive Debian's chromium (one after the other, so
// the browser timings are not disturbed by the unit tests).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync('node_modules/.package-lock.json')) run('npm', ['ci']);

// Debian packages the tests drive: chromium (browser tests), Mesa's EGL and OpenGL ES (WebGPU in
// Node through Dawn's OpenGL ES backend, for the compiled-step tests), Python with numpy (the
// PyTorch exports' model.py run on numpy stand-ins, and the generated Python compiled).
const PACKAGES = ['chromium', 'libegl1', 'libegl-mesa0', 'libgles2', 'libgl1-mesa-dri', 'python3', 'python3-numpy'];
const missing = PACKAGES.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
if (missing.length) {
  if (process.getuid?.() === 0) {
    console.log(`Installing Debian packages for the tests: ${missing.join(' ')}`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit' });
  } else {
    console.error(`The tests need Debian packages: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
}

// Type checks of every tsconfig (the learner without the DOM, the worker, the UI), then format and lint.
run('npm', ['run', 'typecheck']);
run('npm', ['run', 'lint']);

let passed = 0;
let failed = 0;
let skipped = 0;
let status = 0;
for (const project of ['unit', 'e2e']) {
  const results = `node_modules/.vitest-${project}.json`;
  rmSync(results, { force: true });
  const r = spawnSync('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile=${results}`], { stdio: 'inherit' });
  status ||= r.status ?? 1;
  if (existsSync(results)) {
    const j = JSON.parse(readFileSync(results, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests;
  }
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status);
