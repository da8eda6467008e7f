/**
 * `dmarcpilot record dmarc|parked|dkim` as a user runs them: the record text, its ≤255-octet
 * strings, the zone-file line, advice on standard error, and refusals with exit status 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDmarcRecord } from '../src/records/dmarc-record.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/dmarcpilot.js');
const skip = existsSync(join(root, 'dist/cli/record-command.js')) ? false : 'dist/ is not built with the record command: run `npm run build` (npm test does)';

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, 'record', ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('record dmarc: the issue example, validated, as TXT text and zone-file line, with generation advice', { skip }, () => {
  const out = run(['dmarc', '--p', 'quarantine', '--pct', '10', '--rua', 'mailto:a@example.com,mailto:b@example.com', '--ruf', 'mailto:f@example.com', '--t', 'y', '--domain', 'example.com', '--ttl', '3600']);
  assert.equal(out.status, 0, out.stderr);
  const text = 'v=DMARC1; p=quarantine; t=y; pct=10; rua=mailto:a@example.com,mailto:b@example.com; ruf=mailto:f@example.com';
  assert.ok(out.stdout.includes(`  ${text}\n`), out.stdout);
  assert.ok(out.stdout.includes(`_dmarc.example.com. 3600 IN TXT "${text}"`), out.stdout);
  assert.equal(parseDmarcRecord(text).record?.percentage, 10);
  // pct=10 with t=y is the planner's own quarantine-10 stage: described, not warned about, with the planner's next record.
  assert.doesNotMatch(out.stderr, /warning: dmarc-(pct-partial|testing|removed-tag)/);
  assert.match(out.stderr, /note: dmarc-rollout-stage: _dmarc\.example\.com is at rollout stage quarantine-10: RFC 7489 receivers quarantine 10% of failing mail; RFC 9989 receivers ignore pct and take no action on failing mail \(t=y/);
  assert.match(out.stderr, /next step \(quarantine-25\): v=DMARC1; p=quarantine; np=reject; t=y; pct=25; rua=mailto:a@example\.com,mailto:b@example\.com; ruf=mailto:f@example\.com/);
});

test('record dmarc --json: strings of at most 255 octets that join back to the text', { skip }, () => {
  const rua = Array.from({ length: 12 }, (_, i) => `mailto:dmarc-aggregate-reports-${i}@example.com`).join(',');
  const out = run(['dmarc', '--p', 'reject', '--rua', rua, '--json']);
  assert.equal(out.status, 0, out.stderr);
  const printed = JSON.parse(out.stdout) as { name: string; text: string; strings: string[]; zone: string; findings: { code: string }[] };
  assert.ok(printed.strings.length > 1);
  assert.ok(printed.strings.every((s) => Buffer.byteLength(s) <= 255));
  assert.equal(printed.strings.join(''), printed.text);
  assert.match(printed.zone, /^_dmarc IN TXT "v=DMARC1; p=reject; rua=[^"]*" "/);
  assert.ok(printed.findings.some((f) => f.code === 'dmarc-too-many-report-uris'));
});

const refusals: [string, string[], RegExp][] = [
  ['an invalid policy names tag, value and allowed values', ['dmarc', '--p', 'rejetc'], /Tag p has the invalid value "rejetc" .*allowed: none, quarantine, reject/],
  ['p missing', ['dmarc', '--rua', 'mailto:a@example.com'], /p is required/],
  ['pct out of range', ['dmarc', '--p', 'none', '--pct', '200'], /0 to 100/],
  ['a bare address', ['dmarc', '--p', 'none', '--rua', 'a@example.com'], /write mailto:a@example\.com/],
  ['a bad domain', ['dmarc', '--p', 'none', '--domain', 'not a domain'], /not a valid domain name/],
  ['a bad TTL', ['parked', '--ttl', '-5'], /--ttl/],
  ['an unknown option (commander)', ['dmarc', '--policy', 'none'], /unknown option/],
];
for (const [name, args, reason] of refusals) {
  test(`record refuses with exit status 2: ${name}`, { skip }, () => {
    const out = run(args);
    assert.equal(out.status, 2);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, reason);
  });
}

test('record dmarc --domain: an external rua gets the authorisation record to publish', { skip }, () => {
  const out = run(['dmarc', '--p', 'none', '--rua', 'mailto:d@reports.example.net', '--domain', 'example.com']);
  assert.equal(out.status, 0);
  assert.match(out.stderr, /example\.com\._report\._dmarc\.reports\.example\.net\. 3600 IN TXT "v=DMARC1"/);
  assert.match(out.stderr, /warning: dmarc-policy-none/);
});

test('record parked: SPF -all, DMARC reject for all subdomains, null MX, the DKIM wildcard with its caveat', { skip }, () => {
  const out = run(['parked', '--domain', 'parked.example', '--rua', 'mailto:d@parked.example']);
  assert.equal(out.status, 0, out.stderr);
  assert.ok(out.stdout.includes('parked.example. 3600 IN TXT "v=spf1 -all"'));
  assert.ok(out.stdout.includes('_dmarc.parked.example. 3600 IN TXT "v=DMARC1; p=reject; sp=reject; np=reject; rua=mailto:d@parked.example"'));
  assert.ok(out.stdout.includes('parked.example. 3600 IN MX 0 .'));
  assert.ok(out.stdout.includes('*._domainkey.parked.example. 3600 IN TXT "v=DKIM1; p="'));
  assert.match(out.stdout, /adds no protection beyond p=reject/);
  const relative = run(['parked']);
  assert.match(relative.stdout, /^@ 3600 IN MX 0 \.$/m);
  assert.match(relative.stderr, /dmarc-no-rua/);
});

function pemFile(dir: string, name: string, pem: string): string {
  const path = join(dir, name);
  writeFileSync(path, pem);
  return path;
}

test('record dkim: RSA 2048 (SPKI base64, split), Ed25519 (raw 32 octets), weak and unusable keys', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-dkim-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPath = pemFile(dir, 'rsa.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const out = run(['dkim', '--selector', 's2026', '--public-key', rsaPath, '--domain', 'example.com', '--json']);
  assert.equal(out.status, 0, out.stderr);
  const printed = JSON.parse(out.stdout) as { text: string; strings: string[]; zone: string; bits: number; warnings: string[] };
  const der = rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  assert.equal(printed.text, `v=DKIM1; k=rsa; p=${der}`);
  assert.equal(printed.bits, 2048);
  assert.equal(printed.strings.length, 2);
  assert.match(printed.zone, /^s2026\._domainkey\.example\.com\. IN TXT "v=DKIM1; k=rsa; p=[^"]+" "[^"]+"$/);
  assert.deepEqual(printed.warnings, []);

  const ed = generateKeyPairSync('ed25519');
  const edPath = pemFile(dir, 'ed.pem', ed.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const edOut = run(['dkim', '--selector', 'ed', '--public-key', edPath]);
  assert.equal(edOut.status, 0, edOut.stderr);
  const raw = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
  assert.ok(edOut.stdout.includes(`v=DKIM1; k=ed25519; p=${raw}`), edOut.stdout);
  assert.equal(raw.length, 44);

  const weak = pemFile(dir, 'weak.pem', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const weakOut = run(['dkim', '--selector', 'old', '--public-key', weak]);
  assert.equal(weakOut.status, 0, weakOut.stderr);
  assert.match(weakOut.stderr, /1024 bits; signers SHOULD use at least 2048/);
  assert.match(weakOut.stderr, /PRIVATE key/);

  const short = pemFile(dir, 'short.pem', generateKeyPairSync('rsa', { modulusLength: 768 }).publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const shortOut = run(['dkim', '--selector', 'old', '--public-key', short]);
  assert.equal(shortOut.status, 2);
  assert.match(shortOut.stderr, /768 bits; verifiers must not accept keys under 1024 bits/);

  const ec = pemFile(dir, 'ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString());
  assert.match(run(['dkim', '--selector', 'ec', '--public-key', ec]).stderr, /DKIM defines rsa .* and ed25519/);
  assert.equal(run(['dkim', '--selector', 'bad!', '--public-key', rsaPath]).status, 2);
  assert.equal(run(['dkim', '--selector', 's', '--public-key', join(dir, 'missing.pem')]).status, 2);
});
