/**
 * Which envelope recipients the SMTP listener accepts mail for. The listener is not an open
 * relay and not a catch-all: only the addresses and whole domains that the operator named in
 * `rua=mailto:` / `ruf=mailto:` get past RCPT TO; everything else is refused there, before any
 * message byte is sent.
 *
 * Matching is case-insensitive for the whole address (RFC 5321 §2.4 lets a server treat local
 * parts case-sensitively, but report senders copy the address from DNS with any case), and a
 * domain entry covers that exact domain only, not its subdomains.
 */

/** The accepted recipients, normalised to lower case. */
export interface RecipientPolicy {
  /** Whole addresses, e.g. `dmarc@reports.example`. */
  readonly addresses: ReadonlySet<string>;
  /** Whole domains, e.g. `reports.example` (from `reports.example` or `@reports.example`). */
  readonly domains: ReadonlySet<string>;
  /** `*`: any recipient. Only for a listener on loopback (`serve` refuses it elsewhere), e.g. a first trial run. */
  readonly any?: boolean;
}

/** The policy, or what is wrong with the configured list (one sentence per bad entry). */
export interface ParsedRecipientPolicy {
  readonly policy?: RecipientPolicy;
  readonly problems: readonly string[];
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses the configured entries; an empty list is a problem, since the listener would accept nothing. */
export function parseRecipientPolicy(entries: readonly string[]): ParsedRecipientPolicy {
  const addresses = new Set<string>();
  const domains = new Set<string>();
  const problems: string[] = [];
  let any = false;
  for (const entry of entries) {
    const value = entry.trim().toLowerCase();
    if (value === '*') {
      any = true;
      continue;
    }
    const at = value.lastIndexOf('@');
    if (at <= 0) {
      const domain = normaliseDomain(at === 0 ? value.slice(1) : value);
      if (domain === undefined) problems.push(`recipient "${entry}" is neither an address (dmarc@reports.example) nor a domain (reports.example).`);
      else domains.add(domain);
      continue;
    }
    const local = value.slice(0, at);
    const domain = normaliseDomain(value.slice(at + 1));
    if (domain === undefined || /[\s<>,;]/.test(local)) problems.push(`recipient "${entry}" is not a valid address.`);
    else addresses.add(`${local}@${domain}`);
  }
  if (entries.length === 0) problems.push('no recipients are configured: give the addresses or domains that reports are sent to.');
  return problems.length > 0 ? { problems } : { policy: { addresses, domains, any }, problems };
}

/**
 * Whether mail for `address` (an RCPT TO path, any case) is accepted. A subaddress (RFC 5233,
 * `dmarc+camden@reports.example`) is accepted where its address without the tag is: an
 * organisation's tokenised rua address is one (docs/api.md, "Domain ownership").
 */
export function isRecipientAllowed(policy: RecipientPolicy, address: string): boolean {
  const value = address.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = normaliseDomain(value.slice(at + 1));
  if (domain === undefined) return false;
  const local = value.slice(0, at);
  const plus = local.indexOf('+');
  return policy.any === true || policy.domains.has(domain) || policy.addresses.has(`${local}@${domain}`) || (plus > 0 && policy.addresses.has(`${local.slice(0, plus)}@${domain}`));
}

/** The tag of a subaddress (`camden` of `dmarc+camden@reports.example`), lower case; undefined without one. */
export function subaddressTag(address: string): string | undefined {
  const value = address.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  const plus = value.indexOf('+');
  return plus > 0 && plus < at - 1 ? value.slice(plus + 1, at) : undefined;
}

/** Lower case without a trailing dot, or undefined when it is not a host name. */
function normaliseDomain(text: string): string | undefined {
  const domain = text.endsWith('.') ? text.slice(0, -1) : text;
  return DOMAIN.test(domain) ? domain : undefined;
}
