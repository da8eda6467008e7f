/**
 * Wraps a gzipped report in an e-mail as receivers send it (RFC 7489 §7.2.1.1, RFC 9990 §3.5.2):
 * multipart/mixed with a short text part and a base64 application/gzip attachment, the
 * Subject "Report Domain: <domain> Submitter: <receiver> Report-ID: <id>". CRLF line ends.
 */
import { Buffer } from 'node:buffer';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An RFC 5322 §3.3 date-time in UTC. */
function mailDate(seconds) {
  const d = new Date(seconds * 1000);
  const two = (n) => String(n).padStart(2, '0');
  return `${DAY_NAMES[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Base64 in lines of 76 characters (RFC 2045 §6.8). */
function base64Lines(bytes) {
  const text = bytes.toString('base64');
  const lines = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\r\n');
}

/**
 * @param {object} message
 * @param {import('./reporters.js').Reporter} message.reporter
 * @param {string} message.domain policy domain
 * @param {string} message.reportId
 * @param {number} message.sent Unix seconds, the Date header
 * @param {string} message.filename attachment file name
 * @param {Buffer} message.gzip the gzipped report
 * @param {string} message.token random text for the boundary and Message-ID
 * @returns {Buffer}
 */
export function makeReportEmail({ reporter, domain, reportId, sent, filename, gzip, token }) {
  const boundary = `----=_Part_${token}`;
  const ip = `192.0.2.${(sent % 250) + 2}`;
  const lines = [
    `Return-Path: <${reporter.email}>`,
    `Received: from mail-out.${reporter.host} (mail-out.${reporter.host} [${ip}])`,
    `\tby mx.${domain} with ESMTPS id ${token.slice(0, 12)}`,
    `\tfor <dmarc-rua@${domain}>; ${mailDate(sent)}`,
    `Authentication-Results: mx.${domain}; dkim=pass header.d=${reporter.host}; spf=pass smtp.mailfrom=${reporter.host}; dmarc=pass header.from=${reporter.host}`,
    `Date: ${mailDate(sent)}`,
    `From: ${reporter.orgName.replace(/[^A-Za-z0-9 .-]/g, '')} DMARC <${reporter.email}>`,
    `To: dmarc-rua@${domain}`,
    `Subject: Report Domain: ${domain} Submitter: ${reporter.host} Report-ID: <${reportId}>`,
    `Message-ID: <${token}@${reporter.host}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="us-ascii"',
    'Content-Transfer-Encoding: 7bit',
    '',
    `This is an aggregate report from ${reporter.host}.`,
    '',
    `Report Domain: ${domain}`,
    `Submitter: ${reporter.host}`,
    `Report-ID: ${reportId}`,
    '',
    `--${boundary}`,
    `Content-Type: application/gzip; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(gzip),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
