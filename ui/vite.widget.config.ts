// The notebook widget (ui/src/widget/): one self-contained ES module, React and the map
// included, that ships inside the Python package next to chroma.notebook (gitignored, a
// hatch artifact like the web UI). `npm run build` runs this after the app's build.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // A library build leaves process.env to its user; a notebook has none.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  // public/ is the app's (favicon, ...): none of it belongs to the widget.
  publicDir: false,
  build: {
    outDir: '../src/chroma/notebook/static',
    emptyOutDir: true,
    target: 'es2022',
    // React, regl-scatterplot and Arrow in one file: the widget is loaded once per page.
    chunkSizeWarningLimit: 1500,
    // Vite leaves a library's whitespace in (for its users' tree-shaking); nobody shakes
    // this module: the kernel sends all of it to every notebook that shows a map.
    rolldownOptions: { output: { minify: true } },
    lib: {
      entry: 'src/widget/index.ts',
      formats: ['es'],
      fileName: () => 'widget.js',
    },
  },
});
