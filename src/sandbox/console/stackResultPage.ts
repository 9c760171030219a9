/** The page after "Create stack": the stack's name, status (in `data-stack-status`), reason and outputs. */
import type { Stack } from '../model.js';
import { escapeHtml, renderPage } from './pageLayout.js';

export function renderStackResultPage(stack: Stack): string {
  const complete = stack.status === 'CREATE_COMPLETE';
  const outputs =
    stack.outputs.length === 0
      ? '<p>No outputs.</p>'
      : `<table><thead><tr><th>Key</th><th>Value</th><th>Description</th></tr></thead><tbody>${stack.outputs
          .map(
            (output) =>
              `<tr data-output-key="${escapeHtml(output.key)}"><td>${escapeHtml(output.key)}</td>` +
              `<td class="output-value">${escapeHtml(output.value)}</td><td>${escapeHtml(output.description ?? '')}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const reason = stack.statusReason
    ? `<div class="error" role="alert" id="status-reason">${escapeHtml(stack.statusReason)}<p class="next">${
        stack.status === 'ROLLBACK_COMPLETE' || stack.status === 'DELETE_COMPLETE'
          ? 'The stack was rolled back: nothing it created is left in the account. Fix the cause above (for example, delete the stack that already created this role), then open the link from the install page again.'
          : 'Fix the cause above, delete this stack, then open the link from the install page again.'
      }</p></div>`
    : '';
  return renderPage(
    complete ? 'Stack created' : 'Stack creation failed',
    `<h1>${complete ? 'Stack created' : 'Stack creation failed'}</h1>
${complete ? '<div class="success">The stack was created in the sandbox account. Go back to the install page: it checks the role by itself.</div>' : reason}
<section>
<dl>
<dt>Stack name</dt><dd id="stack-name">${escapeHtml(stack.stackName)}</dd>
<dt>Status</dt><dd><strong id="stack-status" data-stack-status="${escapeHtml(stack.status)}">${escapeHtml(stack.status)}</strong></dd>
<dt>Stack ID</dt><dd id="stack-id">${escapeHtml(stack.stackId)}</dd>
<dt>Account</dt><dd>${escapeHtml(stack.accountId)}</dd>
<dt>Region</dt><dd>${escapeHtml(stack.region)}</dd>
</dl>
</section>
<section>
<h2>Outputs</h2>
${outputs}
</section>`,
  );
}
