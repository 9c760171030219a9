/**
 * A connector without keys on a machine where the AWS SDK's default chain finds nothing: every
 * path says `base_credentials_missing` and what to set (it used to surface as `sts_error` with the
 * SDK's "Could not load credentials from any providers").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isSkybridgeError } from '../core/index.js';
import { AwsConnector } from './awsConnector.js';
import { MemoryEngineStore } from './engineStore.js';
import { StsSandbox } from './stsSandbox.fixture.js';

/** Every place the default chain looks, pointed at nothing (no instance metadata either). */
const EMPTY_CHAIN_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];

describe('connector without keys when the default chain finds none', () => {
  let sts: StsSandbox;
  let emptyDir: string;
  const saved = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string | undefined) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  before(async () => {
    sts = await StsSandbox.start();
    emptyDir = mkdtempSync(join(tmpdir(), 'skybridge-no-aws-config-'));
    for (const name of EMPTY_CHAIN_ENV) setEnv(name, undefined);
    setEnv('AWS_SHARED_CREDENTIALS_FILE', join(emptyDir, 'credentials'));
    setEnv('AWS_CONFIG_FILE', join(emptyDir, 'config'));
    setEnv('AWS_EC2_METADATA_DISABLED', 'true');
    setEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined);
    setEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined);
    setEnv('AWS_WEB_IDENTITY_TOKEN_FILE', undefined);
  });
  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(emptyDir, { recursive: true, force: true });
    await sts.close();
  });

  for (const mfa of [false, true]) {
    it(`check() fails with base_credentials_missing, naming the fields to set (${mfa ? 'with' : 'without'} MFA)`, async () => {
      const config = sts.config({ mfa, iam: { accessKeyId: undefined, secretAccessKey: undefined } });
      const aws = new AwsConnector({ name: 'keyless', config, store: new MemoryEngineStore() });
      await assert.rejects(aws.check(), (error: unknown) => {
        assert.ok(isSkybridgeError(error), String(error));
        assert.equal(error.code, 'base_credentials_missing');
        assert.match(error.message, /iam\.accessKeyId\/iam\.secretAccessKey/);
        return true;
      });
    });
  }
});
