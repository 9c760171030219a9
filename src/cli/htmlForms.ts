/**
 * Just enough HTML reading for the demo to use the install pages and the sandbox console the way a
 * browser does: the forms (action, method, the values a browser would send) and links by id. These
 * pages are ours and simple, so attribute-level scanning is enough; no scripts are run.
 */

export interface HtmlForm {
  action: string;
  method: string;
  /** What a browser submits untouched: hidden and pre-filled inputs, selected options, textareas. */
  values: Record<string, string>;
  /** Every field name the form has (inputs, selects, textareas, checkboxes). */
  fields: string[];
  /** The options of each select. */
  options: Record<string, string[]>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number(entity.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** The attributes of one tag's source (`<input type="hidden" name="csrf" value="...">`). */
export function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {};
  const pattern = /([^\s=<>/"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  // Skip the tag name itself.
  const body = tag.replace(/^<\s*[\w-]+/, '').replace(/\/?>$/, '');
  for (const match of body.matchAll(pattern)) {
    const name = match[1]?.toLowerCase();
    if (!name) continue;
    found[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return found;
}

export function findForms(html: string, baseUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const open = /^<form\b[^>]*>/i.exec(match[0])?.[0] ?? '<form>';
    const attrs = attributes(open);
    const inner = match[1] ?? '';
    const form: HtmlForm = {
      action: new URL(attrs.action || baseUrl, baseUrl).toString(),
      method: (attrs.method || 'get').toUpperCase(),
      values: {},
      fields: [],
      options: {},
    };
    for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
      const a = attributes(input[0]);
      if (!a.name) continue;
      form.fields.push(a.name);
      const type = (a.type ?? 'text').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !('checked' in a)) continue;
      if (type === 'submit' || type === 'button' || type === 'file') continue;
      form.values[a.name] = a.value ?? (type === 'checkbox' ? 'on' : '');
    }
    for (const select of inner.matchAll(/<select\b[^>]*>([\s\S]*?)<\/select>/gi)) {
      const a = attributes(/^<select\b[^>]*>/i.exec(select[0])?.[0] ?? '');
      if (!a.name) continue;
      form.fields.push(a.name);
      const choices = [...(select[1] ?? '').matchAll(/<option\b[^>]*>([\s\S]*?)(?=<option\b|$)/gi)].map(
        (option) => {
          const attrsOfOption = attributes(/^<option\b[^>]*>/i.exec(option[0])?.[0] ?? '');
          const text = decodeEntities((option[1] ?? '').replace(/<[^>]*>/g, '').trim());
          return { value: attrsOfOption.value ?? text, selected: 'selected' in attrsOfOption };
        },
      );
      form.options[a.name] = choices.map((c) => c.value);
      const chosen = choices.find((c) => c.selected) ?? choices[0];
      if (chosen) form.values[a.name] = chosen.value;
    }
    for (const area of inner.matchAll(/<textarea\b[^>]*>([\s\S]*?)<\/textarea>/gi)) {
      const a = attributes(/^<textarea\b[^>]*>/i.exec(area[0])?.[0] ?? '');
      if (!a.name) continue;
      form.fields.push(a.name);
      form.values[a.name] = decodeEntities(area[1] ?? '');
    }
    forms.push(form);
  }
  return forms;
}

/** The href of the link with this id, resolved against the page's URL. */
export function linkById(html: string, id: string, baseUrl: string): string | undefined {
  for (const match of html.matchAll(/<a\b[^>]*>/gi)) {
    const a = attributes(match[0]);
    if (a.id === id && a.href) return new URL(a.href, baseUrl).toString();
  }
  return undefined;
}
