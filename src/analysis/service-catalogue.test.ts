import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadServiceCatalogue, matchServices, matchesDomainSuffix, validateServiceCatalogue } from './service-catalogue.js';
import type { ServiceEvidence } from './service-catalogue.js';
import type { SendingService } from './sender-model.js';

/** Services the issue and the brief name; each must be in the shipped catalogue. */
const REQUIRED_IDS = [
  'google-workspace', 'microsoft-365', 'mailchimp', 'mandrill', 'sendgrid', 'amazon-ses', 'mailgun', 'postmark',
  'salesforce', 'salesforce-marketing-cloud', 'hubspot', 'zendesk', 'freshdesk', 'servicenow', 'campaign-monitor', 'brevo',
  'gov-uk-notify', 'granicus-govdelivery', 'mimecast', 'proofpoint', 'barracuda', 'cisco-secure-email', 'sophos-email',
  'zoho-mail', 'fastmail', 'sparkpost', 'mailjet', 'constant-contact', 'klaviyo', 'marketo', 'pardot', 'dotdigital',
  'intercom', 'freshworks', 'atlassian', 'github', 'slack', 'dynamics-365-marketing', 'oracle-eloqua', 'surveymonkey',
  'eventbrite', 'docusign', 'xero', 'sage', 'quickbooks', 'shopify', 'wordpress-jetpack', 'wix', 'squarespace',
  'nhsmail', 'jisc-janet', 'google-groups', 'gmail-forwarding', 'apple-icloud', 'psn-legacy-gateway',
];

test('shipped catalogue: valid, at least 50 services, every named service present', () => {
  const catalogue = loadServiceCatalogue();
  assert.ok(catalogue.length >= 50, `only ${catalogue.length} services`);
  const ids = new Set(catalogue.map((s) => s.id));
  assert.equal(ids.size, catalogue.length, 'ids are unique');
  for (const id of REQUIRED_IDS) assert.ok(ids.has(id), `missing ${id}`);
  assert.ok(catalogue.some((s) => s.category === 'forwarder'), 'has forwarders');
  assert.ok(catalogue.some((s) => s.category === 'mailing-list'), 'has mailing lists');
  assert.ok(catalogue.filter((s) => s.category === 'public-sector').length >= 5, 'has UK public-sector networks');
  assert.equal(loadServiceCatalogue(), catalogue, 'loaded once per process');
  // A service that can sign as the customer must say how.
  for (const s of catalogue) if (s.customDkim) assert.ok(s.alignSteps.some((step) => /dkim|_domainkey|sign/i.test(step)), `${s.id}: DKIM steps`);
});

test('shipped catalogue: the shipped file passes validation with no problems', () => {
  const { problems, services } = validateServiceCatalogue({ services: loadServiceCatalogue() });
  assert.deepEqual(problems, []);
  assert.equal(services.length, loadServiceCatalogue().length);
});

const valid = { id: 'esp-one', name: 'ESP One', category: 'marketing', recognise: { dkimDomains: ['esp.example'] }, customDkim: true, customReturnPath: false, alignSteps: ['Publish the CNAME.'] };

const invalidRows: { name: string; data: unknown; path: string; message: RegExp }[] = [
  { name: 'not an object with services', data: [valid], path: 'services', message: /"services" array/ },
  { name: 'id not kebab-case', data: { services: [{ ...valid, id: 'Esp_One' }] }, path: 'services[0] ("Esp_One").id', message: /kebab-case/ },
  { name: 'id missing', data: { services: [{ ...valid, id: undefined }] }, path: 'services[0].id', message: /required/ },
  { name: 'duplicate id', data: { services: [valid, { ...valid }] }, path: 'services[1].id', message: /duplicate id "esp-one" \(first used by services\[0\]\)/ },
  { name: 'unknown category', data: { services: [{ ...valid, category: 'esp' }] }, path: 'services[0] ("esp-one").category', message: /one of mailbox-provider/ },
  { name: 'no way to recognise', data: { services: [{ ...valid, recognise: {} }] }, path: 'services[0] ("esp-one").recognise', message: /at least one way/ },
  { name: 'empty recognise list', data: { services: [{ ...valid, recognise: { ptrSuffixes: [] } }] }, path: 'services[0] ("esp-one").recognise.ptrSuffixes', message: /non-empty/ },
  { name: 'upper-case suffix', data: { services: [{ ...valid, recognise: { ptrSuffixes: ['ESP.example'] } }] }, path: 'services[0] ("esp-one").recognise.ptrSuffixes[0]', message: /lower case/ },
  { name: 'suffix with one label', data: { services: [{ ...valid, recognise: { dkimDomains: ['example'] } }] }, path: 'services[0] ("esp-one").recognise.dkimDomains[0]', message: /not a domain name/ },
  { name: 'network not CIDR', data: { services: [{ ...valid, recognise: { networks: ['192.0.2.0'] } }] }, path: 'services[0] ("esp-one").recognise.networks[0]', message: /not a CIDR/ },
  { name: 'network with host bits', data: { services: [{ ...valid, recognise: { networks: ['192.0.2.1/24'] } }] }, path: 'services[0] ("esp-one").recognise.networks[0]', message: /host bits/ },
  { name: 'network prefix too long', data: { services: [{ ...valid, recognise: { networks: ['2001:db8::/129'] } }] }, path: 'services[0] ("esp-one").recognise.networks[0]', message: /longer/ },
  { name: 'typo in a field', data: { services: [{ ...valid, aligSteps: [] }] }, path: 'services[0] ("esp-one").aligSteps', message: /not a known field/ },
  { name: 'customDkim missing', data: { services: [{ ...valid, customDkim: 'yes' }] }, path: 'services[0] ("esp-one").customDkim', message: /true or false/ },
  { name: 'no align steps', data: { services: [{ ...valid, alignSteps: [] }] }, path: 'services[0] ("esp-one").alignSteps', message: /non-empty list/ },
  { name: 'documentation not https', data: { services: [{ ...valid, documentation: 'http://esp.example/docs' }] }, path: 'services[0] ("esp-one").documentation', message: /https/ },
];

for (const row of invalidRows) {
  test(`catalogue validation: ${row.name} is reported with its path`, () => {
    const { problems } = validateServiceCatalogue(row.data);
    const problem = problems.find((p) => p.path === row.path);
    assert.ok(problem, `no problem at ${row.path}: ${JSON.stringify(problems)}`);
    assert.match(problem.message, row.message);
  });
}

test('catalogue validation: a bad entry does not hide the good ones', () => {
  const { services, problems } = validateServiceCatalogue({ services: [valid, { ...valid, id: 'esp-two', category: 'nope' }, { ...valid, id: 'esp-three' }] });
  assert.deepEqual(services.map((s) => s.id), ['esp-one', 'esp-three']);
  assert.equal(problems.length, 1);
});

const catalogue: readonly SendingService[] = [
  { id: 'big-mail', name: 'Big Mail', category: 'mailbox-provider', recognise: { ptrSuffixes: ['.google.com'], networks: ['192.0.2.0/25', '2001:db8:10::/48'], spfIncludes: ['_spf.google.com'] }, customDkim: true, customReturnPath: true, alignSteps: ['x'] },
  { id: 'esp', name: 'ESP', category: 'marketing', recognise: { dkimDomains: ['ESP.example'], returnPathDomains: ['bounces.esp.example'] }, customDkim: true, customReturnPath: false, alignSteps: ['x'] },
  { id: 'esp-relay', name: 'ESP relay', category: 'transactional', recognise: { ptrSuffixes: ['esp.example.'] }, customDkim: true, customReturnPath: false, alignSteps: ['x'] },
];
const evidence = (over: Partial<ServiceEvidence>): ServiceEvidence => ({ ip: '203.0.113.9', ptrName: null, dkimDomains: [], returnPathDomains: [], ...over });

const matchRows: { name: string; evidence: ServiceEvidence; expected: string[] }[] = [
  { name: 'PTR under the suffix', evidence: evidence({ ptrName: 'mail-sor-f41.google.com' }), expected: ['big-mail ptr mail-sor-f41.google.com'] },
  { name: 'PTR equal to the suffix (without its leading dot)', evidence: evidence({ ptrName: 'google.com' }), expected: ['big-mail ptr google.com'] },
  { name: 'PTR case-insensitive and trailing dot', evidence: evidence({ ptrName: 'MAIL.Google.COM.' }), expected: ['big-mail ptr mail.google.com'] },
  { name: 'label boundary: evilgoogle.com is not google.com', evidence: evidence({ ptrName: 'mail.evilgoogle.com' }), expected: [] },
  { name: 'label boundary: google.com.evil.example is not google.com', evidence: evidence({ ptrName: 'mail.google.com.evil.example' }), expected: [] },
  { name: 'IPv4 inside a network', evidence: evidence({ ip: '192.0.2.127' }), expected: ['big-mail network 192.0.2.0/25'] },
  { name: 'IPv4 just outside a network', evidence: evidence({ ip: '192.0.2.128' }), expected: [] },
  { name: 'IPv4-mapped IPv6 is the IPv4 address', evidence: evidence({ ip: '::ffff:192.0.2.5' }), expected: ['big-mail network 192.0.2.0/25'] },
  { name: 'IPv6 inside a network, any spelling', evidence: evidence({ ip: '2001:DB8:10:0:0:0:0:1' }), expected: ['big-mail network 2001:db8:10::/48'] },
  { name: 'IPv6 outside a network', evidence: evidence({ ip: '2001:db8:11::1' }), expected: [] },
  { name: 'DKIM d= suffix match (catalogue written in upper case)', evidence: evidence({ dkimDomains: ['s1.esp.example'] }), expected: ['esp dkim-domain s1.esp.example'] },
  { name: 'return path under a deeper suffix', evidence: evidence({ returnPathDomains: ['x.bounces.esp.example', 'esp.example'] }), expected: ['esp return-path x.bounces.esp.example'] },
  { name: 'SPF include when the caller knows it', evidence: evidence({ spfIncludes: ['_SPF.google.com'] }), expected: ['big-mail spf-include _spf.google.com'] },
  {
    name: 'every match: PTR of a forwarder and DKIM of the original sender, ptr first',
    evidence: evidence({ ip: '192.0.2.1', ptrName: 'mail-a.google.com', dkimDomains: ['esp.example', 'example.com'], returnPathDomains: ['bounces.esp.example'] }),
    expected: ['big-mail ptr mail-a.google.com', 'big-mail network 192.0.2.0/25', 'esp return-path bounces.esp.example', 'esp dkim-domain esp.example'],
  },
  { name: 'one service matched by PTR and DKIM domain, two services on one PTR', evidence: evidence({ ptrName: 'o1.esp.example', dkimDomains: ['esp.example'] }), expected: ['esp-relay ptr o1.esp.example', 'esp dkim-domain esp.example'] },
  { name: 'the same kind of evidence twice is one match', evidence: evidence({ dkimDomains: ['a.esp.example', 'b.esp.example'] }), expected: ['esp dkim-domain a.esp.example'] },
  { name: 'not an IP: no network match, no error', evidence: evidence({ ip: 'unknown' }), expected: [] },
];

for (const row of matchRows) {
  test(`matchServices: ${row.name}`, () => {
    const found = matchServices(row.evidence, catalogue).map((m) => `${m.serviceId} ${m.by} ${m.evidence}`);
    assert.deepEqual(found, row.expected);
  });
}

test('matchServices on the shipped catalogue: typical sources', () => {
  const shipped = loadServiceCatalogue();
  const ids = (e: Partial<ServiceEvidence>): string[] => matchServices(evidence(e), shipped).map((m) => `${m.serviceId}/${m.by}`);
  assert.deepEqual(ids({ ip: '209.85.220.41', ptrName: 'mail-sor-f41.google.com' }), ['google-workspace/ptr', 'google-workspace/network']);
  assert.deepEqual(ids({ ptrName: 'mail-db8eur05on2101.outbound.protection.outlook.com' }), ['microsoft-365/ptr']);
  assert.deepEqual(ids({ ptrName: 'mail180-6.suw21.mcdlv.net', dkimDomains: ['mcdlv.net'], returnPathDomains: ['mail180-6.suw21.mcdlv.net'] }), ['mailchimp/ptr', 'mailchimp/return-path', 'mailchimp/dkim-domain']);
  assert.deepEqual(ids({ ptrName: 'a8-30.smtp-out.eu-west-1.amazonses.com' }), ['amazon-ses/ptr']);
  assert.deepEqual(ids({ dkimDomains: ['notifications.service.gov.uk'] }), ['gov-uk-notify/dkim-domain']);
  assert.deepEqual(ids({ ptrName: 'relay.mail.nhs.net' }), ['nhsmail/ptr']);
  assert.deepEqual(ids({ returnPathDomains: ['googlegroups.com'] }), ['google-groups/return-path']);
  assert.deepEqual(ids({ ptrName: 'mail.evilgoogle.com' }), []);
});

const suffixRows: [string, string, boolean][] = [
  ['mail.google.com', '.google.com', true],
  ['google.com', 'google.com', true],
  ['evilgoogle.com', '.google.com', false],
  ['Mail.Google.Com.', 'google.com', true],
  ['google.com', '', false],
];
for (const [name, suffix, expected] of suffixRows) {
  test(`matchesDomainSuffix: ${name} vs ${suffix || '(empty)'} is ${expected}`, () => assert.equal(matchesDomainSuffix(name, suffix), expected));
}
