/**
 * Counts the output of `dmarcpilot check --json` as it streams, without keeping it: lines, the
 * distinct domains (each must appear once), the per-domain `summary` added up by severity, and
 * how often each finding code occurs. Lines run to tens of KiB, so only the few bytes needed are
 * decoded: the domain and summary lead every line (the key order of DomainCheckResult), and
 * finding codes are found with Buffer#indexOf on `"code":"` followed by `","severity":`.
 */
import { Buffer } from 'node:buffer';
import { createLineSplitter } from './line-splitter.js';

const DOMAIN_KEY = Buffer.from('{"domain":"');
const SUMMARY_KEY = Buffer.from('"summary":');
const CODE_KEY = Buffer.from('"code":"');
const SEVERITY_AFTER_CODE = Buffer.from('","severity":"');

export function createCheckCounter() {
  let lines = 0;
  const domains = new Set();
  const duplicates = [];
  const severities = { error: 0, warning: 0, info: 0, ok: 0 };
  const codes = new Map();
  const problems = [];

  const problem = (text) => {
    if (problems.length < 10) problems.push(text);
  };

  const countLine = (buffer, start, end) => {
    if (end === start) return;
    lines += 1;
    if (buffer.indexOf(DOMAIN_KEY, start) !== start) {
      problem(`line ${lines}: does not start with {"domain": ${buffer.toString('utf8', start, Math.min(end, start + 120))}`);
      return;
    }
    const domainStart = start + DOMAIN_KEY.length;
    const domain = buffer.toString('latin1', domainStart, buffer.indexOf(0x22, domainStart));
    if (domains.has(domain)) {
      if (duplicates.length < 10) duplicates.push(domain);
    } else {
      domains.add(domain);
    }
    const at = buffer.indexOf(SUMMARY_KEY, domainStart);
    const close = at === -1 ? -1 : buffer.indexOf(0x7d, at);
    if (at === -1 || close === -1 || close > end) {
      problem(`line ${lines} (${domain}): no summary`);
    } else {
      try {
        const summary = JSON.parse(buffer.toString('latin1', at + SUMMARY_KEY.length, close + 1));
        for (const key of Object.keys(severities)) severities[key] += summary[key] ?? 0;
      } catch {
        problem(`line ${lines} (${domain}): unreadable summary`);
      }
    }
    let from = close === -1 ? domainStart : close;
    for (;;) {
      const codeAt = buffer.indexOf(CODE_KEY, from);
      if (codeAt === -1 || codeAt >= end) break;
      const codeStart = codeAt + CODE_KEY.length;
      const codeEnd = buffer.indexOf(0x22, codeStart);
      from = codeEnd + 1;
      if (buffer.indexOf(SEVERITY_AFTER_CODE, codeEnd) !== codeEnd) continue; // a code inside a record, not a finding
      const code = buffer.toString('latin1', codeStart, codeEnd);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  };

  const splitter = createLineSplitter(countLine);
  return {
    /** @param {Buffer} chunk */
    push: (chunk) => splitter.push(chunk),
    end() {
      splitter.end();
      return { lines, bytes: splitter.bytes, domains, duplicates, severities, codes, problems };
    },
  };
}
