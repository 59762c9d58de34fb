import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CaseService } from '../apps/coordinator/src/cases/case.service';
import { Metrics } from '../apps/coordinator/src/observability/metrics';
import { RunningService } from './support/running-service';

// A collection on demand, without starting jest with --expose-gc.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Starts the service, records a case, stops it; answers weak references to two of its parts. */
async function serviceRunOnce(): Promise<{ cases: WeakRef<object>; metrics: WeakRef<object> }> {
  const service = await RunningService.start();
  const police = await service.as('polisen-malmo');
  const opened = await police.post(
    '/cases',
    { subject: { category: 'victim', ageGroup: 'adult', originRegion: 'baltic' }, exploitation: 'sexual-exploitation' },
    { 'idempotency-key': 'close-test-1' },
  );
  expect(opened.status).toBe(201);
  const refs = { cases: new WeakRef(service.app.get(CaseService)), metrics: new WeakRef(service.app.get(Metrics)) };
  await service.stop();
  return refs;
}

describe('a service closed in a process that goes on', () => {
  it('is let go: its parts (and the case states they cache) are collected', async () => {
    const { cases, metrics } = await serviceRunOnce();
    for (let i = 0; i < 10 && (cases.deref() || metrics.deref()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      collect();
    }
    expect(metrics.deref()).toBeUndefined();
    expect(cases.deref()).toBeUndefined();
  });
});
