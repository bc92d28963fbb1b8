import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The studio is a static single-page app; the learner runs in a module worker.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173 },
  preview: { port: 4173 },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
