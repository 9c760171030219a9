/**
 * The client commands' way to a running server: JSON over HTTP with the admin key. A non-2xx answer
 * becomes a SkybridgeError carrying the API's code, message and status.
 *
 * Defaults: --url from SKYBRIDGE_PUBLIC_URL or http://127.0.0.1:3000; --api-key from
 * SKYBRIDGE_ADMIN_KEY or the file <SKYBRIDGE_DATA_DIR or ./.skybridge>/admin.key.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkybridgeError } from '../core/index.js';

export interface ApiClientOptions {
  url: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export class ApiClient {
  readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly doFetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
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
    let response: Response;
    try {
      response = await this.doFetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
        .cause;
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? String(error);
      throw new SkybridgeError(
        'server_unreachable',
        `Could not reach Skybridge at ${this.url} (${reason}). Is it running (skybridge start)? Set --url or SKYBRIDGE_PUBLIC_URL.`,
        { status: 502, retryable: true },
      );
    }
    const text = await response.text();
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
      throw new SkybridgeError(
        error?.code ?? `http_${response.status}`,
        error?.message ?? `${method} ${path} answered ${response.status} ${response.statusText}.`,
        { status: response.status, ...(error?.field ? { field: error.field } : {}) },
      );
    }
    return {
      status: response.status,
      body: (text === '' ? undefined : parsed) as T,
      headers: response.headers,
    };
  }
}

export interface ClientFlags {
  url?: string;
  apiKey?: string;
}

/** Resolves --url and --api-key with their environment and file defaults. */
export async function clientFrom(
  flags: ClientFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApiClient> {
  const url = flags.url ?? env.SKYBRIDGE_PUBLIC_URL ?? DEFAULT_URL;
  let apiKey = flags.apiKey ?? env.SKYBRIDGE_ADMIN_KEY;
  if (!apiKey) {
    const file = join(env.SKYBRIDGE_DATA_DIR ?? '.skybridge', 'admin.key');
    try {
      apiKey = (await readFile(file, 'utf8')).trim() || undefined;
    } catch {
      // No key file: requests go without a key and the server says what is missing.
    }
  }
  return new ApiClient({ url, ...(apiKey ? { apiKey } : {}) });
}

/** Path segments are user input: encode them. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
