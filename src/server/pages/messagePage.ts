import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import type { StatusText } from './statusText.js';

export interface MessagePageOptions {
  basePath: string;
  text: StatusText;
  /** A stable code the tenant can quote to the app's support. */
  code: string;
  /** Where to go next (the app's redirect URL carrying the error), when known. */
  returnUrl?: string | undefined;
  /** Offered when reloading is the fix (a stale form). */
  reloadUrl?: string | undefined;
  requestId?: string | undefined;
}

/** A page that says what happened and what to do: ended sessions, refused forms, unknown links. */
export function messagePage(options: MessagePageOptions): SafeHtml {
  const { basePath, text, code, returnUrl, reloadUrl, requestId } = options;
  const main = html`<h1>${text.title}</h1>
<p>${text.detail}</p>
<div class="actions">
${reloadUrl ? html`<a class="button button-primary" href="${reloadUrl}">Reload the page</a>` : ''}
${returnUrl ? html`<a class="button ${reloadUrl ? 'button-secondary' : 'button-primary'}" href="${returnUrl}">Return to the app</a>` : ''}
</div>
<p class="hint">Code: <span class="mono">${code}</span>${requestId ? html` · request <span class="mono">${requestId}</span>` : ''}</p>`;
  return layout({ title: text.title, basePath, main });
}
