/**
 * Base64 bodies of leaf parts, decoded only when read (issue 12, item 7). MimeEntity.body of such
 * a part is decoded the first time it is read, and kept; bodyChunks streams it instead, a chunk
 * at a time, and bodySize and bodyHead give its size and first bytes, so a report attachment
 * streamed into the gzip or XML parser is never held decoded whole: a 250 MB e-mail then costs
 * its own bytes and a few megabytes, not also its 180 MB attachment. What they give is exactly
 * what reading `body` gives.
 */
import { Buffer } from 'node:buffer';
import type { MimeEntity } from './mime-entity.js';
import { decodeBase64, decodeBase64Chunks, decodedBase64Length } from './transfer-decoding.js';

/** Encoded bodies of entities whose `body` has not been read yet. */
const encodedBodies = new WeakMap<MimeEntity, Uint8Array>();

/** `entity` (a new object, changed in place) with a `body` that is `encoded` (base64) decoded when first read. */
export function withBase64Body(entity: MimeEntity, encoded: Uint8Array): MimeEntity {
  const lazy = entity;
  Object.defineProperty(lazy, 'body', {
    configurable: true,
    enumerable: true,
    get: () => {
      const body = decodeBase64(encoded);
      Object.defineProperty(lazy, 'body', { value: body, enumerable: true, writable: true, configurable: true });
      encodedBodies.delete(lazy);
      return body;
    },
  });
  encodedBodies.set(lazy, encoded);
  return lazy;
}

/** Bytes per chunk of a body already held whole (views of it). */
const HELD_CHUNK_BYTES = 1 << 20;

/** The entity's body, a chunk at a time (none empty): decoded a chunk at a time, or views of the body held. */
export function* bodyChunks(entity: MimeEntity): Generator<Uint8Array, void, undefined> {
  const encoded = encodedBodies.get(entity);
  if (encoded !== undefined) {
    yield* decodeBase64Chunks(encoded);
    return;
  }
  const body = entity.body;
  for (let i = 0; i < body.length; i += HELD_CHUNK_BYTES) yield body.subarray(i, i + HELD_CHUNK_BYTES);
}

/** The length of the entity's body. */
export function bodySize(entity: MimeEntity): number {
  const encoded = encodedBodies.get(entity);
  return encoded === undefined ? entity.body.length : decodedBase64Length(encoded);
}

/** The first `size` bytes of the entity's body (fewer when it is shorter). */
export function bodyHead(entity: MimeEntity, size: number): Uint8Array {
  const encoded = encodedBodies.get(entity);
  if (encoded === undefined) return entity.body.subarray(0, size);
  const taken: Uint8Array[] = [];
  let length = 0;
  for (const chunk of decodeBase64Chunks(encoded)) {
    taken.push(chunk);
    length += chunk.length;
    if (length >= size) break;
  }
  const head = Buffer.concat(taken, length);
  return new Uint8Array(head.buffer, head.byteOffset, Math.min(size, length));
}
