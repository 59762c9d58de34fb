import { Progress } from './progress';

function output(isTTY: boolean) {
  const written: string[] = [];
  return { out: { isTTY, columns: 100, write: (text: string) => written.push(text) }, written };
}

describe('showing the progress of a rebuild', () => {
  it('redraws one bar in place on a terminal, with the count, the rate and the time left', () => {
    let now = 0;
    const { out, written } = output(true);
    const progress = new Progress(out, 'events', () => now);
    progress.start(10_000);
    now = 1_000;
    progress.update(2_500);
    now = 1_050;
    progress.update(2_600); // too soon after the last redraw
    now = 2_000;
    progress.update(5_000);
    progress.end(5_000);

    expect(written).toEqual([
      `\r\x1b[K[##########..............................]  25% 2,500/10,000 events  2,500/s  ETA 0:03`,
      `\r\x1b[K[####################....................]  50% 5,000/10,000 events  2,500/s  ETA 0:02`,
      `\r\x1b[K[####################....................]  50% 5,000/10,000 events  2,500/s  ETA 0:02`,
      '\n',
    ]);
  });

  it('writes a plain line now and then when the output is not a terminal, the first at once', () => {
    let now = 0;
    const { out, written } = output(false);
    const progress = new Progress(out, 'events', () => now);
    progress.start(100_000);
    for (now = 100; now <= 12_000; now += 100) progress.update(now * 5);
    progress.end(60_000);

    expect(written).toEqual(
      ['500/100,000 events (0%), 5,000/s, ETA 0:20', '25,500/100,000 events (25%), 5,000/s, ETA 0:15', '50,500/100,000 events (50%), 5,000/s, ETA 0:10'].map(
        (line) => `${line}\n`,
      ),
    );
  });
});
