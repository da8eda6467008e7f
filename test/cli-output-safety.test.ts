/**
 * Defence in depth for what the CLI prints: text already in the store (here written straight
 * through the store, as an older dmarcpilot or another source could have) with escape sequences
 * that would retitle the terminal (ESC ] 0 ; title BEL) and clear it (ESC [ 2 J) reaches every
 * output neutralised: summary (text and JSON), export records (CSV and JSONL), quarantine list and
 * show, reports failure and tls, and the refusal lines of ingest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/open-store.js';
import { failure, header, provenance, record, saveAggregate, tls } from '../src/store/contract/contract-fixtures.test-helper.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/output.js')) ? false : 'dist/ is not built: run `npm run build` (npm test does)';

const EVIL = 'Evil\x1b]0;pwned\x07 Corp\x1b[2J';
const SHOWN = 'Evil\\x1b]0;pwned\\x07 Corp\\x1b[2J';
/** What must never reach the terminal: C0 controls other than tab and line feed, DEL, C1. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['DMARCPILOT_DB'];
  delete env['DMARCPILOT_CONFIG'];
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('a stored org name, source and report text with terminal escape sequences reach every output neutralised', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-safety-'));
  try {
    const db = join(dir, 'store.sqlite');
    const store = await openStore(db);
    try {
      await saveAggregate(store, header('r-1', { orgName: EVIL }), [record(1, { headerFrom: `=cmd|' /C calc'!A0`, reasons: [{ type: 'other', comment: 'line\nforged: 100% pass' }] })], `in\x1b[2J.xml`);
      await store.saveFailureReport(failure({ reportedDomain: 'example.com' }), await provenance(store, 'ruf', `ruf\x1b]0;t\x07.eml`), { keepFullHeaders: false }, []);
      await store.saveTlsReport({ ...tls('t-1'), organizationName: EVIL }, await provenance(store, 'tls', 'tls.json'), []);
      await store.quarantine({ code: 'xml-malformed', message: `bad <${EVIL}>` }, await provenance(store, 'bad', `bad\x1b[2J\nforged.xml`));
    } finally {
      await store.close();
    }

    const outputs: [string, string[]][] = [
      ['summary', ['summary', '--since', '2023-01-01', '--db', db]],
      ['summary --json', ['summary', '--since', '2023-01-01', '--json', '--db', db]],
      ['export csv', ['export', 'records', '--format', 'csv', '--db', db]],
      ['export jsonl', ['export', 'records', '--db', db]],
      ['quarantine list', ['quarantine', 'list', '--db', db]],
      ['quarantine list --json', ['quarantine', 'list', '--json', '--db', db]],
      ['quarantine show', ['quarantine', 'show', '1', '--db', db]],
      ['reports failure', ['reports', 'failure', '--db', db]],
      ['reports tls', ['reports', 'tls', '--db', db]],
    ];
    const printed = new Map<string, string>();
    for (const [name, args] of outputs) {
      const result = run(args);
      assert.equal(result.status, 0, `${name}: ${result.stderr}`);
      // CSV rows end in CRLF (RFC 4180); nothing else may be raw.
      assert.doesNotMatch(result.stdout.replace(/\r\n/g, '\n'), RAW_CONTROL, `${name} printed a raw control character: ${JSON.stringify(result.stdout)}`);
      assert.doesNotMatch(result.stderr, RAW_CONTROL, `${name} (stderr)`);
      printed.set(name, result.stdout);
    }
    assert.ok(printed.get('summary')?.includes(`top reporters: ${SHOWN} (2)`), printed.get('summary'));
    const summary = JSON.parse(printed.get('summary --json') ?? '') as { domains: { topReporters: { name: string }[] }[] };
    assert.equal(summary.domains[0]?.topReporters[0]?.name, EVIL, 'JSON keeps the value, escaped');
    const [, row] = (printed.get('export csv') ?? '').split('\r\n');
    assert.ok(row?.startsWith(`${SHOWN},r-1,example.com,`), row);
    assert.ok(row?.includes(`"'=cmd|' /C calc'!A0"`), `the formula is defused: ${row}`);
    assert.ok(row?.includes('other:line\\x0aforged: 100% pass'), 'a line feed cannot start a row');
    assert.equal((JSON.parse(printed.get('export jsonl') ?? '') as { org_name: string }).org_name, EVIL);
    const quarantineLines = (printed.get('quarantine list') ?? '').trimEnd().split('\n');
    assert.equal(quarantineLines.length, 1, 'the line feed in the source does not make a second line');
    assert.ok(quarantineLines[0]?.endsWith('bad\\x1b[2J\\x0aforged.xml'), quarantineLines[0]);
    assert.ok(printed.get('quarantine show')?.includes(`message: bad <${SHOWN}>\n`));
    assert.ok(printed.get('reports failure')?.includes('ruf\\x1b]0;t\\x07.eml'));
    assert.ok(printed.get('reports tls')?.includes(`\t${SHOWN}\t`));

    // Refusal lines of ingest (a zip member name or a message naming the input could carry them too).
    const input = join(dir, 'in\x1b]0;t\x07.xml');
    writeFileSync(input, '<feedback>\x1b[2J');
    const ingested = run(['ingest', '--db', db, input]);
    assert.equal(ingested.status, 1);
    assert.doesNotMatch(ingested.stderr, RAW_CONTROL, ingested.stderr);
    assert.match(ingested.stderr, /in\\x1b\]0;t\\x07\.xml: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
