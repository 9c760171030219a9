import { SESSION_STATUSES, type SessionStatus, type Store } from '../store/index.js';

/**
 * Simple process-local counters, rendered in Prometheus text format. Session counts come from the
 * store (they survive restarts); the counters are since this process started.
 */
export class Metrics {
  /**
   * /metrics needs no key, so counting sessions (one GROUP BY over the sessions table) happens at most
   * once per this many ms, however often anonymous callers ask. Scrapers ask every 15-60 s anyway.
   */
  static readonly SESSION_COUNT_TTL_MS = 5_000;
  private sessionCounts: { at: number; counts: Promise<Record<SessionStatus, number>> } | undefined;
  private credentialsIssued = 0;
  private completions = 0;
  private readonly stsFailures = new Map<string, number>();

  credentialIssued(): void {
    this.credentialsIssued += 1;
  }

  sessionCompleted(): void {
    this.completions += 1;
  }

  stsFailure(code: string): void {
    this.stsFailures.set(code, (this.stsFailures.get(code) ?? 0) + 1);
  }

  async render(store: Store, now: number = Date.now()): Promise<string> {
    const cached = this.sessionCounts;
    if (!cached || now - cached.at >= Metrics.SESSION_COUNT_TTL_MS || now < cached.at) {
      const counts = store.sessions.countByStatus();
      this.sessionCounts = { at: now, counts };
      // A failed count is not kept: the next scrape tries again.
      counts.catch(() => {
        if (this.sessionCounts?.counts === counts) this.sessionCounts = undefined;
      });
    }
    const byStatus = await this.sessionCounts!.counts;
    const lines = [
      '# HELP skybridge_sessions Install sessions by status.',
      '# TYPE skybridge_sessions gauge',
      ...SESSION_STATUSES.map((status) => `skybridge_sessions{status="${status}"} ${byStatus[status] ?? 0}`),
      '# HELP skybridge_installs_completed_total Install sessions completed by this process.',
      '# TYPE skybridge_installs_completed_total counter',
      `skybridge_installs_completed_total ${this.completions}`,
      '# HELP skybridge_credentials_issued_total Tenant credentials issued by this process.',
      '# TYPE skybridge_credentials_issued_total counter',
      `skybridge_credentials_issued_total ${this.credentialsIssued}`,
      '# HELP skybridge_sts_failures_total STS failures seen by this process, by error code.',
      '# TYPE skybridge_sts_failures_total counter',
      ...(this.stsFailures.size === 0
        ? ['skybridge_sts_failures_total 0']
        : [...this.stsFailures].map(
            ([code, count]) => `skybridge_sts_failures_total{code="${code}"} ${count}`,
          )),
    ];
    return `${lines.join('\n')}\n`;
  }
}
