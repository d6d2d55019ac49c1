// GraphiQL 5 served by longrun at /graphql and /playground (src/http/playground.ts); its
// assets under /web/playground/. Built by scripts/build-web.mjs (npm install).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/web/playground/',
  // Monaco's workers (graphiql/setup-workers/vite, `?worker` imports) are split into chunks
  // of their own, which only ES module workers can load.
  worker: { format: 'es' },
  build: {
    outDir: '../dist/playground',
    emptyOutDir: true,
    // Monaco alone is a few MB of JavaScript: the playground is one page, loaded once.
    chunkSizeWarningLimit: 8000,
    rolldownOptions: {
      onwarn(warning, warn) {
        // GraphiQL's React packages mark themselves "use client" / "use no memo" for frameworks
        // with server components; a client-only bundle has nothing to preserve.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
