// The live task dashboard served at / (see web/README.md). Built into web/dist/dashboard by
// `npm run build:web`; its assets are served under /web/dashboard/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/web/dashboard/',
  // React 19's automatic runtime: no plugin needed, Vite's own transform (Oxc) compiles JSX.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    // The page must load with a CSP of script-src 'self': no inline module preload polyfill.
    modulePreload: { polyfill: false },
  },
});
