import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { resolveServeConfig } from './serve-config.js';

const file = (value: unknown): { path: string; text: string } => ({ path: 'serve.json', text: JSON.stringify(value) });

test('serve config: nothing configured gives the embedded defaults (SQLite, SMTP on 127.0.0.1:2525, no IMAP)', () => {
  const { config } = resolveServeConfig(undefined, {});
  assert.ok(config);
  assert.equal(config.db, 'data/dmarcpilot.sqlite');
  assert.equal(config.smtp?.host, '127.0.0.1');
  assert.equal(config.smtp?.port, 2525);
  assert.deepEqual(config.smtp?.recipients, []);
  assert.equal(config.smtp?.tls, undefined);
  assert.deepEqual(config.imap, []);
  assert.equal(config.keepFailureHeaders, false);
});

test('serve config: the file, then the environment, then options', () => {
  const text = file({ db: 'file.sqlite', smtp: { host: '0.0.0.0', port: 25, recipients: ['dmarc@reports.example'], maxConnections: 5 } });
  const fromFile = resolveServeConfig(text, {}).config;
  assert.equal(fromFile?.db, 'file.sqlite');
  assert.equal(fromFile?.smtp?.port, 25);
  assert.equal(fromFile?.smtp?.maxConnections, 5);
  const fromEnv = resolveServeConfig(text, { DMARCPILOT_DB: 'postgres://db/x', DMARCPILOT_SMTP: '127.0.0.1:2626', DMARCPILOT_SMTP_RECIPIENTS: 'a@x.example, reports.example' }).config;
  assert.equal(fromEnv?.db, 'postgres://db/x');
  assert.equal(fromEnv?.smtp?.port, 2626);
  assert.deepEqual(fromEnv?.smtp?.recipients, ['a@x.example', 'reports.example']);
  const fromOptions = resolveServeConfig(text, { DMARCPILOT_DB: 'env.sqlite' }, { db: 'opt.sqlite', smtp: 'off' }).config;
  assert.equal(fromOptions?.db, 'opt.sqlite');
  assert.equal(fromOptions?.smtp, undefined);
});

test('serve config: IMAP mailboxes from the file and DMARCPILOT_IMAP_URL', () => {
  const { config } = resolveServeConfig(file({ imap: [{ url: 'imaps://dmarc@mail.example/INBOX', archiveFolder: 'Done', passwordFile: '/etc/dmarcpilot/imap' }] }), {
    DMARCPILOT_IMAP_URL: 'imap://rua@127.0.0.1:1143/Reports',
  });
  assert.deepEqual(config?.imap.map((m) => [m.url, m.archiveFolder, m.passwordFile, m.keep]), [
    ['imaps://dmarc@mail.example/INBOX', 'Done', '/etc/dmarcpilot/imap', false],
    ['imap://rua@127.0.0.1:1143/Reports', undefined, undefined, false],
  ]);
});

test('serve config: every mistake is reported with the setting it is about, all at once', () => {
  const { errors } = resolveServeConfig(
    file({ smtp: { port: 'x', recipents: [], maxConnections: 0, tls: { keyFile: 'k.pem' } }, imap: [{ archiveFolder: 'A' }, { url: 'http://x', keep: true, delete: true }], colour: 'blue' }),
    {},
  );
  assert.ok(errors);
  const text = errors.join('\n');
  for (const expected of [
    'serve.json: colour: unknown setting',
    'smtp.recipents: unknown setting',
    'smtp.port: expected a whole number from 0 to 65535',
    'smtp.maxConnections: expected a whole number from 1 to 10000',
    'smtp.tls: give both keyFile and certFile',
    'imap[0].url: required',
    'imap[1].url: "http://x" is not imap:// or imaps://',
    'imap[1].keep and imap[1].delete: choose one',
  ]) {
    assert.ok(text.includes(expected), `expected "${expected}" in:\n${text}`);
  }
});

test('serve config: a listener off loopback must name its recipients (no open relay for reports)', () => {
  const { errors } = resolveServeConfig(file({ smtp: { host: '0.0.0.0' } }), {});
  assert.match(errors?.join('\n') ?? '', /smtp\.recipients .* is required when the listener is on 0\.0\.0\.0/);
  assert.ok(resolveServeConfig(file({ smtp: { host: '::1' } }), {}).config);
});

test('serve config: bad JSON names the file and the reason', () => {
  const { errors } = resolveServeConfig({ path: '/etc/dmarcpilot.json', text: '{ "db": ' }, {});
  assert.match(errors?.[0] ?? '', /^\/etc\/dmarcpilot\.json: not valid JSON: /);
});

test('serve config: the documented example file is valid', () => {
  const path = new URL('../../dmarcpilot.example.json', import.meta.url);
  const { config, errors } = resolveServeConfig({ path: path.pathname, text: readFileSync(path, 'utf8') }, {});
  assert.equal(errors, undefined);
  assert.equal(config?.imap.length, 1);
  assert.ok(config?.smtp?.tls);
});

test('serve config: requireTls needs a certificate; timeouts are bounded', () => {
  const { errors } = resolveServeConfig(file({ smtp: { requireTls: true, socketTimeoutMs: 5 } }), {});
  const text = errors?.join('\n') ?? '';
  assert.match(text, /smtp\.requireTls: needs smtp\.tls/);
  assert.match(text, /smtp\.socketTimeoutMs: expected a whole number from 1000/);
  const { config } = resolveServeConfig(file({ smtp: { requireTls: true, tls: { keyFile: 'k', certFile: 'c' }, closeTimeoutMs: 2000 } }), {});
  assert.equal(config?.smtp?.requireTls, true);
  assert.equal(config?.smtp?.closeTimeoutMs, 2000);
});
