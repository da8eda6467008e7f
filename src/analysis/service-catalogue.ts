/**
 * The catalogue of known sending services (data/sending-services.json, shipped in the package):
 * loading with validation, and matching a source's evidence (confirmed rDNS name, IP, DKIM d=
 * domains, return-path domains, SPF includes) against it.
 *
 * The data file is read with `createRequire`, the same way an `import … with { type: 'json' }`
 * would read it, so that it resolves from src/ (tsx) and dist/ alike (both sit two levels below
 * the package root) and stays outside tsc's rootDir.
 */
import { createRequire } from 'node:module';
import { parseSpfIp, matchesCidr } from '../records/spf-network.js';
import type { SpfIp } from '../records/spf-network.js';
import type { SendingService, ServiceMatch } from './sender-model.js';
import { validateServiceCatalogue } from './validate-service-catalogue.js';

export { validateServiceCatalogue } from './validate-service-catalogue.js';
export type { CatalogueProblem, CatalogueValidation } from './validate-service-catalogue.js';

/** Where the shipped catalogue lives, relative to this module (src/analysis or dist/analysis). */
const CATALOGUE_PATH = '../../data/sending-services.json';

let shipped: readonly SendingService[] | undefined;

/**
 * The shipped catalogue, validated once per process. A broken shipped file is a packaging bug,
 * so this throws with every problem listed rather than returning a partial catalogue.
 */
export function loadServiceCatalogue(): readonly SendingService[] {
  if (shipped) return shipped;
  const data: unknown = createRequire(import.meta.url)(CATALOGUE_PATH);
  const { services, problems } = validateServiceCatalogue(data);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`);
    throw new Error(`data/sending-services.json is not a valid catalogue (${problems.length} problem(s)):\n${lines.join('\n')}`);
  }
  shipped = services;
  return shipped;
}

/** What is known about one source when matching it against the catalogue. */
export interface ServiceEvidence {
  readonly ip: string;
  /** The forward-confirmed rDNS name (SourceEnrichment.confirmedName); an unconfirmed PTR is not evidence. */
  readonly ptrName: string | null;
  /** DKIM d= domains seen on its mail (any result: a failing signature still names its signer). */
  readonly dkimDomains: readonly string[];
  /** SPF-authenticated (envelope from) domains seen on its mail. */
  readonly returnPathDomains: readonly string[];
  /** SPF include targets that authorised it, when the caller knows them (additive to the shared contract). */
  readonly spfIncludes?: readonly string[];
}

/** The order matches are returned in: what the connecting host is first, then what the mail says. */
const MATCH_ORDER: readonly ServiceMatch['by'][] = ['ptr', 'network', 'return-path', 'dkim-domain', 'spf-include'];

/**
 * Every service the evidence points to, once per (service, kind of evidence), ordered by kind
 * (ptr, network, return-path, dkim-domain, spf-include) then by catalogue order. A forwarded
 * message can match its forwarder by PTR and the original sender by DKIM d=; callers decide.
 * Names match on label boundaries, case-insensitively: `google.com` matches `mail-x.google.com`
 * and `google.com`, never `evilgoogle.com`.
 */
export function matchServices(evidence: ServiceEvidence, catalogue: readonly SendingService[]): ServiceMatch[] {
  const index = indexCatalogue(catalogue);
  const found: { match: ServiceMatch; kind: number; position: number }[] = [];
  const seen = new Set<string>();
  const add = (by: ServiceMatch['by'], hits: readonly number[], value: string): void => {
    for (const position of hits) {
      const service = catalogue[position];
      if (!service || seen.has(`${service.id} ${by}`)) continue;
      seen.add(`${service.id} ${by}`);
      found.push({ match: { serviceId: service.id, by, evidence: value }, kind: MATCH_ORDER.indexOf(by), position });
    }
  };
  if (evidence.ptrName) add('ptr', lookupSuffix(index.ptr, evidence.ptrName), normalizeName(evidence.ptrName));
  const ip = parseSpfIp(evidence.ip);
  if (ip) {
    for (const network of index.networks) if (matchesCidr(ip, network.ip, network.length)) add('network', [network.position], network.text);
  }
  for (const domain of evidence.returnPathDomains) add('return-path', lookupSuffix(index.returnPath, domain), normalizeName(domain));
  for (const domain of evidence.dkimDomains) add('dkim-domain', lookupSuffix(index.dkim, domain), normalizeName(domain));
  for (const include of evidence.spfIncludes ?? []) add('spf-include', lookupSuffix(index.spf, include), normalizeName(include));
  found.sort((a, b) => a.kind - b.kind || a.position - b.position);
  return found.map((f) => f.match);
}

/** True when `name` is `suffix` or ends with `.suffix` (label boundary), ignoring case and a leading or trailing dot. */
export function matchesDomainSuffix(name: string, suffix: string): boolean {
  const n = normalizeName(name);
  const s = normalizeName(suffix);
  return s !== '' && (n === s || n.endsWith(`.${s}`));
}

interface CatalogueIndex {
  readonly ptr: Map<string, number[]>;
  readonly dkim: Map<string, number[]>;
  readonly returnPath: Map<string, number[]>;
  readonly spf: Map<string, number[]>;
  readonly networks: readonly { readonly ip: SpfIp; readonly length: number; readonly text: string; readonly position: number }[];
}

const indexes = new WeakMap<readonly SendingService[], CatalogueIndex>();

/** Suffix tables keyed by the normalised suffix, built once per catalogue array. */
function indexCatalogue(catalogue: readonly SendingService[]): CatalogueIndex {
  const cached = indexes.get(catalogue);
  if (cached) return cached;
  const index: CatalogueIndex = { ptr: new Map(), dkim: new Map(), returnPath: new Map(), spf: new Map(), networks: [] };
  const networks: CatalogueIndex['networks'][number][] = [];
  catalogue.forEach((service, position) => {
    const r = service.recognise;
    addSuffixes(index.ptr, r.ptrSuffixes, position);
    addSuffixes(index.dkim, r.dkimDomains, position);
    addSuffixes(index.returnPath, r.returnPathDomains, position);
    addSuffixes(index.spf, r.spfIncludes, position);
    for (const text of r.networks ?? []) {
      const parsed = parseCidr(text);
      if (parsed) networks.push({ ...parsed, text, position });
    }
  });
  const built = { ...index, networks };
  indexes.set(catalogue, built);
  return built;
}

function addSuffixes(table: Map<string, number[]>, suffixes: readonly string[] | undefined, position: number): void {
  for (const suffix of suffixes ?? []) {
    const key = normalizeName(suffix);
    if (key === '') continue;
    const list = table.get(key) ?? [];
    if (!list.includes(position)) list.push(position);
    table.set(key, list);
  }
}

/** Catalogue positions whose suffix is the name or one of its parent names (label boundaries only). */
function lookupSuffix(table: Map<string, number[]>, name: string): number[] {
  const labels = normalizeName(name).split('.');
  const hits: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join('.');
    if (candidate === '') continue;
    for (const position of table.get(candidate) ?? []) if (!hits.includes(position)) hits.push(position);
  }
  return hits;
}

/** `address/length` as bytes and prefix length; undefined when malformed. */
export function parseCidr(text: string): { ip: SpfIp; length: number } | undefined {
  const [address = '', lengthText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const ip = parseSpfIp(address, { network: true });
  if (!ip) return undefined;
  const max = ip.version === 4 ? 32 : 128;
  if (lengthText === undefined) return { ip, length: max };
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  return length <= max ? { ip, length } : undefined;
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/^\.+/, '').replace(/\.+$/, '');
}
