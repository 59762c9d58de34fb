/**
 * A one-line progress bar on a terminal: events checked, events per second, and how far through the file
 * when its size is known. Redrawn at most ten times a second; `tick` is cheap enough to call per event.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private calls = 0;

  constructor(
    private readonly terminal: NodeJS.WriteStream,
    private readonly totalBytes: number | undefined,
  ) {}

  tick(events: number, bytesRead: () => number): void {
    if (++this.calls % 1024 !== 0) return;
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.draw(events, bytesRead(), now);
  }

  done(events: number): void {
    this.draw(events, this.totalBytes ?? 0, Date.now());
    this.terminal.write('\n');
  }

  private draw(events: number, bytes: number, now: number): void {
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${Math.round(events / seconds).toLocaleString('en-US')} events/s`;
    const count = `${events.toLocaleString('en-US')} events`;
    let line = `${count}  ${rate}`;
    if (this.totalBytes) {
      const share = Math.min(bytes / this.totalBytes, 1);
      const width = 30;
      const filled = Math.round(share * width);
      line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%  ${line}`;
    }
    this.terminal.write(`\r\x1b[K${line}`);
  }
}
