/**
 * Domain names as callers give them (a command-line argument, a URL path segment, a list file),
 * checked once for every service: A-labels, lower case, no trailing dot (evaluate/domain-name.ts),
 * or an `invalid` AppError naming the field and the value.
 */
import { normalizeDomainName } from '../evaluate/domain-name.js';
import { AppError, invalid } from './problems.js';

/** The domain's normal form, or `invalid` (code `not-a-domain`). */
export function requireDomain(text: string, field = 'domain'): string {
  const domain = normalizeDomainName(text);
  if (domain === undefined) throw invalid('not-a-domain', field, `not a domain name: ${text}`);
  return domain;
}

/** Each domain once, in the order given; `invalid` names (up to five of) those that are not domain names. */
export function requireDomains(texts: readonly string[], field = 'domains'): string[] {
  const bad = texts.filter((text) => normalizeDomainName(text) === undefined);
  if (bad.length > 0) {
    const shown = `${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}`;
    throw new AppError('invalid', [{ code: 'not-a-domain', field, message: `not a domain name: ${shown}` }]);
  }
  return [...new Set(texts.map((text) => normalizeDomainName(text) as string))];
}
