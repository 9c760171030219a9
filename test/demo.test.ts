import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './support/cliProcess.js';

describe('skybridge demo', () => {
  it('runs the whole journey headless, exits 0 and ends with the route answer', async () => {
    const result = await runCli(['demo']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), '3 buckets discovered from the AWS account.');
    // The journey is shown as it happens: the pages, the console, the verification.
    for (const step of [
      /^Opening the install page http:\/\/127\.0\.0\.1:\d+\/connect\//m,
      /console/m,
      /Status: completed/m,
    ]) {
      assert.match(result.stdout, step);
    }
  });

  it('prints one JSON document with --json', async () => {
    const result = await runCli(['demo', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as {
      message: string;
      installId: string;
      steps: string[];
      response: unknown;
    };
    assert.equal(parsed.message, '3 buckets discovered from the AWS account.');
    assert.deepEqual(parsed.response, { message: '3 buckets discovered from the AWS account.' });
    assert.match(parsed.installId, /^inst_/);
    assert.ok(parsed.steps.length >= 10);
  });
});
