/**
 * The quick-create page, like AWS's `#/stacks/quickcreate`: the stack name, the template URL and
 * text, its parameters, the account to create it in (the tenant "signing in"), the region and the
 * IAM acknowledgement, posting to /_sandbox/console/cloudformation/stacks.
 */
import type { Template } from '../cloudformation/index.js';
import { escapeHtml, renderPage } from './pageLayout.js';

export const STACKS_PATH = '/_sandbox/console/cloudformation/stacks';

export interface QuickCreateView {
  templateURL: string;
  stackName: string;
  region: string;
  accounts: { id: string; name?: string }[];
  /** From the link or the last attempt; otherwise, with several accounts, none is preselected. */
  selectedAccountId?: string;
  /** The template text, when an anonymous reader could fetch it. */
  templateText?: string;
  /** The parsed template, for its parameters. */
  template?: Template;
  /** Why the template could not be read or parsed. */
  templateError?: string;
  /** Values for `param_<Name>` fields. */
  parameterValues: Record<string, string>;
  acknowledged: boolean;
  /** A refusal from the last attempt to create the stack. */
  error?: { code: string; message: string };
}

export function renderQuickCreatePage(view: QuickCreateView): string {
  const error = view.error
    ? `<div class="error" role="alert" data-error-code="${escapeHtml(view.error.code)}"><strong>${escapeHtml(view.error.code)}</strong>: ${escapeHtml(view.error.message)}${nextStep(view.error.code)}</div>`
    : '';
  // On AWS the tenant is signed in to one account. Here several exist (the developer's and the
  // tenants'): preselecting the first one put stacks in the wrong account, so people choose.
  const choose =
    view.accounts.length > 1 && !view.accounts.some((account) => account.id === view.selectedAccountId)
      ? '<option value="" selected>Choose the account (the one typed on the install page)</option>'
      : '';
  const accounts =
    view.accounts.length === 0
      ? '<option value="">(no sandbox accounts: create one with POST /_sandbox/accounts)</option>'
      : choose +
        view.accounts
          .map(
            ({ id, name }) =>
              `<option value="${escapeHtml(id)}"${id === view.selectedAccountId ? ' selected' : ''}>${escapeHtml(id)}${name ? ` (${escapeHtml(name)})` : ''}</option>`,
          )
          .join('');
  const template = view.templateError
    ? `<div class="error" role="alert" id="template-error">The template could not be read: ${escapeHtml(view.templateError)}</div>`
    : `<pre id="template-body">${escapeHtml(view.templateText ?? '')}</pre>`;
  return renderPage(
    'Quick create stack',
    `<h1>Quick create stack</h1>
${error}
<form method="post" action="${STACKS_PATH}">
<section>
<h2>Template</h2>
<label for="templateURL">Template URL</label>
<input type="text" id="templateURL" name="templateURL" value="${escapeHtml(view.templateURL)}" readonly>
${template}
</section>
<section>
<h2>Stack details</h2>
<label for="stackName">Stack name</label>
<input type="text" id="stackName" name="stackName" value="${escapeHtml(view.stackName)}" required maxlength="128" pattern="[a-zA-Z][-a-zA-Z0-9]*">
<p class="hint">Letters, digits and hyphens; it must start with a letter.</p>
${parametersSection(view)}
</section>
<section>
<h2>Where</h2>
<label for="accountId">Account (you are signed in to)</label>
<select id="accountId" name="accountId" required>${accounts}</select>
<label for="region">Region</label>
<input type="text" id="region" name="region" value="${escapeHtml(view.region)}" required>
</section>
<section>
<h2>Capabilities</h2>
<label class="check"><input type="checkbox" id="acknowledgeIam" name="acknowledgeIam" value="true"${view.acknowledged ? ' checked' : ''}${view.error?.code === 'InsufficientCapabilitiesException' ? ' aria-invalid="true"' : ''}>
<span>I acknowledge that AWS CloudFormation might create IAM resources with custom names.</span></label>
</section>
<button type="submit" id="create-stack">Create stack</button>
</form>`,
  );
}

function parametersSection(view: QuickCreateView): string {
  const parameters = Object.entries(view.template?.parameters ?? {});
  if (parameters.length === 0) return '';
  const fields = parameters
    .map(([name, declaration]) => {
      const value =
        view.parameterValues[name] ?? (declaration.Default === undefined ? '' : String(declaration.Default));
      const description = declaration.Description
        ? `<p class="hint">${escapeHtml(declaration.Description)}</p>`
        : '';
      return `<label for="param_${escapeHtml(name)}">${escapeHtml(name)}</label>
<input type="text" id="param_${escapeHtml(name)}" name="param_${escapeHtml(name)}" value="${escapeHtml(value)}">${description}`;
    })
    .join('\n');
  return `<h2 class="section-gap">Parameters</h2>\n${fields}`;
}

/** AWS's words stay (they are what the real console says); a plain next step follows the ones people hit. */
function nextStep(code: string): string {
  const steps: Record<string, string> = {
    InsufficientCapabilitiesException:
      'Tick the box “I acknowledge that AWS CloudFormation might create IAM resources with custom names” under Capabilities, then click Create stack again.',
    AlreadyExistsException:
      'A stack with this name already exists in this account and region: the role may already be there. Go back to the install page and click Check now.',
  };
  const step = steps[code];
  return step ? `<p class="next">${escapeHtml(step)}</p>` : '';
}
