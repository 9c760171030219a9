/**
 * What a command prints. Human mode: progress lines and a readable result on stdout, errors on
 * stderr. `--json`: exactly one JSON document on stdout (the result, or `{"error": {...}}`), nothing
 * else, so scripts can parse it. Exit codes: 0 success, 1 failure (2, bad usage, is commander's).
 */
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { isSkybridgeError } from '../core/index.js';

/**
 * Bad usage found while the action runs (e.g. no configuration given at all): reported like
 * commander's own usage errors (text on stderr, with the usage, exit 2), even with --json.
 */
export class UsageError extends Error {}

export interface OutputOptions {
  json?: boolean;
  stdout?: Writable;
  stderr?: Writable;
}

export class Output {
  readonly json: boolean;
  private readonly stdout: Writable;
  private readonly stderr: Writable;

  constructor(options: OutputOptions = {}) {
    this.json = options.json === true;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
  }

  /** A progress line (quiet with --json). */
  step(message: string): void {
    if (!this.json) this.stdout.write(`${message}\n`);
  }

  /**
   * The command's result: `data` as JSON with --json, else the human lines. `compact` prints the JSON
   * on one line, for commands that keep running (a script reads that line, then goes on).
   */
  result(
    data: unknown,
    human?: string | string[] | ((data: unknown) => string | string[]),
    options: { compact?: boolean } = {},
  ): void {
    if (this.json) {
      this.stdout.write(`${options.compact ? JSON.stringify(data) : JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const text = typeof human === 'function' ? human(data) : (human ?? JSON.stringify(data, null, 2));
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Prints an error with its code and sets exit code 1. */
  error(error: unknown): void {
    const { code, message, field } = describeError(error);
    if (this.json) {
      this.stdout.write(
        `${JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }, null, 2)}\n`,
      );
    } else {
      this.stderr.write(`error [${code}]: ${message}\n`);
    }
    process.exitCode = 1;
  }
}

export function describeError(error: unknown): { code: string; message: string; field?: string } {
  if (isSkybridgeError(error)) {
    return { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'failed', message: error.message };
  }
  return { code: 'failed', message: String(error) };
}

/**
 * Wraps a command's action: prints a thrown error with its code and exits 1 instead of a stack trace
 * (a UsageError: commander's usage error, exit 2). The action gets its Output (honouring --json)
 * first, then commander's arguments.
 *
 * @example
 * command.action(action(async (output, name: string, options: { json?: boolean }) => { ... }));
 */
export function action<Args extends unknown[]>(
  run: (output: Output, ...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    // commander passes (...arguments, options, command): the options are second to last.
    const options = args[args.length - 2] as { json?: boolean } | undefined;
    const output = new Output({ json: options?.json === true });
    try {
      await run(output, ...args);
    } catch (error) {
      if (error instanceof UsageError) {
        const command = args[args.length - 1] as Command;
        command.error(`error: ${error.message}`, { exitCode: 2, code: 'skybridge.usage' });
      }
      output.error(error);
    }
  };
}
