import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RunningSandbox } from './server.js';
import { parseRawQuery } from './sigv4.js';
import {
  createAccountWithUser,
  type Keys,
  rejection,
  s3Client,
  startTestSandbox,
  stsClient,
} from './testing.js';

const ACCOUNT = '111122223333';
function signer(credentials: Keys, service: string) {
  return new SignatureV4({
    credentials,
    region: 'us-east-1',
    service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: service !== 's3',
  });
}

describe('sandbox SigV4 verification', () => {
  let sandbox: RunningSandbox;
  let user: Keys;
  let host: string;

  const stsRequest = (query: Record<string, string>) =>
    new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: sandbox.port,
      path: '/',
      query,
      headers: { host },
    });
  const urlOf = (request: { path: string; query?: unknown }) => {
    const query = new URLSearchParams(request.query as Record<string, string>)
      .toString()
      .replace(/\+/g, '%20');
    return `${sandbox.url}${request.path}?${query}`;
  };
  const s3 = (credentials: Keys) => s3Client(sandbox, credentials);

  before(async () => {
    const started = await startTestSandbox();
    sandbox = started.sandbox;
    host = `127.0.0.1:${sandbox.port}`;
    user = await createAccountWithUser(started.admin, ACCOUNT, 'signer');
  });
  after(() => sandbox.close());

  it('verifies a presigned GetCallerIdentity URL and refuses it once altered', async () => {
    const presigned = await signer(user, 'sts').presign(
      stsRequest({ Action: 'GetCallerIdentity', Version: '2011-06-15' }),
      { expiresIn: 60 },
    );
    const ok = await fetch(urlOf(presigned));
    const body = await ok.text();
    assert.equal(ok.status, 200, body);
    assert.match(body, new RegExp(`<Account>${ACCOUNT}</Account>`));

    const tampered = await fetch(urlOf(presigned).replace('X-Amz-Expires=60', 'X-Amz-Expires=61'));
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  it('refuses a request signed more than 15 minutes away from real time', async () => {
    const signed = await signer(user, 'sts').sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: sandbox.port,
        path: '/',
        headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      }),
      { signingDate: new Date(Date.now() - 20 * 60_000) },
    );
    const response = await fetch(`${sandbox.url}/`, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body as string,
    });
    const body = await response.text();
    assert.equal(response.status, 403);
    assert.match(
      body,
      /<Code>SignatureDoesNotMatch<\/Code><Message>Signature expired: \d{8}T\d{6}Z is now earlier than/,
    );
    assert.match(
      body,
      /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type>/,
    );
    assert.ok(response.headers.get('x-amzn-requestid'));
  });

  it('refuses a session key with a wrong security token', async () => {
    const session = (await stsClient(sandbox, user).send(new GetSessionTokenCommand({}))).Credentials!;
    const forged = stsClient(sandbox, {
      accessKeyId: session.AccessKeyId!,
      secretAccessKey: session.SecretAccessKey!,
      sessionToken: 'forged',
    });
    const error = await rejection(forged.send(new GetCallerIdentityCommand({})));
    assert.equal(error.name, 'InvalidClientTokenId');
    const s3error = await rejection(
      s3({
        accessKeyId: session.AccessKeyId!,
        secretAccessKey: session.SecretAccessKey!,
        sessionToken: 'forged',
      }).send(new ListBucketsCommand({})),
    );
    assert.equal(s3error.name, 'InvalidToken');
  });

  it('answers S3 auth failures in S3’s vocabulary', async () => {
    const unknown = await rejection(
      s3({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: user.secretAccessKey }).send(
        new ListBucketsCommand({}),
      ),
    );
    assert.equal(unknown.name, 'InvalidAccessKeyId');
    const wrong = await rejection(
      s3({ ...user, secretAccessKey: 'x'.repeat(40) }).send(new ListBucketsCommand({})),
    );
    assert.equal(wrong.name, 'SignatureDoesNotMatch');
  });

  it('verifies S3 signatures over unescaped paths with awkward keys', async () => {
    const client = s3(user);
    await client.send(new CreateBucketCommand({ Bucket: 'sigv4-keys' }));
    const key = 'templates/a b+c/ünïcode=1&x.yaml';
    await client.send(
      new PutObjectCommand({ Bucket: 'sigv4-keys', Key: key, Body: 'hello', ContentType: 'text/yaml' }),
    );
    const object = await client.send(new GetObjectCommand({ Bucket: 'sigv4-keys', Key: key }));
    assert.equal(await object.Body?.transformToString(), 'hello');
  });

  it('refuses unsigned writes: Query services say MissingAuthenticationToken, S3 says AccessDenied', async () => {
    const query = await fetch(`${sandbox.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(query.status, 403);
    assert.match(await query.text(), /<Code>MissingAuthenticationToken<\/Code>/);
    const put = await fetch(`${sandbox.url}/some-bucket/key`, { method: 'PUT', body: 'x' });
    assert.equal(put.status, 403);
    const body = await put.text();
    assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code>/);
    assert.ok(put.headers.get('x-amz-request-id'));
  });

  it('decodes raw query strings without turning + into a space', () => {
    assert.deepEqual(parseRawQuery('a=1+2&b=%2B&c&d=x&d=y'), { a: '1+2', b: '+', c: '', d: ['x', 'y'] });
  });
});
