/**
 * The contract of what a store keeps and for how long (store.ts: RawInputOptions, purgeQuarantine,
 * applyRetention; docs/data-retention.md): raw inputs kept as a reference without their bytes,
 * bytes dropped unless an open quarantine entry needs them, quarantine entries purged with the
 * bytes nothing else needs, and the failure-report retention.
 */
import assert from 'node:assert/strict';
import type { Provenance, Store } from '../store.js';
import { DEFAULT_ORGANIZATION_ID } from '../store.js';
import type { StoreTest } from './contract-fixtures.test-helper.js';
import { failure, header, record, saveAggregate, trailerFor } from './contract-fixtures.test-helper.js';

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const at = (day: number): Date => new Date(Date.UTC(2026, 10, day));

/** An input saved as `mode` at a time, as a provenance. */
async function input(store: Store, text: string, receivedAt: Date, options: Parameters<Store['saveRawInput']>[1] = {}, source = `${text}.eml`): Promise<Provenance> {
  return { raw: await store.saveRawInput(bytesOf(text), options), source, receivedAt };
}

export function runRetentionContract(withStore: StoreTest): void {
  withStore('raw inputs: a reference keeps the hash and size only; keep fills it in; drop takes the bytes unless an open quarantine entry needs them', async (store) => {
    const ref = await store.saveRawInput(bytesOf('failure report'), { bytes: 'reference' });
    assert.equal(ref.size, 14);
    assert.equal(await store.readRawInput(ref.sha256), undefined, 'no bytes: only the reference');
    assert.equal((await store.countReports()).raw, 0, 'counts the inputs whose bytes are kept');
    assert.deepEqual(await store.saveRawInput(bytesOf('failure report'), { bytes: 'keep' }), ref);
    assert.deepEqual(await store.readRawInput(ref.sha256), bytesOf('failure report'), 'filled in');
    await store.saveRawInput(bytesOf('failure report'), { bytes: 'reference' });
    assert.deepEqual(await store.readRawInput(ref.sha256), bytesOf('failure report'), 'a reference leaves kept bytes alone');
    await store.saveRawInput(bytesOf('failure report'), { bytes: 'drop', failureData: true });
    assert.equal(await store.readRawInput(ref.sha256), undefined, 'dropped');

    const refused = await input(store, 'refused', at(1));
    await store.quarantine({ code: 'arf-invalid', message: 'no feedback part' }, refused);
    await store.saveRawInput(bytesOf('refused'), { bytes: 'drop' });
    assert.deepEqual(await store.readRawInput(refused.raw.sha256), bytesOf('refused'), 'an open quarantine entry keeps its bytes');
  });

  withStore('purge: the entry goes, with its bytes unless a stored report or another entry refers to them; no entry, undefined', async (store) => {
    const junk = await input(store, 'root:x:0:0', at(1), {}, '/etc/passwd');
    const id = await store.quarantine({ code: 'unrecognised-content', message: 'not a report' }, junk);
    assert.deepEqual(await store.purgeQuarantine(id), { rawBytesDropped: true });
    assert.equal(await store.getQuarantine(id), undefined);
    assert.equal(await store.readRawInput(junk.raw.sha256), undefined);
    assert.equal(await store.purgeQuarantine(id), undefined);

    // One e-mail: a stored aggregate report and a refused part. Purging the refusal keeps the bytes the report came from.
    const mixed = await input(store, 'mixed', at(1));
    const writer = await store.beginAggregateReport(header('m-1'), mixed);
    await writer.addRecords([record(1)]);
    await writer.commit(trailerFor([record(1)]));
    const part = await store.quarantine({ code: 'xml-malformed', message: 'truncated' }, { ...mixed, source: 'mixed.eml > b.xml' });
    const other = await store.quarantine({ code: 'xml-malformed', message: 'truncated' }, { ...mixed, source: 'mixed.eml > c.xml' });
    assert.deepEqual(await store.purgeQuarantine(part), { rawBytesDropped: false });
    assert.deepEqual(await store.readRawInput(mixed.raw.sha256), bytesOf('mixed'));
    assert.deepEqual((await store.listQuarantine({})).items.map((e) => e.id), [other], 'the other entry stays');
    assert.equal((await store.countReports()).aggregate, 1);
  });

  withStore('retention: failure reports and failure-report inputs and quarantine entries older than the cut go; the rest stays', async (store) => {
    const old = await input(store, 'old ruf', at(1), { bytes: 'keep', failureData: true });
    const recent = await input(store, 'recent ruf', at(20), { bytes: 'keep', failureData: true });
    const oldReport = await store.saveFailureReport(failure({ sourceIp: '192.0.2.1' }), old, { keepFullHeaders: false }, []);
    const recentReport = await store.saveFailureReport(failure({ sourceIp: '192.0.2.2' }), recent, { keepFullHeaders: true }, []);
    const refusedOld = await input(store, 'refused old ruf', at(2), { failureData: true });
    const refusedOldId = await store.quarantine({ code: 'arf-invalid', message: 'no feedback part' }, refusedOld);
    const refusedRecent = await input(store, 'refused recent ruf', at(21), { failureData: true });
    const refusedRecentId = await store.quarantine({ code: 'arf-invalid', message: 'no feedback part' }, refusedRecent);
    const aggregate = await saveAggregate(store, header('a-1'), [record(1)]);
    const junk = await input(store, 'junk', at(1));
    const junkId = await store.quarantine({ code: 'unrecognised-content', message: 'not a report' }, junk);
    await store.setQuarantineState(junkId, 'dismissed');

    // Raw failure-report e-mails kept on purpose (keepFailureRaw) until the cut.
    const kept = await store.applyRetention({ failureDataBefore: at(10), keepFailureRaw: true });
    assert.deepEqual(kept, { failureReports: 1, quarantineEntries: 1, rawInputsEmptied: 2 });
    assert.equal(await store.getFailureReport(oldReport.id), undefined);
    assert.ok(await store.getFailureReport(recentReport.id));
    assert.equal(await store.getQuarantine(refusedOldId), undefined);
    assert.equal((await store.getQuarantine(refusedRecentId))?.state, 'open');
    assert.equal(await store.readRawInput(old.raw.sha256), undefined);
    assert.equal(await store.readRawInput(refusedOld.raw.sha256), undefined);
    assert.deepEqual(await store.readRawInput(recent.raw.sha256), bytesOf('recent ruf'), 'within the retention, kept');

    // Not kept on purpose: the bytes go at once, except those an open quarantine entry needs.
    assert.deepEqual(await store.applyRetention({ failureDataBefore: at(10), keepFailureRaw: false }), { failureReports: 0, quarantineEntries: 0, rawInputsEmptied: 1 });
    assert.equal(await store.readRawInput(recent.raw.sha256), undefined);
    assert.ok(await store.getFailureReport(recentReport.id), 'the redacted report stays until the cut');
    assert.deepEqual(await store.readRawInput(refusedRecent.raw.sha256), bytesOf('refused recent ruf'), 'its retry needs them');
    await store.setQuarantineState(refusedRecentId, 'dismissed');
    assert.equal((await store.applyRetention({ failureDataBefore: at(10), keepFailureRaw: false })).rawInputsEmptied, 1, 'dismissed: no longer needed');

    // Other data is untouched; closed quarantine entries go only when asked, with bytes nothing else needs.
    assert.equal((await store.getQuarantine(junkId))?.state, 'dismissed');
    assert.deepEqual(await store.applyRetention({ failureDataBefore: at(10), keepFailureRaw: false, closedQuarantineBefore: at(30) }), { failureReports: 0, quarantineEntries: 2, rawInputsEmptied: 1 });
    assert.equal(await store.getQuarantine(junkId), undefined);
    assert.equal(await store.readRawInput(junk.raw.sha256), undefined);
    assert.equal(aggregate.status, 'new');
    assert.equal((await store.countReports()).aggregate, 1);
    assert.equal((await store.countReports()).raw, 1, 'the aggregate report\'s input is kept');
  });

  withStore('a stored failure report, and a refused one, mark their input as failure-report data, however it was saved', async (store) => {
    const stored = await input(store, 'ruf saved plainly', at(20));
    await store.saveFailureReport(failure(), stored, { keepFullHeaders: false }, []);
    const again = await input(store, 'the same incident in another e-mail', at(21));
    assert.equal((await store.saveFailureReport(failure(), again, { keepFullHeaders: false }, [])).status, 'duplicate');
    const refused = await input(store, 'refused ruf saved plainly', at(20));
    const id = await store.quarantine({ code: 'arf-invalid', message: 'no feedback part' }, refused);
    await store.setQuarantineState(id, 'dismissed');
    const junk = await input(store, 'not a failure report', at(20));
    assert.equal((await store.applyRetention({ failureDataBefore: at(1), keepFailureRaw: false })).rawInputsEmptied, 3);
    for (const p of [stored, again, refused]) assert.equal(await store.readRawInput(p.raw.sha256), undefined);
    assert.deepEqual(await store.readRawInput(junk.raw.sha256), bytesOf('not a failure report'));
  });

  withStore('purge and retention belong to the instance: an organisation that does not see every domain is refused them', async (store) => {
    const org = await store.createOrganization({ slug: 'council', name: 'Council', at: at(1) });
    const view = await store.forOrganization(org.id);
    await assert.rejects(view.purgeQuarantine(1), /belongs to the instance/);
    await assert.rejects(view.applyRetention({ failureDataBefore: at(1), keepFailureRaw: false }), /belongs to the instance/);
    const all = await store.forOrganization(DEFAULT_ORGANIZATION_ID);
    assert.deepEqual(await all.applyRetention({ failureDataBefore: at(1), keepFailureRaw: false }), { failureReports: 0, quarantineEntries: 0, rawInputsEmptied: 0 });
  });
}
