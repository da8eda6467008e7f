/**
 * Makes files and folders really read-only for a test, so the open path is exercised as a user
 * meets it: `chmod` for an ordinary user; as root, which `chmod` does not stop, `chattr +i` (the
 * immutable attribute, which stops root too, on ext4, XFS, btrfs, tmpfs). When neither can deny
 * writing, the caller skips with the reason given.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';

export type ReadOnlyPaths = { readonly undo: () => void; readonly how: string } | { readonly skip: string };

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Denies writing to every path (files and folders); `undo` gives it back (call it in `finally`). */
export function makeReadOnly(paths: readonly string[]): ReadOnlyPaths {
  if (process.getuid?.() !== 0) {
    const modes = paths.map((path) => statSync(path).mode & 0o7777);
    for (const path of paths) chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
    const undo = (): void => paths.forEach((path, i) => chmodSync(path, modes[i] ?? 0o755));
    if (paths.every((path) => !writable(path))) return { undo, how: 'chmod' };
    undo();
    return { skip: 'chmod did not make the paths read-only on this file system' };
  }
  const done: string[] = [];
  const undo = (): void => {
    for (const path of done.reverse()) spawnSync('chattr', ['-i', path]);
  };
  for (const path of paths) {
    const result = spawnSync('chattr', ['+i', path], { encoding: 'utf8' });
    if (result.status !== 0) {
      undo();
      return { skip: `running as root, where chmod denies nothing, and chattr +i failed (${(result.stderr || result.error?.message || 'no chattr').trim()})` };
    }
    done.push(path);
  }
  if (paths.every((path) => !writable(path))) return { undo, how: 'chattr +i' };
  undo();
  return { skip: 'chattr +i did not make the paths read-only on this file system' };
}
