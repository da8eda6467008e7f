/**
 * An e-mail message (RFC 5322, MIME RFC 2045-2049) from bytes to a tree of MimeEntity:
 * headers unfolded, multipart bodies split (nested to any depth the limits allow),
 * message/rfc822 parsed into its one child (the body bytes are kept too), transfer encodings
 * decoded (a leaf's base64 only when its body is read: entity-body.ts streams it instead).
 * Bodies stay bytes (views into the input where no decoding was needed), so a message with a
 * 50 MB attachment is not turned into a string line by line.
 *
 * Never throws on bad input: problems become warnings, and only three things refuse a message:
 * no header block at the start (`mime-malformed`), more parts than `limits.maxMimeParts`
 * (`mime-malformed`), nesting deeper than `limits.maxNestingDepth` (`nesting-too-deep`).
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import { rejection, warning } from '../../core/diagnostic.js';
import type { Limits } from '../../core/limits.js';
import { decodeEncodedWords } from './encoded-words.js';
import { headerValue, readHeaderBlock } from './header-fields.js';
import type { HeaderBlock } from './header-fields.js';
import { MAX_PARAMETERS, parseParameterizedValue, stripComments } from './header-params.js';
import { withBase64Body } from './entity-body.js';
import type { MimeEntity } from './mime-entity.js';
import { splitMultipart } from './split-multipart.js';
import { decodeTransferEncoding } from './transfer-decoding.js';

export { decodeEncodedWords } from './encoded-words.js';
export { headerValue, headerValues } from './header-fields.js';

export interface ParsedMime {
  readonly entity?: MimeEntity;
  readonly rejection?: Rejection;
  readonly warnings: Diagnostic[];
}

/** Thrown inside the recursion when a limit is hit; caught in parseMime, never escapes. */
class MimeRefusal extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

/** RFC 6838 §4.2: type and subtype names of at most 127 characters each. */
const MAX_MEDIA_TYPE_LENGTH = 255;

interface ParseState {
  readonly limits: Limits;
  readonly location: string | undefined;
  readonly warnings: Diagnostic[];
  entities: number;
}

/** `path`: names the input in diagnostics (e.g. `reports.mbox > message 3`). */
export function parseMime(bytes: Uint8Array, limits: Limits, path?: string): ParsedMime {
  const warnings: Diagnostic[] = [];
  const start = skipEnvelopeLine(bytes);
  const message = bytes.subarray(start);
  const block = readHeaderBlock(message, 0);
  if (block.headers.length === 0) {
    const why = message.length === 0 ? 'The message is empty.' : 'The input does not start with an e-mail header block (its first line is not a header field).';
    return { rejection: rejection('mime-malformed', why, path), warnings };
  }
  const state: ParseState = { limits, location: path, warnings, entities: 0 };
  try {
    const entity = buildEntity(message, block, '', 0, state, 'text/plain');
    return { entity, warnings };
  } catch (caught) {
    if (caught instanceof MimeRefusal) return { rejection: caught.rejection, warnings };
    throw caught;
  }
}

/** Every entity of the tree, depth-first, parents before children, enclosed messages included. */
export function* walkEntities(entity: MimeEntity): Generator<MimeEntity, void, undefined> {
  const stack: MimeEntity[] = [entity];
  for (let next = stack.pop(); next; next = stack.pop()) {
    yield next;
    for (let i = next.children.length - 1; i >= 0; i--) stack.push(next.children[i] as MimeEntity);
  }
}

function buildEntity(bytes: Uint8Array, block: HeaderBlock, path: string, depth: number, state: ParseState, defaultType: string): MimeEntity {
  const { limits } = state;
  state.entities++;
  if (state.entities > limits.maxMimeParts) {
    throw new MimeRefusal(rejection('mime-malformed', `The message has more than ${limits.maxMimeParts} MIME parts (limit maxMimeParts).`, state.location));
  }
  if (depth > limits.maxNestingDepth) {
    throw new MimeRefusal(rejection('nesting-too-deep', `MIME parts are nested more than ${limits.maxNestingDepth} levels deep (limit maxNestingDepth).`, where(state, path)));
  }
  if (block.strayLine !== undefined && block.headers.length > 0) {
    state.warnings.push(warning('mime-header-malformed', `Header line ${block.strayLine} is not a header field; the body was taken to start there.`, where(state, path)));
  }
  const entity = describeEntity(block, path, defaultType, state);
  const raw = bytes.subarray(block.bodyStart);
  const multipart = entity.contentType.startsWith('multipart/');
  const message = entity.contentType === 'message/rfc822' || entity.contentType === 'message/global';
  // A leaf's base64 is decoded when its body is read, or streamed (entity-body.ts).
  if (entity.transferEncoding === 'base64' && !multipart && !message) return withBase64Body({ ...entity, children: [] }, raw);
  const decoded = decodeTransferEncoding(raw, entity.transferEncoding);
  if (!decoded.known) {
    state.warnings.push(warning('mime-unknown-encoding', `Unknown Content-Transfer-Encoding ${shown(entity.transferEncoding)}; the body was kept as it is.`, where(state, path)));
  }
  if (multipart) {
    const children = buildParts(decoded.bytes, entity, depth, state);
    if (children) return { ...entity, body: new Uint8Array(0), children };
  } else if (message) {
    const inner = readHeaderBlock(decoded.bytes, 0);
    if (inner.headers.length > 0) {
      return { ...entity, body: decoded.bytes, children: [buildEntity(decoded.bytes, inner, path, depth + 1, state, 'text/plain')] };
    }
    state.warnings.push(warning('mime-header-malformed', `The ${entity.contentType} part does not start with a header block; it was kept as bytes.`, where(state, path)));
  }
  return { ...entity, body: decoded.bytes, children: [] };
}

/** Children of a multipart entity, or undefined (after a warning) when it cannot be split. */
function buildParts(body: Uint8Array, entity: MimeEntity, depth: number, state: ParseState): MimeEntity[] | undefined {
  const boundary = entity.contentTypeParams.boundary;
  if (!boundary) {
    state.warnings.push(warning('mime-boundary-missing', `The ${entity.contentType} entity has no boundary parameter; its body was kept as bytes.`, where(state, entity.path)));
    return undefined;
  }
  const split = splitMultipart(body, boundary, state.limits.maxMimeParts);
  if (!split.foundDelimiter) {
    state.warnings.push(warning('mime-boundary-missing', `No ${shown(`--${boundary}`)} delimiter line in the ${entity.contentType} body; its body was kept as bytes.`, where(state, entity.path)));
    return undefined;
  }
  if (!split.closed) {
    state.warnings.push(warning('mime-unterminated-multipart', `The ${entity.contentType} body has no closing ${shown(`--${boundary}--`)} line; the last part runs to the end.`, where(state, entity.path)));
  }
  const childType = entity.contentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain'; // RFC 2046 §5.1.5
  return split.parts.map((part, index) => {
    const childPath = entity.path === '' ? String(index + 1) : `${entity.path}.${index + 1}`;
    return buildEntity(part, readHeaderBlock(part, 0), childPath, depth + 1, state, childType);
  });
}

/** Everything about an entity that its headers say; body and children are filled in by the caller. */
function describeEntity(block: HeaderBlock, path: string, defaultType: string, state: ParseState): MimeEntity {
  const headers = block.headers;
  const typeField = headerValue({ headers }, 'content-type');
  let contentType = defaultType;
  let contentTypeParams: Readonly<Record<string, string>> = {};
  if (typeField !== undefined) {
    const parsed = parseParameterizedValue(typeField);
    contentTypeParams = parsed.params;
    if (parsed.tooManyParameters) tooManyParameters(state, path, 'Content-Type');
    if (parsed.value.length <= MAX_MEDIA_TYPE_LENGTH && /^[^/\s]+\/[^/\s]+$/.test(parsed.value)) contentType = parsed.value;
    else state.warnings.push(warning('mime-content-type-invalid', `Content-Type ${shown(typeField)} is not a media type; ${defaultType} was assumed.`, where(state, path)));
  }
  const transferEncoding = stripComments(headerValue({ headers }, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase() || '7bit';
  const dispositionField = headerValue({ headers }, 'content-disposition');
  const disposition = dispositionField === undefined ? undefined : parseParameterizedValue(dispositionField);
  if (disposition?.tooManyParameters) tooManyParameters(state, path, 'Content-Disposition');
  const rawName = disposition?.params.filename ?? contentTypeParams.name;
  const entity: MimeEntity = { path, headers, contentType, contentTypeParams, transferEncoding, body: new Uint8Array(0), children: [] };
  return {
    ...entity,
    ...(disposition && disposition.value !== '' ? { disposition: disposition.value } : {}),
    ...(rawName !== undefined && rawName !== '' ? { filename: decodeEncodedWords(rawName) } : {}),
  };
}

function tooManyParameters(state: ParseState, path: string, field: string): void {
  state.warnings.push(warning('mime-header-malformed', `${field} has more than ${MAX_PARAMETERS} parameters; the rest were not read.`, where(state, path)));
}

/** Offset after a leading mbox `From ` envelope line (e.g. a message saved from a mailbox), else 0. Leading blank lines are skipped too. */
function skipEnvelopeLine(bytes: Uint8Array): number {
  let start = 0;
  while (start < bytes.length && (bytes[start] === 0x0a || bytes[start] === 0x0d)) start++;
  const isFromLine = bytes[start] === 0x46 && bytes[start + 1] === 0x72 && bytes[start + 2] === 0x6f && bytes[start + 3] === 0x6d && bytes[start + 4] === 0x20;
  if (!isFromLine) return start;
  let i = start + 5;
  while (bytes[i] === 0x20 || bytes[i] === 0x09) i++;
  if (bytes[i] === 0x3a) return start; // `From :` is an (obsolete-syntax) header field
  const newline = bytes.indexOf(0x0a, i);
  return newline === -1 ? bytes.length : newline + 1;
}

/** A value from the input, quoted for a message: at most 100 characters of it, so a hostile field does not make a huge warning. */
function shown(value: string): string {
  return value.length <= 100 ? `"${value}"` : `"${value.slice(0, 100)}…" (${value.length} characters)`;
}

function where(state: ParseState, path: string): string {
  const part = path === '' ? 'message' : `part ${path}`;
  return state.location ? `${state.location} > ${part}` : part;
}
