import { Pool } from 'pg';
import { describeWithPostgres, postgresUrl } from '../testing/postgres';
import { HeldBackReport, HeldBackWatch } from './held-back-watch';

describeWithPostgres('watching for followers held back', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool({ connectionString: postgresUrl, max: 1 });
  });
  afterAll(() => pool.end());

  /** A watch that reports after 100 ms, and the reports it made once its lookups are done. */
  function watch() {
    const reports: HeldBackReport[] = [];
    const lookups: Promise<unknown>[] = [];
    const watcher = new HeldBackWatch(
      pool,
      100,
      (report) => reports.push(report),
      (work) => {
        lookups.push(work);
        return work;
      },
    );
    const settled = async () => {
      await Promise.allSettled(lookups);
      await new Promise((resolve) => setImmediate(resolve)); // the report follows its lookup's answer
      return reports;
    };
    return { watcher, settled };
  }

  it('reports a horizon that has not moved on for the time given, even when it dipped meanwhile', async () => {
    const { watcher, settled } = watch();
    watcher.observe('1000', 0);
    watcher.observe('990', 40); // a read that met another append between its lock and its id
    watcher.observe('1000', 80);
    expect(await settled()).toEqual([]);
    watcher.observe('995', 120);
    const [report, ...more] = await settled();
    expect(more).toEqual([]);
    expect(report).toMatchObject({ xid: '1000', heldForMs: 120 });
    // No session runs a transaction 1000 here (or it has ended): the report says so rather than guessing.
    expect(report.unknownBecause).toContain('no session shows it');
  });

  it('starts over when the horizon moves on, and when followers are no longer held back', async () => {
    const { watcher, settled } = watch();
    watcher.observe('1000', 0);
    watcher.observe('1001', 90);
    watcher.observe('1001', 150); // 60 ms at 1001
    watcher.observe(undefined, 160);
    watcher.observe('1001', 200);
    watcher.observe('1001', 290);
    expect(await settled()).toEqual([]);
    watcher.observe('1001', 300);
    expect((await settled()).map((r) => r.heldForMs)).toEqual([100]);
  });

  it('reports again, once each period, for as long as it lasts', async () => {
    const { watcher, settled } = watch();
    for (let t = 0; t <= 350; t += 10) {
      watcher.observe('1000', t);
      await settled(); // one lookup at a time: a report is not asked for while the last is being looked up
    }
    expect((await settled()).map((r) => r.heldForMs)).toEqual([100, 200, 300]);
  });
});
