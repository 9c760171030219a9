import { randomBytes } from 'node:crypto';

/** Randomness comes in through this so tests can make ids predictable. */
export interface RandomSource {
  /** `bytes` cryptographically random bytes. */
  bytes(count: number): Buffer;
}

export const cryptoRandom: RandomSource = { bytes: (count) => randomBytes(count) };

/** A URL-safe random identifier with `bits` of entropy (at least 128 for anything unguessable). */
export function randomId(random: RandomSource = cryptoRandom, bits = 128): string {
  return random.bytes(Math.ceil(bits / 8)).toString('base64url');
}
