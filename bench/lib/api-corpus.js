/**
 * The store of bench/api.js, as report files: `domains` domains (d00001.example …) owned 20 a
 * piece (domains / orgs) by organisations, with aggregate reports over the `days` UTC days before
 * `today` holding `records` records between them (at least; rounding adds a few). Seeded: the same
 * arguments and day give the same bytes.
 *
 * Each domain gets a policy, so that the portfolio's phases vary (app/portfolio.ts):
 *   10% no reports at all (assess), 40% p=none (deploy), 20% quarantine at pct 10–50 and 5%
 *   reject at pct 25–75 (enforce), 10% quarantine and 15% reject at 100% (maintain).
 * Its share of the records is log-normal (sigma 1.2: most domains small, a few at tens of
 * thousands), spread over 1–6 receivers and the days, about 100 records a report (at most one
 * report per receiver and day). The records come from the domain's senders: its own servers, a
 * mailbox provider and a newsletter service (addresses shared with other domains), forwarders,
 * and spoofers from many addresses; documentation address ranges only.
 *
 * Files: <out>/reports/<receiver>/<receiver>!<domain>!<begin>!<end>.xml.gz (gzip level 1, RFC 7489
 * 1.0 XML), and <out>/manifest.json with the totals and the plan of each domain.
 */
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createRandom, deriveSeed } from './random.js';

const gzipAsync = promisify(gzip);

export const API_MANIFEST_KIND = 'dmarcpilot-bench-api-corpus';
const DAY = 86_400;
const RECORDS_PER_REPORT = 100;
const RECEIVERS = ['google.example', 'outlook.example', 'yahoo.example', 'mailru.example', 'comcast.example', 'gmx.example'];

export function domainName(i) {
  return `d${String(i + 1).padStart(5, '0')}.example`;
}

export function orgSlug(i) {
  return `bench-org-${String(i + 1).padStart(3, '0')}`;
}

/** Which phase the portfolio will show, from the policy the reports carry. */
function expectedPhase(policy) {
  if (policy === null) return 'assess';
  if (policy.p === 'none') return 'deploy';
  return policy.pct < 100 ? 'enforce' : 'maintain';
}

/** The plan: each domain's organisation, policy, records, receivers and report slots. */
export function planCorpus({ domains, orgs, records, days, seed }) {
  const random = createRandom(deriveSeed(seed, 0x0a91));
  const plan = [];
  let weightSum = 0;
  for (let i = 0; i < domains; i++) {
    const kind = random.weighted([['silent', 10], ['none', 40], ['quarantine-partial', 20], ['reject-partial', 5], ['quarantine', 10], ['reject', 15]]);
    let policy = null;
    if (kind === 'none') policy = { p: 'none', pct: 100 };
    else if (kind === 'quarantine-partial') policy = { p: 'quarantine', pct: random.between(1, 5) * 10 };
    else if (kind === 'reject-partial') policy = { p: 'reject', pct: random.pick([25, 50, 75]) };
    else if (kind === 'quarantine' || kind === 'reject') policy = { p: kind, pct: 100 };
    const weight = policy === null ? 0 : Math.exp(1.2 * random.normal());
    weightSum += weight;
    plan.push({ domain: domainName(i), org: Math.floor((i * orgs) / domains), policy, phase: expectedPhase(policy), weight, records: 0, receivers: 0, reports: 0 });
  }
  for (const d of plan) {
    if (d.policy === null) continue;
    d.records = Math.max(1, Math.ceil((d.weight / weightSum) * records));
    d.receivers = Math.min(RECEIVERS.length, Math.max(1, Math.round(Math.log10(d.records))));
    d.reports = Math.min(days * d.receivers, Math.max(1, Math.ceil(d.records / RECORDS_PER_REPORT)));
  }
  return plan;
}

/** The senders of one domain: [weight, kind, addresses]. */
function senders(random, index, records) {
  const own = Array.from({ length: random.between(1, 4) }, (_, k) => `203.0.113.${1 + ((index * 7 + k) % 250)}`);
  const provider = Array.from({ length: 40 }, (_, k) => `2001:db8:4860::${(k + 1).toString(16)}`);
  const newsletter = Array.from({ length: 20 }, (_, k) => `198.51.100.${10 + ((index + k) % 200)}`);
  const forwarders = Array.from({ length: 5 + (index % 20) }, (_, k) => `2001:db8:f${(index % 16).toString(16)}::${(k + 1).toString(16)}`);
  // Spoofers: more addresses for the larger domains (a botnet sees a domain with mail).
  const spoofCount = Math.min(2000, 10 + Math.floor(records / 20));
  const spoofers = Array.from({ length: spoofCount }, (_, k) => `2001:db8:${(0xb000 + ((index * 13 + (k >> 8)) % 0x1000)).toString(16)}::${((k & 255) + 1).toString(16)}`);
  return [
    [30, 'own', own],
    [30, 'provider', provider],
    [10, 'newsletter', newsletter],
    [8, 'forwarder', forwarders],
    [22, 'spoofer', spoofers],
  ];
}

function recordXml(random, d, population) {
  const [, kind, addresses] = random.weighted(population.map((s) => [s, s[0]]));
  const ip = random.pick(addresses);
  const domain = d.domain;
  let dkim = 'fail';
  let spf = 'fail';
  let auth;
  let count;
  if (kind === 'own') {
    dkim = 'pass';
    spf = 'pass';
    count = random.between(1, 40);
    auth = `<dkim><domain>${domain}</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>${domain}</domain><result>pass</result></spf>`;
  } else if (kind === 'provider') {
    dkim = 'pass';
    spf = random.chance(0.9) ? 'pass' : 'fail';
    count = random.between(1, 60);
    auth = `<dkim><domain>${domain}</domain><selector>google</selector><result>pass</result></dkim><spf><domain>${domain}</domain><result>${spf}</result></spf>`;
  } else if (kind === 'newsletter') {
    count = random.between(1, 200);
    auth = `<dkim><domain>news-esp.example</domain><selector>k1</selector><result>pass</result></dkim><spf><domain>bounce.news-esp.example</domain><result>pass</result></spf>`;
  } else if (kind === 'forwarder') {
    dkim = random.chance(0.8) ? 'pass' : 'fail';
    count = random.between(1, 5);
    auth = `<dkim><domain>${domain}</domain><selector>s1</selector><result>${dkim}</result></dkim><spf><domain>fwd.example</domain><result>softfail</result></spf>`;
  } else {
    count = random.between(1, 3);
    auth = `<spf><domain>${domain}</domain><result>${random.chance(0.5) ? 'fail' : 'softfail'}</result></spf>`;
  }
  let disposition = 'none';
  if (dkim !== 'pass' && spf !== 'pass' && d.policy.p !== 'none' && random.int(100) < d.policy.pct) disposition = d.policy.p;
  const reason = kind === 'forwarder' && disposition === 'none' && dkim !== 'pass' ? '<reason><type>forwarded</type></reason>' : '';
  const xml =
    `<record><row><source_ip>${ip}</source_ip><count>${count}</count><policy_evaluated><disposition>${disposition}</disposition><dkim>${dkim}</dkim><spf>${spf}</spf>${reason}</policy_evaluated></row>` +
    `<identifiers><header_from>${domain}</header_from></identifiers><auth_results>${auth}</auth_results></record>\n`;
  return { xml, count };
}

function reportXml(receiver, d, begin, reportId, body) {
  const p = d.policy;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n<version>1.0</version>\n` +
    `<report_metadata><org_name>${receiver}</org_name><email>noreply-dmarc@${receiver}</email><report_id>${reportId}</report_id>` +
    `<date_range><begin>${begin}</begin><end>${begin + DAY - 1}</end></date_range></report_metadata>\n` +
    `<policy_published><domain>${d.domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${p.p}</p><sp>${p.p}</sp><pct>${p.pct}</pct></policy_published>\n` +
    `${body}</feedback>\n`
  );
}

/** A manifest that matches these arguments, or undefined. */
export function existingCorpus(out, params) {
  const path = join(out, 'manifest.json');
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  if (manifest.kind !== API_MANIFEST_KIND) return undefined;
  for (const key of Object.keys(params)) if (manifest.params[key] !== params[key]) return undefined;
  return manifest;
}

/**
 * Writes the corpus. params: { domains, orgs, records, days, seed, today } where today is the
 * first UTC day (epoch seconds) after the reports. Returns the manifest.
 */
export async function writeApiCorpus(out, params, log = () => {}) {
  const manifestPath = join(out, 'manifest.json');
  if (existsSync(manifestPath)) {
    if (JSON.parse(readFileSync(manifestPath, 'utf8')).kind !== API_MANIFEST_KIND) throw new Error(`${manifestPath} was not written by this generator`);
    await rm(manifestPath);
    await rm(join(out, 'reports'), { recursive: true, force: true });
  } else if (existsSync(out) && (await readdir(out)).length > 0) {
    throw new Error(`${out} is not empty and holds no corpus manifest`);
  }
  for (const r of RECEIVERS) await mkdir(join(out, 'reports', r), { recursive: true });
  const started = performance.now();
  const plan = planCorpus(params);
  const firstDay = params.today - params.days * DAY;
  let reports = 0;
  let records = 0;
  let sumOfCounts = 0;
  let bytes = 0;
  let xmlBytes = 0;
  const pending = new Set();
  const flush = async (limit) => {
    while (pending.size > limit) await Promise.race(pending);
  };
  for (let index = 0; index < plan.length; index++) {
    const d = plan[index];
    if (d.reports === 0) continue;
    const random = createRandom(deriveSeed(params.seed, index + 1));
    const population = senders(random, index, d.records);
    const slots = params.days * d.receivers;
    let left = d.records;
    for (let k = 0; k < d.reports; k++) {
      const slot = Math.floor((k * slots) / d.reports);
      const day = Math.floor(slot / d.receivers);
      const receiver = RECEIVERS[slot % d.receivers];
      const n = Math.ceil(left / (d.reports - k));
      left -= n;
      const parts = [];
      for (let j = 0; j < n; j++) {
        const r = recordXml(random, d, population);
        parts.push(r.xml);
        sumOfCounts += r.count;
      }
      const begin = firstDay + day * DAY;
      const xml = reportXml(receiver, d, begin, `${receiver}-${d.domain}-${begin}`, parts.join(''));
      const file = join(out, 'reports', receiver, `${receiver}!${d.domain}!${begin}!${begin + DAY - 1}.xml.gz`);
      xmlBytes += xml.length;
      const job = gzipAsync(Buffer.from(xml), { level: 1 }).then(async (gz) => {
        bytes += gz.length;
        await writeFile(file, gz);
      });
      pending.add(job);
      void job.finally(() => pending.delete(job));
      await flush(8);
      reports++;
      records += n;
    }
    if ((index + 1) % 1000 === 0) log(`  corpus: ${index + 1}/${plan.length} domains, ${reports} reports, ${records} records, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  await flush(0);
  const phases = {};
  for (const d of plan) phases[d.phase] = (phases[d.phase] ?? 0) + 1;
  const manifest = {
    kind: API_MANIFEST_KIND,
    params,
    reports,
    records,
    sumOfCounts,
    bytesOnDisk: bytes,
    bytesUncompressed: xmlBytes,
    phases,
    largestDomainRecords: Math.max(...plan.map((d) => d.records)),
    seconds: (performance.now() - started) / 1000,
    domains: plan.map((d) => ({ domain: d.domain, org: d.org, phase: d.phase, records: d.records, reports: d.reports })),
  };
  await writeFile(manifestPath, `${JSON.stringify(manifest)}\n`);
  return manifest;
}
