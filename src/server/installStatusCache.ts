import type { Clock } from '../core/index.js';
import type { Store } from '../store/index.js';

/** How long a looked-up status is trusted. Another instance's DELETE takes effect here within it. */
export const INSTALL_STATUS_TTL_MS = 1_000;

/**
 * Whether an install may still get credentials, looked up in the store at most once per TTL per
 * install. Tenant credential providers ask it before every credential (the SDK asks before every
 * request), so a client built before a DELETE stops within the TTL on other instances and at once
 * on the instance that deleted it (`markDeleted`).
 */
export class InstallStatusCache {
  private readonly entries = new Map<string, { active: boolean; until: number }>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly store: Pick<Store, 'installs'>,
    private readonly clock: Clock,
    private readonly ttlMs: number = INSTALL_STATUS_TTL_MS,
  ) {}

  async isActive(installId: string): Promise<boolean> {
    const now = this.clock.now();
    const cached = this.entries.get(installId);
    if (cached && cached.until > now) return cached.active;
    // Concurrent requests of one install share one lookup.
    let pending = this.inFlight.get(installId);
    if (!pending) {
      pending = this.lookUp(installId).finally(() => this.inFlight.delete(installId));
      this.inFlight.set(installId, pending);
    }
    return pending;
  }

  /** This instance just deleted (or replaced) the install: refuse it from now on, without a lookup. */
  markDeleted(installId: string): void {
    // A deleted install never comes back.
    this.entries.set(installId, { active: false, until: Number.POSITIVE_INFINITY });
  }

  private async lookUp(installId: string): Promise<boolean> {
    const install = await this.store.installs.get(installId);
    const active = install?.status === 'active';
    // A deleted install stays deleted; only an active one needs looking at again.
    const until = active ? this.clock.now() + this.ttlMs : Number.POSITIVE_INFINITY;
    if (this.entries.size > 10_000) this.entries.clear(); // bound memory; a miss costs one query
    this.entries.set(installId, { active, until });
    return active;
  }
}
