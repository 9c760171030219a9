import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html, raw } from './html.js';

describe('html template', () => {
  it('escapes every interpolated string', () => {
    const tenantId = '<script>alert(1)</script>';
    assert.equal(html`<p>${tenantId}</p>`.toString(), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('escapes quotes so a value cannot leave its attribute', () => {
    const value = `" onfocus="alert(1)' x=\``;
    assert.equal(
      html`<input value="${value}">`.toString(),
      '<input value="&quot; onfocus=&quot;alert(1)&#39; x=&#96;">',
    );
  });

  it('keeps markup from raw() and from nested templates, and escapes list items', () => {
    const items = ['a&b', html`<b>${'<i>'}</b>`];
    assert.equal(html`${raw('<hr>')}<ul>${items}</ul>`.toString(), '<hr><ul>a&amp;b<b>&lt;i&gt;</b></ul>');
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    assert.equal(html`[${null}${undefined}${false}${0}${12}]`.toString(), '[012]');
  });

  it('does not treat $& or $1 in values as replacement patterns', () => {
    assert.equal(html`<p>${'$&$1$`'}</p>`.toString(), '<p>$&amp;$1$&#96;</p>');
  });

  it('escapes ampersands first so entities are not double-decoded', () => {
    assert.equal(escapeHtml('&lt;'), '&amp;lt;');
  });
});
