import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface AccountPageOptions {
  basePath: string;
  sessionId: string;
  integration: string;
  tenantId: string;
  csrfToken: string;
  regions: readonly string[];
  /** The value to select: what the tenant sent, else the session's, else the connector's default. */
  region: string;
  accountId?: string | undefined;
  /** A refusal to show, tied to the field it concerns. */
  error?: { field?: string | undefined; message: string } | undefined;
}

/** Page 1: which AWS account and region. */
export function accountPage(options: AccountPageOptions): SafeHtml {
  const { basePath, sessionId, csrfToken, regions, region, accountId, error } = options;
  const action = `${basePath}/connect/${encodeURIComponent(sessionId)}`;
  const accountError = error?.field === 'accountId' ? error.message : undefined;
  const regionError = error?.field === 'region' ? error.message : undefined;
  const otherError = error && !accountError && !regionError ? error.message : undefined;
  const main = html`<h1>Connect your AWS account</h1>
<p class="lead">The app <strong>${options.integration}</strong> asks to work in your AWS account. You stay in control: on the next page you create one IAM role yourself with an AWS CloudFormation stack, you can read exactly what it allows before you create it, and you remove the app’s access at any time by deleting the stack. First, tell us which account.</p>
<p class="hint">Connecting for: <span class="mono">${options.tenantId}</span></p>
${
  otherError
    ? html`<div class="alert" role="alert"><p class="alert-title">We could not continue.</p><p>${otherError}</p></div>`
    : ''
}
<form method="post" action="${action}" class="account-form" novalidate>
<input type="hidden" name="csrf" value="${csrfToken}">
<div class="field">
<label for="accountId">AWS account id</label>
<span class="hint" id="accountId-hint">12 digits, leading zeros included (dashes are fine: 0123-4567-8901). To find it, sign in to the AWS console and open the menu with your account name at the top right: copy the number shown as Account ID.</span>
<input type="text" id="accountId" name="accountId" inputmode="numeric" pattern="\\d{12}" maxlength="20" autocomplete="off" spellcheck="false" required aria-describedby="${accountError ? 'accountId-hint accountId-error' : 'accountId-hint'}"${accountError ? html` aria-invalid="true" autofocus` : ''} value="${accountId ?? ''}">
${accountError ? html`<p class="field-error" id="accountId-error">${accountError}</p>` : ''}
</div>
<div class="field">
<label for="region">AWS region</label>
<span class="hint" id="region-hint">Where the stack is created. The role works in every region, so keep the suggested one unless your company asks for another.</span>
<select id="region" name="region" aria-describedby="${regionError ? 'region-hint region-error' : 'region-hint'}"${regionError ? html` aria-invalid="true"` : ''}>
${regions.map((name) => html`<option value="${name}"${name === region ? html` selected` : ''}>${name}</option>\n`)}</select>
${regionError ? html`<p class="field-error" id="region-error">${regionError}</p>` : ''}
</div>
<div class="actions">
<button type="submit" class="button button-primary">Continue</button>
</div>
</form>`;
  // "Error:" first in the title: a screen reader announces it as the page loads again.
  const title = error ? 'Error: Connect your AWS account' : 'Connect your AWS account';
  return layout({ title, basePath, main });
}
