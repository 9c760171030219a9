import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { offsetClock, setupWorld, type World } from '../../../test/support/journey.js';

// The install pages over real HTTP: a real server (SQLite store, install flow) and the real sandbox.
describe('install pages (/connect)', () => {
  let world: World;
  const clock = offsetClock();

  before(async () => {
    world = await setupWorld({ clock });
  });
  after(async () => {
    await world?.close();
  });

  async function newSession(tenantId = 'acme', integration = 'demo'): Promise<string> {
    const created = await world.api('POST', `/v1/integrations/${integration}/sessions`, {
      tenantId,
      redirectUrl: world.redirectUrl,
    });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  }

  function page(id: string, suffix = '', init: RequestInit = {}) {
    return fetch(`${world.url}/connect/${id}${suffix}`, { redirect: 'manual', ...init });
  }

  function post(
    id: string,
    suffix: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    return page(id, suffix, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
      body: new URLSearchParams(fields),
    });
  }

  function csrfOf(text: string): string {
    const tokens = [...text.matchAll(/<input type="hidden" name="csrf" value="([^"]+)">/g)].map((m) => m[1]);
    assert.ok(tokens.length > 0, 'the page has a form with a csrf field');
    assert.ok(
      tokens.every((t) => t === tokens[0]),
      'one token per session',
    );
    return tokens[0]!;
  }

  async function startedSession(
    tenantId = 'acme',
    integration = 'demo',
  ): Promise<{ id: string; csrf: string }> {
    const id = await newSession(tenantId, integration);
    const first = await page(id);
    const csrf = csrfOf(await first.text());
    const started = await post(id, '', { accountId: world.tenant.accountId, region: 'us-east-1', csrf });
    assert.equal(started.status, 303);
    return { id, csrf };
  }

  it('serves page 1 with a strict CSP, no-store, no referrer, and the region list of the partition', async () => {
    const id = await newSession();
    const response = await page(id);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(
      response.headers.get('content-security-policy'),
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self' https://app.example; frame-ancestors 'none'; base-uri 'none'",
    );
    assert.ok(!response.headers.get('content-security-policy')?.includes('unsafe'));
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const text = await response.text();
    assert.ok(text.includes(`<form method="post" action="/connect/${id}" class="account-form" novalidate>`));
    assert.ok(text.includes('<option value="us-east-1" selected>us-east-1</option>'));
    assert.ok(text.includes('<option value="eu-west-1">eu-west-1</option>'));
    assert.ok(!text.includes('cn-north-1'), 'regions of other partitions are not offered');
    assert.ok(!/<script>|<style|style="/.test(text), 'no inline script or style');
  });

  it('renders a hostile tenant id escaped on both pages', async () => {
    const hostile = '<script>alert(1)</script>';
    const { id } = await startedSession(hostile);
    const second = await (await page(id)).text();
    const first = await (await page(id, '?change=account')).text();
    for (const text of [first, second]) {
      assert.ok(!text.includes(hostile));
      assert.ok(text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    }
  });

  it('refuses a form without its anti-forgery field, or with a forged one, and changes nothing', async () => {
    const id = await newSession();
    const missing = await post(id, '', { accountId: world.tenant.accountId });
    assert.equal(missing.status, 403);
    const text = await missing.text();
    assert.ok(text.includes('csrf_failed'));
    assert.ok(text.includes('Reload the page and try again'));
    assert.ok(text.includes(`href="/connect/${id}"`), 'offers the reload');
    const forged = await post(id, '', { accountId: world.tenant.accountId, csrf: 'A'.repeat(22) });
    assert.equal(forged.status, 403);
    const cancel = await post(id, '/cancel', {});
    assert.equal(cancel.status, 403);
    const verify = await page(id, '/verify', { method: 'POST', headers: { 'x-csrf-token': 'nope' } });
    assert.equal(verify.status, 403);
    const refused = (await verify.json()) as { error: { code: string } };
    assert.equal(refused.error.code, 'csrf_failed');
    const session = await world.api('GET', `/v1/sessions/${id}`);
    assert.equal(session.body.status, 'pending');
    assert.equal(session.body.accountId, undefined);
  });

  it('shows page 1 again with the field error and the values kept for a wrong account id', async () => {
    const id = await newSession();
    const csrf = csrfOf(await (await page(id)).text());
    for (const accountId of ['12345678901', '12345678901a']) {
      const answer = await post(id, '', { accountId, region: 'eu-west-1', csrf });
      assert.equal(answer.status, 400);
      const text = await answer.text();
      assert.ok(text.includes(`value="${accountId}"`), 'the value is kept');
      assert.ok(text.includes('<option value="eu-west-1" selected>'), 'the region is kept');
      assert.match(
        text,
        /<p class="field-error" id="accountId-error">The AWS account id must be exactly 12 digits \(leading zeros included\)\.<\/p>/,
      );
    }
    const region = await post(id, '', { accountId: '012345678901', region: 'cn-north-1', csrf });
    assert.equal(region.status, 400);
    assert.match(
      await region.text(),
      /<p class="field-error" id="region-error">The region: &quot;cn-north-1&quot; is not a region of the aws partition/,
    );
    assert.equal((await world.api('GET', `/v1/sessions/${id}`)).body.status, 'pending');
  });

  it('keeps leading zeros and accepts the console’s dashed form of an account id', async () => {
    const id = await newSession();
    const csrf = csrfOf(await (await page(id)).text());
    const answer = await post(id, '', { accountId: '0012-3456-7890', region: 'eu-west-1', csrf });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), `/connect/${id}`);
    const session = await world.api('GET', `/v1/sessions/${id}`);
    assert.equal(session.body.accountId, '001234567890');
    assert.equal(session.body.region, 'eu-west-1');
  });

  it('shows page 2: launch link, steps, template escaped, reference values, and csrf on every form', async () => {
    const { id, csrf } = await startedSession();
    const session = (await world.api('GET', `/v1/sessions/${id}`)).body;
    const response = await page(id);
    assert.equal(response.status, 200);
    const text = await response.text();
    const escapedConsoleUrl = session.consoleUrl.replaceAll('&', '&amp;');
    assert.ok(text.includes(`href="${escapedConsoleUrl}" target="_blank" rel="noopener"`));
    assert.ok(
      text.includes('I acknowledge that AWS CloudFormation might create IAM resources with custom names.'),
    );
    assert.ok(text.includes('CREATE_COMPLETE'));
    assert.ok(text.includes('aria-live="polite"'));
    const forms = text.match(/<form\b[\s\S]*?<\/form>/g) ?? [];
    assert.equal(forms.length, 2);
    for (const form of forms) assert.ok(form.includes(`name="csrf" value="${csrf}"`));
    const template = await page(id, '/template.yaml');
    assert.equal(template.status, 200);
    assert.equal(template.headers.get('content-type'), 'text/yaml; charset=utf-8');
    assert.equal(
      template.headers.get('content-disposition'),
      'attachment; filename="skybridge-connector.yaml"',
    );
    const body = await template.text();
    const install = await fetch(session.templateUrl).then((r) => r.text());
    assert.equal(body, install, 'the download is the published template');
    const externalId = /'sts:ExternalId': '([^']+)'/.exec(body)?.[1];
    assert.ok(externalId, 'the template carries the external id');
    assert.ok(text.includes(`<dt>External ID</dt><dd class="mono">${externalId}</dd>`));
    assert.ok(text.includes('<dt>Role name</dt><dd class="mono">skybridge-connector-role</dd>'));
  });

  it('escapes a template containing </code> on page 2', async () => {
    const template = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Description: "Role </code></pre><script>alert(1)</script> for ##BASE_ACCOUNT_ID##"',
      'Resources:',
      '  Role:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      RoleName: "##ROLE_NAME##"',
      '      AssumeRolePolicyDocument:',
      '        Version: "2012-10-17"',
      '        Statement:',
      '          - Effect: Allow',
      '            Principal: { AWS: "arn:aws:iam::##BASE_ACCOUNT_ID##:root" }',
      '            Action: sts:AssumeRole',
      '            Condition: { StringEquals: { "sts:ExternalId": "##EXTERNAL_ID##" } }',
    ].join('\n');
    const put = await world.api('PUT', '/v1/connectors/custom', { ...world.connectorConfig, template });
    assert.equal(put.status, 200, put.text);
    const integration = await world.api('PUT', '/v1/integrations/custom-demo', {
      connectors: { awsConnector: 'custom' },
      redirectUrls: [world.redirectUrl],
    });
    assert.equal(integration.status, 200, integration.text);
    const { id } = await startedSession('acme', 'custom-demo');
    const text = await (await page(id)).text();
    assert.ok(!text.includes('<script>alert(1)</script>'));
    assert.ok(text.includes('Role &lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; for '));
    assert.equal(text.split('</code></pre>').length, 2, 'the template cannot close its own <pre><code>');
  });

  it('checks without a script: the Check now form starts verifying and returns to the page', async () => {
    const { id, csrf } = await startedSession('initech');
    const answer = await post(id, '/verify', { csrf });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), `/connect/${id}`);
    const text = await (await page(id)).text();
    assert.ok(text.includes('data-status="verifying"'));
    assert.ok(text.includes('Checking the role in your account…'));
    // aria-disabled, not disabled: a keyboard user keeps focus on the button (the server ignores a second press).
    assert.ok(text.includes('id="check-now" aria-disabled="true"'), 'shown as busy while one runs');
    const fetched = await page(id, '/verify', {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
    });
    assert.equal(fetched.status, 200);
    assert.equal(
      ((await fetched.json()) as { status: string }).status,
      'verifying',
      'reports the one in progress',
    );
  });

  it('answers the status as JSON for polling', async () => {
    const { id } = await startedSession();
    const response = await page(id, '/status');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = await response.json();
    assert.deepEqual(body, {
      status: 'awaiting_stack',
      text: {
        tone: 'idle',
        title: 'Waiting for your stack.',
        detail: 'When the stack shows CREATE_COMPLETE, come back to this page: it checks automatically.',
      },
    });
  });

  it('cancels: the browser goes to the app with error, and the page says what to do', async () => {
    const { id, csrf } = await startedSession('tenant & co');
    const answer = await post(id, '/cancel', { csrf });
    assert.equal(answer.status, 303);
    const location = new URL(answer.headers.get('location')!);
    assert.equal(location.origin + location.pathname, world.redirectUrl);
    assert.equal(location.searchParams.get('session'), id);
    assert.equal(location.searchParams.get('tenantId'), 'tenant & co');
    assert.equal(location.searchParams.get('error'), 'session_cancelled');
    const again = await page(id);
    assert.equal(again.status, 410);
    const text = await again.text();
    assert.ok(text.includes('<h1>This connection was cancelled.</h1>'));
    assert.ok(text.includes(`href="${location.href.replaceAll('&', '&amp;')}"`), 'links back to the app');
    const status = (await (await page(id, '/status')).json()) as { redirectTo?: string };
    assert.equal(status.redirectTo, location.href);
  });

  it('says an expired link has expired and what to do', async () => {
    const id = await newSession();
    clock.advance(3_600_001);
    try {
      const answer = await page(id);
      assert.equal(answer.status, 410);
      const text = await answer.text();
      assert.ok(text.includes('<h1>This link has expired.</h1>'));
      assert.ok(text.includes('start again to get a new link'));
      assert.ok(text.includes('error=session_expired'));
    } finally {
      clock.advance(-3_600_001);
    }
  });

  it('answers 404 with a page for an unknown session, and serves the assets', async () => {
    const missing = await page('no-such-session');
    assert.equal(missing.status, 404);
    assert.ok((await missing.text()).includes('<h1>We do not know this link.</h1>'));
    const css = await fetch(`${world.url}/connect/assets/styles.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const js = await fetch(`${world.url}/connect/assets/install.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.ok((await js.text()).includes('x-csrf-token'));
  });
});
