/**
 * The owner's sender decisions and their history, for both dialects (sql/sql-program.ts). A
 * decision is changed in one transaction that reads the decision it replaces, writes the current
 * row (sender_decisions: one per domain and sender key) and appends the change to
 * sender_decision_history, so the journal can never disagree with the current state. On
 * PostgreSQL an advisory lock on (domain, key) makes two concurrent changes of one sender wait
 * for each other, so each records the other's result as its previous decision; SQLite's write
 * transaction holds the whole database already. Removing a decision that does not exist changes
 * nothing and records nothing (the change returned has id 0).
 */
import type { SenderDecision } from '../../core/source-facts.js';
import type { Page, PageRequest, SenderDecisionChange, SenderDecisionEntry, SenderDecisionInput } from '../store.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, rowOf, rowsOf } from '../sql/sql-program.js';

/** Runs in one transaction (SqlRunner.transaction). */
export function* setSenderDecision(d: Dialect, domain: string, key: string, input: SenderDecisionInput): SqlProgram<SenderDecisionChange> {
  if (d.keyLock !== undefined) yield* rowsOf(d.keyLock, ['sender-decision', `${domain} ${key}`]);
  const current = yield* rowOf<{ decision: SenderDecision }>('SELECT decision FROM sender_decisions WHERE domain = ? AND sender_key = ?', [domain, key]);
  const change = { domain, key, decision: input.decision, previous: current?.decision ?? null, note: input.note ?? null, actor: input.actor ?? null, at: input.at };
  if (input.decision === null) {
    if (change.previous === null) return { id: 0, ...change };
    yield* execute('DELETE FROM sender_decisions WHERE domain = ? AND sender_key = ?', [domain, key]);
  } else {
    yield* execute(
      'INSERT INTO sender_decisions (domain, sender_key, decision, note, decided_at, actor) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (domain, sender_key) ' +
        'DO UPDATE SET decision = excluded.decision, note = excluded.note, decided_at = excluded.decided_at, actor = excluded.actor',
      [domain, key, input.decision, change.note, d.time(input.at), change.actor],
    );
  }
  const row = yield* rowOf<{ id: unknown }>(
    'INSERT INTO sender_decision_history (domain, sender_key, decision, previous, note, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [domain, key, change.decision, change.previous, change.note, change.actor, d.time(input.at)],
  );
  if (row === undefined) throw new Error('sender_decision_history: the insert returned no id');
  return { id: d.readInt(row.id), ...change };
}

interface DecisionRow {
  readonly sender_key: string;
  readonly decision: SenderDecision;
  readonly note: string | null;
  readonly decided_at: unknown;
  readonly actor: string | null;
}

const DECISION_KEY = pageKey('sender-decisions', ['text']);

export function* listSenderDecisions(d: Dialect, domain: string, page: PageRequest | undefined): SqlProgram<Page<SenderDecisionEntry>> {
  const query = readPageRequest(DECISION_KEY, page);
  const where = new Conditions().add('domain = ?', domain);
  if (query.after !== undefined) where.add(`${d.binary('sender_key')} > ?`, query.after[0]);
  const rows = yield* rowsOf<DecisionRow>(
    `SELECT sender_key, decision, note, decided_at, actor FROM sender_decisions ${where.toString()} ORDER BY ${d.binary('sender_key')} LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(DECISION_KEY, query, rows, (row) => [row.sender_key], (row) => ({
    key: row.sender_key,
    decision: row.decision,
    note: row.note,
    decidedAt: d.readTime(row.decided_at),
    actor: row.actor,
  }));
}

interface HistoryRow {
  readonly id: unknown;
  readonly domain: string;
  readonly sender_key: string;
  readonly decision: SenderDecision | null;
  readonly previous: SenderDecision | null;
  readonly note: string | null;
  readonly actor: string | null;
  readonly at: unknown;
}

const HISTORY_KEY = pageKey('sender-decision-history', ['int']);

export function* listSenderDecisionHistory(d: Dialect, domain: string, filter: { readonly key?: string }, page: PageRequest | undefined): SqlProgram<Page<SenderDecisionChange>> {
  const query = readPageRequest(HISTORY_KEY, page);
  const where = new Conditions().add('domain = ?', domain);
  if (filter.key !== undefined) where.add('sender_key = ?', filter.key);
  if (query.after !== undefined) where.add('id < ?', query.after[0]);
  const rows = yield* rowsOf<HistoryRow>(
    `SELECT id, domain, sender_key, decision, previous, note, actor, at FROM sender_decision_history ${where.toString()} ORDER BY id DESC LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(HISTORY_KEY, query, rows, (row) => [d.readInt(row.id)], (row) => ({
    id: d.readInt(row.id),
    domain: row.domain,
    key: row.sender_key,
    decision: row.decision,
    previous: row.previous,
    note: row.note,
    actor: row.actor,
    at: d.readTime(row.at),
  }));
}
