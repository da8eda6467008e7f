/**
 * Large, valid aggregate reports for the robustness tests: the fixture
 * aggregate/google-relaxed-dkim-pass.xml with its first record repeated `records` times (each
 * with its own source IP and count), and the report e-mail a reporter sends with it attached.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const fixture = readFileSync(fileURLToPath(new URL('../fixtures/aggregate/google-relaxed-dkim-pass.xml', import.meta.url)), 'utf8');

/** The report with `records` records and the report ID given. */
export function bigAggregateXml(reportId: string, records: number): string {
  const first = fixture.indexOf('<record>');
  const end = fixture.lastIndexOf('</record>') + '</record>'.length;
  const record = fixture.slice(first, fixture.indexOf('</record>', first) + '</record>'.length);
  const head = fixture.slice(0, first).replace(/<report_id>[^<]*<\/report_id>/, `<report_id>${reportId}</report_id>`);
  const parts: string[] = [head];
  for (let i = 0; i < records; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    parts.push(record.replace('<source_ip>192.0.2.17</source_ip>', `<source_ip>${ip}</source_ip>`).replace('<count>42</count>', `<count>${1 + (i % 97)}</count>`));
  }
  parts.push(fixture.slice(end));
  return parts.join('\n');
}

/** A report e-mail (RFC 5322, MIME) with `xml` attached, gzipped unless `plain`; base64 lines of 76. */
export function reportEmailWith(xml: string, reportId: string, plain = false): Buffer {
  const content = plain ? Buffer.from(xml) : gzipSync(xml);
  const base64 = content.toString('base64').replace(/.{76}/g, '$&\r\n');
  const name = `google.example!example.com!${reportId}.xml${plain ? '' : '.gz'}`;
  return Buffer.from(
    [
      'From: noreply-dmarc-support@google.example',
      'To: dmarc@reports.example',
      `Subject: Report domain: example.com Submitter: google.example Report-ID: ${reportId}`,
      `Message-ID: <${reportId}@google.example>`,
      'Date: Tue, 11 Mar 2025 00:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is an aggregate report from google.example.',
      '--b1',
      `Content-Type: ${plain ? 'text/xml' : 'application/gzip'}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}
