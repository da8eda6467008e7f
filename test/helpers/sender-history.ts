/**
 * A report history written for the sender tests, where the right answer is known: daily RFC 7489
 * aggregate reports for example.com from 2026-10-20 to 2026-11-30, the policy moving from p=none
 * to p=quarantine; pct=10 on 2026-11-20, and these senders:
 *
 * - Google Workspace, fully aligned (DKIM d=example.com, SPF for example.com), 192.0.2.10-11;
 * - a forgotten Mailchimp account: DKIM signed by mcsv.net, return path on mail20.mcsv.net, so
 *   neither aligns (198.51.100.20-21); with `mailchimpFixedFrom` it signs d=example.com from that day;
 * - a forwarder (mx.forwarder.example, 203.0.113.50): override reason `forwarded`, DKIM still passes;
 * - a spoofing botnet: 12 addresses in 7 networks, no reverse DNS, no DKIM, SPF fails for example.com;
 * - a new vendor from 2026-11-24 (after the policy change): smtp.newvendor.example, its own DKIM and return path.
 *
 * Only documentation addresses and example domains; the reverse DNS lives in `zone` (MemoryResolver).
 */
import type { MemoryZone } from '../../src/dns/memory-resolver.js';

export const DOMAIN = 'example.com';
/** When the analysis runs. */
export const NOW = new Date('2026-12-01T12:00:00Z');
export const FIRST_DAY = Date.UTC(2026, 9, 20) / 1000;
export const LAST_DAY = Date.UTC(2026, 10, 30) / 1000;
export const POLICY_CHANGE_DAY = Date.UTC(2026, 10, 20) / 1000;
export const NEW_VENDOR_DAY = Date.UTC(2026, 10, 24) / 1000;
const DAY = 86400;

export interface RowSpec {
  readonly ip: string;
  readonly count: number;
  readonly dkim: 'pass' | 'fail';
  readonly spf: 'pass' | 'fail';
  readonly disposition?: 'none' | 'quarantine' | 'reject';
  readonly reasons?: readonly { readonly type: string; readonly comment?: string }[];
  readonly authDkim: readonly { readonly domain: string; readonly selector: string; readonly result: string }[];
  readonly authSpf: readonly { readonly domain: string; readonly result: string }[];
}

export interface ReportSpec {
  readonly org: string;
  readonly reportId: string;
  readonly domain: string;
  readonly begin: number;
  readonly end: number;
  readonly p: 'none' | 'quarantine' | 'reject';
  readonly pct?: number;
  readonly rows: readonly RowSpec[];
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** One RFC 7489 App. C aggregate report. */
export function reportXml(spec: ReportSpec): string {
  const rows = spec.rows.map((row) => {
    const reasons = (row.reasons ?? [])
      .map((r) => `<reason><type>${r.type}</type>${r.comment ? `<comment>${escape(r.comment)}</comment>` : ''}</reason>`)
      .join('');
    const dkim = row.authDkim.map((d) => `<dkim><domain>${d.domain}</domain><selector>${d.selector}</selector><result>${d.result}</result></dkim>`).join('');
    const spf = row.authSpf.map((s) => `<spf><domain>${s.domain}</domain><scope>mfrom</scope><result>${s.result}</result></spf>`).join('');
    return (
      `<record><row><source_ip>${row.ip}</source_ip><count>${row.count}</count><policy_evaluated>` +
      `<disposition>${row.disposition ?? 'none'}</disposition><dkim>${row.dkim}</dkim><spf>${row.spf}</spf>${reasons}</policy_evaluated></row>` +
      `<identifiers><header_from>${spec.domain}</header_from></identifiers><auth_results>${dkim}${spf}</auth_results></record>`
    );
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>1.0</version><report_metadata>' +
    `<org_name>${spec.org}</org_name><email>dmarc@${spec.org}</email><report_id>${spec.reportId}</report_id>` +
    `<date_range><begin>${spec.begin}</begin><end>${spec.end}</end></date_range></report_metadata>` +
    `<policy_published><domain>${spec.domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${spec.p}</p><sp>${spec.p}</sp>` +
    `<pct>${spec.pct ?? 100}</pct></policy_published>${rows.join('')}</feedback>\n`
  );
}

export const GOOGLE_IPS = ['192.0.2.10', '192.0.2.11'];
export const MAILCHIMP_IPS = ['198.51.100.20', '198.51.100.21'];
export const FORWARDER_IP = '203.0.113.50';
export const NEW_VENDOR_IP = '198.51.100.77';
export const BOTNET_IPS = [
  '203.0.113.200', '203.0.113.201', '203.0.113.202', '203.0.113.203', '203.0.113.204', '203.0.113.205',
  '2001:db8:b1::7', '2001:db8:b2::7', '2001:db8:b3::7', '2001:db8:b4::7', '2001:db8:b5::7', '2001:db8:b6::7',
];

/** Reverse and forward DNS for the senders that have it (the botnet has none). */
export const zone: MemoryZone = {
  '10.2.0.192.in-addr.arpa': { PTR: ['mail-sor-f10.google.com'] },
  'mail-sor-f10.google.com': { A: ['192.0.2.10'] },
  '11.2.0.192.in-addr.arpa': { PTR: ['mail-sor-f11.google.com'] },
  'mail-sor-f11.google.com': { A: ['192.0.2.11'] },
  '20.100.51.198.in-addr.arpa': { PTR: ['mail20.mcsv.net'] },
  'mail20.mcsv.net': { A: ['198.51.100.20'] },
  '21.100.51.198.in-addr.arpa': { PTR: ['mail21.mcsv.net'] },
  'mail21.mcsv.net': { A: ['198.51.100.21'] },
  '50.113.0.203.in-addr.arpa': { PTR: ['mx.forwarder.example'] },
  'mx.forwarder.example': { A: ['203.0.113.50'] },
  '77.100.51.198.in-addr.arpa': { PTR: ['smtp.newvendor.example'] },
  'smtp.newvendor.example': { A: ['198.51.100.77'] },
};

/** The rows one receiver reports for one day. */
function dayRows(day: number, options: { mailchimpFixedFrom?: number }): RowSpec[] {
  const enforcing = day >= POLICY_CHANGE_DAY;
  const failDisposition = enforcing ? 'quarantine' : 'none';
  const rows: RowSpec[] = [];
  for (const ip of GOOGLE_IPS) {
    rows.push({ ip, count: 40, dkim: 'pass', spf: 'pass', authDkim: [{ domain: DOMAIN, selector: 'google', result: 'pass' }], authSpf: [{ domain: DOMAIN, result: 'pass' }] });
  }
  const mailchimpFixed = options.mailchimpFixedFrom !== undefined && day >= options.mailchimpFixedFrom;
  MAILCHIMP_IPS.forEach((ip, i) => {
    rows.push(
      mailchimpFixed
        ? { ip, count: 15, dkim: 'pass', spf: 'fail', authDkim: [{ domain: DOMAIN, selector: 'k2', result: 'pass' }], authSpf: [{ domain: `mail${20 + i}.mcsv.net`, result: 'pass' }] }
        : {
            ip, count: 15, dkim: 'fail', spf: 'fail', disposition: failDisposition,
            authDkim: [{ domain: 'mcsv.net', selector: 'k1', result: 'pass' }],
            authSpf: [{ domain: `mail${20 + i}.mcsv.net`, result: 'pass' }],
          },
    );
  });
  rows.push({
    ip: FORWARDER_IP, count: 5, dkim: 'pass', spf: 'fail', reasons: [{ type: 'forwarded' }],
    authDkim: [{ domain: DOMAIN, selector: 'google', result: 'pass' }], authSpf: [{ domain: DOMAIN, result: 'fail' }],
  });
  const dayIndex = Math.round((day - FIRST_DAY) / DAY);
  for (let i = 0; i < 4; i++) {
    const ip = BOTNET_IPS[(dayIndex * 4 + i) % BOTNET_IPS.length] as string;
    rows.push({ ip, count: 3, dkim: 'fail', spf: 'fail', disposition: failDisposition, authDkim: [], authSpf: [{ domain: DOMAIN, result: 'fail' }] });
  }
  if (day >= NEW_VENDOR_DAY) {
    rows.push({
      ip: NEW_VENDOR_IP, count: 8, dkim: 'fail', spf: 'fail', disposition: failDisposition,
      authDkim: [{ domain: 'newvendor.example', selector: 'nv1', result: 'pass' }], authSpf: [{ domain: 'bounce.newvendor.example', result: 'pass' }],
    });
  }
  return rows;
}

/** Every report of the history, one per day, named as a receiver would (`receiver!domain!begin!end.xml`). */
export function senderHistory(options: { mailchimpFixedFrom?: number } = {}): { name: string; xml: string }[] {
  const reports: { name: string; xml: string }[] = [];
  for (let day = FIRST_DAY; day <= LAST_DAY; day += DAY) {
    const enforcing = day >= POLICY_CHANGE_DAY;
    const spec: ReportSpec = {
      org: 'receiver.example', reportId: `r-${day}`, domain: DOMAIN, begin: day, end: day + DAY - 1,
      p: enforcing ? 'quarantine' : 'none', ...(enforcing ? { pct: 10 } : {}), rows: dayRows(day, options),
    };
    reports.push({ name: `receiver.example!${DOMAIN}!${spec.begin}!${spec.end}.xml`, xml: reportXml(spec) });
  }
  return reports;
}
