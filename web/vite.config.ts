// The dashboard's build (docs/dashboard.md): preact through Vite's own JSX transform, into
// dist/web, which `dmarcpilot serve` serves at `/`. No CDN, no external font: everything it
// needs is in the bundle, so it works offline and under the API's strict Content-Security-Policy
// (no inline script; the module script and the stylesheet are files of the same origin).
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: new URL('../dist/web', import.meta.url).pathname,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
});
