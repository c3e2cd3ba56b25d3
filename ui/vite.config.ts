/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The Chroma server the dev server and `vite preview` forward API calls to.
const api = process.env.CHROMA_API_URL ?? 'http://127.0.0.1:8000';
const proxy = {
  '/graphql': { target: api, changeOrigin: true },
  '/api': { target: api, changeOrigin: true },
  '/healthz': { target: api, changeOrigin: true },
};

export default defineConfig({
  plugins: [react()],
  // The build ships inside the Python package (gitignored; a hatch artifact).
  build: {
    outDir: '../src/chroma/server/static',
    emptyOutDir: true,
    target: 'es2022',
    // regl + regl-scatterplot alone are ~250 kB; the map is the point of the app.
    chunkSizeWarningLimit: 900,
  },
  worker: { format: 'es' },
  server: { port: 5173, strictPort: false, proxy },
  preview: { port: 4173, proxy },
  test: {
    // Logic tests run in plain Node; component tests opt into happy-dom per file.
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    // Two cores on the build machines: threads are cheaper than forks here.
    pool: 'threads',
    css: false,
  },
});
