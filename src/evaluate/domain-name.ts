/**
 * Domain names as the checks query them: A-labels (RFC 5891; RFC 7489 §6.6.1 asks for the
 * conversion before lookups), lower case, no trailing dot. A user may type a U-label name or
 * paste one with a trailing dot; DNS and the comparisons here need one spelling.
 */
import { domainToASCII } from 'node:url';

/** The A-label form of `name`, or undefined when it is not a usable domain name. */
export function normalizeDomainName(name: string): string | undefined {
  const trimmed = name.trim().replace(/\.$/, '');
  if (trimmed === '' || /[\s/@:]/.test(trimmed)) return undefined;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.some((label) => label === '' || label.length > 63 || !/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(label))) return undefined;
  return ascii;
}
