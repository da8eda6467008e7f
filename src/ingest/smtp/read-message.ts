/**
 * Reads the DATA of one message into memory, up to the size limit. Past the limit the rest is
 * still read (the client must reach the final dot to get the 552 reply) but dropped, so an
 * oversized message costs at most `maxBytes` of memory.
 *
 * A client that disconnects before the final dot makes the stream fail: the promise rejects and
 * nothing of the partial message is stored.
 */

/** The message bytes, or `oversized` with how many bytes were sent. */
export type ReadMessage = { readonly oversized: false; readonly bytes: Uint8Array } | { readonly oversized: true; readonly size: number };

export async function readMessage(stream: AsyncIterable<unknown>, maxBytes: number): Promise<ReadMessage> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size <= maxBytes) chunks.push(bytes);
    else chunks.length = 0;
  }
  if (size > maxBytes) return { oversized: true, size };
  const joined = Buffer.concat(chunks, size);
  return { oversized: false, bytes: new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength) };
}
