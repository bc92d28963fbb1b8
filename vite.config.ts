import { defineConfig } from 'vite';

// The studio is a static single-page app; the learner runs in a module worker.
export default defineConfig({
  server: { port: 5173, strictPort: false },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
