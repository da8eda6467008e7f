/**
 * The HTTP API as `serve` runs it: the accounts over the app's store, the listener, and the first
 * run. With no user yet there is no way in (no default password), so a one-time set-up link is
 * printed in the log: whoever can read the service's log (the machine's operator) opens it and
 * creates the first administrator, or runs `dmarcpilot user add --admin` instead. The link works
 * once, only while there is no user, and only in this process.
 */
import type { AccountsContext } from '../app/accounts/accounts.js';
import { countUsers } from '../app/accounts/accounts.js';
import type { HttpSettings } from '../app/http-settings.js';
import type { IngestPort } from '../app/ingest.js';
import type { App } from '../app/open-app.js';
import { randomToken } from '../core/secrets.js';
import { checkClaimsOnArrival } from '../app/accounts/domain-ownership.js';
import { subaddressTag } from '../ingest/smtp/recipient-policy.js';
import type { HttpListener } from './http/http-server.js';
import type { ApiMetrics } from './http/metrics.js';
import { createApiMetrics } from './http/metrics.js';
import { apiServicesFor, startHttpListener } from './http/http-server.js';
import { accountsContextFor } from '../app/accounts/accounts-context.js';

export interface WebApi {
  readonly listener: HttpListener;
  readonly accounts: AccountsContext;
  readonly metrics: ApiMetrics;
  /**
   * A message reached subaddressed recipients (tokenised rua addresses): the waiting claims of
   * their organisations for the message's report domains are checked now (domain-ownership.ts),
   * each outcome logged. Never throws.
   */
  checkRuaArrival(recipients: readonly string[], rawSha256: string): Promise<void>;
}

export async function startWebApi(app: App, settings: HttpSettings, port: IngestPort, version: string, log: (message: string) => void): Promise<WebApi> {
  const accounts = await accountsContextFor(app, settings);
  const metrics = createApiMetrics(accounts);
  const services = apiServicesFor(app, accounts, port, settings, app.config.smtp?.maxMessageBytes ?? app.config.limits.maxBufferedBytes, log, metrics);
  const firstRun = (await countUsers(accounts)) === 0;
  if (firstRun) services.setup.token = randomToken();
  const listener = await startHttpListener(settings, services, version);
  log(`http: the API answers at ${listener.url}/api/v1 (its description: ${listener.url}/api/v1/openapi.json)`);
  if (settings.oidc !== undefined) log(`http: single sign-on with ${settings.oidc.issuer} at ${settings.publicOrigin ?? listener.url}/api/v1/oidc/login (callback ${settings.oidc.redirectUri})`);
  if (!settings.localSignIn) log(settings.oidc === undefined ? 'http: local sign-in is off and single sign-on is not configured: only API tokens and the command line get in' : 'http: local sign-in is off');
  if (services.setup.token !== undefined) {
    const origin = settings.publicOrigin ?? listener.url;
    log(`http: there is no user yet. Create the first administrator once, with POST ${origin}/api/v1/setup {"token":"${services.setup.token}","email":…,"password":…}, or run \`dmarcpilot user add --admin EMAIL\``);
  }
  const checkRuaArrival = async (recipients: readonly string[], rawSha256: string): Promise<void> => {
    try {
      const tags = [...new Set(recipients.map((r) => subaddressTag(r)).filter((t): t is string => t !== undefined))];
      if (tags.length === 0) return;
      const domains = await accounts.root.listAggregateDomainsOfInput(rawSha256);
      for (const tag of tags) {
        for (const claim of await checkClaimsOnArrival(accounts, tag, domains, services.ruaMailboxes)) {
          log(claim.verifiedAt !== null ? `domains: ${claim.domain} is proven by its DMARC record's rua address` : `domains: ${claim.domain}: reports arrived at its organisation's rua address, not proven yet: ${claim.checkError ?? ''}`);
        }
      }
    } catch (caught) {
      log(`domains: checking claims after a report arrived failed: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  };
  return { listener, accounts, metrics, checkRuaArrival };
}

