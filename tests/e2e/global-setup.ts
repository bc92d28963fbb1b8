import type { TestProject } from 'vitest/node';
import { build, preview } from 'vite';

declare module 'vitest' {
  export interface ProvidedContext {
    studioUrl: string;
  }
}

/**
 * Builds the studio once for every browser test, as `vite build` does from a shell, and serves it
 * as `vite preview` would. Vitest runs with NODE_ENV=test, under which Vite bundles React's
 * development build (validation on every render, StrictMode rendering twice): the tests must
 * drive the app users get.
 */
export default async function setup(project: TestProject) {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const server = await preview({ preview: { port: 0, strictPort: false }, logLevel: 'warn' });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 4173;
  project.provide('studioUrl', `http://localhost:${port}/`);
  return () => server.close();
}
