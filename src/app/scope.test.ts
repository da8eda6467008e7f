import { test } from 'node:test';
import assert from 'node:assert/strict';
import { senderHistory, NOW, zone, DOMAIN } from '../../test/helpers/sender-history.js';
import { createAppContext } from './context.js';
import { storeStatus } from './maintenance.js';
import { AppError } from './problems.js';
import { listFailureReports } from './reports.js';
import { decideSender, listSenders } from './senders.js';
import { domainSeries } from './summaries.js';
import { ingestReports, withTestApp } from './app-fixtures.test-helper.js';

const since = new Date(NOW.getTime() - 30 * 86_400_000);
const kindAndCode = (kind: string, code: string) => (caught: unknown): boolean => caught instanceof AppError && caught.kind === kind && caught.code === code;

test('an organisation sees its own domains only: another one is not-found, the instance-wide parts are forbidden', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx, root }) => {
    await ingestReports(ctx, senderHistory());
    const council = await root.createOrganization({ slug: 'council', name: 'A council', at: NOW });
    const other = await root.createOrganization({ slug: 'other', name: 'Someone else', at: NOW });
    await root.assignDomain(council.id, DOMAIN);
    const mine = createAppContext(await root.forOrganization(council.id), { now: () => NOW, organizationId: council.id });
    const theirs = createAppContext(await root.forOrganization(other.id), { now: () => NOW, organizationId: other.id });

    assert.ok((await listSenders(mine, DOMAIN, { since, offline: true })).senders.length > 0);
    assert.ok((await domainSeries(mine, DOMAIN, { since })).length > 0);
    await assert.rejects(listSenders(theirs, DOMAIN, { since, offline: true }), kindAndCode('not-found', 'out-of-scope'));
    await assert.rejects(domainSeries(theirs, DOMAIN, { since }), kindAndCode('not-found', 'out-of-scope'));
    await assert.rejects(decideSender(theirs, DOMAIN, 'service:mailchimp', { decision: 'approved', actor: 'user:9' }), kindAndCode('not-found', 'out-of-scope'));
    assert.deepEqual((await listFailureReports(theirs)).items, []);
    await assert.rejects(storeStatus(mine), kindAndCode('forbidden', 'instance-only'));
    assert.equal((await storeStatus(ctx)).aggregate, senderHistory().length, 'the default organisation sees the whole instance');
  }));
