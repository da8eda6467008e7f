/**
 * Diagnostics: what a parser says about its input. Parsers never throw on bad input;
 * they return values with diagnostics that carry a stable `code` (listed in docs/formats.md).
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable kebab-case code; never renamed once released (docs/formats.md). */
  readonly code: string;
  readonly severity: Severity;
  /** One sentence for a person, naming the value at fault. */
  readonly message: string;
  /** Where: an element path (`feedback/record[3]/row/count`), `line:column`, a byte offset or a MIME part path. */
  readonly location?: string;
  /** How many times this diagnostic occurred when it is reported once for many occurrences. */
  readonly count?: number;
}

/** Why a whole input (a file, a MIME part, a container member) was refused. */
export interface Rejection {
  readonly code: string;
  readonly message: string;
  readonly location?: string;
}

export function warning(code: string, message: string, location?: string): Diagnostic {
  return location === undefined ? { code, severity: 'warning', message } : { code, severity: 'warning', message, location };
}

export function error(code: string, message: string, location?: string): Diagnostic {
  return location === undefined ? { code, severity: 'error', message } : { code, severity: 'error', message, location };
}

export function rejection(code: string, message: string, location?: string): Rejection {
  return location === undefined ? { code, message } : { code, message, location };
}

/**
 * Collects warnings, folding repeats of the same code into one entry with a count, so that a
 * report with a million padded values yields one warning, not a million. The first location is kept.
 */
export class DiagnosticLog {
  readonly #byKey = new Map<string, { diagnostic: Diagnostic; count: number }>();
  readonly #limit: number;

  constructor(limit = 200) {
    this.#limit = limit;
  }

  add(diagnostic: Diagnostic): void {
    const key = `${diagnostic.severity}:${diagnostic.code}`;
    const seen = this.#byKey.get(key);
    if (seen) {
      seen.count += 1;
      return;
    }
    if (this.#byKey.size < this.#limit) this.#byKey.set(key, { diagnostic, count: 1 });
  }

  warn(code: string, message: string, location?: string): void {
    this.add(warning(code, message, location));
  }

  fail(code: string, message: string, location?: string): void {
    this.add(error(code, message, location));
  }

  get size(): number {
    return this.#byKey.size;
  }

  list(): Diagnostic[] {
    return [...this.#byKey.values()].map(({ diagnostic, count }) => (count > 1 ? { ...diagnostic, count } : diagnostic));
  }
}
