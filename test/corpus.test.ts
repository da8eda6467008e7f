/**
 * The whole pipeline over every file of the shared real-world corpus, against the outcome
 * recorded for it in test/corpus-expectations.json (records per aggregate report, failure and
 * TLS reports found, refusal codes). The corpus is read in place, never copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { collectFromFile } from './helpers/collect-reports.js';
import { corpusDir, corpusSkip } from './helpers/corpus.js';

interface Outcome {
  aggregate?: number[];
  failure?: number;
  tls?: number;
  rejected?: string[];
}

const expectations = (JSON.parse(readFileSync(new URL('./corpus-expectations.json', import.meta.url), 'utf8')) as { files: Record<string, Outcome> }).files;

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

const files = corpusSkip ? [] : listFiles(corpusDir);

test('every corpus file has a recorded outcome, and every recorded file exists', { skip: corpusSkip }, () => {
  assert.deepEqual(files.map((f) => relative(corpusDir, f)).sort(), Object.keys(expectations).sort());
});

for (const path of files) {
  const key = relative(corpusDir, path);
  test(`corpus ${key}`, async () => {
    const got = await collectFromFile(path);
    const outcome: Outcome = {};
    if (got.aggregates.length) outcome.aggregate = got.aggregates.map((a) => a.records.length);
    if (got.failures.length) outcome.failure = got.failures.length;
    if (got.tls.length) outcome.tls = got.tls.length;
    if (got.rejections.length) outcome.rejected = got.rejections.map((r) => r.rejection.code);
    assert.deepEqual(outcome, expectations[key], JSON.stringify(got.rejections));
    for (const a of got.aggregates) {
      assert.equal(a.trailer.recordCount, a.records.length);
      assert.equal(a.trailer.messageCount, a.records.reduce((n, r) => n + r.count, 0));
    }
  });
}

if (corpusSkip) test('corpus', { skip: corpusSkip }, () => {});
