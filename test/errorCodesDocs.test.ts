import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.includes('fixture')
      ? [path]
      : [];
  });
}

/** The codes of `new SkybridgeError('code', ...)` across src/ (the sandbox has its own AWS errors). */
function thrownCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/new SkybridgeError\(\s*['"`]([a-z_]+)['"`]/g)) {
      codes.add(match[1]!);
    }
  }
  return codes;
}

/** The codes named in the first cell of the doc's table rows. */
function documentedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const line of DOC.split('\n')) {
    const cell = /^\| ([^|]+) \|/.exec(line)?.[1] ?? '';
    for (const match of cell.matchAll(/`([a-z_]+)`/g)) codes.add(match[1]!);
  }
  return codes;
}

describe('docs/errors.md', () => {
  it('documents every code src/ throws as a SkybridgeError', () => {
    const thrown = thrownCodes();
    assert.ok(thrown.size > 40, `found only ${thrown.size} codes`);
    const documented = documentedCodes();
    const missing = [...thrown].filter((code) => !documented.has(code)).sort();
    assert.deepEqual(missing, [], `add a row "| \`code\` | status | meaning | what to do |" for each`);
  });
});
