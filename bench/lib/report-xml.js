/**
 * Renders a report made by report-model.js as aggregate report XML, in three pieces (head,
 * records, tail) so that a report of any size can be streamed. Layout (indentation, declaration,
 * element order) follows the reporter; content follows the flavour:
 *   draft   - no <version>, no namespace (pre-1.0 drafts, still sent by large receivers);
 *   rfc7489 - <version>1.0</version>, no namespace (RFC 7489 App. C as sent in practice);
 *   rfc9990 - xmlns="urn:ietf:params:xml:ns:dmarc-2.0" (RFC 9990 §3, App. A).
 */

export const DMARC2_NAMESPACE = 'urn:ietf:params:xml:ns:dmarc-2.0';

const escapeXml = (text) => String(text).replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

/** Indentation strings for each nesting level of one reporter's layout. */
export function makeLayout(reporter) {
  const nl = reporter.indent === '' ? '' : '\n';
  const at = (level) => nl + reporter.indent.repeat(level);
  return { i1: at(1), i2: at(2), i3: at(3), i4: at(4), i5: at(5), nl };
}

const element = (indent, name, value) => (value === null || value === undefined ? '' : `${indent}<${name}>${escapeXml(value)}</${name}>`);

/** Everything before the first <record>. */
export function renderHead(header, layout) {
  const { reporter, policy: p, flavour } = header;
  const { i1, i2, i3, nl } = layout;
  const root = flavour === 'rfc9990' ? `<feedback xmlns="${DMARC2_NAMESPACE}">` : `<feedback${reporter.rootAttrs ?? ''}>`;
  let policy;
  if (flavour === 'rfc9990') {
    policy =
      element(i2, 'domain', p.domain) + element(i2, 'discovery_method', p.discoveryMethod) + element(i2, 'p', p.p) +
      element(i2, 'sp', p.sp) + element(i2, 'np', p.np) + element(i2, 'fo', p.fo) + element(i2, 'adkim', p.adkim) +
      element(i2, 'aspf', p.aspf) + element(i2, 'testing', p.testing);
  } else {
    policy =
      element(i2, 'domain', p.domain) + element(i2, 'adkim', p.adkim) + element(i2, 'aspf', p.aspf) + element(i2, 'p', p.p) +
      element(i2, 'sp', p.sp) + element(i2, 'pct', p.pct) + element(i2, 'fo', p.fo);
  }
  const extension = header.extension
    ? `${i1}<extension>${i2}<r:context xmlns:r="https://${reporter.host}/dmarc-extension">${i3}<r:region>eu-west-${header.begin % 3}</r:region>${i2}</r:context>${i1}</extension>`
    : '';
  return (
    `${reporter.declaration}${nl}${root}` +
    (flavour === 'draft' ? '' : element(i1, 'version', '1.0')) +
    `${i1}<report_metadata>` +
    element(i2, 'org_name', reporter.orgName) + element(i2, 'email', reporter.email) +
    element(i2, 'extra_contact_info', reporter.extra) + element(i2, 'report_id', header.reportId) +
    `${i2}<date_range>${element(i3, 'begin', header.begin)}${element(i3, 'end', header.end)}${i2}</date_range>` +
    element(i2, 'error', header.error) +
    (flavour === 'rfc9990' ? element(i2, 'generator', reporter.generator) : '') +
    `${i1}</report_metadata>` +
    `${i1}<policy_published>${policy}${i1}</policy_published>` +
    extension
  );
}

/** One <record> element. */
export function renderRecord(record, header, layout) {
  const { i1, i2, i3, i4, i5 } = layout;
  let reasons = '';
  for (const reason of record.reasons) {
    reasons += `${i4}<reason>${element(i5, 'type', reason.type)}${element(i5, 'comment', reason.comment)}${i4}</reason>`;
  }
  const identifiers =
    header.reporter.flavour === 'rfc9990' && header.reporter.indent === '\t'
      ? element(i3, 'header_from', record.headerFrom) + element(i3, 'envelope_from', record.envelopeFrom) + element(i3, 'envelope_to', record.envelopeTo)
      : element(i3, 'envelope_to', record.envelopeTo) + element(i3, 'envelope_from', record.envelopeFrom) + element(i3, 'header_from', record.headerFrom);
  let auth = '';
  for (const d of record.authDkim) {
    auth += `${i3}<dkim>${element(i4, 'domain', d.domain)}${element(i4, 'selector', d.selector)}${element(i4, 'result', d.result)}${element(i4, 'human_result', d.human)}${i3}</dkim>`;
  }
  for (const s of record.authSpf) {
    auth += `${i3}<spf>${element(i4, 'domain', s.domain)}${element(i4, 'scope', s.scope)}${element(i4, 'result', s.result)}${element(i4, 'human_result', s.human)}${i3}</spf>`;
  }
  return (
    `${i1}<record>${i2}<row>${i3}<source_ip>${record.sourceIp}</source_ip>${i3}<count>${record.count}</count>` +
    `${i3}<policy_evaluated>${i4}<disposition>${record.disposition}</disposition>${i4}<dkim>${record.dkim}</dkim>${i4}<spf>${record.spf}</spf>${reasons}${i3}</policy_evaluated>` +
    `${i2}</row>${i2}<identifiers>${identifiers}${i2}</identifiers>${i2}<auth_results>${auth}${i2}</auth_results>${i1}</record>`
  );
}

/** Everything after the last </record>. */
export function renderTail(layout) {
  return `${layout.nl}</feedback>${layout.nl}`;
}
