/**
 * A small client for the sandbox admin API (plain fetch), for tests, `skybridge dev` and
 * `skybridge demo`.
 *
 * @example
 *   const admin = new SandboxAdminClient(sandbox.url);
 *   const { accountId } = await admin.createAccount('111122223333');
 *   const user = await admin.createUser(accountId, 'integration-bot');
 */
import type { SandboxSettings } from './model.js';

export interface SandboxUserKeys {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SandboxMfaDevice {
  serialNumber: string;
  base32Secret: string;
}

export interface SandboxAccountSummary {
  accountId: string;
  users: string[];
  roles: string[];
}

/** An admin API answer other than the expected status; `code` is the API's error code. */
export class SandboxAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxAdminError';
  }
}

export class SandboxAdminClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, expected: number, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expected) {
      let code = 'unexpected_status';
      let message = `${method} ${path} answered ${response.status}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        code = parsed.error?.code ?? code;
        message = parsed.error?.message ?? message;
      } catch {
        // Not JSON: keep the generic message.
      }
      throw new SandboxAdminError(response.status, code, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** `name` labels the account in the console's account list ("Tenant acme"). */
  createAccount(accountId?: string, name?: string): Promise<{ accountId: string }> {
    return this.call('POST', '/_sandbox/accounts', 201, {
      ...(accountId === undefined ? {} : { accountId }),
      ...(name === undefined ? {} : { name }),
    });
  }

  createUser(accountId: string, userName: string): Promise<SandboxUserKeys> {
    return this.call('POST', `/_sandbox/accounts/${encodeURIComponent(accountId)}/users`, 201, { userName });
  }

  createMfaDevice(accountId: string, userName: string): Promise<SandboxMfaDevice> {
    return this.call(
      'POST',
      `/_sandbox/accounts/${encodeURIComponent(accountId)}/users/${encodeURIComponent(userName)}/mfa`,
      201,
    );
  }

  updateSettings(settings: Partial<SandboxSettings>): Promise<SandboxSettings> {
    return this.call('PUT', '/_sandbox/settings', 200, settings);
  }

  async reset(): Promise<void> {
    await this.call('POST', '/_sandbox/reset', 204);
  }

  /** AWS calls by `service:Action`, e.g. `{ 'sts:AssumeRole': 3 }`. */
  async stats(): Promise<Record<string, number>> {
    const answer = await this.call<{ calls: Record<string, number> }>('GET', '/_sandbox/stats', 200);
    return answer.calls;
  }

  async resetStats(): Promise<void> {
    await this.call('DELETE', '/_sandbox/stats', 204);
  }

  async listAccounts(): Promise<SandboxAccountSummary[]> {
    const answer = await this.call<{ items: SandboxAccountSummary[] }>('GET', '/_sandbox/accounts', 200);
    return answer.items;
  }
}
