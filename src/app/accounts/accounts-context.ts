/** The AccountsContext of an opened app: its whole store, clock and resolver, with the session and domain settings. */
import type { App } from '../open-app.js';
import type { AccountsContext, SessionSettings } from './accounts.js';
import { DEFAULT_SESSION_SETTINGS } from './accounts.js';
import { createSignInLimiter } from './sign-in-limiter.js';

export async function accountsContextFor(
  app: App,
  settings: { readonly session: SessionSettings; readonly domainSuffixes: readonly string[] } = { session: DEFAULT_SESSION_SETTINGS, domainSuffixes: [] },
): Promise<AccountsContext> {
  return {
    root: await app.instance.root(),
    now: app.context.now,
    sessions: settings.session,
    limiter: createSignInLimiter(),
    resolver: app.context.resolver,
    domainSuffixes: settings.domainSuffixes,
  };
}
