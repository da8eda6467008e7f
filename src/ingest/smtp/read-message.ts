/**
 * Reads the DATA of one message into memory, up to the size limit and within the listener's
 * budget of bytes held at once (MessageBudget). Past the limit, or once the budget is spent, the
 * rest is still read (the client must reach the final dot to get the 552 or 452 reply) but
 * dropped, so an oversized or deferred message costs no memory beyond what was already read.
 *
 * The message ends in shared memory (a SharedArrayBuffer), so the thread that parses it reads it
 * where it is (ingest/ingest-pool.ts) and it is held once.
 *
 * A client that disconnects before the final dot makes the stream fail: the promise rejects, the
 * budget taken is given back and nothing of the partial message is stored.
 */

/**
 * The message bytes (their budget is the caller's to give back once stored), `oversized` with
 * how many bytes were sent, or `deferred`: the budget could not hold it now.
 */
export type ReadMessage =
  | { readonly kind: 'read'; readonly bytes: Uint8Array }
  | { readonly kind: 'oversized'; readonly size: number }
  | { readonly kind: 'deferred'; readonly size: number };

/** Bytes of memory shared by every connection's messages. */
export interface MessageBudget {
  /** Takes `bytes` if there is room; false (taking nothing) otherwise. */
  take(bytes: number): boolean;
  give(bytes: number): void;
}

/** A budget without a bound. */
export const UNBOUNDED: MessageBudget = { take: () => true, give: () => undefined };

export async function readMessage(stream: AsyncIterable<unknown>, maxBytes: number, budget: MessageBudget = UNBOUNDED): Promise<ReadMessage> {
  let chunks: Buffer[] = [];
  let size = 0;
  let taken = 0;
  let deferred = false;
  const giveBack = (): void => {
    budget.give(taken);
    taken = 0;
    chunks = [];
  };
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (deferred || size > maxBytes) {
        if (taken > 0) giveBack();
        continue;
      }
      if (!budget.take(bytes.length)) {
        deferred = true;
        giveBack();
        continue;
      }
      taken += bytes.length;
      chunks.push(bytes);
    }
  } catch (caught) {
    giveBack();
    throw caught;
  }
  if (size > maxBytes) return { kind: 'oversized', size };
  if (deferred) return { kind: 'deferred', size };
  const shared = new Uint8Array(new SharedArrayBuffer(size));
  let at = 0;
  for (const chunk of chunks) {
    shared.set(chunk, at);
    at += chunk.length;
  }
  return { kind: 'read', bytes: shared };
}
