/**
 * The tenant's side of an install, done over plain HTTP the way a browser uses the pages: page 1's
 * form (with its anti-forgery field), the launch link to the (sandbox) console, the console's
 * quick-create form with the IAM acknowledgement, then the verify call and the status polling that
 * the page's script makes. Used by `skybridge demo` and the dev journey test.
 */
import { SkybridgeError } from '../core/index.js';
import { findForms, type HtmlForm, linkById } from './htmlForms.js';

export interface BrowserInstallOptions {
  /** The session's install link (`/connect/{id}`). */
  sessionUrl: string;
  accountId: string;
  region?: string;
  /** A progress line per step. */
  step?: (message: string) => void;
  /** Give up polling after this long (default 60 s). */
  timeoutMs?: number;
  pollMs?: number;
}

export interface BrowserInstallResult {
  status: string;
  installId?: string;
  redirectTo?: string;
  error?: { code: string; message: string };
  consoleUrl: string;
}

interface StatusAnswer {
  status: string;
  error?: { code: string; message: string };
  redirectTo?: string;
}

async function getPage(url: string): Promise<{ html: string; url: string; status: number }> {
  const response = await fetch(url, { headers: { accept: 'text/html' } });
  return { html: await response.text(), url: response.url || url, status: response.status };
}

async function submit(
  form: HtmlForm,
  values: Record<string, string>,
): Promise<{ html: string; url: string; status: number }> {
  const response = await fetch(form.action, {
    method: form.method,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ ...form.values, ...values }),
  });
  return { html: await response.text(), url: response.url || form.action, status: response.status };
}

function failure(code: string, message: string): SkybridgeError {
  return new SkybridgeError(code, message, { status: 502 });
}

export async function installLikeABrowser(options: BrowserInstallOptions): Promise<BrowserInstallResult> {
  const step = options.step ?? (() => {});
  const sessionUrl = options.sessionUrl;

  step(`Opening the install page ${sessionUrl}`);
  const page1 = await getPage(sessionUrl);
  const accountForm = findForms(page1.html, page1.url).find((f) => f.fields.includes('accountId'));
  if (page1.status !== 200 || !accountForm) {
    throw failure(
      'install_page_unexpected',
      `The install page answered ${page1.status} without the account form.`,
    );
  }
  if (!accountForm.values.csrf)
    throw failure('install_page_unexpected', 'The account form has no anti-forgery field.');

  const region = options.region ?? accountForm.values.region ?? 'us-east-1';
  step(`Submitting AWS account ${options.accountId} and region ${region}`);
  const page2 = await submit(accountForm, { accountId: options.accountId, region });
  const consoleUrl = linkById(page2.html, 'launch', page2.url);
  if (page2.status !== 200 || !consoleUrl) {
    throw failure(
      'install_page_unexpected',
      `The install page answered ${page2.status} without the launch link.`,
    );
  }
  const verifyForm = findForms(page2.html, page2.url).find((f) => f.action.endsWith('/verify'));
  const csrf = verifyForm?.values.csrf ?? accountForm.values.csrf;

  step('Following the launch link to the CloudFormation console (sandbox)');
  const consolePage = await getPage(consoleUrl);
  const stackForm = findForms(consolePage.html, consolePage.url).find((f) =>
    f.fields.includes('acknowledgeIam'),
  );
  if (consolePage.status !== 200 || !stackForm) {
    throw failure(
      'console_unexpected',
      `The console page answered ${consolePage.status} without the stack form.`,
    );
  }
  step(
    `Creating stack "${stackForm.values.stackName ?? ''}" in account ${options.accountId}, acknowledging IAM resources`,
  );
  const created = await submit(stackForm, { accountId: options.accountId, acknowledgeIam: 'on' });
  const alreadyThere = created.status === 409 && /already exists/i.test(created.html);
  if (alreadyThere) step('The stack already exists in this account (an earlier install): going on to verify');
  if (created.status !== 201 && created.status !== 200 && !alreadyThere) {
    const reason = /<p[^>]*role="alert"[^>]*>([\s\S]*?)<\/p>/i
      .exec(created.html)?.[1]
      ?.replace(/<[^>]*>/g, '')
      .trim();
    throw failure(
      'stack_not_created',
      `The console answered ${created.status}${reason ? `: ${reason}` : ''}.`,
    );
  }

  const base = sessionUrl.replace(/\/+$/, '');
  step('Back on the install page: verifying the role');
  const verify = await fetch(`${base}/verify`, {
    method: 'POST',
    headers: { accept: 'application/json', 'x-csrf-token': csrf },
  });
  if (!verify.ok) {
    const text = await verify.text();
    throw failure('verify_refused', `POST ${base}/verify answered ${verify.status}: ${text.slice(0, 300)}`);
  }

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = '';
  for (;;) {
    const answer = (await (
      await fetch(`${base}/status`, { headers: { accept: 'application/json' } })
    ).json()) as StatusAnswer;
    if (answer.status !== last) {
      if (last) step(`Status: ${answer.status}${answer.error ? ` (${answer.error.code})` : ''}`);
      last = answer.status;
    }
    const ended = !['pending', 'awaiting_stack', 'verifying'].includes(answer.status);
    // Back in awaiting_stack with an error: the verification gave up (e.g. the role never became usable).
    if (ended || (answer.status === 'awaiting_stack' && answer.error)) {
      const installId = answer.redirectTo
        ? (new URL(answer.redirectTo).searchParams.get('installId') ?? undefined)
        : undefined;
      return {
        status: answer.status,
        consoleUrl,
        ...(installId ? { installId } : {}),
        ...(answer.redirectTo ? { redirectTo: answer.redirectTo } : {}),
        ...(answer.error ? { error: answer.error } : {}),
      };
    }
    if (Date.now() > deadline) {
      throw failure(
        'verify_timeout',
        `The session was still ${answer.status} after ${options.timeoutMs ?? 60_000} ms.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
}
