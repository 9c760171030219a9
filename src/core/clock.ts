/**
 * Time comes in through a Clock so tests can freeze or move it without patching globals.
 * `now()` is milliseconds since the Unix epoch; `sleep` waits on that clock.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A clock that only moves when told to. `sleep` resolves once `advance` (or `set`) passes its
 * deadline, so code that waits for the next TOTP step can be tested without waiting.
 */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ until: this.current + ms, resolve });
    });
  }

  /** How many callers are waiting in `sleep`. */
  get waiting(): number {
    return this.sleepers.length;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(ms: number): void {
    this.current = ms;
    const due = this.sleepers.filter((s) => s.until <= ms);
    this.sleepers = this.sleepers.filter((s) => s.until > ms);
    for (const sleeper of due) sleeper.resolve();
  }
}
