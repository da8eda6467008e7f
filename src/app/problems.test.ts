import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from './problems.js';
import { describeReadOnly, invalid, isAppError, toAppError } from './problems.js';

const driverError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
const label = 'SQLite /srv/dmarc/store.sqlite';

for (const [code, message, reason] of [
  ['SQLITE_READONLY', 'attempt to write a readonly database', /cannot write the database file or its folder/],
  ['SQLITE_READONLY_DIRECTORY', 'attempt to write a readonly database', /cannot write the folder of the database file/],
  ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database', /cannot write the database file or its folder/],
  ['EROFS', 'EROFS: read-only file system, open', /mounted read-only/],
  ['25006', 'cannot execute INSERT in a read-only transaction', /only accepts reads/],
  ['42501', 'permission denied for table aggregate_reports', /role may not write/],
] as const) {
  test(`toAppError: a write refused for ${code} is store-read-only, naming the store, the reason and the driver's words`, () => {
    const mapped = toAppError(driverError(code, message), label);
    assert.ok(isAppError(mapped));
    assert.equal(mapped.kind, 'unavailable');
    assert.equal(mapped.code, 'store-read-only');
    assert.ok(mapped.message.startsWith(`${label} is read-only here: `), mapped.message);
    assert.match(mapped.message, reason);
    assert.ok(mapped.message.includes(`(${message})`), mapped.message);
  });
}

test('toAppError: the read-only code is found on a cause too; without the store label nothing is mapped', () => {
  const wrapped = new Error('commit failed', { cause: driverError('SQLITE_READONLY', 'attempt to write a readonly database') });
  assert.equal((toAppError(wrapped, label) as AppError).code, 'store-read-only');
  assert.equal(toAppError(wrapped), wrapped);
});

test('toAppError: other errors pass through unchanged; an AppError stays itself', () => {
  const busy = driverError('SQLITE_BUSY', 'database is locked');
  assert.equal(toAppError(busy, label), busy);
  assert.equal(describeReadOnly(busy), undefined);
  assert.equal(describeReadOnly('not an error'), undefined);
  const already = invalid('not-a-domain', 'domain', 'x');
  assert.equal(toAppError(already, label), already);
});
