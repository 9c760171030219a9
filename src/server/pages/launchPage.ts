import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import type { StatusText } from './statusText.js';

export interface LaunchPageOptions {
  basePath: string;
  sessionId: string;
  integration: string;
  tenantId: string;
  csrfToken: string;
  status: string;
  statusText: StatusText;
  accountId: string;
  region: string;
  consoleUrl: string;
  templateBody: string;
  /** Shown for reference when the flow exposes them. */
  roleName?: string | undefined;
  externalId?: string | undefined;
  stackName?: string | undefined;
}

/** An account id as the AWS console's account menu shows it: 0123-4567-8901. */
function dashed(accountId: string): string {
  return /^\d{12}$/.test(accountId) ? accountId.replace(/^(\d{4})(\d{4})(\d{4})$/, '$1-$2-$3') : accountId;
}

/** Page 2: the launch button, the steps in plain words, the template, and the live status. */
export function launchPage(options: LaunchPageOptions): SafeHtml {
  const { basePath, sessionId, csrfToken, statusText, accountId, region } = options;
  const base = `${basePath}/connect/${encodeURIComponent(sessionId)}`;
  const busy = options.status === 'verifying';
  const reference: [string, string | undefined][] = [
    ['Connecting for', options.tenantId],
    ['Account', accountId],
    ['Region', region],
    ['Stack name', options.stackName],
    ['Role name', options.roleName],
    ['External ID', options.externalId],
  ];
  const main = html`<h1>Create the role in your AWS account</h1>
<p class="lead">The app <strong>${options.integration}</strong> needs a role in account <strong class="mono">${accountId}</strong>. You create it with one AWS CloudFormation stack; it takes about a minute. <a href="${base}?change=account" id="change-account">Use another account or region</a></p>
<ol class="steps" id="steps">
<li>
<p>Open the AWS console with this button and sign in to account <strong class="mono">${accountId}</strong> (the console shows it as <span class="mono">${dashed(accountId)}</span> in the account menu at the top right). If you are already signed in to another account, switch to this one first. The page opens in the <strong>${region}</strong> region: keep that region.</p>
<p class="launch"><a class="button button-primary" id="launch" href="${options.consoleUrl}" target="_blank" rel="noopener">Open the AWS console<span class="visually-hidden"> (opens in a new tab)</span></a></p>
</li>
<li><p>At the bottom of the AWS page, tick the box <span class="quote">“I acknowledge that AWS CloudFormation might create IAM resources with custom names.”</span> It is needed because the stack creates a role with a fixed name.</p></li>
<li><p>Click <strong>Create stack</strong> and wait until the stack’s status is <strong>CREATE_COMPLETE</strong>.</p></li>
<li><p>Come back to this page: it checks automatically and takes you back to the app.</p></li>
</ol>
<div class="status" id="status" role="status" aria-live="polite" data-tone="${statusText.tone}" data-status="${options.status}" data-status-url="${base}/status" data-verify-url="${base}/verify">
<p class="status-title" id="status-title">${statusText.title}</p>
<p class="status-detail" id="status-detail">${statusText.detail}</p>
<p class="status-link" id="status-link" hidden><a class="button button-primary" id="status-link-anchor" href="${base}">Return to the app</a></p>
</div>
<p class="status-countdown" id="status-countdown" aria-live="off" hidden><span id="status-countdown-text"></span> <button type="button" class="button button-secondary" id="status-stay">Stay on this page</button></p>
<noscript><p>This page updates by itself when scripts run. Without them, once the stack is created, press <strong>Check now</strong> below, then reload the page after a few seconds to see the result.</p></noscript>
<div class="actions" id="session-actions">
<form method="post" action="${base}/verify" id="verify-form">
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit" class="button button-secondary" id="check-now"${busy ? html` aria-disabled="true"` : ''}>Check now</button>
</form>
<form method="post" action="${base}/cancel" id="cancel-form">
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit" class="button button-quiet">Cancel connection</button>
</form>
</div>
<h2>What the app can do in your account</h2>
<p>The stack creates one IAM role${options.roleName ? html` named <span class="mono">${options.roleName}</span>` : ''}, and nothing else. Only the app’s own AWS account can use it, and only with the external ID below, which is unique to you (it stays the same if you reconnect). The role can do exactly what its policies in the template allow, no more: read the template before you create the stack.</p>
<h2>How to remove the app’s access</h2>
<p>Delete the stack <span class="mono">${options.stackName ?? 'you created'}</span> in AWS CloudFormation (account <span class="mono">${accountId}</span>, ${region} region). The role goes with it, and the app can no longer use your account.</p>
<dl class="reference">
${reference.map(([label, value]) => (value ? html`<dt>${label}</dt><dd class="mono">${value}</dd>\n` : ''))}</dl>
<details>
<summary>Show the template</summary>
<pre><code>${options.templateBody}</code></pre>
</details>
<p><a href="${base}/template.yaml" download>Download the template (YAML)</a></p>`;
  return layout({ title: 'Create the role in your AWS account', basePath, main });
}
