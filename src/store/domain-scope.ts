/**
 * The one rule of organisation scope, in TypeScript (for the methods keyed on one domain) and in
 * SQL (for lists and streams, filtered where the rows are): a domain is in a scope when it is one
 * of the scope's domains or a subdomain of one, i.e. equal to `d` or ending in `.d`. So
 * `mail.example.com` is in `example.com`'s scope and `notexample.com` is not. In SQL the suffix
 * test is a LIKE with its wildcards escaped: `_` is legal in DNS names (and `%` is not, but a
 * report may carry anything), and neither may match more than itself.
 */

/** Whether `domain` is one of `domains` or a subdomain of one. */
export function inDomainScope(domain: string, domains: readonly string[]): boolean {
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/**
 * The domains both filters allow: each domain of one list that lies within the other's scope.
 * (The set of domains within both `a.example` and `example` is the set within `a.example`.)
 */
export function intersectDomainScopes(a: readonly string[], b: readonly string[]): string[] {
  const both = new Set<string>();
  for (const d of a) if (inDomainScope(d, b)) both.add(d);
  for (const d of b) if (inDomainScope(d, a)) both.add(d);
  return [...both].sort();
}

/** `text` as a LIKE pattern matching only itself (with ESCAPE '\'). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A condition on `column` that holds for the domains of `domains` and their subdomains, with
 * its parameters (`?` placeholders); `1 = 0` for an empty list, which allows nothing.
 */
export function domainScopeCondition(column: string, domains: readonly string[]): { readonly sql: string; readonly params: string[] } {
  if (domains.length === 0) return { sql: '1 = 0', params: [] };
  const params: string[] = [];
  const terms = domains.map((d) => {
    params.push(d, `%.${escapeLike(d)}`);
    return `${column} = ? OR ${column} LIKE ? ESCAPE '\\'`;
  });
  return { sql: `(${terms.join(' OR ')})`, params };
}
