/**
 * Writes to standard output with back-pressure: `write` returns a promise while the pipe is
 * full. A closed pipe (`dmarcpilot parse ... | head`) ends the process quietly, as Unix tools do.
 */
export interface StdoutWriter {
  write(data: string | Uint8Array): Promise<void> | void;
  end(): Promise<void>;
}

export function createStdoutWriter(stream: NodeJS.WriteStream = process.stdout): StdoutWriter {
  let blocked: Promise<void> | undefined;
  stream.on('error', (caught: NodeJS.ErrnoException) => {
    if (caught.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw caught;
  });
  return {
    write(data: string | Uint8Array): Promise<void> | void {
      if (data.length === 0) return blocked;
      if (blocked) return blocked.then(() => this.write(data));
      if (!stream.write(data)) {
        blocked = new Promise<void>((resolve) =>
          stream.once('drain', () => {
            blocked = undefined;
            resolve();
          }),
        );
        return blocked;
      }
      return undefined;
    },
    async end(): Promise<void> {
      if (blocked) await blocked;
      await new Promise<void>((resolve) => (stream.writableNeedDrain ? stream.once('drain', () => resolve()) : resolve()));
    },
  };
}
