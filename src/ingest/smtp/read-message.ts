/**
 * Reads the DATA of one message into memory, up to the size limit and within the listener's
 * budget of bytes held at once (MessageBudget). Past the limit, or once the budget is spent, the
 * rest is still read (the client must reach the final dot to get the 552 or 452 reply) but
 * dropped, so an oversized or deferred message costs no memory beyond what was already read.
 *
 * The message is written as it arrives into a growable SharedArrayBuffer (its pages are taken as
 * it grows, up to the limit), so it is held once: no list of chunks to join at the end, no copy
 * for the thread that parses it, which reads it where it is (ingest/ingest-pool.ts).
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

/** A SharedArrayBuffer that grows (ES2024; in Node since 20): its memory is taken as it grows. */
interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  grow(byteLength: number): void;
}
const GrowableShared = SharedArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;

/** A budget without a bound. */
export const UNBOUNDED: MessageBudget = { take: () => true, give: () => undefined };

export async function readMessage(stream: AsyncIterable<unknown>, maxBytes: number, budget: MessageBudget = UNBOUNDED): Promise<ReadMessage> {
  let memory: GrowableSharedArrayBuffer | undefined = new GrowableShared(0, { maxByteLength: maxBytes });
  let size = 0;
  let taken = 0;
  let deferred = false;
  const giveBack = (): void => {
    budget.give(taken);
    taken = 0;
    memory = undefined;
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
      if (!memory) continue;
      memory.grow(taken + bytes.length);
      new Uint8Array(memory, taken, bytes.length).set(bytes);
      taken += bytes.length;
    }
  } catch (caught) {
    giveBack();
    throw caught;
  }
  if (size > maxBytes) return { kind: 'oversized', size };
  if (deferred || !memory) return { kind: 'deferred', size };
  return { kind: 'read', bytes: new Uint8Array(memory, 0, size) };
}
