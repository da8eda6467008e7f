/**
 * Failed sign-ins counted per account (e-mail) and per client address over a sliding window:
 * past `perAccount` failures for one account, or `perAddress` from one address, sign-in is refused
 * (`throttled`) until the oldest failure leaves the window. An account's count is cleared by a
 * successful sign-in; an address's is not (one address trying many accounts is the attack).
 * The counts live in the process: with several `serve` processes each counts its own, which
 * multiplies the limit by their number but still bounds guessing. Memory is bounded: at most
 * `maxKeys` keys, the oldest dropped first.
 */
export interface SignInLimits {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMs: number;
  readonly maxKeys: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000, maxKeys: 100_000 };

export interface SignInLimiter {
  /** Seconds to wait when either count is past its limit, else undefined. */
  check(account: string, address: string, now: Date): number | undefined;
  fail(account: string, address: string, now: Date): void;
  succeed(account: string): void;
}

export function createSignInLimiter(limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS): SignInLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number): number[] => {
    const times = (failures.get(key) ?? []).filter((t) => now - t < limits.windowMs);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };
  const waitFor = (times: number[], limit: number, now: number): number | undefined =>
    times.length >= limit ? Math.max(1, Math.ceil(((times[times.length - limit] as number) + limits.windowMs - now) / 1000)) : undefined;
  const add = (key: string, now: number): void => {
    const times = recent(key, now);
    times.push(now);
    failures.delete(key);
    failures.set(key, times.slice(-Math.max(limits.perAccount, limits.perAddress)));
    while (failures.size > limits.maxKeys) failures.delete(failures.keys().next().value as string);
  };
  return {
    check(account, address, now) {
      const t = now.getTime();
      const a = waitFor(recent(`account:${account}`, t), limits.perAccount, t);
      const b = waitFor(recent(`address:${address}`, t), limits.perAddress, t);
      return a === undefined ? b : b === undefined ? a : Math.max(a, b);
    },
    fail(account, address, now) {
      add(`account:${account}`, now.getTime());
      add(`address:${address}`, now.getTime());
    },
    succeed(account) {
      failures.delete(`account:${account}`);
    },
  };
}
