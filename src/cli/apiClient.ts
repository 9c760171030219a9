/**
 * The client commands' way to a running server: JSON over HTTP with the admin key. A non-2xx answer
 * becomes a SkybridgeError carrying the API's code, message and status.
 *
 * Defaults: --url from SKYBRIDGE_PUBLIC_URL or http://127.0.0.1:3000; --api-key from
 * SKYBRIDGE_ADMIN_KEY or the file <SKYBRIDGE_DATA_DIR or ./.skybridge>/admin.key; --timeout 60 s.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SkybridgeError } from '../core/index.js';
import { DEFAULT_TIMEOUT_SECONDS, isHttpUrl } from './commonOptions.js';

export interface ApiClientOptions {
  url: string;
  apiKey?: string;
  /**
   * Where the key came from, or where it was looked for when none was found. Added to the server's
   * `unauthorized` / `invalid_api_key` answers so the user knows what to fix.
   */
  keySource?: KeySource;
  /** Give up on a request after this long (default: none); a hung server then fails fast and says so. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Where `clientFrom` found the admin key (`none`: it looked in the variable and in `file`). */
export type KeySource =
  | { kind: 'flag' }
  | { kind: 'env' }
  | { kind: 'file'; file: string }
  | { kind: 'none'; file: string };

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export class ApiClient {
  readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly keySource: KeySource | undefined;
  private readonly timeoutMs: number | undefined;
  private readonly doFetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.keySource = options.keySource;
    this.timeoutMs = options.timeoutMs;
    this.doFetch = options.fetch ?? fetch;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path).then((r) => r.body);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body).then((r) => r.body);
  }
  put<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body).then((r) => r.body);
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path).then((r) => r.body);
  }

  /** Sends one request; `body` is sent as JSON unless it is already a string. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // One deadline for the whole exchange, the body included: a server that accepts the connection
    // and never answers would otherwise hold a script for minutes.
    const signal = this.timeoutMs === undefined ? undefined : AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.doFetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) {
        // The documented code for "no usable answer from the server"; the message says it was the deadline.
        throw new SkybridgeError(
          'server_unreachable',
          `Skybridge at ${this.url} did not answer ${method} ${path} within ${this.timeoutMs! / 1000} s` +
            `${method === 'GET' ? '' : ' (the request may still have taken effect)'}. ` +
            'Is --url (or SKYBRIDGE_PUBLIC_URL) a Skybridge server? For a slow route, raise --timeout.',
          { status: 504, retryable: true },
        );
      }
      const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
        .cause;
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? String(error);
      throw new SkybridgeError(
        'server_unreachable',
        `Could not reach Skybridge at ${this.url} (${reason}). Is it running (npx skybridge start)? Set --url or SKYBRIDGE_PUBLIC_URL.`,
        { status: 502, retryable: true },
      );
    }
    let parsed: unknown = text;
    if (text && (response.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; field?: string } })?.error;
      const code = error?.code ?? `http_${response.status}`;
      const message =
        error?.message ?? `${method} ${path} answered ${response.status} ${response.statusText}.`;
      throw new SkybridgeError(code, this.explainKeyProblem(code) ?? message, {
        status: response.status,
        ...(error?.field ? { field: error.field } : {}),
      });
    }
    return {
      status: response.status,
      body: (text === '' ? undefined : parsed) as T,
      headers: response.headers,
    };
  }

  /** The server's key refusals say what the server wants; this says what the CLI sent and why. */
  private explainKeyProblem(code: string): string | undefined {
    const source = this.keySource;
    if (!source) return undefined;
    if (code === 'unauthorized' && source.kind === 'none') return noAdminKeyMessage(source.file);
    if (code !== 'invalid_api_key') return undefined;
    const from =
      source.kind === 'flag'
        ? 'the --api-key option'
        : source.kind === 'env'
          ? 'the SKYBRIDGE_ADMIN_KEY variable'
          : source.kind === 'file'
            ? `the file ${source.file}`
            : undefined;
    if (!from) return undefined;
    return (
      `The server at ${this.url} refused the admin key taken from ${from}. ` +
      `Use the key of THAT server: the one in its <data dir>/admin.key (printed by \`npx skybridge start\` at first start), ` +
      'or its SKYBRIDGE_ADMIN_KEY. Point SKYBRIDGE_DATA_DIR at its data directory, or pass --api-key.'
    );
  }
}

/** What to say when no admin key was found anywhere: where the CLI looked, and how to give one. */
export function noAdminKeyMessage(file: string): string {
  return (
    `No admin key found: --api-key was not given, SKYBRIDGE_ADMIN_KEY is not set, and ${file} does not exist. ` +
    "Pass --api-key <key>, set SKYBRIDGE_ADMIN_KEY, or set SKYBRIDGE_DATA_DIR to the server's data directory " +
    '(`npx skybridge start` writes <data dir>/admin.key, default ./.skybridge; `npx skybridge dev` uses ./.skybridge-dev).'
  );
}

export interface ClientFlags {
  url?: string;
  apiKey?: string;
  /** Seconds to wait for an answer (--timeout). */
  timeout?: number;
}

/** Resolves --url and --api-key with their environment and file defaults. */
export async function clientFrom(
  flags: ClientFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApiClient> {
  const url = flags.url || env.SKYBRIDGE_PUBLIC_URL || DEFAULT_URL;
  if (!flags.url && env.SKYBRIDGE_PUBLIC_URL && !isHttpUrl(env.SKYBRIDGE_PUBLIC_URL)) {
    // Worded like the server's own check of the same variable.
    throw new SkybridgeError('invalid_config', 'SKYBRIDGE_PUBLIC_URL: must be an absolute http(s) URL', {
      status: 400,
      field: 'SKYBRIDGE_PUBLIC_URL',
    });
  }
  const common = { url, timeoutMs: (flags.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000 };
  if (flags.apiKey) return new ApiClient({ ...common, apiKey: flags.apiKey, keySource: { kind: 'flag' } });
  if (env.SKYBRIDGE_ADMIN_KEY) {
    return new ApiClient({ ...common, apiKey: env.SKYBRIDGE_ADMIN_KEY, keySource: { kind: 'env' } });
  }
  const file = adminKeyFile(env);
  let apiKey: string | undefined;
  try {
    apiKey = (await readFile(file, 'utf8')).trim() || undefined;
  } catch {
    // No key file: the request goes without a key (public integration routes need none); a refusal
    // then says where the key was looked for.
  }
  if (apiKey) return new ApiClient({ ...common, apiKey, keySource: { kind: 'file', file } });
  return new ApiClient({ ...common, keySource: { kind: 'none', file } });
}

/** The admin key file client commands read: <SKYBRIDGE_DATA_DIR or ./.skybridge>/admin.key, absolute. */
export function adminKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.SKYBRIDGE_DATA_DIR || '.skybridge', 'admin.key');
}

/** Path segments are user input: encode them. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
