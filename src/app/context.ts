/**
 * AppContext: everything an application service needs, passed in (docs/architecture.md: I/O is
 * passed in). The CLI and the server build one with openApp (open-app.ts) from the configuration;
 * tests build one around a store of their own (`createAppContext`). Services take the context
 * and plain data, and return plain data: no printing, no process.exit, no environment reads.
 */
import type { FetchText } from '../core/fetch-text.js';
import type { Resolver } from '../core/dns-resolver.js';
import type { Limits } from '../core/limits.js';
import { defaultLimits } from '../core/limits.js';
import type { SourceNetwork } from '../core/source-facts.js';
import type { SendingService } from '../analysis/sender-model.js';
import { loadServiceCatalogue } from '../analysis/service-catalogue.js';
import type { IngestQueue } from '../ingest/ingest-queue.js';
import { createIngestQueue } from '../ingest/ingest-queue.js';
import type { Store } from '../store/store.js';
import { DEFAULT_ORGANIZATION_ID } from '../store/store.js';

/** Days things are kept (docs/data-retention.md); null: kept until purged. */
export interface RetentionSettings {
  /** Failure reports, and the inputs and quarantine entries holding failure-report data. */
  readonly failureReportDays: number;
  /** Resolved and dismissed quarantine entries (open ones wait for a person). */
  readonly closedQuarantineDays: number | null;
}

export const DEFAULT_FAILURE_REPORT_DAYS = 90;

export const DEFAULT_RETENTION: RetentionSettings = { failureReportDays: DEFAULT_FAILURE_REPORT_DAYS, closedQuarantineDays: null };

/** Names the network of an IP from an offline database (`asnDb`); undefined when it does not know it. */
export type NetworkLookup = (ip: string) => SourceNetwork | undefined;

/** Where services report what an operator may want to know (a slow migration, a skipped line); never secrets. */
export interface AppLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface AppContext {
  /** The store as the organisation sees it (store.forOrganization). */
  readonly store: Store;
  /** The organisation the context acts for; DEFAULT_ORGANIZATION_ID until accounts exist. */
  readonly organizationId: number;
  /** DNS, for checks, the published record and reverse DNS of sources. */
  readonly resolver: Resolver;
  /** How messages name the resolver: its server addresses, or `the system resolver`. */
  readonly resolverName?: string;
  /** HTTPS GET of small text resources (MTA-STS policy files). */
  readonly fetchText: FetchText;
  /** The clock. */
  readonly now: () => Date;
  /** The resource limits every input is read under. */
  readonly limits: Limits;
  /** Keep failure reports' original headers (privacy: off by default). */
  readonly keepFailureHeaders: boolean;
  /** Keep the raw bytes of inputs holding failure reports, until the retention ends (privacy: off by default). */
  readonly keepFailureRaw: boolean;
  /** How long failure-report data, and resolved or dismissed quarantine entries, are kept (docs/data-retention.md). */
  readonly retention: RetentionSettings;
  /** The catalogue of known sending services. */
  readonly catalogue: readonly SendingService[];
  /** An offline IP-to-network database, when one is configured. */
  readonly networkLookup?: NetworkLookup;
  /** The configured readiness-gate settings (the configuration's `gates`), applied before any a caller gives. */
  readonly gates?: Readonly<Record<string, unknown>>;
  /**
   * The one queue every input is stored through, whatever its source (files, SMTP, IMAP, upload):
   * both stores take one aggregate-report writer at a time, so inputs are stored one after another.
   */
  readonly ingestQueue: IngestQueue;
  readonly log: AppLog;
}

/** Every lookup fails: used offline, so nothing reaches the network (sources come out unresolved). */
export const OFFLINE_RESOLVER: Resolver = (() => {
  const fail = () => Promise.resolve({ status: 'error', code: 'other', message: 'offline: no DNS lookups' } as const);
  return { txt: fail, a: fail, aaaa: fail, mx: fail, ptr: fail };
})();

/** No HTTPS: used where a check must not reach out. */
export const OFFLINE_FETCH: FetchText = () => Promise.resolve({ status: 'error', message: 'offline: no HTTPS requests' });

export const SILENT_LOG: AppLog = { info: () => undefined, warn: () => undefined };

/** A context around a store (tests, embedding): offline DNS and HTTPS, the wall clock and the shipped catalogue unless given. */
export function createAppContext(store: Store, overrides: Partial<Omit<AppContext, 'store'>> = {}): AppContext {
  return {
    store,
    organizationId: DEFAULT_ORGANIZATION_ID,
    resolver: OFFLINE_RESOLVER,
    fetchText: OFFLINE_FETCH,
    now: () => new Date(),
    limits: defaultLimits,
    keepFailureHeaders: false,
    keepFailureRaw: false,
    retention: DEFAULT_RETENTION,
    catalogue: loadServiceCatalogue(),
    ingestQueue: createIngestQueue(1),
    log: SILENT_LOG,
    ...overrides,
  };
}
