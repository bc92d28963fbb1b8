import type { TestProject } from 'vitest/node';
import { build, preview } from 'vite';

declare module 'vitest' {
  export interface ProvidedContext {
    studioUrl: string;
  }
}

/** Builds the studio once for every browser test and serves it as `vite preview` would. */
export default async function setup(project: TestProject) {
  await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 0, strictPort: false }, logLevel: 'warn' });
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 4173;
  project.provide('studioUrl', `http://localhost:${port}/`);
  return () => server.close();
}
