import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { cryptoRandom, type RandomSource, SkybridgeError } from '../core/index.js';
import { MASTER_KEY_BYTES } from './masterKey.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Derives a purpose-bound subkey so the master key itself never encrypts or hashes anything. */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), `skybridge ${purpose}`, MASTER_KEY_BYTES),
  );
}

/**
 * AES-256-GCM for secrets at rest. A sealed value reads `v1.<iv>.<tag>.<ciphertext>` (base64url).
 * The `context` (table, column, row) is authenticated as AAD, so a ciphertext copied to another
 * row or column fails to open instead of yielding another tenant's secret.
 *
 * @example
 * const box = new SecretBox(masterKey);
 * const sealed = box.seal('s3cr3t', 'connectors.secrets:acme');
 * box.open(sealed, 'connectors.secrets:acme'); // 's3cr3t'
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly random: RandomSource;

  constructor(masterKey: Buffer, random: RandomSource = cryptoRandom) {
    if (masterKey.length !== MASTER_KEY_BYTES) {
      throw new SkybridgeError('invalid_master_key', 'The master key must be 32 bytes.', { status: 500 });
    }
    this.key = deriveKey(masterKey, 'secret-box v1');
    this.random = random;
  }

  seal(plaintext: string, context: string): string {
    const iv = this.random.bytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw unreadable(context, 'it is not in the v1 format');
    }
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [
      Buffer,
      Buffer,
      Buffer,
    ];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable(context, 'it is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw unreadable(context, 'the master key differs or the value was altered', cause);
    }
  }
}

function unreadable(context: string, why: string, cause?: unknown): SkybridgeError {
  // The context names table, column and row (never secret); it tells the operator where to look.
  return new SkybridgeError(
    'secret_unreadable',
    `A stored secret (${context}) cannot be decrypted: ${why}.`,
    {
      status: 500,
      cause,
    },
  );
}
