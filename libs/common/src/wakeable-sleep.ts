/**
 * A wait that something else can cut short: a follower's poll that an append ends early, a retry's back-off
 * that stopping ends. One wait at a time; `wake()` with no wait under way does nothing.
 */
export class WakeableSleep {
  private ring?: () => void;

  /** Resolves after `ms`, or at `wake()`, or at once if `signal` is (or becomes) aborted. */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const wake = () => this.wake();
    signal?.addEventListener('abort', wake, { once: true });
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.ring = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    } finally {
      this.ring = undefined;
      signal?.removeEventListener('abort', wake);
    }
  }

  wake(): void {
    this.ring?.();
  }
}
