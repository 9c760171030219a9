import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { isSkybridgeError } from '../core/index.js';
import { loadServerConfig } from './config.js';

describe('loadServerConfig', () => {
  it('fills the documented defaults', () => {
    const config = loadServerConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.dataDir, resolve('./.skybridge'));
    assert.equal(config.sessionTtlMs, 3_600_000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.databaseUrl, undefined);
  });

  it('reads every variable and drops a trailing slash from the public URL', () => {
    const config = loadServerConfig({
      SKYBRIDGE_PORT: '8080',
      SKYBRIDGE_PUBLIC_URL: 'https://skybridge.example/',
      SKYBRIDGE_DATA_DIR: '/tmp/sb',
      SKYBRIDGE_ADMIN_KEY: 'a-long-enough-admin-key',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
      SKYBRIDGE_SESSION_TTL_SECONDS: '120',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'https://skybridge.example');
    assert.equal(config.dataDir, '/tmp/sb');
    assert.equal(config.adminKey, 'a-long-enough-admin-key');
    assert.equal(config.sessionTtlMs, 120_000);
    assert.equal(config.logLevel, 'debug');
  });

  it('refuses a bad value naming the variable and the rule', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ SKYBRIDGE_PORT: '70000' }, 'SKYBRIDGE_PORT', /0\.\.65535/],
      [{ SKYBRIDGE_PUBLIC_URL: 'ftp://x' }, 'SKYBRIDGE_PUBLIC_URL', /http/],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres/],
      [{ SKYBRIDGE_ADMIN_KEY: 'short' }, 'SKYBRIDGE_ADMIN_KEY', /16/],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /./],
    ];
    for (const [env, field, rule] of cases) {
      assert.throws(
        () => loadServerConfig(env),
        (error) =>
          isSkybridgeError(error) &&
          error.field === field &&
          error.message.startsWith(`${field}: `) &&
          rule.test(error.message),
        field,
      );
    }
  });
});
