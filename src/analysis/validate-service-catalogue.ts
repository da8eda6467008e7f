/**
 * Validation of a catalogue of sending services (the shipped data/sending-services.json, or one
 * an operator supplies): every problem is reported with its JSON path, nothing is thrown, and the
 * services that are valid are returned so one bad entry does not hide the rest.
 */
import { canonicalizeIp } from '../core/ip.js';
import { hasHostBits, parseSpfIp } from '../records/spf-network.js';
import type { SendingService, ServiceCategory } from './sender-model.js';

/** One reason the catalogue is not valid, e.g. `services[3].id`: "is not kebab-case". */
export interface CatalogueProblem {
  readonly path: string;
  readonly message: string;
}

export interface CatalogueValidation {
  readonly services: readonly SendingService[];
  readonly problems: readonly CatalogueProblem[];
}

const CATEGORIES: readonly ServiceCategory[] = [
  'mailbox-provider', 'marketing', 'transactional', 'crm', 'helpdesk', 'security-gateway',
  'forwarder', 'mailing-list', 'public-sector', 'hosting', 'other',
];

const RECOGNISE_KEYS = ['ptrSuffixes', 'spfIncludes', 'dkimDomains', 'returnPathDomains', 'networks'] as const;
const SERVICE_KEYS = new Set(['id', 'name', 'category', 'recognise', 'customDkim', 'customReturnPath', 'alignSteps', 'documentation']);
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A host name or suffix: lower-case LDH labels, optionally with a leading dot; `_` allowed for `_spf`-style names. */
const NAME = /^\.?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * The catalogue's services and its problems. Expects `{ "services": [ … ] }` (other top-level
 * fields such as `$comment` or `version` are allowed); ids must be unique and kebab-case, and
 * each service needs a name, a known category, at least one way to recognise it, the two
 * capability flags and at least one alignment step.
 */
export function validateServiceCatalogue(data: unknown): CatalogueValidation {
  const problems: CatalogueProblem[] = [];
  if (!isObject(data) || !Array.isArray(data.services)) {
    return { services: [], problems: [{ path: 'services', message: 'the catalogue must be an object with a "services" array' }] };
  }
  const services: SendingService[] = [];
  const ids = new Map<string, number>();
  data.services.forEach((entry: unknown, i) => {
    const path = `services[${i}]`;
    const before = problems.length;
    const service = checkService(entry, path, problems);
    if (service) {
      const first = ids.get(service.id);
      if (first !== undefined) problems.push({ path: `${path}.id`, message: `duplicate id "${service.id}" (first used by services[${first}])` });
      else ids.set(service.id, i);
    }
    if (service && problems.length === before) services.push(service);
  });
  return { services, problems };
}

function checkService(entry: unknown, path: string, problems: CatalogueProblem[]): SendingService | undefined {
  if (!isObject(entry)) {
    problems.push({ path, message: 'must be an object' });
    return undefined;
  }
  const label = typeof entry.id === 'string' ? `${path} ("${entry.id}")` : path;
  const problem = (field: string, message: string): void => void problems.push({ path: `${label}.${field}`, message });
  for (const key of Object.keys(entry)) if (!SERVICE_KEYS.has(key)) problem(key, 'is not a known field (typo?)');
  if (typeof entry.id !== 'string' || !KEBAB.test(entry.id)) problem('id', 'is required and must be kebab-case (a-z, 0-9, single hyphens)');
  if (typeof entry.name !== 'string' || entry.name.trim() === '') problem('name', 'is required (a non-empty string)');
  if (typeof entry.category !== 'string' || !(CATEGORIES as readonly string[]).includes(entry.category)) {
    problem('category', `must be one of ${CATEGORIES.join(', ')}`);
  }
  if (typeof entry.customDkim !== 'boolean') problem('customDkim', 'is required (true or false)');
  if (typeof entry.customReturnPath !== 'boolean') problem('customReturnPath', 'is required (true or false)');
  if (!isStringList(entry.alignSteps) || entry.alignSteps.length === 0 || entry.alignSteps.some((s) => s.trim() === '')) {
    problem('alignSteps', 'is required: a non-empty list of non-empty strings');
  }
  if (entry.documentation !== undefined && (typeof entry.documentation !== 'string' || !/^https:\/\/[^\s/]+\.[^\s]+$/.test(entry.documentation))) {
    problem('documentation', 'must be an https:// URL when present');
  }
  checkRecognise(entry.recognise, problem);
  return typeof entry.id === 'string' ? (entry as unknown as SendingService) : undefined;
}

function checkRecognise(recognise: unknown, problem: (field: string, message: string) => void): void {
  if (!isObject(recognise)) {
    problem('recognise', 'is required: an object with at least one of ' + RECOGNISE_KEYS.join(', '));
    return;
  }
  let ways = 0;
  for (const key of Object.keys(recognise)) {
    if (!(RECOGNISE_KEYS as readonly string[]).includes(key)) problem(`recognise.${key}`, `is not a known field (expected ${RECOGNISE_KEYS.join(', ')})`);
  }
  for (const key of RECOGNISE_KEYS) {
    const list = recognise[key];
    if (list === undefined) continue;
    if (!isStringList(list) || list.length === 0) {
      problem(`recognise.${key}`, 'must be a non-empty list of strings when present');
      continue;
    }
    ways++;
    list.forEach((value, j) => {
      const bad = key === 'networks' ? checkNetwork(value) : checkName(value);
      if (bad) problem(`recognise.${key}[${j}]`, `"${value}": ${bad}`);
    });
  }
  if (ways === 0) problem('recognise', 'needs at least one way to recognise the service');
}

function checkName(value: string): string | undefined {
  if (value !== value.toLowerCase()) return 'must be lower case';
  if (!NAME.test(value)) return 'is not a domain name or suffix (labels of a-z, 0-9, hyphens; at least two labels)';
  return undefined;
}

function checkNetwork(value: string): string | undefined {
  const [address = '', length, extra] = value.split('/');
  const ip = canonicalizeIp(address);
  if (!ip || extra !== undefined || length === undefined || !/^\d{1,3}$/.test(length)) return 'is not a CIDR network (address/length)';
  if (Number(length) > (ip.version === 4 ? 32 : 128)) return 'has a prefix length longer than the address';
  if (Number(length) < 8) return 'is implausibly wide (shorter than /8)';
  const parsed = parseSpfIp(address, { network: true });
  if (parsed && hasHostBits(parsed, Number(length))) return 'has host bits set beyond the prefix';
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
