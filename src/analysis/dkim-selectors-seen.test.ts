import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectDkimSelectors } from './dkim-selectors-seen.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { ingestBytes } from '../ingest/ingest-files.js';
import { defaultLimits } from '../core/limits.js';

const report = (id: string, rows: string): string => `<?xml version="1.0"?><feedback><report_metadata><org_name>r.example</org_name><email>a@r.example</email><report_id>${id}</report_id>
<date_range><begin>1764460800</begin><end>1764547199</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>${rows}</feedback>`;
const row = (count: number, dkim: string): string => `<record><row><source_ip>192.0.2.1</source_ip><count>${count}</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers><auth_results>${dkim}<spf><domain>example.com</domain><result>fail</result></spf></auth_results></record>`;
const sig = (domain: string, selector: string): string => `<dkim><domain>${domain}</domain><selector>${selector}</selector><result>pass</result></dkim>`;

test('DKIM selectors seen: only signatures by the domain itself, most used first, since the date', async () => {
  const store = await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'dmarcpilot-sel-')), 'db.sqlite'));
  try {
    const run = { store, limits: defaultLimits, keepFailureHeaders: false, now: () => new Date('2026-12-01T00:00:00Z'), onRejected: () => {} };
    const xml = report('1', row(5, sig('example.com', 'S1')) + row(9, sig('example.com', 'google') + sig('esp.example', 'k1')) + row(1, sig('example.com', 'google')));
    await ingestBytes(new TextEncoder().encode(xml), 'a.xml', run);
    assert.deepEqual(await collectDkimSelectors(store, 'Example.com', new Date('2025-01-01T00:00:00Z')), ['google', 's1']);
    assert.deepEqual(await collectDkimSelectors(store, 'example.com', new Date('2026-12-01T00:00:00Z')), []);
  } finally {
    await store.close();
  }
});

test('DKIM selectors seen: asked of the store (lower-cased domain, since, max), nothing streamed', async () => {
  const calls: unknown[] = [];
  const store = {
    dkimSelectors: (domain: string, since: Date, max: number) => {
      calls.push([domain, since.toISOString(), max]);
      return Promise.resolve(['s1']);
    },
  };
  assert.deepEqual(await collectDkimSelectors(store, 'Example.COM', new Date('2026-01-01T00:00:00Z'), 5), ['s1']);
  assert.deepEqual(calls, [['example.com', '2026-01-01T00:00:00.000Z', 5]]);
});
