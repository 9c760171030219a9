import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountPage } from './accountPage.js';
import { launchPage } from './launchPage.js';
import { describeStatus } from './statusText.js';

const hostile = '<script>alert(1)</script>';

function launch(templateBody: string) {
  return launchPage({
    basePath: '',
    sessionId: 'sess_1',
    integration: 'demo',
    tenantId: hostile,
    csrfToken: 'tok"en',
    status: 'awaiting_stack',
    statusText: describeStatus({ status: 'awaiting_stack' }),
    accountId: '012345678901',
    region: 'eu-west-1',
    consoleUrl:
      'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/quickcreate?templateURL=https%3A%2F%2Fb.s3.amazonaws.com%2Ft.yaml&stackName=s',
    templateBody,
    roleName: 'skybridge-connector-role',
    externalId: 'ext-123',
    stackName: 'skybridge-connector',
  }).toString();
}

describe('install page views', () => {
  it('renders a hostile tenant id as text on both pages', () => {
    const first = accountPage({
      basePath: '',
      sessionId: 'sess_1',
      integration: 'demo',
      tenantId: hostile,
      csrfToken: 't',
      regions: ['us-east-1', 'eu-west-1'],
      region: 'eu-west-1',
    }).toString();
    const second = launch('Resources: {}');
    for (const page of [first, second]) {
      assert.ok(!page.includes(hostile));
      assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    }
  });

  it('shows a template containing </code> escaped inside <pre><code>', () => {
    const body = 'Description: "</code></pre><script>alert(1)</script>"\nResources: {}';
    const page = launch(body);
    const start = page.indexOf('<pre><code>');
    const end = page.indexOf('</code></pre>', start);
    assert.ok(start > 0 && end > start);
    assert.equal(
      page.slice(start + '<pre><code>'.length, end),
      'Description: &quot;&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\nResources: {}',
    );
    assert.equal(page.split('</code></pre>').length, 2);
  });

  it('keeps the launch link whole, opening a new tab without an opener', () => {
    const page = launch('x');
    assert.match(
      page,
      /<a class="button button-primary" id="launch" href="https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudformation\/home\?region=eu-west-1#\/stacks\/quickcreate\?templateURL=https%3A%2F%2Fb\.s3\.amazonaws\.com%2Ft\.yaml&amp;stackName=s" target="_blank" rel="noopener">/,
    );
  });

  it('puts the anti-forgery token, escaped, in every form', () => {
    const page = launch('x');
    const forms = page.match(/<form\b[\s\S]*?<\/form>/g) ?? [];
    assert.equal(forms.length, 2);
    for (const form of forms)
      assert.ok(form.includes('<input type="hidden" name="csrf" value="tok&quot;en">'));
  });

  it('ties labels, hints and errors to the fields of page 1 and keeps the values', () => {
    const page = accountPage({
      basePath: '/base',
      sessionId: 's',
      integration: 'demo',
      tenantId: 't',
      csrfToken: 'c',
      regions: ['us-east-1', 'eu-west-1'],
      region: 'eu-west-1',
      accountId: '12345',
      error: { field: 'accountId', message: 'The AWS account id must be exactly 12 digits.' },
    }).toString();
    assert.ok(page.includes('<html lang="en">'));
    assert.equal(page.match(/<h1>/g)?.length, 1);
    assert.ok(page.includes('<label for="accountId">'));
    assert.ok(page.includes('<label for="region">'));
    assert.match(
      page,
      /<input type="text" id="accountId" name="accountId" inputmode="numeric" pattern="\\d\{12\}"/,
    );
    assert.match(
      page,
      /aria-describedby="accountId-hint accountId-error" aria-invalid="true" autofocus value="12345"/,
    );
    assert.ok(
      page.includes(
        '<p class="field-error" id="accountId-error">The AWS account id must be exactly 12 digits.</p>',
      ),
    );
    assert.ok(page.includes('<option value="eu-west-1" selected>eu-west-1</option>'));
    assert.ok(page.includes('<form method="post" action="/base/connect/s"'));
    assert.ok(page.includes('href="/base/connect/assets/styles.css"'));
    assert.ok(!/<script>|style=/.test(page), 'no inline script or style');
  });

  it('words each failure with what to do', () => {
    const facts = { accountId: '012345678901', region: 'eu-west-1', roleName: 'r' };
    const notYet = describeStatus({
      ...facts,
      status: 'awaiting_stack',
      error: { code: 'role_not_assumable', message: 'x' },
    });
    assert.equal(notYet.title, 'We could not use the role yet.');
    assert.match(
      notYet.detail,
      /CREATE_COMPLETE in account 012345678901, in the eu-west-1 region, and that it created the role r\./,
    );
    const insecure = describeStatus({
      ...facts,
      status: 'failed',
      error: { code: 'external_id_not_enforced', message: 'x' },
    });
    assert.match(insecure.detail, /Delete the stack/);
    const wrong = describeStatus({
      ...facts,
      status: 'failed',
      error: { code: 'account_mismatch', message: 'x' },
    });
    assert.match(wrong.title, /not in account 012345678901/);
    assert.equal(describeStatus({ status: 'expired' }).title, 'This link has expired.');
    assert.equal(describeStatus({ status: 'cancelled' }).title, 'This connection was cancelled.');
  });
  it('tells the tenant which account to sign in to, the region to keep, and how to remove access', () => {
    const page = launch('x');
    assert.match(
      page,
      /sign in to account <strong class="mono">012345678901<\/strong> \(the console shows it as <span class="mono">0123-4567-8901<\/span>/,
    );
    assert.match(page, /opens in the <strong>eu-west-1<\/strong> region: keep that region/);
    assert.match(
      page,
      /Open the AWS console<span class="visually-hidden"> \(opens in a new tab\)<\/span><\/a>/,
    );
    assert.match(
      page,
      /<h2>How to remove the app’s access<\/h2>\s*<p>Delete the stack <span class="mono">skybridge-connector<\/span>/,
    );
    assert.match(
      page,
      /one IAM role named <span class="mono">skybridge-connector-role<\/span>, and nothing else/,
    );
  });

  it('marks Check now busy with aria-disabled while verifying, so a keyboard user keeps focus on it', () => {
    const page = launchPage({
      basePath: '',
      sessionId: 's',
      integration: 'demo',
      tenantId: 't',
      csrfToken: 'c',
      status: 'verifying',
      statusText: describeStatus({ status: 'verifying' }),
      accountId: '012345678901',
      region: 'eu-west-1',
      consoleUrl: 'https://console.example/',
      templateBody: 'x',
    }).toString();
    assert.match(page, /id="check-now" aria-disabled="true">Check now<\/button>/);
    assert.ok(!/id="check-now"[^>]* disabled/.test(page));
  });

  it('lets the server word page 1 errors (novalidate) and says Error first in the title', () => {
    const options = {
      basePath: '',
      sessionId: 's',
      integration: 'demo',
      tenantId: 't',
      csrfToken: 'c',
      regions: ['us-east-1'],
      region: 'us-east-1',
    };
    const clean = accountPage(options).toString();
    assert.match(clean, /<form method="post" action="\/connect\/s" class="account-form" novalidate>/);
    assert.match(clean, /<title>Connect your AWS account · Skybridge<\/title>/);
    const refused = accountPage({
      ...options,
      error: { field: 'accountId', message: 'The AWS account id must be exactly 12 digits.' },
    }).toString();
    assert.match(refused, /<title>Error: Connect your AWS account · Skybridge<\/title>/);
  });

  it('names the fix for a role that does not enforce the external id: which stack, account and region', () => {
    const text = describeStatus({
      status: 'failed',
      accountId: '012345678901',
      region: 'eu-west-1',
      stackName: 'skybridge-connector',
      error: { code: 'external_id_not_enforced', message: 'x' },
    });
    assert.equal(text.title, 'The role does not require the external ID, so we did not connect it.');
    assert.match(
      text.detail,
      /To fix it: Delete the stack skybridge-connector in account 012345678901, in the eu-west-1 region, then return to the app for a new link/,
    );
  });
});
