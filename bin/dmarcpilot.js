#!/usr/bin/env node
// The `dmarcpilot` command. The TypeScript sources are compiled to dist/ by `npm install` (the
// `prepare` script) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('dmarcpilot: dist/ is missing. Run `npm run build` (or `npm ci`) in the dmarcpilot folder first.');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
