/**
 * Advice: what analysis tells people, as data. Every diagnosis, fix, plan reason, notice and
 * "watch" item is a stable `code` (docs/advice-codes.md; never renamed, new codes may be added),
 * the values it is about (`params`), and one English sentence (`message`) built from them.
 * Programs match on code and params; the CLI prints the message and adds the command to run where
 * one helps, the dashboard renders a button, an alert a link. A message never holds a shell
 * command or a CLI flag. Modelled on evaluate/finding.ts.
 */

/** A value advice is about: a domain, a sender key, a count, a share (0–1), a list of names. */
export type AdviceParam = string | number | boolean | null | readonly string[];

export interface Advice {
  /** Stable kebab-case code, e.g. `sender-dkim-not-aligned`, listed in docs/advice-codes.md. */
  readonly code: string;
  /** The values the message names, by name; what a program reads instead of the message. */
  readonly params: Readonly<Record<string, AdviceParam>>;
  /** One sentence (or two) for a person, made from the params. */
  readonly message: string;
}

export function advice(code: string, params: Readonly<Record<string, AdviceParam>>, message: string): Advice {
  return { code, params, message };
}
