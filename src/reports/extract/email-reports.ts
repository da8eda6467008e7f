/**
 * Reports inside one e-mail message: a failure report (ARF, or the text-only kind some gateways
 * send), or report files in any part, whatever its declared type (reporters use application/gzip,
 * application/zip, application/octet-stream, text/xml, application/tlsrpt+gzip, a single-part body,
 * or a forwarded message/rfc822). Parts are sniffed by content; human-readable parts are skipped.
 */
import { rejection } from '../../core/diagnostic.js';
import { InputRejectedError } from '../../core/input-rejected.js';
import { isFailureReport, parseFailureReport } from '../failure/parse-failure-report.js';
import type { MimeEntity } from '../mime/mime-entity.js';
import { parseMime, walkEntities } from '../mime/parse-mime.js';
import { sniffContent } from '../unpack/sniff.js';
import { streamBytes } from './byte-stream.js';
import type { PayloadContext } from './payload-context.js';

const REPORT_KINDS = new Set(['gzip', 'zip', 'xml', 'json', 'base64']);

export async function extractFromEmail(bytes: Uint8Array, context: PayloadContext): Promise<void> {
  const parsed = parseMime(bytes, context.limits, context.location);
  if (!parsed.entity) throw new InputRejectedError(parsed.rejection ?? rejection('mime-malformed', 'The e-mail message could not be read.'));
  context.warnings.push(...parsed.warnings);
  const found = await extractFromEntity(parsed.entity, context);
  if (found === 0) {
    const types = [...walkEntities(parsed.entity)].map((e) => e.contentType).join(', ');
    throw new InputRejectedError(rejection('no-report-found', `The e-mail holds no DMARC or TLS report (its parts: ${types}).`));
  }
}

/** Reports found in `message` and everything it encloses; each is sent to the sink. */
async function extractFromEntity(message: MimeEntity, context: PayloadContext): Promise<number> {
  if (isFailureReport(message)) {
    const result = parseFailureReport(message);
    if (result.report) context.sink.failureReport(result.report, context.location, [...context.warnings, ...result.warnings]);
    else context.sink.rejected(result.rejection ?? rejection('arf-invalid', 'The failure report could not be read.'), context.location);
    return 1;
  }
  let found = 0;
  const visit = async (entity: MimeEntity): Promise<void> => {
    if (entity.contentType === 'message/rfc822' && entity.children[0]) {
      const enclosed = entity.children[0];
      found += await extractFromEntity(enclosed, { ...context, location: `${context.location} > ${partName(entity)}` });
      return;
    }
    if (entity.children.length > 0) {
      for (const child of entity.children) await visit(child);
      return;
    }
    if (entity.body.length === 0 || entity.contentType === 'text/html') return;
    const head = entity.body.subarray(0, 4096);
    const kind = sniffContent(head);
    if (!REPORT_KINDS.has(kind)) return;
    if (kind === 'xml' && !/feedback/i.test(new TextDecoder('latin1').decode(head))) return;
    found++;
    await context.extractNested(streamBytes(entity.body), entity.body.length, { ...context, location: `${context.location} > ${partName(entity)}`, depth: context.depth + 1, warnings: [...context.warnings] });
  };
  await visit(message);
  return found;
}

function partName(entity: MimeEntity): string {
  return entity.filename ?? `part ${entity.path || '1'}`;
}
