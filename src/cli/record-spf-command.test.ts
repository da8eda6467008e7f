import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addRecordSpfCommand } from './record-spf-command.js';

/** Runs `record spf …` on a fresh program, capturing standard output/error and the status. */
async function run(args: string[]): Promise<{ status: number | undefined; out: string; err: string }> {
  const program = new Command('dmarcpilot').exitOverride();
  const record = program.command('record');
  let status: number | undefined;
  addRecordSpfCommand(record, (code) => (status = code));
  let out = '';
  let err = '';
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string | Uint8Array): boolean => ((out += String(chunk)), true);
  process.stderr.write = (chunk: string | Uint8Array): boolean => ((err += String(chunk)), true);
  try {
    await program.parseAsync(['record', 'spf', ...args], { from: 'user' });
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return { status, out, err };
}

test('record spf prints the record, its TXT text and a zone line, and points to check for the count', async () => {
  const result = await run(['--include', '_spf.google.com,spf.protection.outlook.com', '--ip4', '192.0.2.0/24', '--ip6', '2001:db8::/32', '--mx', '--all', 'fail', '--domain', 'Example.COM']);
  assert.equal(result.status, 0);
  assert.match(result.out, /v=spf1 ip4:192\.0\.2\.0\/24 ip6:2001:db8::\/32 mx include:_spf\.google\.com include:spf\.protection\.outlook\.com -all/);
  assert.match(result.out, /^ {2}example\.com\. .*TXT "v=spf1 /m);
  assert.match(result.err, /dmarcpilot check example\.com/);
});

test('record spf --json gives the strings and the lookups of the record itself', async () => {
  const result = await run(['--ip4', '192.0.2.1', '--a', '--json']);
  const printed = JSON.parse(result.out) as { text: string; strings: string[]; lookups: number };
  assert.equal(printed.text, 'v=spf1 ip4:192.0.2.1 a ~all');
  assert.deepEqual(printed.strings, ['v=spf1 ip4:192.0.2.1 a ~all']);
  assert.equal(printed.lookups, 1);
});

test('a long record is split into strings of at most 255 octets (RFC 7208 §3.3)', async () => {
  const networks = Array.from({ length: 30 }, (_, i) => `198.51.${i}.0/24`).join(',');
  const result = await run(['--ip4', networks, '--json']);
  const printed = JSON.parse(result.out) as { text: string; strings: string[] };
  assert.ok(printed.strings.length >= 2);
  assert.ok(printed.strings.every((s) => s.length <= 255));
  assert.equal(printed.strings.join(''), printed.text);
});

test('record spf refuses +all and a bad network with the reason and status 2', async () => {
  const pass = await run(['--all', 'pass']);
  assert.equal(pass.status, 2);
  assert.match(pass.err, /refused: .*every server/);
  const bad = await run(['--ip4', '192.0.2.0/33']);
  assert.equal(bad.status, 2);
  assert.match(bad.err, /refused: --ip4 192\.0\.2\.0\/33/);
  assert.equal(bad.out, '');
});
