/**
 * A problem with what a caller asked for or configured: a stable code, the field or input at
 * fault (`smtp.port`, `--gate-days`, `domain`), and one sentence naming the value and what was
 * expected. Validators return lists of problems (all of them at once, never the first only); the
 * application core raises them as one AppError (app/problems.ts), which the CLI prints with exit
 * status 2 and the HTTP API answers as problem+json naming each field.
 */
export interface Problem {
  /** Stable kebab-case code, e.g. `not-a-domain`, `setting-unknown`, `value-out-of-range`. */
  readonly code: string;
  /** The setting, option, parameter or input at fault, as the caller wrote it; absent when the whole request is at fault. */
  readonly field?: string;
  readonly message: string;
}

export function problem(code: string, field: string | undefined, message: string): Problem {
  return field === undefined ? { code, message } : { code, field, message };
}
