import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import { connectorConfigSchema } from './connectorConfig.js';
import { PLACEHOLDERS } from './templateRenderer.js';

const DOC = new URL('../../docs/connector-configuration.md', import.meta.url);

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
  innerType?: z.ZodType;
}

/** Every leaf field path of a zod schema ("iam.mfaSerial"), looking through pipes, defaults and optionals. */
function leafPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  if (def.type === 'pipe' && def.in) return leafPaths(def.in, prefix);
  if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly'].includes(def.type)) {
    return leafPaths(def.innerType, prefix);
  }
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, value]) =>
      leafPaths(value, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [prefix];
}

describe('docs/connector-configuration.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const paths = leafPaths(connectorConfigSchema);

  it('walks the whole schema (sanity: the fields of contract section 1 and our additions)', () => {
    for (const field of [
      'type',
      'bucketName',
      'rolePath',
      'bucketRegion',
      'iam.mfaSerial',
      'endpoints.console',
    ]) {
      assert.ok(paths.includes(field), `${field} not found in ${paths.join(', ')}`);
    }
    assert.ok(paths.length >= 24, paths.join(', '));
  });

  it('documents every field of the schema in a table row of its own', () => {
    const missing = paths.filter((path) => !doc.includes(`| \`${path}\` |`));
    assert.deepEqual(
      missing,
      [],
      `add a table row "| \`field\` | type | default | rule | example |" for: ${missing.join(', ')}`,
    );
  });

  it('names every template placeholder and the MFA one-hour rule', () => {
    for (const name of PLACEHOLDERS) {
      assert.ok(doc.includes(`| \`##${name}##\` |`), `##${name}## has no row in the placeholder table`);
    }
    assert.match(doc, /must be 900 to 3600 seconds when MFA is used/);
  });
});
