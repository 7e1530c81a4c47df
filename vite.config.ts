import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer, plus the browser bridge's shim as a second entry (used only by `npm run web`).
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [
    react(),
    // React Refresh injects an inline script in dev only; the built app keeps the strict CSP meta tag.
    { name: 'dev-csp', apply: 'serve', transformIndexHtml: (html: string) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '') },
  ],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./renderer/index.html', import.meta.url)),
        'web-shim': fileURLToPath(new URL('./renderer/web-shim.ts', import.meta.url)),
      },
      output: { entryFileNames: (chunk) => (chunk.name === 'web-shim' ? 'web-shim.js' : 'assets/[name]-[hash].js') },
    },
  },
});
