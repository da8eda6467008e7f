/**
 * Builds the AppContext from the configuration: the one place where adapters are chosen and
 * wired in (the store a location names, node:dns through the configured servers with one answer
 * cache, the HTTPS fetcher, the offline network database), shared by the CLI and the server so
 * neither repeats it. Every other file of app/ sees only interfaces.
 *
 * What cannot be opened is an AppError: a store that does not open is `unavailable`; an
 * unreadable network database is `invalid`, naming the setting.
 */
import { availableParallelism } from 'node:os';
import type { DnsAnswer, Resolver } from '../core/dns-resolver.js';
import { loadServiceCatalogue } from '../analysis/service-catalogue.js';
import { createCachingResolver } from '../dns/caching-resolver.js';
import { createHttpsFetcher } from '../dns/https-fetch.js';
import { createNodeResolver } from '../dns/node-resolver.js';
import { createIngestQueue } from '../ingest/ingest-queue.js';
import { loadIpAsnDatabase } from '../network/ip-asn-database.js';
import { describeStoreLocation, isPostgresLocation, openStore } from '../store/open-store.js';
import type { Store, StoreRoot } from '../store/store.js';
import { DEFAULT_ORGANIZATION_ID, StoreNotWritableError } from '../store/store.js';
import type { AppConfig } from './config.js';
import type { AppContext, AppLog, NetworkLookup } from './context.js';
import { AppError, invalid, isAppError, toAppError, unavailable } from './problems.js';

export interface OpenAppOptions {
  readonly log: AppLog;
  /** `always` (default); `if-configured`: only when a store is named (`check` saves results then); `never`. */
  readonly store?: 'always' | 'if-configured' | 'never';
  /**
   * `first-use` (default): the store opens when a service first uses it, so a request refused for
   * its input (a domain that is not one) never creates a store or connects to a database. `start`:
   * now, so a long-running process (`serve`) fails at once when its store cannot be opened.
   */
  readonly openStore?: 'first-use' | 'start';
  /**
   * `write` (default): the command writes to the store; one that cannot be written (a read-only
   * SQLite file or folder) is `unavailable` with the path and the reason. `read`: the command only
   * reads, and such a store is opened read-only.
   */
  readonly access?: 'read' | 'write';
  /** Load the offline network database (`asnDb`) when configured; it takes a moment, so only commands that name networks ask. */
  readonly networkDatabase?: boolean;
  readonly now?: () => Date;
  readonly organizationId?: number;
  /**
   * Whether opening may create the store where there is none (true, the default: `ingest`,
   * `serve`, saving checks; the log then says so once). False (the commands that only read or
   * change what is stored): a missing store is `store-not-found`, and nothing is created.
   */
  readonly create?: boolean;
  /**
   * Hears of every DNS lookup sent to the network (not those answered from the resolver's cache)
   * when it starts, and through the function it returns, of its answer: for progress and
   * slowness notices.
   */
  readonly onLookup?: (type: string) => (answer: DnsAnswer<unknown>) => void;
}

/** The whole instance, for the server: accounts and organisations, and a context per organisation. */
export interface AppInstance {
  /** The store of the whole instance (accounts, tenancy); its errors are AppErrors. */
  root(): Promise<StoreRoot>;
  /** A context acting for the organisation (its view of the store; the same queue, resolver and settings). */
  contextFor(organizationId: number): Promise<AppContext>;
}

export interface App {
  /** The context of the default organisation (the command line's). */
  readonly context: AppContext;
  readonly instance: AppInstance;
  readonly config: AppConfig;
  /** The store as it may be shown: `SQLite data/dmarcpilot.sqlite`, a PostgreSQL URL without its password. */
  readonly storeLabel: string;
  readonly storeKind: 'sqlite' | 'postgres';
  /** False when the context has no store (`if-configured` without one, `never`). */
  readonly hasStore: boolean;
  /** Closes the store (if it was opened). */
  close(): Promise<void>;
}

export async function openApp(config: AppConfig, options: OpenAppOptions): Promise<App> {
  const resolver = createResolver(config, options.onLookup);
  const networkLookup = options.networkDatabase ? loadNetworkLookup(config, options.log) : undefined;
  const wanted = options.store ?? 'always';
  const opening = wanted === 'always' || (wanted === 'if-configured' && config.dbConfigured);
  const storeLabel = describeStoreLocation(config.db);
  let root: Promise<StoreRoot> | undefined;
  let view: Promise<Store> | undefined;
  const openRootOnce = (): Promise<StoreRoot> => (root ??= openRoot(config.db, storeLabel, options.log, options.create !== false, options.access ?? 'write'));
  const openView = (): Promise<Store> =>
    (view ??= (async () => {
      const opened = await openRootOnce();
      try {
        return await opened.forOrganization(options.organizationId ?? DEFAULT_ORGANIZATION_ID);
      } catch (caught) {
        throw toAppError(caught);
      }
    })());
  let store: Store = NO_STORE;
  if (opening) {
    if (options.openStore === 'start') await openView();
    // Either way every call goes through the proxy, which names the store when it refuses a write.
    store = openedOnFirstUse(openView, storeLabel);
  }
  const context: AppContext = {
    store,
    organizationId: options.organizationId ?? DEFAULT_ORGANIZATION_ID,
    resolver,
    resolverName: config.dns.servers !== undefined && config.dns.servers.length > 0 ? `resolver ${config.dns.servers.join(', ')}` : 'the system resolver',
    fetchText: createHttpsFetcher(),
    now: options.now ?? (() => new Date()),
    limits: config.limits,
    keepFailureHeaders: config.keepFailureHeaders,
    keepFailureRaw: config.keepFailureRaw,
    retention: config.retention,
    catalogue: loadServiceCatalogue(),
    ...(networkLookup ? { networkLookup } : {}),
    ...(config.gates ? { gates: config.gates } : {}),
    ingestQueue: createIngestQueue(1),
    log: options.log,
  };
  let closed: Promise<void> | undefined;
  const instance: AppInstance = {
    root: async () => {
      if (!opening) throw new AppError('unavailable', [{ code: 'no-store', message: 'no store is configured' }]);
      return withStoreErrors(await openRootOnce(), storeLabel);
    },
    contextFor: async (organizationId) => {
      if (!opening) throw new AppError('unavailable', [{ code: 'no-store', message: 'no store is configured' }]);
      const opened = await openRootOnce();
      let scoped: Store;
      try {
        scoped = await opened.forOrganization(organizationId);
      } catch (caught) {
        throw toAppError(caught, storeLabel);
      }
      return { ...context, organizationId, store: withStoreErrors(scoped, storeLabel) };
    },
  };
  return {
    context,
    instance,
    config,
    storeLabel,
    storeKind: isPostgresLocation(config.db) ? 'postgres' : 'sqlite',
    hasStore: opening,
    close: () => (closed ??= root ? root.then((opened) => opened.close(), () => undefined) : Promise.resolve()),
  };
}

/** `store` with its typed errors turned into AppErrors naming the store. */
function withStoreErrors<S extends Store>(store: S, label: string): S {
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      if (prop === 'streamRecords') {
        return (...args: unknown[]) =>
          (async function* () {
            try {
              yield* method.apply(target, args) as AsyncIterable<unknown>;
            } catch (caught) {
              throw toAppError(caught, label);
            }
          })();
      }
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } catch (caught) {
          throw toAppError(caught, label);
        }
      };
    },
  });
}

/**
 * A store that opens on its first use: every method waits for the opening (once, shared by
 * concurrent calls), then runs; an opening that fails rejects every call with its AppError. A
 * write refused because the store is read-only becomes `store-read-only`, naming the store.
 */
function openedOnFirstUse(open: () => Promise<Store>, label: string): Store {
  return new Proxy({} as Store, {
    get(_target, prop) {
      if (prop === 'then') return undefined;
      if (prop === 'streamRecords') {
        return (...args: Parameters<Store['streamRecords']>) =>
          (async function* () {
            try {
              yield* (await open()).streamRecords(...args);
            } catch (caught) {
              throw toAppError(caught, label);
            }
          })();
      }
      return async (...args: unknown[]) => {
        const store = await open();
        const method = Reflect.get(store, prop, store) as (...a: unknown[]) => unknown;
        try {
          return await method.apply(store, args);
        } catch (caught) {
          throw toAppError(caught, label);
        }
      };
    },
  });
}

async function openRoot(location: string, label: string, log: AppLog, create: boolean, access: 'read' | 'write'): Promise<StoreRoot> {
  try {
    return await openStore(location, { notice: (message) => log.info(message), create, access, onCreated: () => log.info(`created a new store: ${label}`) });
  } catch (caught) {
    if (caught instanceof StoreNotWritableError) {
      throw unavailable('store-read-only', `cannot write to ${label}: ${caught.reason}; commands that only read open it read-only`, caught);
    }
    const readOnly = toAppError(caught, label);
    if (isAppError(readOnly)) throw readOnly;
    throw unavailable('store-unavailable', `cannot open ${label}: ${caught instanceof Error ? caught.message : String(caught)}`, caught);
  }
}

/** Cores counted for the default ingest threads: beyond this, parsing outruns the one thread that stores, and each worker costs memory. */
const DEFAULT_CORES_AT_MOST = 4;

/**
 * Threads for a back-fill when none are asked for. SQLite: one parsing worker per core, plus the
 * main thread, which stores (it takes less CPU than parsing): on 2 cores, 3 threads back-fill
 * about 15% faster than 2. PostgreSQL: the number of cores, since the database server (often on
 * the same machine) needs CPU too: there 3 threads were slower than 2 (docs/benchmarks.md).
 * Either way at most 4 cores count: one storing thread keeps up with about two parsing ones.
 */
export function defaultIngestThreads(app: Pick<App, 'storeKind'>): number {
  return Math.min(availableParallelism(), DEFAULT_CORES_AT_MOST) + (app.storeKind === 'postgres' ? 0 : 1);
}

/** node:dns through the configured servers (checked by the configuration loader), with one answer cache. */
function createResolver(config: AppConfig, onLookup: OpenAppOptions['onLookup']): Resolver {
  const servers = config.dns.servers;
  const network = createNodeResolver({ ...(servers ? { servers: [...servers] } : {}), timeoutMs: config.dns.timeoutMs });
  return createCachingResolver(onLookup ? tapResolver(network, onLookup) : network);
}

/** The resolver, telling `onLookup` of each answer as it arrives. */
function tapResolver(inner: Resolver, onLookup: NonNullable<OpenAppOptions['onLookup']>): Resolver {
  const tap =
    <T>(type: string, ask: (name: string) => Promise<DnsAnswer<T>>) =>
    async (name: string): Promise<DnsAnswer<T>> => {
      const answered = onLookup(type);
      const answer = await ask(name);
      answered(answer);
      return answer;
    };
  return {
    txt: tap('TXT', (name) => inner.txt(name)),
    a: tap('A', (name) => inner.a(name)),
    aaaa: tap('AAAA', (name) => inner.aaaa(name)),
    mx: tap('MX', (name) => inner.mx(name)),
    ptr: tap('PTR', (name) => inner.ptr(name)),
    ...(inner.servers !== undefined ? { servers: inner.servers } : {}),
  };
}

function loadNetworkLookup(config: AppConfig, log: AppLog): NetworkLookup | undefined {
  const path = config.asnDb;
  if (path === undefined) return undefined;
  let database;
  try {
    database = loadIpAsnDatabase(path);
  } catch (caught) {
    throw invalid('asn-db-unreadable', 'asnDb', `--asn-db: cannot read ${path}: ${caught instanceof Error ? caught.message : String(caught)}`);
  }
  if (database.ranges === 0) {
    throw invalid('asn-db-empty', 'asnDb', `--asn-db: ${path} holds no network ranges (expected the iptoasn.com TSV format: start, end, AS number, country, description)`);
  }
  if (database.badLines > 0) log.warn(`--asn-db: ${path}: ${database.badLines} lines not understood (first: line ${database.firstBadLine ?? '?'}), skipped`);
  return (ip) => database.lookup(ip);
}

/** The store of a context opened without one: every use is a clear `unavailable`, never a crash. */
const NO_STORE: Store = new Proxy({} as Store, {
  get(_target, prop) {
    if (prop === 'then') return undefined;
    return () => {
      throw new AppError('unavailable', [{ code: 'no-store', message: `no store is configured (needed for ${String(prop)})` }]);
    };
  },
});
