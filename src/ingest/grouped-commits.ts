/**
 * Commits a bulk ingest in groups (Store.beginWriteGroup): a group begins before an input is
 * stored and commits at the first input boundary after `maxMs` or `maxRecords`, and at the end.
 * With SQLite, committing each input alone cost three fsyncs and rewrote every index page the
 * input touched; a group pays for them once (docs/benchmarks.md). A crash loses at most the open
 * group, which running the ingest again restores: duplicates are recognised, so nothing is
 * counted twice.
 */
import type { Store, WriteGroup } from '../store/store.js';

export interface GroupLimits {
  /** Commit once a group is this old (milliseconds), at the next input boundary. */
  readonly maxMs: number;
  /** Commit once a group holds this many records, at the next input boundary. */
  readonly maxRecords: number;
}

export const DEFAULT_GROUP_LIMITS: GroupLimits = { maxMs: 1_000, maxRecords: 100_000 };

export class GroupedCommits {
  readonly #store: Store;
  readonly #limits: GroupLimits;
  readonly #clock: () => number;
  #group: WriteGroup | undefined;
  #startedAt = 0;
  #records = 0;

  /** `clock`: milliseconds, monotonic. */
  constructor(store: Store, limits: GroupLimits = DEFAULT_GROUP_LIMITS, clock: () => number = () => performance.now()) {
    this.#store = store;
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Before an input: begins a group unless one is open. */
  async beforeInput(): Promise<void> {
    if (this.#group !== undefined) return;
    this.#group = await this.#store.beginWriteGroup();
    this.#startedAt = this.#clock();
    this.#records = 0;
  }

  /** After an input with `records` new records: commits the group when it is due. */
  async afterInput(records: number): Promise<void> {
    this.#records += records;
    if (this.#records >= this.#limits.maxRecords || this.#clock() - this.#startedAt >= this.#limits.maxMs) await this.commit();
  }

  /** Commits the open group, if any. */
  async commit(): Promise<void> {
    const group = this.#group;
    if (group === undefined) return;
    await group.commit();
    this.#group = undefined;
  }

  /** After a failure: rolls the open group back, if any. */
  async rollback(): Promise<void> {
    const group = this.#group;
    this.#group = undefined;
    await group?.rollback();
  }
}
