import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isSkybridgeError } from '../core/index.js';
import { ApiKeyHasher } from './apiKeyHash.js';
import { loadMasterKey, MASTER_KEY_FILE, parseMasterKey } from './masterKey.js';
import { openStore } from './openStore.js';
import { SecretBox } from './secretBox.js';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);

function flipByteOf(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isSkybridgeError(error) && error.code === code);
}

describe('SecretBox', () => {
  const box = new SecretBox(keyA);

  it('opens what it sealed, in the v1.<iv>.<tag>.<ciphertext> format', () => {
    const sealed = box.seal('wJalrXUtnFEMI/K7MDENG', 'connectors.secrets:acme');
    const parts = sealed.split('.');
    assert.equal(parts.length, 4);
    assert.equal(parts[0], 'v1');
    assert.equal(Buffer.from(parts[1]!, 'base64url').length, 12);
    assert.equal(Buffer.from(parts[2]!, 'base64url').length, 16);
    assert.ok(!sealed.includes('wJalrXUtnFEMI'));
    assert.equal(box.open(sealed, 'connectors.secrets:acme'), 'wJalrXUtnFEMI/K7MDENG');
  });

  it('uses a fresh IV each time, so equal secrets do not look equal', () => {
    assert.notEqual(box.seal('same', 'ctx'), box.seal('same', 'ctx'));
  });

  it('detects a flipped byte in the ciphertext, the tag or the IV', () => {
    const sealed = box.seal('secret value', 'ctx');
    for (const part of [1, 2, 3])
      throwsCode(() => box.open(flipByteOf(sealed, part), 'ctx'), 'secret_unreadable');
  });

  it('refuses to open with another master key', () => {
    const sealed = box.seal('secret value', 'ctx');
    throwsCode(() => new SecretBox(keyB).open(sealed, 'ctx'), 'secret_unreadable');
  });

  it('refuses a value moved to another row or column (AAD)', () => {
    const sealed = box.seal('tenant one credentials', 'engine_credentials.sealed:tenant:one');
    throwsCode(() => box.open(sealed, 'engine_credentials.sealed:tenant:two'), 'secret_unreadable');
  });

  it('refuses values not in the v1 format and never echoes the value', () => {
    throwsCode(() => box.open('plain-text-secret', 'ctx'), 'secret_unreadable');
    throwsCode(() => box.open('v2.a.b.c', 'ctx'), 'secret_unreadable');
    try {
      box.open('plain-text-secret', 'ctx');
    } catch (error) {
      assert.ok(!(error as Error).message.includes('plain-text-secret'));
    }
  });
});

describe('master key', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'skybridge-key-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts 32 bytes as hex, base64 or base64url', () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 250));
    assert.deepEqual(parseMasterKey(bytes.toString('hex')), bytes);
    assert.deepEqual(parseMasterKey(bytes.toString('base64')), bytes);
    assert.deepEqual(parseMasterKey(bytes.toString('base64url')), bytes);
    assert.deepEqual(parseMasterKey(`  ${bytes.toString('base64')}\n`), bytes);
  });

  it('refuses a key of the wrong length, naming the variable but not the value', () => {
    for (const wrong of [
      Buffer.alloc(16, 3).toString('base64'),
      Buffer.alloc(33, 3).toString('hex'),
      'hunter2!',
    ]) {
      assert.throws(
        () => parseMasterKey(wrong),
        (error: unknown) =>
          isSkybridgeError(error) &&
          error.code === 'invalid_master_key' &&
          error.message.includes('SKYBRIDGE_MASTER_KEY') &&
          !error.message.includes(wrong),
      );
    }
  });

  it('generates <dataDir>/master.key with mode 0600 and reuses it on the next start', () => {
    const dataDir = join(tempDir(), 'nested', '.skybridge');
    const first = loadMasterKey({ dataDir, embedded: true });
    const file = join(dataDir, MASTER_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(first.length, 32);
    assert.deepEqual(parseMasterKey(readFileSync(file, 'utf8')), first);
    assert.deepEqual(loadMasterKey({ dataDir, embedded: true }), first);
  });

  it('creates the embedded database owner-only, beside a generated key it keeps using', async () => {
    const dataDir = tempDir();
    const store = await openStore({ dataDir });
    await store.close();
    assert.equal(statSync(join(dataDir, 'skybridge.db')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, MASTER_KEY_FILE)).mode & 0o777, 0o600);
    const reopened = await openStore({ dataDir });
    await reopened.close();
  });

  it('prefers SKYBRIDGE_MASTER_KEY and writes no file then', () => {
    const dataDir = tempDir();
    const key = loadMasterKey({ dataDir, embedded: true, masterKey: keyB.toString('hex') });
    assert.deepEqual(key, keyB);
    assert.throws(() => statSync(join(dataDir, MASTER_KEY_FILE)));
  });

  it('requires SKYBRIDGE_MASTER_KEY with a shared database', () => {
    throwsCode(() => loadMasterKey({ dataDir: tempDir(), embedded: false }), 'master_key_required');
  });

  it('openStore refuses a SKYBRIDGE_MASTER_KEY of the wrong length before touching the database', async () => {
    const dataDir = tempDir();
    await assert.rejects(
      openStore({ dataDir, masterKey: Buffer.alloc(24).toString('base64') }),
      (error: unknown) => isSkybridgeError(error) && error.code === 'invalid_master_key',
    );
    assert.throws(() => statSync(join(dataDir, 'skybridge.db')));
  });

  it('openStore with DATABASE_URL and no master key is refused', async () => {
    await assert.rejects(
      openStore({ dataDir: tempDir(), databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres' }),
      (error: unknown) => isSkybridgeError(error) && error.code === 'master_key_required',
    );
  });
});

describe('ApiKeyHasher', () => {
  it('matches the right key only, and hashes differ under another master key', () => {
    const hasher = new ApiKeyHasher(keyA);
    const stored = hasher.hash('sk_live_right');
    assert.ok(hasher.matches('sk_live_right', stored));
    assert.ok(!hasher.matches('sk_live_wrong', stored));
    assert.ok(!hasher.matches('sk_live_right', stored.slice(1)));
    assert.notEqual(new ApiKeyHasher(keyB).hash('sk_live_right'), stored);
    assert.ok(!stored.includes('sk_live_right'));
  });
});
