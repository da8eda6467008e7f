/**
 * `/metrics` in the Prometheus text format (prom-client): the process (memory, CPU, event-loop
 * lag, garbage collection), HTTP requests by route and status with their durations, inputs
 * stored by source and outcome, and per organisation (never per domain: label sets stay small)
 * how many domains it has proven and how many wait for proof. The organisation figures are read
 * from the store at most once a minute, so scraping costs the store little.
 *
 * Who may read it: an instance operator (session), or a scraper sending
 * `Authorization: Bearer <metrics token>` where the token is the `http.metricsTokenFile` setting's
 * (or $DMARCPILOT_METRICS_TOKEN). Without either it is 401.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AccountsContext } from '../../app/accounts/accounts.js';
import { eachItem } from '../../app/paging.js';

export interface ApiMetrics {
  readonly registry: Registry;
  /** One request answered. `route`: the route's path pattern (`/api/v1/organizations/{org}`), never the URL. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** One input stored: `source` smtp, imap or upload. */
  stored(source: string, counts: { readonly newReports: number; readonly duplicateReports: number; readonly rejected: number }): void;
}

const REFRESH_MS = 60_000;

export function createApiMetrics(accounts: AccountsContext): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dmarcpilot_' });
  const requests = new Counter({ name: 'dmarcpilot_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const durations = new Histogram({
    name: 'dmarcpilot_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route',
    labelNames: ['route'],
    buckets: [0.005, 0.02, 0.1, 0.5, 2, 10],
    registers: [registry],
  });
  const reports = new Counter({ name: 'dmarcpilot_reports_total', help: 'Reports in stored inputs, by source and outcome (new, duplicate, refused)', labelNames: ['source', 'outcome'], registers: [registry] });
  let cached: { at: number; rows: { slug: string; proven: number; waiting: number }[] } | undefined;
  const domains = new Gauge({
    name: 'dmarcpilot_domains',
    help: 'Domains of each organisation, proven or waiting for proof',
    labelNames: ['organization', 'state'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      if (cached === undefined || now - cached.at >= REFRESH_MS) {
        const rows: { slug: string; proven: number; waiting: number }[] = [];
        for await (const organization of eachItem((page) => accounts.root.listOrganizations(page))) {
          let proven = 0;
          let waiting = 0;
          for await (const claim of eachItem((page) => accounts.root.listDomainClaims(organization.id, page))) {
            if (claim.verifiedAt === null) waiting++;
            else proven++;
          }
          rows.push({ slug: organization.slug, proven, waiting });
        }
        cached = { at: now, rows };
      }
      this.reset();
      for (const row of cached.rows) {
        this.set({ organization: row.slug, state: 'proven' }, row.proven);
        this.set({ organization: row.slug, state: 'waiting' }, row.waiting);
      }
    },
  });
  void domains;
  return {
    registry,
    request(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      durations.observe({ route }, seconds);
    },
    stored(source, counts) {
      if (counts.newReports > 0) reports.inc({ source, outcome: 'new' }, counts.newReports);
      if (counts.duplicateReports > 0) reports.inc({ source, outcome: 'duplicate' }, counts.duplicateReports);
      if (counts.rejected > 0) reports.inc({ source, outcome: 'refused' }, counts.rejected);
    },
  };
}
