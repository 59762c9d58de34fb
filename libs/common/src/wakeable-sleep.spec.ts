import { WakeableSleep } from './wakeable-sleep';

describe('a wait something else can cut short', () => {
  it('ends when woken, long before its time', async () => {
    const sleep = new WakeableSleep();
    const waiting = sleep.sleep(60_000); // the test's own time-out fails it if the wake is lost
    sleep.wake();
    await waiting;
  });

  it('ends when its signal is aborted, and does not begin for one aborted already', async () => {
    const sleep = new WakeableSleep();
    const controller = new AbortController();
    const waiting = sleep.sleep(60_000, controller.signal);
    controller.abort();
    await waiting;
    await sleep.sleep(60_000, controller.signal);
  });

  it('ends by itself when its time is up, and a wake with no wait under way is not kept for the next', async () => {
    const sleep = new WakeableSleep();
    sleep.wake();
    let ended = false;
    const waiting = sleep.sleep(20).then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    await waiting;
    expect(ended).toBe(true);
  });
});
