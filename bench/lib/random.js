/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so that the same
 * seed always produces the same corpus, byte for byte. Not for cryptography.
 */

/** Mixes a 32-bit value (the splitmix32 finaliser). */
function mix32(value) {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seed for stream `index` derived from `seed`, so each report has its own independent stream. */
export function deriveSeed(seed, index) {
  return mix32(mix32(seed) ^ Math.imul(index + 1, 0x9e3779b9));
}

/**
 * Creates a generator. Every method draws from the same stream.
 * @param {number} seed any 32-bit integer
 */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next32 = () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
  let a = next32();
  let b = next32();
  let c = next32();
  let d = next32();

  /** A float in [0, 1). */
  const float = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) float();

  /** An integer in [0, n). */
  const int = (n) => Math.floor(float() * n);

  return {
    float,
    int,
    /** An integer in [lo, hi], both inclusive. */
    between: (lo, hi) => lo + int(hi - lo + 1),
    /** True with probability p. */
    chance: (p) => float() < p,
    /** One element of a non-empty array. */
    pick: (items) => items[int(items.length)],
    /** One value of [[value, weight], ...]. */
    weighted(pairs) {
      let total = 0;
      for (const pair of pairs) total += pair[1];
      let x = float() * total;
      for (const [value, weight] of pairs) {
        x -= weight;
        if (x < 0) return value;
      }
      return pairs[pairs.length - 1][0];
    },
    /** A standard normal value (Box-Muller). */
    normal() {
      const u = 1 - float();
      const v = float();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    /** `length` lowercase hex digits. */
    hex(length) {
      let text = '';
      while (text.length < length) text += (next32() >>> 0).toString(16).padStart(8, '0');
      return text.slice(0, length);
    },
    /** `length` decimal digits, the first not zero. */
    digits(length) {
      let text = String(1 + int(9));
      while (text.length < length) text += String(int(10));
      return text;
    },
  };
}
