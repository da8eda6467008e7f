/**
 * The zones behind the `dmarcpilot check` benchmark (bench/check.js): N domains d00001.bench.test …
 * with a seeded, realistic mix of what real domains publish and get wrong, plus the zones they
 * depend on, so every query the checker makes is answered by the private nsd (never REFUSED):
 *
 * - `bench.test`: the checked domains (DMARC of several kinds and some broken or missing, SPF
 *   with shared and nested includes, MX, DKIM keys at provider default selectors, some by CNAME,
 *   TLS-RPT, BIMI, some domains with no records at all).
 * - `esp.example`: what the domains share, as mail providers publish it: SPF include targets
 *   (nested up to three levels, one tree over the 10-lookup limit), MX hosts, DKIM keys that
 *   domains point at by CNAME, and the wildcard authorisation of an external report address.
 * - `test`: the TLD, so the RFC 9989 tree walk above a domain (`_dmarc.test`) gets NXDOMAIN from
 *   an authoritative server; `bench.test` gets NXDOMAIN for `_dmarc.bench.test` the same way.
 *
 * Deterministic: the same count and seed give the same zones byte for byte. Documentation
 * addresses only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
 */
import { createRandom } from './random.js';

export const BENCH_PARENT = 'bench.test';
export const PROVIDER_ZONE = 'esp.example';

/** Public halves of the RSA keys of test/fixtures/dns (2048 and 1024 bits); the private halves are gone. */
const KEY_2048 =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv7tHLHC7Rku1CCb+H0Msq/5DiIEHI9iF892TwG2Ppy7cGhcMlhN6RPqiWU3fE3ml2vZxXSbd1LtnRdltBidPCE/Qqv6lOIB3lfgwHT42W0nOWoeTG9YeEDhw4ACK4WgxEF6yEFOA3W+QsC7faHO5OtCWmazzaYanW6g4BJz6Q3oDgn0PEDARy+8Qm20wb4eYT6CtcmmPkNzXl2gt7ykygjlK6VIAH09LB4T/0vZZH6icFtdFzWquU+sJ6yyi0zpkHPwA5aFMyUGQsjFCq2hxhmYfyopayWQaEljh0lpDtQ6QE+TbE2FGcv9rxpu2RbZpcBFQdSHgWfSTY6zrHePDdQIDAQAB';
const KEY_1024 =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCy2dc2mS9jsNmtv90WZ81gmqo4cnE/vzPsq+m/8I+HM9pkeySbgS1etjfy70Hja4y2lxaq5Oju7Gp9Ohl+Y/TU0n44dr9D1tgup+JcCn+8i7xrSIv5h293YlFEY/CnseVUoQHYlreSfn8RxgXHuJLWdzIZ2n6NM57O/8w45980VQIDAQAB';

/** A TXT record's data: the text split into quoted strings of at most 255 characters. */
function txt(text) {
  const parts = [];
  for (let i = 0; i < text.length; i += 255) parts.push(`"${text.slice(i, i + 255)}"`);
  return parts.length > 0 ? parts.join(' ') : '""';
}

function soa(origin) {
  return [`$ORIGIN ${origin}.`, '$TTL 300', `@ IN SOA ns.${BENCH_PARENT}. hostmaster.${BENCH_PARENT}. ( 2026120101 3600 600 86400 300 )`, `@ IN NS ns.${BENCH_PARENT}.`];
}

/** The shared provider zone: SPF include trees, MX hosts, DKIM keys behind CNAMEs, report authorisation. */
function providerZone() {
  const lines = [...soa(PROVIDER_ZONE), ''];
  const add = (name, type, data) => lines.push(`${name} IN ${type} ${data}`);
  // mailco: one include with two nested netblock records (3 lookups), as large mailbox providers do.
  add('_spf.mailco', 'TXT', txt('v=spf1 include:_netblocks1.mailco.esp.example include:_netblocks2.mailco.esp.example ~all'));
  add('_netblocks1.mailco', 'TXT', txt('v=spf1 ip4:192.0.2.0/26 ip4:198.51.100.0/25 ip6:2001:db8:10::/48 ~all'));
  add('_netblocks2.mailco', 'TXT', txt('v=spf1 ip4:203.0.113.0/27 ip6:2001:db8:11::/48 ~all'));
  // sendco: a flat record of a sending service.
  add('spf.sendco', 'TXT', txt('v=spf1 ip4:198.51.100.128/26 ip4:203.0.113.64/27 -all'));
  // bulkco: three levels deep, through mailco.
  add('_spf.bulkco', 'TXT', txt('v=spf1 include:_spf.mailco.esp.example include:spf.sendco.esp.example a:out.bulkco.esp.example ~all'));
  add('out.bulkco', 'A', '203.0.113.200');
  // heavy: a tree that costs more than 10 DNS-querying terms (RFC 7208 §4.6.4).
  add('spf.heavy', 'TXT', txt('v=spf1 include:_spf.bulkco.esp.example include:_spf.mailco.esp.example a:h1.heavy.esp.example a:h2.heavy.esp.example mx:heavy.esp.example ~all'));
  add('h1.heavy', 'A', '192.0.2.201');
  add('h2.heavy', 'A', '192.0.2.202');
  add('heavy', 'MX', '10 mx1.mailco.esp.example.');
  // MX hosts of the mailbox provider.
  add('mx1.mailco', 'A', '192.0.2.10');
  add('mx1.mailco', 'AAAA', '2001:db8:10::10');
  add('mx2.mailco', 'A', '192.0.2.11');
  add('mx2.mailco', 'AAAA', '2001:db8:10::11');
  // DKIM keys that customer domains point at by CNAME, as Microsoft 365 and most ESPs do.
  add('selector1.dkim.mailco', 'TXT', txt(`v=DKIM1; k=rsa; p=${KEY_2048}`));
  add('s1.dkim.sendco', 'TXT', txt(`v=DKIM1; k=rsa; p=${KEY_2048}`));
  // An external report destination that authorises every domain (RFC 9990 §4, wildcard).
  add('*._report._dmarc.reports', 'TXT', txt('v=DMARC1'));
  add('reports', 'MX', '10 mx1.mailco.esp.example.');
  lines.push('');
  return lines.join('\n');
}

function tldZone() {
  return [...soa('test'), `bench IN NS ns.${BENCH_PARENT}.`, ''].join('\n');
}

const DMARC_KINDS = [
  ['reject-internal', 24],
  ['quarantine-pct-external', 14],
  ['none-external', 22],
  ['none-no-rua', 6],
  ['rfc9989-tags', 5],
  ['syntax-error', 3],
  ['multiple', 2],
  ['unauthorized-rua', 2],
  ['missing', 22],
];
const SPF_KINDS = [
  ['include-mailco', 28],
  ['include-bulkco', 14],
  ['ip4-mx', 14],
  ['sendco-a-mx', 10],
  ['too-many-lookups', 3],
  ['multiple', 2],
  ['plus-all', 2],
  ['void-include', 3],
  ['missing', 24],
];
const MX_KINDS = [
  ['provider', 45],
  ['own-host', 30],
  ['null-mx', 5],
  ['missing', 20],
];
const DKIM_KINDS = [
  ['google', 12],
  ['selector1-cname', 10],
  ['s1-cname', 6],
  ['k1', 4],
  ['weak-default', 4],
  ['wildcard', 2],
  ['other-selector', 7],
  ['none', 55],
];

function tally(counts, key) {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** The domain name of the i-th checked domain (1-based). */
export function benchDomain(i) {
  return `d${String(i).padStart(5, '0')}.${BENCH_PARENT}`;
}

/**
 * Generates the zones for `count` domains.
 * @returns {{ zones: Record<string, string>, domains: string[], mix: Record<string, Record<string, number>>, records: number }}
 */
export function generateCheckZones(count, seed = 1) {
  const random = createRandom(seed);
  const lines = [...soa(BENCH_PARENT), `ns IN A 127.0.0.1`, ''];
  const domains = [];
  const mix = { empty: {}, dmarc: {}, spf: {}, mx: {}, dkim: {}, tlsrpt: {}, bimi: {} };
  let records = 0;
  for (let i = 1; i <= count; i++) {
    const domain = benchDomain(i);
    const label = domain.slice(0, -BENCH_PARENT.length - 1);
    domains.push(domain);
    const add = (name, type, data) => {
      lines.push(`${name === '@' ? label : `${name}.${label}`} IN ${type} ${data}`);
      records++;
    };
    // A few domains publish nothing at all: every query for them is NXDOMAIN.
    if (random.chance(0.04)) {
      tally(mix.empty, 'no records (NXDOMAIN)');
      continue;
    }
    add('@', 'A', `198.51.100.${1 + (i % 250)}`);

    const dmarc = random.weighted(DMARC_KINDS);
    tally(mix.dmarc, dmarc);
    const own = `mailto:dmarc@${domain}`;
    const external = 'mailto:agg@reports.esp.example';
    switch (dmarc) {
      case 'reject-internal':
        add('_dmarc', 'TXT', txt(`v=DMARC1; p=reject; rua=${own}; ruf=${own}; fo=1`));
        break;
      case 'quarantine-pct-external':
        add('_dmarc', 'TXT', txt(`v=DMARC1; p=quarantine; pct=50; rua=${external}; adkim=s`));
        break;
      case 'none-external':
        add('_dmarc', 'TXT', txt(`v=DMARC1; p=none; rua=${external},${own}`));
        break;
      case 'none-no-rua':
        add('_dmarc', 'TXT', txt('v=DMARC1; p=none'));
        break;
      case 'rfc9989-tags':
        add('_dmarc', 'TXT', txt(`v=DMARC1; p=quarantine; sp=reject; np=reject; psd=n; t=y; rua=${own}`));
        break;
      case 'syntax-error':
        add('_dmarc', 'TXT', txt(`v=DMARC1; p=rejected; rua=dmarc@${domain}`));
        break;
      case 'multiple':
        add('_dmarc', 'TXT', txt(`v=DMARC1; p=none; rua=${own}`));
        add('_dmarc', 'TXT', txt('v=DMARC1; p=reject'));
        break;
      case 'unauthorized-rua':
        add('_dmarc', 'TXT', txt('v=DMARC1; p=quarantine; rua=mailto:dmarc@unauthorised.esp.example'));
        break;
      default:
        break;
    }

    const spf = random.weighted(SPF_KINDS);
    tally(mix.spf, spf);
    const spfText = {
      'include-mailco': 'v=spf1 include:_spf.mailco.esp.example -all',
      'include-bulkco': 'v=spf1 include:_spf.bulkco.esp.example ~all',
      'ip4-mx': `v=spf1 ip4:203.0.113.${i % 256}/32 mx -all`,
      'sendco-a-mx': 'v=spf1 a mx include:spf.sendco.esp.example ~all',
      'too-many-lookups': 'v=spf1 include:spf.heavy.esp.example include:_spf.bulkco.esp.example mx a ~all',
      'plus-all': 'v=spf1 include:_spf.mailco.esp.example +all',
      'void-include': 'v=spf1 include:_spf.gone.esp.example include:_spf.mailco.esp.example ~all',
    }[spf];
    if (spfText) add('@', 'TXT', txt(spfText));
    if (spf === 'multiple') {
      add('@', 'TXT', txt('v=spf1 include:_spf.mailco.esp.example -all'));
      add('@', 'TXT', txt('v=spf1 include:spf.sendco.esp.example -all'));
    }
    // Site-verification records beside SPF, as most domains have.
    if (random.chance(0.3)) add('@', 'TXT', txt(`site-verification=${random.hex(32)}`));

    const mx = random.weighted(MX_KINDS);
    tally(mix.mx, mx);
    if (mx === 'provider') {
      add('@', 'MX', '10 mx1.mailco.esp.example.');
      add('@', 'MX', '20 mx2.mailco.esp.example.');
    } else if (mx === 'own-host') {
      add('@', 'MX', `10 mail.${domain}.`);
      add('mail', 'A', `192.0.2.${1 + (i % 200)}`);
      if (random.chance(0.5)) add('mail', 'AAAA', `2001:db8:20::${(i % 65535).toString(16)}`);
    } else if (mx === 'null-mx') {
      add('@', 'MX', '0 .');
    }

    const dkim = random.weighted(DKIM_KINDS);
    tally(mix.dkim, dkim);
    switch (dkim) {
      case 'google':
        add('google._domainkey', 'TXT', txt(`v=DKIM1; k=rsa; p=${KEY_2048}`));
        break;
      case 'selector1-cname':
        add('selector1._domainkey', 'CNAME', 'selector1.dkim.mailco.esp.example.');
        break;
      case 's1-cname':
        add('s1._domainkey', 'CNAME', 's1.dkim.sendco.esp.example.');
        break;
      case 'k1':
        add('k1._domainkey', 'TXT', txt(`v=DKIM1; k=rsa; t=y; p=${KEY_2048}`));
        break;
      case 'weak-default':
        add('default._domainkey', 'TXT', txt(`v=DKIM1; k=rsa; p=${KEY_1024}`));
        break;
      case 'wildcard':
        add('*._domainkey', 'TXT', txt(`v=DKIM1; k=rsa; p=${KEY_2048}`));
        break;
      case 'other-selector':
        add('mail2026._domainkey', 'TXT', txt(`v=DKIM1; k=rsa; p=${KEY_2048}`));
        break;
      default:
        break;
    }

    const tlsrpt = random.weighted([
      ['valid', 20],
      ['invalid', 3],
      ['missing', 77],
    ]);
    tally(mix.tlsrpt, tlsrpt);
    if (tlsrpt === 'valid') add('_smtp._tls', 'TXT', txt(`v=TLSRPTv1; rua=mailto:tlsrpt@${domain}`));
    if (tlsrpt === 'invalid') add('_smtp._tls', 'TXT', txt(`v=TLSRPTv1; rua=http://${domain}/tlsrpt`));

    if (random.chance(0.03)) {
      tally(mix.bimi, 'record');
      add('default._bimi', 'TXT', txt(`v=BIMI1; l=https://${domain}/logo.svg`));
    }
  }
  lines.push('');
  return {
    zones: { test: tldZone(), [BENCH_PARENT]: lines.join('\n'), [PROVIDER_ZONE]: providerZone() },
    domains,
    mix,
    records,
  };
}
