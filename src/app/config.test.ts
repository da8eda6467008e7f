import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppConfig, ConfigFlags, Environment } from './config.js';
import { loadConfig, resolveConfig } from './config.js';
import { AppError } from './problems.js';

/** The serve configuration (receivers read too), or the problems' messages. */
function resolveServeConfig(file: { path: string; text: string } | undefined, env: Environment, flags: ConfigFlags = {}): { config?: AppConfig; errors?: string[] } {
  try {
    return { config: resolveConfig(file, env, flags, { receivers: true }) };
  } catch (caught) {
    if (!(caught instanceof AppError)) throw caught;
    return { errors: caught.problems.map((p) => p.message) };
  }
}

const file = (value: unknown): { path: string; text: string } => ({ path: 'serve.json', text: JSON.stringify(value) });

test('serve config: nothing configured gives the embedded defaults (SQLite, SMTP on 127.0.0.1:2525, no IMAP)', () => {
  const { config } = resolveServeConfig(undefined, {});
  assert.ok(config);
  assert.equal(config.db, 'data/dmarcpilot.sqlite');
  assert.equal(config.smtp?.host, '127.0.0.1');
  assert.equal(config.smtp?.port, 2525);
  assert.deepEqual(config.smtp?.recipientList, []);
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
  assert.deepEqual(fromEnv?.smtp?.recipientList, ['a@x.example', 'reports.example']);
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
  assert.match(errors?.join('\n') ?? '', /smtp\.recipients: required .* when the listener is on 0\.0\.0\.0/);
  assert.ok(resolveServeConfig(file({ smtp: { host: '::1' } }), {}).config);
});

test('serve config: bad JSON names the file and the reason', () => {
  const { errors } = resolveServeConfig({ path: '/etc/dmarcpilot.json', text: '{ "db": ' }, {});
  assert.equal(errors?.length, 1);
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

test('config: every command reads the same layers: db, asnDb, limits and dns from the file, the environment over it, options over both', () => {
  const text = file({ db: 'file.sqlite', asnDb: '/srv/ip2asn.tsv', limits: { maxRatio: 400, maxBufferedBytes: 1048576 }, dns: { servers: ['192.0.2.53'], timeoutMs: 500 }, gates: { minDaysAtStage: 21 } });
  const fromFile = resolveConfig(text, {});
  assert.equal(fromFile.db, 'file.sqlite');
  assert.equal(fromFile.dbConfigured, true);
  assert.equal(fromFile.asnDb, '/srv/ip2asn.tsv');
  assert.equal(fromFile.limits.maxRatio, 400);
  assert.equal(fromFile.limits.maxBufferedBytes, 1048576);
  assert.equal(fromFile.limits.maxZipMembers, 64, 'limits not given keep their defaults');
  assert.deepEqual(fromFile.dns, { servers: ['192.0.2.53'], timeoutMs: 500 });
  assert.deepEqual(fromFile.gates, { minDaysAtStage: 21 });
  assert.equal(fromFile.smtp, undefined, 'commands that receive no mail do not read the listener');
  const layered = resolveConfig(text, { DMARCPILOT_DB: 'env.sqlite', DMARCPILOT_ASN_DB: '/env/asn.tsv' }, { db: 'flag.sqlite', limits: { maxRatio: 50 }, dnsServers: ['198.51.100.1:5353'], dnsTimeoutMs: 900 });
  assert.equal(layered.db, 'flag.sqlite');
  assert.equal(layered.asnDb, '/env/asn.tsv');
  assert.equal(layered.limits.maxRatio, 50);
  assert.equal(layered.limits.maxBufferedBytes, 1048576);
  assert.deepEqual(layered.dns, { servers: ['198.51.100.1:5353'], timeoutMs: 900 });
});

test('config: with nothing configured the store is the embedded default and counts as not configured (check saves nothing)', () => {
  const config = resolveConfig(undefined, { DMARCPILOT_DB: '' });
  assert.equal(config.db, 'data/dmarcpilot.sqlite');
  assert.equal(config.dbConfigured, false);
  assert.equal(config.dns.servers, undefined);
  assert.equal(config.dns.timeoutMs, 2000);
});

test('config: a command that receives no mail is not stopped by a wrong DMARCPILOT_SMTP; serve is', () => {
  const env = { DMARCPILOT_SMTP: 'nowhere' };
  assert.equal(resolveConfig(undefined, env).smtp, undefined);
  assert.match(resolveServeConfig(undefined, env).errors?.join('\n') ?? '', /DMARCPILOT_SMTP: "nowhere" is not HOST:PORT or "off"/);
  assert.match(resolveServeConfig(undefined, {}, { smtp: 'x:y' }).errors?.join('\n') ?? '', /--smtp: "x:y" is not HOST:PORT/);
});

test('config: wrong limits, dns and gates sections are named', () => {
  const { errors } = resolveServeConfig(file({ limits: { maxRatio: 0, maxSize: 3 }, dns: { servers: 'one' }, gates: [1] }), {});
  const text = errors?.join('\n') ?? '';
  for (const expected of ['limits.maxRatio: expected a whole number', 'limits.maxSize: unknown setting', 'dns.servers: expected a list of strings', 'gates: expected an object']) {
    assert.ok(text.includes(expected), `expected "${expected}" in:\n${text}`);
  }
});

test('config: an SMTP message limit above the largest input kept whole is lowered to it, with a warning (as serve always did)', () => {
  const { config } = resolveServeConfig(file({ limits: { maxBufferedBytes: 1048576 }, smtp: { maxMessageBytes: 2097152 } }), {});
  assert.equal(config?.smtp?.maxMessageBytes, 1048576);
  assert.match(config?.warnings.join('\n') ?? '', /smtp\.maxMessageBytes: 2097152 is more than the largest input kept whole .*: messages are limited to 1048576 bytes/);
  assert.deepEqual(resolveServeConfig(file({}), {}).config?.warnings, []);
});

test('config: every problem carries its field and a stable code', () => {
  try {
    resolveConfig(file({ colour: 'blue', db: 7 }), {});
    assert.fail('expected an AppError');
  } catch (caught) {
    assert.ok(caught instanceof AppError);
    assert.equal(caught.kind, 'invalid');
    assert.deepEqual(
      caught.problems.map((p) => [p.code, p.field]),
      [
        ['setting-unknown', 'colour'],
        ['setting-invalid', 'db'],
      ],
    );
  }
});

test('serve config (loadConfig): unreadable password and TLS files are reported with every other problem, each with its setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-config-'));
  const path = join(dir, 'serve.json');
  const empty = join(dir, 'empty-password');
  writeFileSync(empty, '');
  writeFileSync(
    path,
    JSON.stringify({
      dns: { timeoutMs: 0 },
      smtp: { tls: { keyFile: join(dir, 'missing-key.pem'), certFile: join(dir, 'missing-cert.pem') } },
      imap: [
        { url: 'imaps://dmarc@mail.example/INBOX', passwordFile: join(dir, 'missing-password'), archiveFolder: 'INBOX' },
        { url: 'imaps://dmarc@mail.example/Reports', passwordFile: empty },
        { url: 'ftp://mail.example/INBOX' },
      ],
    }),
  );
  let caught: unknown;
  try {
    loadConfig({ config: path }, {}, { receivers: true });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AppError, String(caught));
  const lines = caught.problems.map((p) => `${p.field ?? ''} | ${p.message}`);
  const expected: [string, RegExp][] = [
    ['dns.timeoutMs', /expected a whole number/],
    ['smtp.tls.keyFile', /cannot read .*missing-key\.pem: ENOENT/],
    ['smtp.tls.certFile', /cannot read .*missing-cert\.pem: ENOENT/],
    ['imap[0].passwordFile', /imaps:\/\/dmarc@mail\.example\/INBOX: cannot read the password file .*missing-password/],
    ['imap[0].archiveFolder', /cannot be the folder being read/],
    ['imap[1].passwordFile', /is empty/],
    ['imap[2].url', /is not imap:\/\/ or imaps:\/\//],
  ];
  for (const [field, message] of expected) {
    const line = lines.find((l) => l.startsWith(`${field} | `));
    assert.ok(line !== undefined && message.test(line), `${field} ${message} in:\n${lines.join('\n')}`);
    assert.ok(line.includes(`${path}: ${field}: `), `the message names the file and the setting: ${line}`);
  }
  assert.equal(lines.filter((l) => l.startsWith('imap[2].url | ')).length, 1, 'one problem per setting');
  // The pure resolver reads no files: the same settings without the files are fine there.
  assert.doesNotThrow(() => resolveConfig({ path, text: JSON.stringify({ smtp: { tls: { keyFile: 'k', certFile: 'c' } } }) }, {}, {}, { receivers: true }));
});

test('config: failure-report privacy and retention settings, with their defaults, and each mistake named', () => {
  const defaults = resolveConfig(undefined, {});
  assert.equal(defaults.keepFailureRaw, false);
  assert.deepEqual(defaults.retention, { failureReportDays: 90, closedQuarantineDays: null });
  const file = { path: 'c.json', text: JSON.stringify({ keepFailureRaw: true, retention: { failureReportDays: 30, closedQuarantineDays: 180 } }) };
  const set = resolveConfig(file, {});
  assert.equal(set.keepFailureRaw, true);
  assert.deepEqual(set.retention, { failureReportDays: 30, closedQuarantineDays: 180 });
  assert.equal(resolveConfig(undefined, {}, { keepFailureRaw: true }).keepFailureRaw, true, 'the option');
  const bad = { path: 'c.json', text: JSON.stringify({ keepFailureRaw: 'yes', retention: { failureReportDays: 0, closedQuarantineDays: 'never', keepForever: true } }) };
  const errors = resolveServeConfig(bad, {}).errors ?? [];
  for (const setting of ['keepFailureRaw', 'retention.failureReportDays', 'retention.closedQuarantineDays', 'retention.keepForever']) {
    assert.ok(errors.some((e) => e.includes(setting)), `${setting} is named: ${errors.join(' | ')}`);
  }
});

test('serve config: http.oidc with its defaults (redirect URI from the public origin, scopes, groups claim, users created), the secret from a file or the environment', () => {
  const oidc = { issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0', clientId: 'abc', clientSecretFile: '/etc/dmarcpilot/oidc-secret' };
  const config = resolveServeConfig(file({ http: { publicOrigin: 'https://dmarc.example.org/', oidc } }), {}).config;
  assert.deepEqual(config?.http?.oidc, {
    issuer: oidc.issuer,
    clientId: 'abc',
    clientSecret: { file: '/etc/dmarcpilot/oidc-secret' },
    redirectUri: 'https://dmarc.example.org/api/v1/oidc/callback',
    scopes: ['openid', 'email', 'profile'],
    groupsClaim: 'groups',
    roleMappings: [],
    operatorGroups: [],
    createUsers: true,
  });
  const fromEnv = resolveServeConfig(file({ http: { publicOrigin: 'https://dmarc.example.org', oidc: { issuer: 'https://accounts.google.com', clientId: 'g' } } }), { DMARCPILOT_OIDC_CLIENT_SECRET: 's3cret' }).config;
  assert.deepEqual(fromEnv?.http?.oidc?.clientSecret, { env: 'DMARCPILOT_OIDC_CLIENT_SECRET' }, 'the settings name the variable, never hold the secret');
  assert.ok(!JSON.stringify(fromEnv).includes('s3cret'));
  const full = resolveServeConfig(
    file({
      http: {
        oidc: {
          ...oidc,
          redirectUri: 'http://127.0.0.1:8080/api/v1/oidc/callback',
          scopes: 'openid email groups',
          groupsClaim: 'roles',
          roleMappings: [{ group: 'g1', organization: 'camden', role: 'admin' }],
          operatorGroups: ['dmarc-ops'],
          createUsers: false,
        },
      },
    }),
    {},
  ).config?.http?.oidc;
  assert.deepEqual([full?.redirectUri, full?.scopes, full?.groupsClaim, full?.roleMappings, full?.operatorGroups, full?.createUsers], [
    'http://127.0.0.1:8080/api/v1/oidc/callback',
    ['openid', 'email', 'groups'],
    'roles',
    [{ group: 'g1', organization: 'camden', role: 'admin' }],
    ['dmarc-ops'],
    false,
  ]);
  assert.equal(resolveServeConfig(file({ http: {} }), {}).config?.http?.oidc, undefined, 'no oidc section: no single sign-on');
});

test('serve config: every mistake in http.oidc is named', () => {
  const { errors } = resolveServeConfig(
    file({
      http: {
        oidc: {
          issuer: 'http://idp.example.org',
          clientSecretFile: '',
          scopes: 'email profile',
          roleMappings: [{ group: 'g', organization: 'Not A Slug', role: 'boss' }, { organization: 'camden', role: 'viewer' }, 'x'],
          operatorGroups: 'ops',
          createUsers: 'yes',
          tenant: 'x',
        },
      },
    }),
    {},
  );
  const text = errors?.join('\n') ?? '';
  for (const expected of [
    'http.oidc.issuer: "http://idp.example.org" must be an https:// URL',
    'http.oidc.clientId: required',
    'http.oidc.clientSecretFile: expected a non-empty string',
    'http.oidc.clientSecretFile: required: a file holding the client secret (or set DMARCPILOT_OIDC_CLIENT_SECRET)',
    'http.oidc.redirectUri: required when http.publicOrigin is not set',
    'http.oidc.scopes: "email profile" must include openid',
    'http.oidc.roleMappings[0].organization: "Not A Slug" is not an organisation\'s slug',
    'http.oidc.roleMappings[0].role: "boss" is not a role (owner, admin, analyst, viewer)',
    'http.oidc.roleMappings[1].group: required',
    'http.oidc.roleMappings[2]: expected an object',
    'http.oidc.operatorGroups: expected a list of strings',
    'http.oidc.createUsers: expected true or false',
    'http.oidc.tenant: unknown setting',
  ]) {
    assert.ok(text.includes(expected), `expected "${expected}" in:\n${text}`);
  }
  const issuers = resolveServeConfig(file({ http: { publicOrigin: 'https://d.example', oidc: { issuer: 'not a url', clientId: 'c' } } }), { DMARCPILOT_OIDC_CLIENT_SECRET: 'x' }).errors?.join('\n') ?? '';
  assert.match(issuers, /http\.oidc\.issuer: "not a url" is not a URL/);
  assert.equal(resolveServeConfig(file({ http: { publicOrigin: 'https://d.example', oidc: { issuer: 'http://127.0.0.1:9000', clientId: 'c' } } }), { DMARCPILOT_OIDC_CLIENT_SECRET: 'x' }).errors, undefined, 'plain http to a provider on loopback');
});

test('serve config (loadConfig): an unreadable or empty OIDC client secret file is named; the environment variable wins over the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-config-'));
  const path = join(dir, 'serve.json');
  const empty = join(dir, 'empty-secret');
  writeFileSync(empty, '\n');
  const write = (clientSecretFile: string) => writeFileSync(path, JSON.stringify({ http: { publicOrigin: 'https://d.example', oidc: { issuer: 'https://idp.example', clientId: 'c', clientSecretFile } } }));
  const problemsOf = (env: Environment): string[] => {
    try {
      loadConfig({ config: path }, env, { receivers: true });
      return [];
    } catch (caught) {
      if (!(caught instanceof AppError)) throw caught;
      return caught.problems.map((p) => `${p.field ?? ''} | ${p.message}`);
    }
  };
  write(join(dir, 'missing-secret'));
  assert.match(problemsOf({}).join('\n'), /^http\.oidc\.clientSecretFile \| .*cannot read the client secret file .*missing-secret/m);
  write(empty);
  assert.match(problemsOf({}).join('\n'), /^http\.oidc\.clientSecretFile \| .*the client secret file .*empty-secret is empty/m);
  assert.deepEqual(problemsOf({ DMARCPILOT_OIDC_CLIENT_SECRET: 'from the environment' }), []);
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'the secret\n');
  write(secretFile);
  assert.deepEqual(problemsOf({}), []);
});
