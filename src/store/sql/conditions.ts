/**
 * A WHERE clause built from the conditions a filter asks for, with their parameters in order.
 * Only the conditions given are written, never `? IS NULL OR ...`: PostgreSQL cannot type a
 * parameter that only meets NULL, and a condition left out is one the planner need not consider.
 */
export class Conditions {
  readonly #terms: string[] = [];
  readonly #params: unknown[] = [];

  /** Adds `sql` (with `?` placeholders for `params`). */
  add(sql: string, ...params: readonly unknown[]): this {
    this.#terms.push(sql);
    this.#params.push(...params);
    return this;
  }

  get params(): readonly unknown[] {
    return this.#params;
  }

  /** `WHERE a AND b`, or nothing when no condition was added. */
  toString(): string {
    return this.#terms.length === 0 ? '' : `WHERE ${this.#terms.join(' AND ')}`;
  }
}
