/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter within
 * the millisecond, then random bits. Ids made one after another sort one after
 * another, so a bulk insert adds them at the right edge of a primary-key index
 * instead of on random pages all over it: at a million rows that halves the
 * cost of an insert here (see docs/storage.md). gen_random_uuid() ids made
 * elsewhere sit beside them in the same uuid columns.
 */
import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;
// Random bytes drawn 32 KB at a time: one system call per 4,096 ids, not one per id.
const random = Buffer.alloc(8 * 4096);
let randomOffset = random.length;

export function timeOrderedId(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter += 1;
    // More than 4,096 ids in one millisecond: borrow the next one, as the RFC allows, to stay in order.
    if (counter > 0xfff) {
      ms += 1;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  if (randomOffset === random.length) {
    randomFillSync(random);
    randomOffset = 0;
  }
  const bits = random.toString('hex', randomOffset, randomOffset + 8);
  randomOffset += 8;
  const time = ms.toString(16).padStart(12, '0');
  // The variant's two top bits are 10: the first hex digit of the fourth group is 8 to b.
  const variant = ((parseInt(bits[0]!, 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${variant}${bits.slice(1, 4)}-${bits.slice(4)}`;
}
