import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from './secretBox.js';

/**
 * Per-session anti-forgery tokens derived as HMAC(master-derived key, session id): the pages can
 * show the token again at any time and nothing about it is stored, so a copy of the database (or a
 * backup) cannot be used to forge a tenant's form. The session id alone does not give the token.
 */
export class AntiForgeryTokens {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = deriveKey(masterKey, 'session csrf v1');
  }

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.key).update(sessionId, 'utf8').digest('base64url');
  }

  /**
   * Constant-time check of `token` against the session's derived token, or against `legacyHash` (the
   * SHA-256 of a random token stored before migration 002, so pages already open keep working).
   */
  matches(sessionId: string, token: string | undefined, legacyHash?: string | null): boolean {
    if (!token) return false;
    if (sameText(token, this.tokenFor(sessionId))) return true;
    return Boolean(legacyHash) && sameText(legacyTokenHash(token), legacyHash!);
  }
}

/** What migration 002 keeps of a token stored in clear before it: its SHA-256 (hex). */
export function legacyTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
