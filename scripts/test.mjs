#!/usr/bin/env node
// `npm test`: installs what the tests need where it can, then runs every test.
// Unit tests run in Node (vitest); browser tests (tests/e2e) drive Debian's chromium.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync('node_modules/.package-lock.json')) run('npm', ['ci']);

const e2e = existsSync('tests/e2e') && readdirSync('tests/e2e').some((f) => f.endsWith('.test.ts'));
if (e2e && !existsSync('/usr/bin/chromium')) {
  const root = process.getuid?.() === 0;
  if (root) {
    console.log('Installing Debian chromium for the browser tests...');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  } else {
    console.error('The browser tests need Debian chromium: sudo apt-get install -y chromium');
    process.exit(1);
  }
}

run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.train.json']);
// Vitest's own report, plus one plain closing line with the totals.
const results = 'node_modules/.vitest-results.json';
rmSync(results, { force: true });
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${results}`], { stdio: 'inherit' });
if (existsSync(results)) {
  const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(results, 'utf8'));
  console.log(`Tests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
}
process.exit(r.status ?? 1);
