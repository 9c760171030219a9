import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { chromium } from 'playwright-core';
import type { SandboxAdminClient } from '../adminClient.js';
import type { RunningSandbox } from '../server.js';
import { createAccountWithUser, s3Client, startTestSandbox } from '../testing.js';

const BASE = '111122223333';
const TENANT = '012345678901';

const TEMPLATE = `Description: Skybridge <access> & more
Parameters:
  ExternalId:
    Type: String
    Description: Given by Skybridge
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: SkybridgeRole
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { AWS: 'arn:aws:iam::${BASE}:root' }
            Action: sts:AssumeRole
            Condition: { StringEquals: { 'sts:ExternalId': !Ref ExternalId } }
Outputs:
  RoleArn:
    Value: !GetAtt Role.Arn
`;

describe('sandbox CloudFormation console', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  let consoleUrl: string;
  let templateUrl: string;

  const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${consoleUrl}/stacks`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox({ port: 0 }));
    consoleUrl = `${sandbox.url}/_sandbox/console/cloudformation`;
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    await admin.reset();
    const s3 = s3Client(sandbox, await createAccountWithUser(admin, BASE, 'skybridge'));
    await admin.createAccount(TENANT);
    await s3.send(new CreateBucketCommand({ Bucket: 'public-templates' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'public-templates',
        Policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::public-templates/*',
            },
          ],
        }),
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'public-templates', Key: 't1.yaml', Body: TEMPLATE }));
    await s3.send(new CreateBucketCommand({ Bucket: 'private-templates' }));
    await s3.send(new PutObjectCommand({ Bucket: 'private-templates', Key: 't1.yaml', Body: TEMPLATE }));
    templateUrl = `${sandbox.url}/public-templates/t1.yaml`;
  });

  it('shows the quick-create page with the accounts, the escaped template and the acknowledgement', async () => {
    // The link the engine builds: <endpoints.console>?templateURL=<enc>&stackName=<name>&region=<region>.
    const link = `${consoleUrl}?templateURL=${encodeURIComponent(templateUrl)}&stackName=skybridge&region=eu-west-1&param_ExternalId=ext-123`;
    const response = await fetch(link);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const page = await response.text();
    assert.match(page, /Quick create stack/);
    assert.match(page, /Skybridge sandbox/);
    assert.match(page, /not AWS/);
    assert.match(page, /<meta name="viewport"/);
    assert.match(page, new RegExp(`<option value="${BASE}">`));
    assert.match(page, new RegExp(`<option value="${TENANT}">`));
    assert.match(page, /name="stackName" value="skybridge"/);
    assert.match(page, /name="region" value="eu-west-1"/);
    assert.match(page, /name="param_ExternalId" value="ext-123"/);
    assert.match(page, /Description: Skybridge &lt;access&gt; &amp; more/);
    assert.doesNotMatch(page, /Skybridge <access>/);
    assert.match(
      page,
      /I acknowledge that AWS CloudFormation might create IAM resources with custom names\./,
    );
    assert.match(page, /<form method="post" action="\/_sandbox\/console\/cloudformation\/stacks">/);
    assert.doesNotMatch(page, /<(script|link)\b/, 'no external assets');
  });

  it('preselects no account when several exist (a stack in the wrong account was the usual slip), shows their names', async () => {
    const { accountId: named } = await admin.createAccount(undefined, 'tenant <acme>');
    const link = `${consoleUrl}?templateURL=${encodeURIComponent(templateUrl)}&stackName=skybridge`;
    const page = await (await fetch(link)).text();
    assert.match(page, /<option value="" selected>Choose the account/);
    assert.match(page, new RegExp(`<option value="${named}">${named} \\(tenant &lt;acme&gt;\\)</option>`));
    assert.doesNotMatch(page, /<option value="\d{12}" selected>/);
    // An account named in the link (or chosen before a refusal) stays chosen.
    const chosen = await (await fetch(`${link}&accountId=${TENANT}`)).text();
    assert.match(chosen, new RegExp(`<option value="${TENANT}" selected>`));
    assert.doesNotMatch(chosen, /Choose the account/);
    // A name is a label of 1 to 64 characters; the refusal names the field.
    for (const [name, message] of [
      ['', 'name must not be empty'],
      ['x'.repeat(65), 'name must be at most 64 characters'],
      [5, 'name must be a string'],
    ] as const) {
      const refusedName = await fetch(`${sandbox.url}/_sandbox/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      assert.equal(refusedName.status, 400);
      assert.deepEqual(await refusedName.json(), { error: { code: 'invalid_request', message } });
    }
    // Submitting without choosing is refused by the sandbox, not silently put in some account.
    const refused = await form({
      templateURL: templateUrl,
      stackName: 'skybridge',
      accountId: '',
      acknowledgeIam: 'on',
    });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /Choose the account to create the stack in/);
  });

  it('says clearly when the template cannot be read anonymously', async () => {
    const link = `${consoleUrl}?templateURL=${encodeURIComponent(`${sandbox.url}/private-templates/t1.yaml`)}&stackName=s`;
    const page = await (await fetch(link)).text();
    assert.match(page, /id="template-error"/);
    assert.match(page, /TemplateURL must reference a valid S3 object to which you have access\./);
  });

  it('refuses to create the stack without the IAM acknowledgement', async () => {
    const response = await form({
      accountId: TENANT,
      templateURL: templateUrl,
      stackName: 'skybridge',
      region: 'us-east-1',
      param_ExternalId: 'ext-123',
    });
    assert.equal(response.status, 400);
    const page = await response.text();
    assert.match(page, /data-error-code="InsufficientCapabilitiesException"/);
    assert.match(page, /Requires capabilities : \[CAPABILITY_NAMED_IAM\]/);
    assert.match(page, /Quick create stack/);
    assert.equal(sandbox.world.accounts.get(TENANT)?.stacks.size, 0);
  });

  it('creates the stack in the chosen account when acknowledged and shows its status and outputs', async () => {
    const response = await form({
      accountId: TENANT,
      templateURL: templateUrl,
      stackName: 'skybridge',
      region: 'eu-west-1',
      acknowledgeIam: 'true',
      param_ExternalId: 'ext-123',
    });
    assert.equal(response.status, 201);
    const page = await response.text();
    assert.match(page, /data-stack-status="CREATE_COMPLETE"/);
    assert.match(page, new RegExp(`arn:aws:iam::${TENANT}:role/SkybridgeRole`));
    const role = sandbox.world.accounts.get(TENANT)?.roles.get('SkybridgeRole');
    assert.deepEqual(role?.assumeRolePolicyDocument.Statement, [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${BASE}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'ext-123' } },
      },
    ]);
    const [stack] = [...(sandbox.world.accounts.get(TENANT)?.stacks.values() ?? [])];
    assert.equal(stack?.region, 'eu-west-1');

    const again = await form({
      accountId: TENANT,
      templateURL: templateUrl,
      stackName: 'skybridge',
      region: 'eu-west-1',
      acknowledgeIam: 'on',
      param_ExternalId: 'x-1',
    });
    assert.equal(again.status, 409);
    assert.match(await again.text(), /Stack \[skybridge\] already exists/);
  });

  it('works in a headless browser on a phone-sized screen: pick the account, tick, create', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await page.goto(
        `${consoleUrl}?templateURL=${encodeURIComponent(templateUrl)}&stackName=from-browser&param_ExternalId=ext-42`,
      );
      const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
      assert.equal(overflow, false, 'no sideways scrolling on a phone');
      await page.selectOption('select[name=accountId]', TENANT);
      await page.check('#acknowledgeIam');
      await page.click('#create-stack');
      await page.waitForSelector('[data-stack-status]');
      assert.equal(await page.getAttribute('#stack-status', 'data-stack-status'), 'CREATE_COMPLETE');
      assert.equal(
        await page.textContent('[data-output-key=RoleArn] .output-value'),
        `arn:aws:iam::${TENANT}:role/SkybridgeRole`,
      );
    } finally {
      await browser.close();
    }
  });

  it('answers JSON when asked', async () => {
    const created = await form(
      {
        accountId: TENANT,
        templateURL: templateUrl,
        stackName: 'json-stack',
        acknowledgeIam: 'true',
        param_ExternalId: 'ext-9',
      },
      { accept: 'application/json' },
    );
    assert.equal(created.status, 201);
    const body = (await created.json()) as {
      stackId: string;
      stackName: string;
      status: string;
      outputs: { key: string; value: string }[];
    };
    assert.equal(body.stackName, 'json-stack');
    assert.equal(body.status, 'CREATE_COMPLETE');
    assert.match(body.stackId, new RegExp(`^arn:aws:cloudformation:us-east-1:${TENANT}:stack/json-stack/`));
    assert.deepEqual(
      body.outputs.map(({ key, value }) => ({ key, value })),
      [{ key: 'RoleArn', value: `arn:aws:iam::${TENANT}:role/SkybridgeRole` }],
    );

    const refused = await form(
      { accountId: '999999999999', templateURL: templateUrl, stackName: 'x' },
      { accept: 'application/json' },
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: { code: 'ValidationError', message: 'Account 999999999999 does not exist in the sandbox.' },
    });
  });
});
