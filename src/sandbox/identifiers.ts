/**
 * Fresh identifiers in the shapes AWS uses: account ids, access keys, secrets, session tokens,
 * unique ids of users and roles, request ids. Random from node:crypto: the sandbox is a test aid,
 * and no test depends on the exact value of a key.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomString(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/** A 12-digit account id that does not start with 0 (so nobody mistakes it for a number). */
export function newAccountId(): string {
  return String(randomInt(1, 10)) + String(randomInt(0, 100_000)).padStart(5, '0') + randomDigits(6);
}

function randomDigits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(0, 10));
  return out;
}

/** `AKIA` (long-term) or `ASIA` (temporary) followed by 16 upper-case letters and digits. */
export function newAccessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + randomString(UPPER_ALNUM, 16);
}

export function newSecretAccessKey(): string {
  return randomString(SECRET_ALPHABET, 40);
}

export function newSessionToken(): string {
  return `IQoJb3JpZ2luX2VjE${randomBytes(180).toString('base64')}`;
}

/** Unique ids: `AIDA` for users, `AROA` for roles. */
export function newUniqueId(prefix: 'AIDA' | 'AROA'): string {
  return prefix + randomString(UPPER_ALNUM, 17);
}

export function newRequestId(): string {
  return randomUUID();
}
