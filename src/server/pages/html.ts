/**
 * HTML built from a tagged template that escapes every interpolated value. Only values wrapped by
 * `raw()` (or produced by another `html` template) go in unescaped, so a tenant id or a template body
 * can never open a tag. Nothing is built by replacing placeholders in a string.
 *
 * @example
 * const page = html`<p>Tenant ${tenantId}</p>${raw('<hr>')}`;
 * page.toString(); // '<p>Tenant &lt;script&gt;…</p><hr>'
 */
export class SafeHtml {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

/** The value may be: text (escaped), SafeHtml (as is), a list of those, or nothing (rendered empty). */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

/** Marks trusted markup (constant strings written in this folder) to go in unescaped. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item)).join('');
  // `false`/`null`/`undefined` render nothing so `${cond && html`...`}` reads naturally.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out);
}
