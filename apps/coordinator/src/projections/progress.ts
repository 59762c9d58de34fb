/** Where progress is drawn: a terminal gets a bar redrawn in place, anything else a line now and then. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const REDRAW_MS = 100;
const LINE_MS = 5_000;

/** Progress of a long run over a known number of items: done / total, rate and time left. */
export class Progress {
  private total = 0;
  private started = 0;
  private shownAt = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly what: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(total: number): void {
    this.total = total;
    this.started = this.now();
  }

  update(done: number): void {
    const now = this.now();
    if (now - this.shownAt < (this.out.isTTY ? REDRAW_MS : LINE_MS)) return;
    this.shownAt = now;
    this.show(done, now);
  }

  /** Draws the last state and leaves the line, so what follows starts on a line of its own. */
  end(done: number): void {
    if (this.out.isTTY) {
      this.show(done, this.now());
      if (this.drawn) this.out.write('\n');
    }
  }

  private show(done: number, now: number): void {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? (this.total - done) / rate : undefined;
    const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const counts = `${count(done)}/${count(this.total)} ${this.what}`;
    const speed = `${count(Math.round(rate))}/s`;
    const eta = left === undefined ? 'ETA --:--' : `ETA ${clock(left)}`;
    if (!this.out.isTTY) {
      this.out.write(`${counts} (${Math.floor(share * 100)}%), ${speed}, ${eta}\n`);
      return;
    }
    const text = ` ${String(Math.floor(share * 100)).padStart(3)}% ${counts}  ${speed}  ${eta}`;
    // The same width at every redraw, whatever the length of the text after it.
    const width = Math.max(10, Math.min(40, (this.out.columns || 80) - 60));
    const filled = Math.round(share * width);
    this.out.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${text}`);
    this.drawn = true;
  }
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

function clock(seconds: number): string {
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
