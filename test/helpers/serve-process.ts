/**
 * A running `dmarcpilot serve` (the built CLI) for the tests that run it as an operator would:
 * its standard error collected, waited on by pattern, stopped by a signal. The HTTP listener is
 * off unless the test asks for it (`--http`, or DMARCPILOT_HTTP in `env`), so that tests running
 * at once never compete for port 8080.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliBin = join(projectRoot, 'bin/dmarcpilot.js');

export class ServeProcess {
  readonly child: ChildProcess;
  log = '';
  readonly #exited: Promise<number | null>;

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [cliBin, 'serve', ...args], { cwd: projectRoot, env: { ...process.env, DMARCPILOT_HTTP: 'off', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.log += chunk));
    this.#exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Waits until the log matches (polling), or fails with the log so far (also when serve exits first). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.log);
      if (match) return match;
      if (this.child.exitCode !== null) throw new Error(`serve exited (${this.child.exitCode}) waiting for ${String(pattern)}; log:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; log:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  exit(): Promise<number | null> {
    return this.#exited;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.#exited;
  }
}
