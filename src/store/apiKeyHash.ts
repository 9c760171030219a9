import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from './secretBox.js';

/**
 * API keys are long random strings, so a keyed HMAC is enough (no slow password hash needed), and
 * keying it with a subkey of the master key means a stolen database alone cannot test guesses.
 */
export class ApiKeyHasher {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = deriveKey(masterKey, 'api-key hash v1');
  }

  hash(apiKey: string): string {
    return createHmac('sha256', this.key).update(apiKey, 'utf8').digest('base64url');
  }

  /** Constant-time comparison of a presented key against a stored hash. */
  matches(apiKey: string, storedHash: string): boolean {
    const presented = Buffer.from(this.hash(apiKey), 'utf8');
    const stored = Buffer.from(storedHash, 'utf8');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }
}
