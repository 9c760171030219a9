import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cryptoRandom, type RandomSource, SkybridgeError } from '../core/index.js';

/** AES-256 needs exactly this many key bytes. */
export const MASTER_KEY_BYTES = 32;

/** Name of the key file generated in the data directory in embedded mode. */
export const MASTER_KEY_FILE = 'master.key';

const HEX = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Reads a master key written as 64 hex characters or as base64/base64url of 32 bytes. Anything
 * else is refused: a short or padded key would silently weaken every secret it protects.
 * The message names the variable and the rule, never the value.
 */
export function parseMasterKey(text: string, source = 'SKYBRIDGE_MASTER_KEY'): Buffer {
  const value = text.trim();
  if (HEX.test(value)) return Buffer.from(value, 'hex');
  if (BASE64.test(value)) {
    const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === MASTER_KEY_BYTES) return bytes;
    throw invalidKey(source, `it decodes to ${bytes.length} bytes`);
  }
  throw invalidKey(source, 'it is neither hex nor base64');
}

function invalidKey(source: string, why: string): SkybridgeError {
  return new SkybridgeError(
    'invalid_master_key',
    `${source} must be 32 bytes written as 64 hex characters or 44 base64 characters, but ${why}. ` +
      'Generate one with: openssl rand -base64 32',
    { status: 500 },
  );
}

export interface LoadMasterKeyOptions {
  /** SKYBRIDGE_MASTER_KEY, when set. */
  masterKey?: string | undefined;
  dataDir: string;
  /** Embedded (SQLite) mode may generate a key file; a shared database must be given a key. */
  embedded: boolean;
  random?: RandomSource;
}

/**
 * The master key: SKYBRIDGE_MASTER_KEY when given; otherwise, in embedded mode, the key file in
 * the data directory, created with mode 0600 on first start.
 */
export function loadMasterKey(options: LoadMasterKeyOptions): Buffer {
  if (options.masterKey !== undefined && options.masterKey.trim() !== '') {
    return parseMasterKey(options.masterKey);
  }
  if (!options.embedded) {
    throw new SkybridgeError(
      'master_key_required',
      'SKYBRIDGE_MASTER_KEY is required with DATABASE_URL: every instance must encrypt with the same key. ' +
        'Generate one with: openssl rand -base64 32',
      { status: 500 },
    );
  }
  const file = join(options.dataDir, MASTER_KEY_FILE);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const key = (options.random ?? cryptoRandom).bytes(MASTER_KEY_BYTES);
  try {
    // 'wx' fails if the file exists, so two processes starting at once never overwrite each other's key.
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseMasterKey(readFileSync(file, 'utf8'), file);
}
