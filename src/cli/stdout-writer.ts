/**
 * Writes to standard output with back-pressure: `write` returns a promise while the pipe is
 * full. (A closed pipe is handled once for every command, in main.ts.)
 */
export interface StdoutWriter {
  write(data: string | Uint8Array): Promise<void> | void;
  end(): Promise<void>;
}

export function createStdoutWriter(stream: NodeJS.WriteStream = process.stdout): StdoutWriter {
  let blocked: Promise<void> | undefined;
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
