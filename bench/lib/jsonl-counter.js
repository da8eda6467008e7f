/**
 * Counts the lines of `parse --format jsonl` output as it streams and sums their "count"
 * members, without decoding every line: the key is found with Buffer#indexOf (inside a JSON
 * string a quote is escaped, so `"count":` only matches a member name). Every 1000th line is
 * also decoded with JSON.parse to check that the fast path and the real value agree.
 */
import { Buffer } from 'node:buffer';
import { createLineSplitter } from './line-splitter.js';

const KEY = Buffer.from('"count":');
const CHECK_EVERY = 1000;

export function createJsonlCounter() {
  let lines = 0;
  let sumOfCounts = 0;
  let checked = 0;
  const problems = [];

  const problem = (text) => {
    if (problems.length < 10) problems.push(text);
  };

  const countLine = (buffer, start, end) => {
    if (end > start && buffer[end - 1] === 0x0d) end -= 1;
    if (end === start) return; // blank line
    lines += 1;
    const at = buffer.indexOf(KEY, start);
    let value = 0;
    let digits = 0;
    if (at !== -1 && at < end) {
      for (let i = at + KEY.length; i < end; i++) {
        const c = buffer[i];
        if (c < 0x30 || c > 0x39) break;
        value = value * 10 + (c - 0x30);
        digits += 1;
      }
    }
    if (digits === 0) problem(`line ${lines}: no numeric "count": ${buffer.toString('utf8', start, Math.min(end, start + 200))}`);
    sumOfCounts += value;
    if (lines % CHECK_EVERY === 1) {
      checked += 1;
      try {
        const parsed = JSON.parse(buffer.toString('utf8', start, end));
        if (parsed.count !== value) problem(`line ${lines}: JSON count ${parsed.count} but scanned ${value}`);
      } catch (caught) {
        problem(`line ${lines}: not JSON (${caught instanceof Error ? caught.message : String(caught)})`);
      }
    }
  };

  const splitter = createLineSplitter(countLine);
  return {
    /** @param {Buffer} chunk */
    push: (chunk) => splitter.push(chunk),
    end() {
      splitter.end();
      return { lines, sumOfCounts, bytes: splitter.bytes, checked, problems };
    },
  };
}
