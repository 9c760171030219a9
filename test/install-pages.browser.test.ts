import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { setupWorld, type World } from './support/journey.js';

// A tenant's whole install journey in a REAL headless Chromium: the install pages of a real server,
// the sandbox's console page, and a tiny local app as the redirect target.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Runs in the page: every element with its own text whose contrast against the nearest opaque
// background is under 4.5:1 (WCAG AA for normal text).
const CONTRAST_CHECK = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const e of document.querySelectorAll('body *')) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || e.offsetParent === null) continue;
    const a = lum(rgb(getComputedStyle(e).color));
    const b = lum(background(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(e.tagName + '.' + e.className + ' ' + ratio.toFixed(2));
  }
  return low;
})()`;

// A role trusting the app's account WITHOUT the external-id condition (as in test/api-refusals.test.ts).
const LOOSE_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: 'Loose role for ##EXTERNAL_ID##'
Resources:
  Role:
    Type: 'AWS::IAM::Role'
    Properties:
      RoleName: '##ROLE_NAME##'
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: 'arn:aws:iam::##BASE_ACCOUNT_ID##:root'
            Action: 'sts:AssumeRole'
`;

interface CspViolation {
  page: string;
  directive: string;
  blocked: string;
}

describe('install pages in a real browser', () => {
  let world: World;
  let browser: Browser;
  let context: BrowserContext;
  let app: Server;
  let appUrl: string;
  const appVisits: URL[] = [];
  const violations: CspViolation[] = [];
  const consoleProblems: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    world = await setupWorld();
    app = createServer((request, response) => {
      appVisits.push(new URL(request.url ?? '/', appUrl));
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>App</title><h1>Back in the app</h1>');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/skybridge/done`;
    const integration = await world.api('PUT', `/v1/integrations/${world.integration}`, {
      connectors: { [world.alias]: world.connectorName },
      redirectUrls: [world.redirectUrl, appUrl],
    });
    assert.equal(integration.status, 200, integration.text);

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    // Runs before any page script (and outside the page's CSP): record every CSP violation.
    await context.addInitScript({
      content: `window.__csp = [];
        document.addEventListener('securitypolicyviolation', (event) => {
          window.__csp.push({ directive: event.violatedDirective, blocked: event.blockedURI });
        });`,
    });
    context.on('page', (page) => watch(page));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await new Promise((resolve) => app?.close(resolve));
    await world?.close();
  });

  function watch(page: Page): void {
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }

  async function collectViolations(page: Page): Promise<void> {
    if (page.isClosed()) return;
    const found = (await page.evaluate('window.__csp ?? []').catch(() => [])) as {
      directive: string;
      blocked: string;
    }[];
    for (const v of found) violations.push({ page: page.url(), ...v });
  }

  it('walks a tenant from the link to the app: account, launch, console, back, verified, redirected', async () => {
    const created = await world.api('POST', `/v1/integrations/${world.integration}/sessions`, {
      tenantId: 'acme & co',
      redirectUrl: appUrl,
    });
    assert.equal(created.status, 201, created.text);
    const sessionId: string = created.body.id;
    const sessionUrl: string = created.body.url;

    const page = await context.newPage();
    await page.goto(sessionUrl);
    assert.equal(await page.locator('h1').textContent(), 'Connect your AWS account');
    // Keyboard users see where they are: the first Tab lands on the account id, with a visible outline.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(
      '(() => { const e = document.activeElement; const s = getComputedStyle(e); return [e.id, s.outlineStyle, s.outlineWidth]; })()',
    );
    assert.deepEqual(focused, ['accountId', 'solid', '3px']);
    // A wrong id, by keyboard only: the server words the error (no browser bubble), the page title says
    // Error, focus lands on the field, which is marked invalid and described by the error.
    await page.keyboard.type('12345abc901');
    await page.keyboard.press('Enter');
    await page.locator('#accountId-error').waitFor();
    assert.match(await page.title(), /^Error: /);
    const invalid = await page.evaluate(
      "(() => { const e = document.activeElement; return [e.id, e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby'), document.getElementById('accountId-error')?.textContent]; })()",
    );
    assert.deepEqual(invalid, [
      'accountId',
      'true',
      'accountId-hint accountId-error',
      'The AWS account id must be exactly 12 digits (leading zeros included).',
    ]);
    // Labels are tied to their fields: fill by label, as a person (or a screen reader) finds them.
    await page.getByLabel('AWS account id').fill(world.tenant.accountId);
    await page.getByLabel('AWS region').selectOption('eu-west-1');
    await page.screenshot({ path: '/tmp/skybridge-page1.png', fullPage: true });
    await collectViolations(page);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(sessionUrl);
    await page.locator('#launch').waitFor();
    assert.equal(await page.locator('h1').textContent(), 'Create the role in your AWS account');
    assert.equal(await page.locator('#status-title').textContent(), 'Waiting for your stack.');
    await page.screenshot({ path: '/tmp/skybridge-page2.png', fullPage: true });

    // Checking before the stack exists: the page says what to check, and the tenant can retry.
    // Position in the document (boundingBox is relative to the viewport, which scrolls on click).
    const checkNowTop = "document.getElementById('check-now').getBoundingClientRect().top + window.scrollY";
    const before = await page.evaluate(checkNowTop);
    // By keyboard: focus stays on Check now while it is busy (aria-disabled, not disabled).
    await page.locator('#check-now').focus();
    await page.keyboard.press('Enter');
    await page.locator('#status[data-status="verifying"]').waitFor({ timeout: 5_000 });
    assert.equal(await page.evaluate('document.activeElement.id'), 'check-now');
    await page
      .locator('#status-title', { hasText: 'We could not use the role yet.' })
      .waitFor({ timeout: 15_000 });
    const advice = await page.locator('#status-detail').textContent();
    assert.match(
      advice ?? '',
      new RegExp(`CREATE_COMPLETE in account ${world.tenant.accountId}, in the eu-west-1 region`),
    );
    assert.equal(await page.locator('#check-now').isEnabled(), true, 'Check now can be pressed again');
    await page.screenshot({ path: '/tmp/skybridge-page2-retry.png', fullPage: true });
    assert.equal(await page.evaluate(checkNowTop), before, 'the status update does not move the page');

    const lowContrast = await page.evaluate(CONTRAST_CHECK);
    assert.deepEqual(lowContrast, [], 'text contrast is at least 4.5:1');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await page.evaluate(CONTRAST_CHECK), [], 'and in dark mode too');
    await page.emulateMedia({ colorScheme: 'light' });
    // The narrowest phones: nothing scrolls sideways at 360 px.
    await page.setViewportSize({ width: 360, height: 800 });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 360);
    await page.setViewportSize({ width: 390, height: 844 });

    const launchUrl = new URL((await page.locator('#launch').getAttribute('href')) ?? '');
    assert.equal(
      `${launchUrl.origin}${launchUrl.pathname}`,
      `${world.sandbox.url}/_sandbox/console/cloudformation`,
    );
    assert.equal(launchUrl.searchParams.get('region'), 'eu-west-1');
    assert.equal(launchUrl.searchParams.get('stackName'), 'skybridge-connector');

    const [consolePage] = await Promise.all([context.waitForEvent('page'), page.locator('#launch').click()]);
    await consolePage.waitForLoadState('domcontentloaded');
    assert.equal(consolePage.url(), launchUrl.href);
    await consolePage.locator('#accountId').selectOption(world.tenant.accountId);
    await consolePage.locator('#acknowledgeIam').check();
    await consolePage.locator('#create-stack').click();
    await consolePage.getByText('CREATE_COMPLETE').first().waitFor();
    await collectViolations(page);

    // Back to the install tab: focus alone starts the verification; then the page takes the tenant home.
    await page.bringToFront();
    await page.waitForTimeout(300);
    // Headless Chromium keeps every tab visible and focused, so switching tabs fires no event there:
    // after bringing the tab to front, deliver the focus event a desktop browser fires at this point.
    assert.equal(
      await page.locator('#status').getAttribute('data-status'),
      'awaiting_stack',
      'nothing verifies unasked',
    );
    await page.evaluate("window.dispatchEvent(new FocusEvent('focus'))");
    await page.waitForURL((url) => url.href.startsWith(appUrl), { timeout: 20_000 });
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('session'), sessionId);
    assert.equal(landed.searchParams.get('tenantId'), 'acme & co');
    const installId = landed.searchParams.get('installId');
    assert.ok(installId?.startsWith('inst_'), `installId in ${landed.href}`);
    assert.equal(landed.searchParams.get('error'), null);
    assert.ok(appVisits.some((visit) => visit.searchParams.get('installId') === installId));

    const install = await world.api('GET', `/v1/installs/${installId}`);
    assert.equal(install.status, 200, install.text);
    assert.equal(install.body.tenantId, 'acme & co');
    assert.equal(install.body.identities[0].accountId, world.tenant.accountId);
    assert.equal(install.body.identities[0].region, 'eu-west-1');
    const session = await world.api('GET', `/v1/sessions/${sessionId}`);
    assert.equal(session.body.status, 'completed');

    // The install the browser made works like a headless one (test/api-journey.test.ts): the role
    // in the tenant's account answers a live check, and its credentials see the tenant's buckets.
    const identity = install.body.identities[0];
    assert.equal(identity.roleArn, `arn:aws:iam::${world.tenant.accountId}:role/skybridge-connector-role`);
    const health = await world.api('GET', `/v1/installs/${installId}/health`);
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.healthy, true, health.text);
    const checked = await world.server.store.audit.list({ action: 'identity.health_checked', limit: 1 });
    assert.equal(checked[0]?.target, installId, 'a live check of this install');
    const tenantS3 = world.tenantS3();
    const buckets = ['acme-co-invoices', 'acme-co-logs'];
    for (const Bucket of buckets) await tenantS3.send(new CreateBucketCommand({ Bucket }));
    tenantS3.destroy();
    const credentials = await world.api(
      'POST',
      `/v1/integrations/${world.integration}/tenants/${encodeURIComponent('acme & co')}/credentials`,
    );
    assert.equal(credentials.status, 200, credentials.text);
    assert.equal(credentials.body.region, 'eu-west-1');
    const [issued] = await world.server.store.audit.list({ action: 'credentials.issued', limit: 1 });
    assert.equal(issued?.target, installId);
    assert.match(issued?.actor ?? '', /^api-key:/);
    assert.equal(issued?.details?.requestId, credentials.headers.get('x-request-id'));
    const aws = {
      region: credentials.body.region,
      endpoint: world.sandbox.url,
      credentials: {
        accessKeyId: credentials.body.accessKeyId,
        secretAccessKey: credentials.body.secretAccessKey,
        sessionToken: credentials.body.sessionToken,
      },
    };
    const asTenant = new S3Client({ ...aws, forcePathStyle: true });
    const sts = new STSClient(aws);
    try {
      const listed = await asTenant.send(new ListBucketsCommand({}));
      assert.deepEqual(listed.Buckets?.map((b) => b.Name).sort(), buckets);
      const caller = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(caller.Account, world.tenant.accountId);
      assert.match(
        caller.Arn ?? '',
        new RegExp(`^arn:aws:sts::${world.tenant.accountId}:assumed-role/skybridge-connector-role/`),
        'the credentials are those of the installed role',
      );
    } finally {
      asTenant.destroy();
      sts.destroy();
    }

    for (const open of context.pages()) await collectViolations(open);
    assert.deepEqual(violations, [], 'no CSP violations');
    assert.deepEqual(consoleProblems, [], 'no CSP complaints in the console');
    assert.deepEqual(pageErrors, [], 'no script errors');
  });

  it('checks by itself every 20 s once the console was opened, with no focus event (windows side by side)', async () => {
    const { accountId } = await world.sandboxAdmin.createAccount(undefined, 'tenant initech');
    const created = await world.api('POST', `/v1/integrations/${world.integration}/sessions`, {
      tenantId: 'initech',
      redirectUrl: appUrl,
    });
    assert.equal(created.status, 201, created.text);
    const page = await context.newPage();
    await page.goto(created.body.url);
    await page.getByLabel('AWS account id').fill(accountId);
    await page.getByRole('button', { name: 'Continue' }).click();
    const [consolePage] = await Promise.all([context.waitForEvent('page'), page.locator('#launch').click()]);
    await consolePage.waitForLoadState('domcontentloaded');
    // The tenant is slow: the first check the page makes on its own finds no role. That is expected
    // news while they are still in the console, said calmly, not a problem to fix.
    await page
      .locator('#status-title')
      .filter({ hasText: 'Still waiting for your stack.' })
      .waitFor({ timeout: 40_000 });
    assert.equal(await page.locator('#status').getAttribute('data-tone'), 'idle');
    assert.match((await page.locator('#status-detail').textContent()) ?? '', /We look again in a moment/);
    await consolePage.locator('#accountId').selectOption(accountId);
    await consolePage.locator('#acknowledgeIam').check();
    await consolePage.locator('#create-stack').click();
    await consolePage.getByText('CREATE_COMPLETE').first().waitFor();
    // No bringToFront, no focus event: the console stays in front, as in a second window.
    const started = Date.now();
    await page.waitForURL((url) => url.href.startsWith(appUrl), { timeout: 45_000 });
    assert.ok(Date.now() - started < 40_000, `verified after ${Date.now() - started} ms`);
    assert.ok(new URL(page.url()).searchParams.get('installId')?.startsWith('inst_'));
    await collectViolations(page);
    await consolePage.close();
    await page.close();
  });

  it('cancels from page 2 and lands on the app with error, through the form (CSP form-action allows it)', async () => {
    const created = await world.api('POST', `/v1/integrations/${world.integration}/sessions`, {
      tenantId: 'globex',
      redirectUrl: appUrl,
    });
    const sessionId: string = created.body.id;
    const page = await context.newPage();
    await page.goto(created.body.url);
    await page.getByLabel('AWS account id').fill('012345678901');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#launch').waitFor();
    // Check now before any stack: a plain "could not use the role" problem. Opening the console makes
    // it old news at once: the tenant is on their way to create the stack.
    await page.locator('#check-now').click();
    await page.locator('#status-title').filter({ hasText: 'We could not use the role yet.' }).waitFor();
    assert.equal(await page.locator('#status').getAttribute('data-tone'), 'problem');
    const [consolePage] = await Promise.all([context.waitForEvent('page'), page.locator('#launch').click()]);
    assert.equal(await page.locator('#status-title').textContent(), 'Still waiting for your stack.');
    assert.equal(await page.locator('#status').getAttribute('data-tone'), 'idle');
    await consolePage.close();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.href.startsWith(appUrl));
    // Coming back to the link afterwards: the page says what happened and what to do.
    await page.goto(created.body.url);
    assert.equal(await page.locator('h1').textContent(), 'This connection was cancelled.');
    await page.screenshot({ path: '/tmp/skybridge-cancelled.png', fullPage: true });
    await page.getByRole('link', { name: 'Return to the app' }).click();
    await page.waitForURL((url) => url.href.startsWith(appUrl));
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('session'), sessionId);
    assert.equal(landed.searchParams.get('error'), 'session_cancelled');
    await collectViolations(page);
    assert.deepEqual(violations, []);
    assert.deepEqual(consoleProblems, []);
  });
  it('shows a failed check with the fix (which stack to delete), then returns to the app with the error unless the tenant stays', async () => {
    const { otpSecret: _otp, mfaSerial: _serial, ...iam } = world.connectorConfig.iam;
    const put = await world.api('PUT', '/v1/connectors/aws-loose', {
      ...world.connectorConfig,
      iam,
      roleName: 'skybridge-loose-role',
      stackName: 'skybridge-loose',
      template: LOOSE_TEMPLATE,
    });
    assert.equal(put.status, 200, put.text);
    await world.api('PUT', '/v1/integrations/loose', {
      connectors: { awsConnector: 'aws-loose' },
      redirectUrls: [appUrl],
    });
    const created = await world.api('POST', '/v1/integrations/loose/sessions', {
      tenantId: 'initech',
      redirectUrl: appUrl,
    });
    assert.equal(created.status, 201, created.text);
    const page = await context.newPage();
    await page.goto(created.body.url);
    await page.getByLabel('AWS account id').fill(world.tenant.accountId);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#launch').waitFor();
    const started = await world.api('GET', `/v1/sessions/${created.body.id}`);
    const stack = await world.createStack(started.body.templateUrl, { stackName: 'skybridge-loose' });
    assert.equal(stack.status, 201, JSON.stringify(stack.body));
    await page.locator('#check-now').focus();
    await page.keyboard.press('Enter');
    await page.locator('#status[data-status="failed"]').waitFor({ timeout: 15_000 });
    const fix = `To fix it: Delete the stack skybridge-loose in account ${world.tenant.accountId}, in the us-east-1 region`;
    assert.match((await page.locator('#status-detail').textContent()) ?? '', new RegExp(fix));
    // Focus was on Check now, which went away with the session: it moves to the way back.
    assert.equal(await page.evaluate('document.activeElement.id'), 'status-link-anchor');
    assert.equal(await page.locator('#steps').isVisible(), false, 'the steps of an ended session are gone');
    await page.screenshot({ path: '/tmp/skybridge-failed.png', fullPage: true });
    // The contract sends the browser back to the app, but only after a countdown the tenant can stop.
    const countdown = page.locator('#status-countdown-text');
    assert.match((await countdown.textContent()) ?? '', /Taking you back to the app in (60|59) s\./);
    await page.waitForTimeout(1_200);
    assert.match((await countdown.textContent()) ?? '', /in 5[0-9] s\./, 'the countdown moves');
    await page.getByRole('button', { name: 'Stay on this page' }).click();
    assert.equal(await page.locator('#status-countdown').isVisible(), false);
    assert.equal(await page.evaluate('document.activeElement.id'), 'status-link-anchor');
    await page.waitForTimeout(1_200);
    assert.ok(page.url().startsWith(world.url), `stayed: ${page.url()}`);
    await page.getByRole('link', { name: 'Return to the app' }).click();
    await page.waitForURL((url) => url.href.startsWith(appUrl));
    assert.equal(new URL(page.url()).searchParams.get('error'), 'external_id_not_enforced');
    // Opening the link again after the session ended goes straight back to the app, with the error.
    await page.goto(created.body.url);
    await page.waitForURL((url) => url.href.startsWith(appUrl));
    assert.equal(new URL(page.url()).searchParams.get('error'), 'external_id_not_enforced');
    await collectViolations(page);
    assert.deepEqual(violations, []);
    assert.deepEqual(pageErrors, []);
  });
});
