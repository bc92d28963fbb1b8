import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { mnistDigits } from './scripts/vite-mnist.ts';

// The studio is a static single-page app; the learner runs in a module worker, whose bundle
// takes its own plugins (the built-in MNIST is loaded there).
export default defineConfig({
  plugins: [react(), mnistDigits()],
  server: { port: 5173 },
  preview: { port: 4173 },
  worker: { format: 'es', plugins: () => [mnistDigits()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // zod in a chunk of its own: the page evaluates it in a task before the run form's (see main.tsx).
    rollupOptions: { output: { manualChunks: (id) => (id.includes('/node_modules/zod/') ? 'zod' : null) } },
  },
});
