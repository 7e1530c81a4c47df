import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// A sandboxed preload must be one CommonJS file with only `electron` left as a require.
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('./dist/preload', import.meta.url)),
    emptyOutDir: true,
    minify: false,
    lib: { entry: fileURLToPath(new URL('./preload/index.ts', import.meta.url)), formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
