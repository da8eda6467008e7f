/**
 * Builds the content of one synthetic aggregate report: its metadata, published policy and
 * records. Values are plain data; report-xml.js turns them into text. Every address is from the
 * documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849:
 * 2001:db8::/32) and every domain is under .example (RFC 2606).
 */

/** First day of the reporting window: 2026-05-01T00:00:00Z. */
export const FIRST_DAY = Date.UTC(2026, 4, 1) / 1000;
/** Number of days reports are spread over. */
export const DAYS = 61;

const V4_OWN = '203.0.113';
const V4_ESP = '198.51.100';
const V4_FORWARD = '192.0.2';
const V4_ALL = [V4_OWN, V4_ESP, V4_FORWARD];

const SUBDOMAINS = ['mail', 'news', 'info', 'billing', 'support', 'marketing', 'e', 'notify', 'hr', 'shop'];
const OWN_SELECTORS = ['s1', 's2', 'selector1', 'selector2', 'default', 'k1', 'mail', 'dkim', 'mx', 'smtp', 'key1', 'sig1'];
const RECIPIENT_DOMAINS = Array.from({ length: 40 }, (_, i) => `customer-${i + 1}.example`);
const DKIM_HUMAN_FAIL = ['body hash did not verify', 'signature verification failed', 'signature expired', 'no key for signature', 'key revoked'];
const SPF_HUMAN = { pass: 'sender is authorized', fail: 'ip not authorized', softfail: 'transitioning sender', neutral: 'no assertion', none: 'no spf record', temperror: 'dns timeout', permerror: 'too many dns lookups' };
const REASON_COMMENTS = ['arc=pass', 'forwarded by known forwarder', 'local exemption', 'sender on allow list', 'list server rewrote body', ''];

/** Which sender produced a record, and how often (weights). */
const KINDS = [['own', 28], ['esp', 30], ['forward', 12], ['list', 6], ['spoof', 19], ['broken', 5]];

/** A reporter's report_id. */
function makeReportId(random, reporter, begin) {
  switch (reporter.idStyle) {
    case 'digits19': return random.digits(19);
    case 'digits10': return random.digits(10);
    case 'hex32': return random.hex(32);
    case 'uuid': return `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${random.pick(['8', '9', 'a', 'b'])}${random.hex(3)}-${random.hex(12)}`;
    default: return `${begin}.${random.hex(10)}@${reporter.host}`;
  }
}

function makePolicy(random, flavour, domain) {
  const value = () => random.weighted([['none', 45], ['quarantine', 30], ['reject', 25]]);
  const p = value();
  if (flavour === 'rfc9990') {
    return {
      domain, p,
      discoveryMethod: random.chance(0.7) ? random.weighted([['psl', 60], ['treewalk', 40]]) : null,
      sp: random.chance(0.6) ? value() : null,
      np: random.chance(0.5) ? value() : null,
      fo: random.chance(0.4) ? random.pick(['0', '1', '1:d:s', 'd']) : null,
      adkim: random.chance(0.8) ? random.weighted([['r', 85], ['s', 15]]) : null,
      aspf: random.chance(0.8) ? random.weighted([['r', 85], ['s', 15]]) : null,
      testing: random.chance(0.9) ? random.weighted([['n', 85], ['y', 15]]) : null,
      pct: null,
    };
  }
  return {
    domain, p,
    discoveryMethod: null, np: null, testing: null,
    adkim: random.weighted([['r', 85], ['s', 15]]),
    aspf: random.weighted([['r', 85], ['s', 15]]),
    sp: random.chance(0.85) ? (random.chance(0.6) ? p : value()) : null,
    pct: random.chance(0.85) ? '100' : random.pick(['10', '25', '50', '75']),
    fo: random.chance(0.6) ? random.pick(['0', '0', '1', '1:d:s']) : null,
  };
}

/**
 * The report-level part: metadata, policy and the sender population the records are drawn from.
 * @param {ReturnType<import('./random.js').createRandom>} random the report's own stream
 * @param {import('./reporters.js').Reporter} reporter
 */
export function makeReportHeader(random, reporter) {
  const orgNumber = Math.floor(600 ** random.float());
  const domain = `org${orgNumber}.example`;
  const begin = FIRST_DAY + random.int(DAYS) * 86400;
  const flavour = reporter.flavour;
  const subdomains = [];
  for (const name of SUBDOMAINS) if (random.chance(0.25)) subdomains.push(`${name}.${domain}`);
  const ownSelectors = [];
  for (const name of OWN_SELECTORS) if (random.chance(0.2)) ownSelectors.push(name);
  ownSelectors.push(`s${random.between(2019, 2026)}${random.hex(2)}`);
  const espCount = random.between(1, 6);
  const esps = Array.from({ length: espCount }, () => {
    const n = random.between(1, 80);
    return {
      domain: `esp-${n}.example`,
      net: `2001:db8:e${n.toString(16).padStart(3, '0')}`,
      selector: random.pick([`esp${n}`, `pm${random.digits(8)}`, `s${random.hex(6)}`, 'k1', 'scph0123', `m${random.digits(4)}`]),
      // Whether the sender signs with the customer's domain (aligned) or only its own.
      signsAligned: random.chance(0.8),
      customReturnPath: random.chance(0.4),
    };
  });
  return {
    reporter,
    flavour,
    reportId: makeReportId(random, reporter, begin),
    begin,
    end: begin + reporter.endOffset,
    error: flavour !== 'rfc9990' && random.chance(0.02) ? 'Some records were dropped: message size limit' : null,
    extension: flavour === 'rfc9990' && random.chance(0.15),
    policy: makePolicy(random, flavour, domain),
    // Sender population.
    ownNet: `2001:db8:${(0x1000 + orgNumber).toString(16)}`,
    ownHosts: Array.from({ length: random.between(2, 8) }, () => random.between(1, 254)),
    subdomains,
    ownSelectors,
    esps,
    passDisposition: flavour === 'rfc9990' && random.chance(0.3),
  };
}

function v6(random, net) {
  const g = () => random.int(0x10000).toString(16);
  switch (random.int(4)) {
    case 0: return `${net}:${g()}::${g()}`;
    case 1: return `${net}:${g()}:${g()}:${g()}:${g()}:${g()}`;
    case 2: return `${net}::${random.between(1, 0xfff).toString(16)}`;
    default: return `${net}:${g()}:${g()}::${g()}:${g()}`;
  }
}

function count(random, scale) {
  const bucket = random.float();
  if (bucket < 0.5) return 1;
  if (bucket < 0.8) return random.between(2, 9);
  if (bucket < 0.95) return random.between(10, 50 * scale);
  if (bucket < 0.995) return random.between(50 * scale, 500 * scale);
  return random.between(500 * scale, 5000 * scale);
}

function dkimResult(random, reporter, domain, selector, result) {
  let human = null;
  if (random.chance(reporter.humanResult)) human = result === 'pass' ? random.pick(['', 'pass']) : random.pick(DKIM_HUMAN_FAIL);
  return { domain, selector: reporter.selector || reporter.flavour === 'rfc9990' ? selector : null, result, human };
}

function spfResult(random, reporter, domain, result) {
  const scope = reporter.flavour === 'rfc9990' ? (random.chance(0.8) ? 'mfrom' : null) : 'mfrom';
  const human = reporter.flavour === 'rfc9990' && random.chance(reporter.humanResult) ? SPF_HUMAN[result] : null;
  return { domain, scope, result, human };
}

/** Whether `domain` is `org` or below it (relaxed alignment, RFC 7489 §3.1). */
const alignsTo = (domain, org) => domain === org || domain.endsWith(`.${org}`);

/**
 * One record (row, identifiers, auth_results), consistent with the report's policy.
 * @param {ReturnType<import('./random.js').createRandom>} random
 * @param {ReturnType<typeof makeReportHeader>} header
 */
export function makeRecord(random, header) {
  const { reporter, policy, flavour } = header;
  const org = policy.domain;
  const kind = random.weighted(KINDS);
  const headerFrom = header.subdomains.length > 0 && random.chance(0.35) ? random.pick(header.subdomains) : org;
  const dkim = [];
  const spf = [];
  let sourceIp;
  let envelopeFrom;
  let n;
  let override = null;

  switch (kind) {
    case 'own': {
      sourceIp = random.chance(0.6) ? `${V4_OWN}.${random.pick(header.ownHosts)}` : v6(random, header.ownNet);
      envelopeFrom = headerFrom;
      dkim.push(dkimResult(random, reporter, headerFrom, random.pick(header.ownSelectors), random.chance(0.97) ? 'pass' : 'fail'));
      spf.push(spfResult(random, reporter, envelopeFrom, random.weighted([['pass', 92], ['softfail', 4], ['temperror', 2], ['fail', 2]])));
      n = count(random, 20);
      break;
    }
    case 'esp': {
      const esp = random.pick(header.esps);
      sourceIp = random.chance(0.55) ? `${V4_ESP}.${random.between(1, 254)}` : v6(random, esp.net);
      envelopeFrom = esp.customReturnPath ? `em${random.digits(4)}.${org}` : `bounce${random.between(1, 30)}.${esp.domain}`;
      if (esp.signsAligned) dkim.push(dkimResult(random, reporter, headerFrom, esp.selector, random.chance(0.96) ? 'pass' : 'fail'));
      if (!esp.signsAligned || random.chance(0.4)) dkim.push(dkimResult(random, reporter, esp.domain, `${esp.selector}-esp`, 'pass'));
      spf.push(spfResult(random, reporter, envelopeFrom, random.chance(0.95) ? 'pass' : 'softfail'));
      n = count(random, 10);
      break;
    }
    case 'forward': {
      sourceIp = random.chance(0.5) ? `${V4_FORWARD}.${random.between(1, 254)}` : v6(random, `2001:db8:f${random.hex(3)}`);
      envelopeFrom = random.chance(0.5) ? headerFrom : `srs${random.between(0, 9)}.forwarder-${random.between(1, 50)}.example`;
      dkim.push(dkimResult(random, reporter, headerFrom, random.pick(header.ownSelectors), random.chance(0.7) ? 'pass' : 'fail'));
      spf.push(spfResult(random, reporter, envelopeFrom, random.weighted([['fail', 40], ['softfail', 30], ['none', 10], ['pass', 20]])));
      if (random.chance(0.6)) override = flavour === 'rfc9990' ? random.pick(['trusted_forwarder', 'local_policy']) : random.pick(['forwarded', 'forwarded', 'trusted_forwarder']);
      n = count(random, 2);
      break;
    }
    case 'list': {
      sourceIp = random.chance(0.6) ? `${V4_FORWARD}.${random.between(1, 254)}` : v6(random, `2001:db8:a${random.hex(3)}`);
      const list = `lists.list-${random.between(1, 40)}.example`;
      envelopeFrom = list;
      dkim.push(dkimResult(random, reporter, headerFrom, random.pick(header.ownSelectors), 'fail'));
      if (random.chance(0.5)) dkim.push(dkimResult(random, reporter, list, 'list', 'pass'));
      spf.push(spfResult(random, reporter, list, 'pass'));
      if (random.chance(0.6)) override = 'mailing_list';
      n = count(random, 1);
      break;
    }
    case 'spoof': {
      sourceIp = random.chance(0.6) ? `${random.pick(V4_ALL)}.${random.between(1, 254)}` : v6(random, `2001:db8:${random.hex(4)}`);
      const spam = `host${random.hex(4)}.spam-${random.between(1, 500)}.example`;
      envelopeFrom = random.weighted([[spam, 60], [headerFrom, 30], ['', 10]]);
      if (random.chance(0.3)) dkim.push(dkimResult(random, reporter, spam, random.pick(['default', 'x', random.hex(6)]), 'pass'));
      if (envelopeFrom !== '' || flavour !== 'rfc9990') {
        spf.push(spfResult(random, reporter, envelopeFrom || spam, envelopeFrom === headerFrom ? random.pick(['fail', 'softfail']) : random.weighted([['pass', 40], ['none', 30], ['neutral', 10], ['softfail', 20]])));
      }
      n = count(random, 1);
      break;
    }
    default: {
      // Transient or configuration errors at an otherwise legitimate sender.
      sourceIp = random.chance(0.6) ? `${random.pick(V4_ALL)}.${random.between(1, 254)}` : v6(random, header.ownNet);
      envelopeFrom = headerFrom;
      dkim.push(dkimResult(random, reporter, headerFrom, random.pick(header.ownSelectors), random.pick(['temperror', 'permerror', 'neutral', 'policy', 'none'])));
      spf.push(spfResult(random, reporter, envelopeFrom, random.pick(['temperror', 'permerror', 'neutral', 'none'])));
      n = count(random, 2);
    }
  }
  // RFC 7489 allowed several SPF results: some reporters add the HELO check.
  if (flavour !== 'rfc9990' && random.chance(0.05)) spf.push({ ...spfResult(random, reporter, `mta${random.between(1, 99)}.${envelopeFrom || org}`, 'pass'), scope: 'helo' });
  if (dkim.length > 0 && random.chance(0.05)) dkim.push(dkimResult(random, reporter, `arc-${random.between(1, 20)}.example`, 'arc', 'pass'));

  const strict = (mode) => mode === 's';
  const dkimAligned = dkim.some((d) => d.result === 'pass' && (strict(policy.adkim) ? d.domain === headerFrom : alignsTo(d.domain, org))) ? 'pass' : 'fail';
  const spf0 = spf.find((s) => s.scope !== 'helo');
  const spfAligned = spf0 && spf0.result === 'pass' && (strict(policy.aspf) ? spf0.domain === headerFrom : alignsTo(spf0.domain, org)) ? 'pass' : 'fail';

  const reasons = [];
  let disposition;
  if (dkimAligned === 'pass' || spfAligned === 'pass') {
    disposition = header.passDisposition ? 'pass' : 'none';
  } else {
    const requested = headerFrom !== org && policy.sp ? policy.sp : policy.p;
    disposition = requested;
    if (requested !== 'none') {
      if (policy.testing === 'y') {
        disposition = requested === 'reject' ? 'quarantine' : 'none';
        reasons.push({ type: 'policy_test_mode', comment: null });
      } else if (policy.pct !== null && policy.pct !== '100' && random.float() * 100 >= Number(policy.pct)) {
        disposition = requested === 'reject' ? 'quarantine' : 'none';
        reasons.push({ type: 'sampled_out', comment: null });
      } else if (override) {
        disposition = 'none';
        reasons.push({ type: override, comment: random.chance(0.4) ? random.pick(REASON_COMMENTS) : null });
      } else if (random.chance(0.03)) {
        disposition = 'none';
        reasons.push({ type: 'local_policy', comment: random.chance(0.5) ? 'sender on allow list' : null });
      }
    }
  }

  const envelopeTo = random.chance(reporter.envelopeTo) ? (random.chance(0.3) ? reporter.host : random.pick(RECIPIENT_DOMAINS)) : null;
  return {
    sourceIp,
    count: n,
    disposition,
    dkim: dkimAligned,
    spf: spfAligned,
    reasons,
    envelopeTo,
    envelopeFrom: reporter.envelopeFrom ? envelopeFrom : null,
    headerFrom,
    authDkim: dkim,
    authSpf: spf,
  };
}
