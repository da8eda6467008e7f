/**
 * Secrets: random tokens, their hashes, and password hashes. Passwords are hashed with scrypt
 * (node:crypto; RFC 7914) at N=2^15, r=8, p=1 (OWASP's minimum for scrypt, about 50–100 ms on
 * these machines), with a 16-byte salt, and stored as `scrypt$N$r$p$salt$hash` (base64url) so the
 * parameters can grow without invalidating old hashes. Tokens (session cookies, API token secrets,
 * verification tokens) are 32 random bytes; only their SHA-256 is stored, and they are compared
 * in constant time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** scrypt needs 128·N·r bytes; twice that leaves room. */
const MAX_MEMORY = 2 * 128 * N * R;

/** Random bytes as base64url: 32 bytes give 43 characters. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A short public id (API tokens, invitations): 12 letters and digits, random. */
export function randomId(): string {
  return randomToken(9).replace(/[-_]/g, 'x').slice(0, 12);
}

/** 16 lower-case letters and digits: a secret that survives being a mail subaddress unchanged (rua tokens). */
export function randomLowerToken(): string {
  return randomToken(12).toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 16);
}

/** SHA-256 as lower-case hex: what is stored of a session cookie or API token secret. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Whether two strings are equal, in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: Math.max(MAX_MEMORY, 2 * 128 * n * r) }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `stored`; false for a hash this code does not know how to read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((v) => Number.isSafeInteger(v) && v > 0) || n > 2 ** 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5] as string, 'base64url');
  const key = await derive(password, Buffer.from(parts[4] as string, 'base64url'), n, r, p);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when there is no user, so that an unknown e-mail takes as long as a wrong password. */
export const DUMMY_PASSWORD_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
