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
<p class="lead">The app <strong>${options.integration}</strong> needs a role in account <strong class="mono">${accountId}</strong>. You create it with one AWS CloudFormation stack; it takes about a minute. <a href="${base}?change=account">Use another account or region</a></p>
<ol class="steps">
<li>
<p>Open the AWS console with this button and sign in to account <strong class="mono">${accountId}</strong>. It opens in a new tab.</p>
<p class="launch"><a class="button button-primary" id="launch" href="${options.consoleUrl}" target="_blank" rel="noopener">Open the AWS console</a></p>
</li>
<li><p>At the bottom of the AWS page, tick the box <span class="quote">“I acknowledge that AWS CloudFormation might create IAM resources with custom names.”</span></p></li>
<li><p>Click <strong>Create stack</strong> and wait until the stack’s status is <strong>CREATE_COMPLETE</strong>.</p></li>
<li><p>Come back to this page: we check by ourselves and take you back to the app.</p></li>
</ol>
<div class="status" id="status" role="status" aria-live="polite" data-tone="${statusText.tone}" data-status="${options.status}" data-status-url="${base}/status" data-verify-url="${base}/verify">
<p class="status-title" id="status-title">${statusText.title}</p>
<p class="status-detail" id="status-detail">${statusText.detail}</p>
<p class="status-link" id="status-link" hidden><a id="status-link-anchor" href="${base}">Return to the app now</a></p>
</div>
<noscript><p>This page updates by itself when scripts run. Without them, reload the page to see the latest status.</p></noscript>
<div class="actions">
<form method="post" action="${base}/verify" id="verify-form">
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit" class="button button-secondary" id="check-now"${busy ? html` disabled` : ''}>Check now</button>
</form>
<form method="post" action="${base}/cancel" id="cancel-form">
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit" class="button button-quiet">Cancel</button>
</form>
</div>
<h2>What the stack creates</h2>
<p>One IAM role that only the app’s AWS account can use, and only with the external ID below. You can read the template before you create the stack.</p>
<dl class="reference">
${reference.map(([label, value]) => (value ? html`<dt>${label}</dt><dd class="mono">${value}</dd>\n` : ''))}</dl>
<details>
<summary>Show the template</summary>
<pre><code>${options.templateBody}</code></pre>
</details>
<p><a href="${base}/template.yaml" download>Download the template (YAML)</a></p>`;
  return layout({ title: 'Create the role in your AWS account', basePath, main });
}
