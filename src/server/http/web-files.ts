/**
 * The dashboard's files (the Vite build in dist/web, docs/dashboard.md), served at `/` by the same
 * listener as the API: `index.html` for `/`, hashed files under `/assets/` (cached for a year,
 * their names change with their content), nothing outside the folder (a path that resolves out
 * of it is not found). Absent folder (a source checkout not built): no dashboard, the API alone.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** dist/web beside the built server (dist/server/http/ → dist/web/). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

export interface WebFile {
  readonly bytes: Uint8Array;
  readonly type: string;
  readonly immutable: boolean;
}

/** The file for a URL path, or undefined when there is none (or it lies outside `root`). */
export function webFile(root: string, urlPath: string): WebFile | undefined {
  if (!existsSync(root)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const path = normalize(join(root, relative));
  if (!path.startsWith(normalize(root.endsWith(sep) ? root : root + sep))) return undefined;
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  const type = TYPES[extname(path).toLowerCase()];
  if (type === undefined) return undefined;
  return { bytes: new Uint8Array(readFileSync(path)), type, immutable: relative.startsWith('assets/') };
}
