/**
 * Inputs named on the command line: files, directories (walked recursively, in name order,
 * skipping hidden files) and `-` for standard input. Unreadable paths are reported, not fatal.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { streamBytes } from '../reports/extract/byte-stream.js';
import type { ExtractInput } from '../reports/extract/extract-reports.js';

export interface InputFile {
  readonly path: string;
  readonly size: number;
}

export interface ListedInputs {
  readonly files: InputFile[];
  readonly stdin: boolean;
  /** Paths that could not be read, with the reason. */
  readonly problems: { readonly path: string; readonly message: string }[];
}

/** Files are read in chunks of this size. */
export const READ_CHUNK_BYTES = 1 << 20;
/** Files up to this size are read in one call (most reports are small); larger ones are streamed. */
const READ_WHOLE_BYTES = 4 << 20;

export async function listInputs(paths: readonly string[]): Promise<ListedInputs> {
  const files: InputFile[] = [];
  const problems: { path: string; message: string }[] = [];
  const visited = new Set<string>();
  let stdin = false;

  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (caught) {
      problems.push({ path, message: describeFsError(caught) });
      return;
    }
    if (info.isDirectory()) {
      const real = await realpath(path);
      if (visited.has(real)) return; // a symbolic link loop
      visited.add(real);
      let names: string[];
      try {
        names = (await readdir(path)).sort();
      } catch (caught) {
        problems.push({ path, message: describeFsError(caught) });
        return;
      }
      // Hidden files (.DS_Store, .gitattributes, editor swap files) are not reports; a path named
      // on the command line is always read.
      for (const name of names) if (!name.startsWith('.')) await visit(join(path, name));
    } else if (info.isFile()) {
      files.push({ path, size: info.size });
    }
  };

  for (const path of paths) {
    if (path === '-') stdin = true;
    else await visit(path);
  }
  return { files, stdin, problems };
}

/**
 * A file as extraction input. `blocking` reads small files synchronously: right for worker
 * threads, which have nothing else to do meanwhile, and it saves a thread-pool round trip per file.
 */
export function openFileInput(file: InputFile, blocking = false): ExtractInput {
  if (blocking && file.size <= READ_WHOLE_BYTES) {
    const bytes = readFileSync(file.path);
    return { name: file.path, chunks: streamBytes(bytes), size: bytes.length };
  }
  return { name: file.path, chunks: createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES }), size: file.size };
}

export function openStdinInput(stream: AsyncIterable<Uint8Array>): ExtractInput {
  return { name: '-', chunks: stream };
}

function describeFsError(caught: unknown): string {
  const code = (caught as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return caught instanceof Error ? caught.message : String(caught);
}
