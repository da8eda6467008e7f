#!/usr/bin/env node
/**
 * Benchmark of sender intelligence (issue 5): "classifying and planning a domain with 1,000,000
 * stored records over 90 days in under 2 seconds on SQLite".
 *
 *   node bench/senders.js [--records 1000000] [--days 90] [--db bench/out/senders.sqlite] [--runs 3] [--regenerate] [--keep-rollup]
 *
 * The first run writes the store: one domain (example.com), daily reports from 10 receivers over
 * `--days` days, `--records` records drawn from a realistic population (own servers, Google
 * Workspace, three ESPs, unknown vendors, forwarders, mailing lists and a 3,000-address botnet;
 * documentation addresses only), through the Store's own writer; and the reverse DNS of every
 * source into the enrichment cache, as an earlier online run would have left it. Then, `--runs`
 * times in this process: summarizeSenders (grouped SQL, cache, grouping, classification,
 * diagnosis) offline, the planner (collectRolloutHistory + planRollout) on top, and the whole
 * `plan --offline` path (app planDomain: senders, history, per-day stats, the stage's senders). The sender
 * rollups (migration 005) are emptied first unless `--keep-rollup`, so run 1 is the first query
 * after ingest (it rolls up every report) and the later runs are the steady state. Prints the
 * times and the load average (the machine may be shared); copy them into docs/benchmarks.md.
 * Needs `npm run build` first (it runs dist/).
 */
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { createRandom } from './lib/random.js';

const dist = new URL('../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    db: { type: 'string', default: fileURLToPath(new URL('./out/senders.sqlite', import.meta.url)) },
    runs: { type: 'string', default: '3' },
    regenerate: { type: 'boolean', default: false },
    'keep-rollup': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(values.records);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const DOMAIN = 'example.com';
const DAY = 86400;
const RECEIVERS = Array.from({ length: 10 }, (_, i) => `receiver-${i + 1}.example`);
const FIRST_DAY = Date.UTC(2026, 8, 1) / 1000;
const NOW = new Date((FIRST_DAY + DAYS * DAY) * 1000);

/** The sender population: each kind with its addresses, reverse DNS, weight and record shape. */
function population(catalogue) {
  const random = createRandom(7);
  const service = (id) => catalogue.find((s) => s.id === id);
  const ptrOf = (id) => service(id).recognise.ptrSuffixes[0];
  const v6 = (prefix, i) => `2001:db8:${prefix}::${(i + 1).toString(16)}`;
  const kinds = [];
  const add = (kind, weight, ips, name, shape) => kinds.push({ kind, weight, ips, name, shape });
  const own = (selector = 's1') => ({ dkim: [{ domain: DOMAIN, selector, result: 'pass' }], spf: [{ domain: DOMAIN, result: 'pass' }], evaluated: ['pass', 'pass'] });
  add('own', 20, Array.from({ length: 6 }, (_, i) => `203.0.113.${i + 1}`), (i) => `mail${i + 1}.${DOMAIN}`, () => own(random.pick(['s1', 's2'])));
  add('google', 25, Array.from({ length: 60 }, (_, i) => v6('4860', i)), (i) => `mail-sor-f${i}.${ptrOf('google-workspace')}`, () => own('google'));
  add('sendgrid', 12, Array.from({ length: 40 }, (_, i) => v6('5e6d', i)), (i) => `o${i}.${ptrOf('sendgrid')}`, () =>
    random.chance(0.7) ? { dkim: [{ domain: DOMAIN, selector: 's1', result: 'pass' }, { domain: 'sendgrid.net', selector: 'smtpapi', result: 'pass' }], spf: [{ domain: `em123.${DOMAIN}`, result: 'pass' }], evaluated: ['pass', 'pass'] }
      : { dkim: [{ domain: 'sendgrid.net', selector: 'smtpapi', result: 'pass' }], spf: [{ domain: 'sendgrid.net', result: 'pass' }], evaluated: ['fail', 'fail'] });
  add('mailchimp', 8, Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 10}`), (i) => `mail${i}.${ptrOf('mailchimp')}`, () =>
    ({ dkim: [{ domain: 'mcsv.net', selector: 'k1', result: 'pass' }], spf: [{ domain: `mail${random.int(40)}.mcsv.net`, result: 'pass' }], evaluated: ['fail', 'fail'] }));
  add('zendesk', 5, Array.from({ length: 20 }, (_, i) => v6('2e4d', i)), (i) => `out${i}.${ptrOf('zendesk')}`, () =>
    ({ dkim: [{ domain: DOMAIN, selector: 'zendesk1', result: 'pass' }], spf: [{ domain: 'zendesk.com', result: 'pass' }], evaluated: ['pass', 'fail'] }));
  for (let v = 1; v <= 10; v++) {
    add(`vendor${v}`, 1, Array.from({ length: 5 }, (_, i) => `2001:db8:${(0xa00 + v).toString(16)}::${i + 1}`), (i) => `smtp${i}.vendor${v}.example`, () =>
      ({ dkim: [{ domain: `vendor${v}.example`, selector: 'v1', result: 'pass' }], spf: [{ domain: `bounce.vendor${v}.example`, result: 'pass' }], evaluated: ['fail', 'fail'] }));
  }
  add('forwarder', 6, Array.from({ length: 200 }, (_, i) => v6(`f${(i >> 4).toString(16)}`, i)), (i) => `mx${i}.forwarder${i >> 4}.example`, () =>
    ({ dkim: [{ domain: DOMAIN, selector: 's1', result: random.chance(0.8) ? 'pass' : 'fail' }], spf: [{ domain: random.chance(0.5) ? DOMAIN : `srs.forwarder${random.int(12)}.example`, result: random.pick(['fail', 'softfail', 'pass']) }], evaluated: null, reasons: [{ type: 'forwarded', comment: null }] }));
  add('list', 4, Array.from({ length: 80 }, (_, i) => `192.0.2.${i + 100}`), (i) => `lists.list${i}.example`, () =>
    ({ dkim: [{ domain: DOMAIN, selector: 's1', result: 'fail' }, { domain: 'list.example', selector: 'list', result: 'pass' }], spf: [{ domain: 'list.example', result: 'pass' }], evaluated: ['fail', 'fail'], reasons: random.chance(0.5) ? [{ type: 'mailing_list', comment: 'arc=pass as[1].d=list.example' }] : [] }));
  add('botnet', 9, Array.from({ length: 3000 }, (_, i) => `2001:db8:${(0xb000 + (i >> 3)).toString(16)}::${(i & 7) + 1}`), () => null, () =>
    ({ dkim: random.chance(0.2) ? [{ domain: DOMAIN, selector: 'x', result: 'fail' }] : [], spf: [{ domain: DOMAIN, result: random.pick(['fail', 'softfail']) }], evaluated: ['fail', 'fail'] }));
  return { kinds, random };
}

function makeRecord(random, kinds, total) {
  const kind = random.weighted(kinds.map((k) => [k, k.weight]));
  const ip = random.pick(kind.ips);
  const shape = kind.shape();
  const evaluated = shape.evaluated ?? [shape.dkim.some((d) => d.domain === DOMAIN && d.result === 'pass') ? 'pass' : 'fail', 'fail'];
  const pass = evaluated[0] === 'pass' || evaluated[1] === 'pass';
  return {
    sourceIp: ip,
    count: random.chance(0.6) ? 1 : random.between(2, Math.max(2, Math.round(total / 20000))),
    disposition: pass ? 'none' : random.pick(['none', 'none', 'quarantine']),
    dkim: evaluated[0],
    spf: evaluated[1],
    reasons: shape.reasons ?? [],
    headerFrom: random.chance(0.9) ? DOMAIN : `news.${DOMAIN}`,
    envelopeFrom: shape.spf[0]?.domain ?? null,
    envelopeTo: null,
    authDkim: shape.dkim.map((d) => ({ domain: d.domain, selector: d.selector, result: d.result, humanResult: null })),
    authSpf: shape.spf.map((s) => ({ domain: s.domain, scope: 'mfrom', result: s.result, humanResult: null })),
  };
}

async function generate(path, catalogue) {
  const { openSqliteStore } = await load('store/sqlite/sqlite-store.js');
  const store = await openSqliteStore(path);
  const { kinds, random } = population(catalogue);
  const reports = DAYS * RECEIVERS.length;
  let written = 0;
  const started = performance.now();
  for (let day = 0; day < DAYS; day++) {
    const begin = FIRST_DAY + day * DAY;
    const p = day < DAYS / 2 ? 'none' : 'quarantine';
    for (const receiver of RECEIVERS) {
      const n = Math.round(RECORDS / reports);
      const count = Math.min(n, RECORDS - written);
      const header = {
        kind: 'aggregate', schema: 'rfc7489', version: '1.0', namespace: null,
        metadata: { orgName: receiver, email: `dmarc@${receiver}`, extraContactInfo: null, reportId: `${receiver}-${begin}`, begin, end: begin + DAY - 1, errors: [], generator: null },
        policy: { domain: DOMAIN, adkim: 'r', aspf: 'r', p, sp: null, np: null, pct: p === 'none' ? null : 25, fo: null, testing: null, discoveryMethod: null },
      };
      const raw = await store.saveRawInput(new TextEncoder().encode(header.metadata.reportId));
      const writer = await store.beginAggregateReport(header, { raw, source: 'bench/senders.js', receivedAt: new Date((begin + DAY) * 1000) });
      const records = Array.from({ length: count }, () => makeRecord(random, kinds, RECORDS));
      for (let i = 0; i < records.length; i += 2000) await writer.addRecords(records.slice(i, i + 2000));
      await writer.commit({ recordCount: records.length, messageCount: records.reduce((s, r) => s + r.count, 0), extensions: [], warnings: [], recordErrors: [] });
      written += count;
    }
  }
  // What an earlier online run would have cached: every source's reverse DNS.
  const resolvedAt = new Date(NOW.getTime() - 3600_000).toISOString();
  const { findOrganizationalDomain } = await load('evaluate/dmarc-discovery.js');
  const entries = kinds.flatMap((k) => k.ips.map((ip, i) => {
    const name = k.name(i);
    return name === null
      ? { ip, ptrNames: [], confirmedName: null, fcrdns: 'none', organizationalDomain: null, resolvedAt }
      : { ip, ptrNames: [name], confirmedName: name, fcrdns: 'confirmed', organizationalDomain: findOrganizationalDomain(name), resolvedAt };
  }));
  await store.putSourceEnrichments(entries);
  const counts = await store.countReports();
  await store.close();
  console.error(`generated ${counts.aggregate} reports, ${counts.records} records, ${entries.length} cached sources in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function main() {
  const { loadServiceCatalogue } = await load('analysis/service-catalogue.js');
  const catalogue = loadServiceCatalogue();
  if (values.regenerate) rmSync(values.db, { force: true });
  if (!existsSync(values.db)) await generate(values.db, catalogue);
  if (!values['keep-rollup']) await emptyRollups(values.db);
  const { openSqliteStore } = await load('store/sqlite/sqlite-store.js');
  const { summarizeSenders } = await load('analysis/summarize-senders.js');
  const planner = existsSync(new URL('analysis/plan-rollout.js', dist)) && existsSync(new URL('analysis/collect-rollout-history.js', dist));
  const { planRollout } = planner ? await load('analysis/plan-rollout.js') : {};
  const { collectRolloutHistory, findNewestPublishedRecord } = planner ? await load('analysis/collect-rollout-history.js') : {};
  const { DEFAULT_GATE_SETTINGS } = planner ? await load('analysis/readiness-gates.js') : {};
  // The whole `plan --offline` path as the CLI runs it (app/plan-domain.js, issue 10 on): its own senders, the history,
  // and since issue 11 the per-day source stats, the stage's senders and the decisions.
  const app = existsSync(new URL('app/plan-domain.js', dist)) ? { ...(await load('app/plan-domain.js')), ...(await load('app/context.js')) } : undefined;
  const noDns = { txt: fail, a: fail, aaaa: fail, mx: fail, ptr: fail };
  const since = new Date(NOW.getTime() - DAYS * DAY * 1000);
  const store = await openSqliteStore(values.db);
  const { records } = await store.countReports();
  const rows = [];
  const loadBefore = loadavg();
  for (let run = 1; run <= RUNS; run++) {
    const t0 = performance.now();
    const senders = await summarizeSenders(store, DOMAIN, { since, until: NOW, resolver: noDns, now: () => NOW, offline: true, catalogue });
    const t1 = performance.now();
    let plan;
    if (planner) {
      const { history, periods } = await collectRolloutHistory(store, DOMAIN, { since, until: NOW });
      plan = planRollout({ domain: DOMAIN, published: findNewestPublishedRecord(periods), publishedFrom: 'reports', senders, history, gates: DEFAULT_GATE_SETTINGS, now: NOW, days: DAYS });
    }
    const t2 = performance.now();
    if (app !== undefined) await app.planDomain(app.createAppContext(store, { now: () => NOW }), DOMAIN, { offline: true, days: DAYS });
    const t3 = performance.now();
    const classes = {};
    for (const s of senders) classes[s.class] = (classes[s.class] ?? 0) + 1;
    rows.push({ run, senders: senders.length, classes, classify: (t1 - t0) / 1000, plan: planner ? (t2 - t1) / 1000 : null, planDomain: app !== undefined ? (t3 - t2) / 1000 : null, total: (t2 - t0) / 1000, stage: plan?.stage, next: plan?.next?.record });
  }
  await store.close();
  const loadAfter = loadavg();
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`senders benchmark: ${records.toLocaleString('en-GB')} records of ${DOMAIN} over ${DAYS} days, SQLite, ${cpus().length} cores, Node ${process.version}`);
  console.log('| run | senders | classify (s) | plan (s) | total (s) | planDomain, whole `plan --offline` (s) |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.run}${r.run === 1 && !values['keep-rollup'] ? ' (first query after ingest)' : ''} | ${r.senders} | ${r.classify.toFixed(2)} | ${r.plan === null ? 'n/a' : r.plan.toFixed(2)} | ${r.total.toFixed(2)} | ${r.planDomain === null ? 'n/a' : r.planDomain.toFixed(2)} |`);
  console.log(`classes: ${JSON.stringify(rows[0]?.classes)}; plan stage ${rows[0]?.stage ?? 'n/a'}, next ${rows[0]?.next ?? 'n/a'}; peak RSS ${rss.toFixed(0)} MiB`);
  const fmt = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`load average (1, 5, 15 min) before ${fmt(loadBefore)}, after ${fmt(loadAfter)}`);
}

/**
 * Empties the sender rollups (migration 005, if the store has it), so the next query rebuilds them as after an ingest;
 * since migration 006 the rollup also fills auth_combos, so that is emptied too.
 */
async function emptyRollups(path) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sender_rollup_reports'").get();
    if (has !== undefined) db.exec('BEGIN; DELETE FROM sender_rollup; DELETE FROM header_from_rollup; DELETE FROM sender_rollup_reports; COMMIT');
    const keyed = db.prepare("SELECT 1 FROM pragma_table_info('aggregate_records') WHERE name = 'auth_key'").get();
    if (keyed !== undefined) db.exec('DELETE FROM auth_combos');
  } finally {
    db.close();
  }
}

function fail() {
  return Promise.resolve({ status: 'error', code: 'refused', message: 'benchmark: no DNS' });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
