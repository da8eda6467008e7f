/**
 * DKIM selectors that common mail providers use by default. DNS cannot list the selectors of a
 * domain (standards sheet §4), so when none is given or learned from reports the DKIM check
 * probes these names; finding none of them proves nothing, and a hit may be a wildcard record.
 *
 * Each entry names the provider, so a key found here also tells the owner who signs for them.
 * Keep the list short: every entry costs one TXT query per checked domain.
 */

export interface KnownDkimSelector {
  readonly selector: string;
  readonly provider: string;
}

export const DEFAULT_DKIM_SELECTORS: readonly KnownDkimSelector[] = [
  { selector: 'google', provider: 'Google Workspace' },
  { selector: 'selector1', provider: 'Microsoft 365' },
  { selector: 'selector2', provider: 'Microsoft 365' },
  { selector: 'k1', provider: 'Mailchimp' },
  { selector: 'k2', provider: 'Mailchimp' },
  { selector: 'k3', provider: 'Mailchimp' },
  { selector: 'mandrill', provider: 'Mailchimp Transactional (Mandrill)' },
  { selector: 's1', provider: 'SendGrid' },
  { selector: 's2', provider: 'SendGrid' },
  { selector: 'smtpapi', provider: 'SendGrid (legacy)' },
  { selector: 'pm', provider: 'Postmark' },
  { selector: 'mailjet', provider: 'Mailjet' },
  { selector: 'cm', provider: 'Campaign Monitor' },
  { selector: 'protonmail', provider: 'Proton Mail' },
  { selector: 'protonmail2', provider: 'Proton Mail' },
  { selector: 'protonmail3', provider: 'Proton Mail' },
  { selector: 'fm1', provider: 'Fastmail' },
  { selector: 'fm2', provider: 'Fastmail' },
  { selector: 'fm3', provider: 'Fastmail' },
  { selector: 'sig1', provider: 'iCloud Mail (custom domains)' },
  { selector: 'zoho', provider: 'Zoho Mail' },
  { selector: 'default', provider: 'cPanel, OpenDKIM and other self-hosted set-ups' },
  { selector: 'dkim', provider: 'Rspamd and other self-hosted set-ups' },
];

/** The provider whose default selector this is, or undefined. */
export function describeDefaultSelector(selector: string): string | undefined {
  const lower = selector.toLowerCase();
  return DEFAULT_DKIM_SELECTORS.find((known) => known.selector === lower)?.provider;
}

/** The default selectors as `checkDkim` inputs, for callers that want them probed. */
export function defaultSelectorProbes(): { selector: string; origin: 'default' }[] {
  return DEFAULT_DKIM_SELECTORS.map(({ selector }) => ({ selector, origin: 'default' }));
}
