import { defineConfig } from 'vitest/config';
import { mnistDigits } from './scripts/vite-mnist.ts';

// Two projects: unit tests in Node, and browser tests that drive Debian's chromium.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [mnistDigits()], // worker modules import the built-in MNIST's URL
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          setupFiles: ['tests/unit/setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
