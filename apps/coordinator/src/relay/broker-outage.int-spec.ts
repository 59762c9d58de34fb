/**
 * A broker outage in the middle of publishing, with the real service over HTTP and a broker of this test's own
 * (the shared one is used by other test files at the same time and must never be stopped): agencies keep
 * working their cases, the broker is stopped as an operator would stop it and started again on the same
 * address with the same data. Commands are acknowledged promptly all along, the relay waits and resumes, and
 * every agency topic ends up holding exactly what the sharing policy grants: each event once, in per-case
 * order, nothing lost.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { AgencyRegistry } from '../agencies/agency-registry';
import { agencyCommandTopics } from '../agency-commands/agency-command-consumer';
import { RelayPosition, relayTopics } from './relay-messages';
import { describeWithPrivateKafka, PrivateKafkaBroker } from '../../../../test/kafka/kafka-broker';
import { AgencyClient, eventually, RunningService } from '../../../../test/support/running-service';
import { expectExactlyGranted, logHead } from './testing/relay-expectations';

jest.setTimeout(240_000);

/** Each command is answered by the service alone: one that waited for Kafka would take seconds, not this. */
const PROMPT_MS = 2_000;
/** How long agencies keep working while the broker is down. */
const OUTAGE_MS = 6_000;
/** Parallel agency workers, each running one case story at a time. */
const WORKERS = 2;
/** A bound on the traffic whatever happens (the test stops it long before). */
const MAX_COMMANDS = 20_000;

interface Reply {
  readonly what: string;
  readonly status: number;
  readonly sentAt: number;
  readonly ms: number;
  readonly error?: string;
}

/**
 * Agencies working cases over HTTP, several at once, until stopped: the police of a city open a case, give
 * shelter and refer it to the city's social services and to the Migration Agency, who accept and give support
 * of their own; the police register evidence. Every reply is recorded with its time.
 */
class CaseTraffic {
  readonly replies: Reply[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];

  private constructor(private readonly clients: ReadonlyMap<string, AgencyClient>) {}

  static async start(service: RunningService): Promise<CaseTraffic> {
    const ids = [
      ...['stockholm', 'goteborg', 'malmo'].flatMap((city) => [`polisen-${city}`, `socialtjansten-${city}`]),
      'migrationsverket-stockholm',
      'migrationsverket-goteborg',
    ];
    const clients = new Map(await Promise.all(ids.map(async (id) => [id, await service.as(id)] as const)));
    const traffic = new CaseTraffic(clients);
    traffic.workers = Array.from({ length: WORKERS }, (_, worker) => traffic.work(worker));
    return traffic;
  }

  /** Replies sent from `from` (ms since the time origin) up to `to`. */
  sentBetween(from: number, to = Infinity): Reply[] {
    return this.replies.filter((r) => r.sentAt >= from && r.sentAt < to);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  private async work(worker: number): Promise<void> {
    for (let story = 0; !this.stopping && this.replies.length < MAX_COMMANDS; story++) await this.story(worker * 1_000 + story);
  }

  private async story(n: number): Promise<void> {
    const city = (['stockholm', 'goteborg', 'malmo'] as const)[n % 3];
    const police = `polisen-${city}`;
    const social = `socialtjansten-${city}`;
    const migration = city === 'goteborg' ? 'migrationsverket-goteborg' : 'migrationsverket-stockholm';
    const opened = await this.send(police, 'open a case', '/cases', { subject: { category: 'victim', ageGroup: 'adult' }, exploitation: 'forced-labour' });
    const caseId = opened?.caseId as string | undefined;
    if (!caseId) return;
    const steps: Array<() => Promise<unknown>> = [
      () => this.send(police, 'support', `/cases/${caseId}/support`, { kind: 'shelter', providedOn: '2026-03-01' }),
      async () => {
        const referred = await this.send(police, 'refer', `/cases/${caseId}/referrals`, { toAgency: social, reason: 'support', urgency: 'urgent' });
        return referred && this.send(social, 'accept', `/cases/${caseId}/referrals/${referred.referralId}/accept`, {});
      },
      () => this.send(social, 'support', `/cases/${caseId}/support`, { kind: 'psychological', providedOn: '2026-03-02' }),
      async () => {
        const referred = await this.send(police, 'refer', `/cases/${caseId}/referrals`, {
          toAgency: migration,
          reason: 'residence permit',
          urgency: 'routine',
        });
        return referred && this.send(migration, 'accept', `/cases/${caseId}/referrals/${referred.referralId}/accept`, {});
      },
      () => this.send(police, 'evidence', `/cases/${caseId}/evidence`, { description: 'ledger of payments' }),
      () => this.send(migration, 'support', `/cases/${caseId}/support`, { kind: 'legal-counsel', providedOn: '2026-03-03' }),
      () => this.send(social, 'support', `/cases/${caseId}/support`, { kind: 'health-care', providedOn: '2026-03-04' }),
    ];
    for (const step of steps) {
      if (this.stopping || !(await step())) return;
    }
  }

  /** The reply's body when the command was acknowledged (2xx), else undefined. */
  private async send(agencyId: string, what: string, path: string, body: unknown): Promise<Record<string, unknown> | undefined> {
    const sentAt = performance.now();
    try {
      const reply = await this.clients.get(agencyId)!.post(path, body);
      this.replies.push({ what: `${agencyId}: ${what}`, status: reply.status, sentAt, ms: performance.now() - sentAt });
      return reply.status >= 200 && reply.status < 300 ? (reply.body as Record<string, unknown>) : undefined;
    } catch (error) {
      this.replies.push({ what: `${agencyId}: ${what}`, status: 0, sentAt, ms: performance.now() - sentAt, error: (error as Error).message });
      return undefined;
    }
  }
}

/**
 * What the relay has committed, read back from its positions topic as a `read_committed` consumer: the latest
 * position, and when each of its commits and start marks was produced (the relay writes a start mark each
 * time it takes its transactional id back, after a failure too).
 */
class PositionWatch {
  latest?: RelayPosition;
  readonly commits: Array<{ index: number; producedAt: number }> = [];
  readonly startMarks: number[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(kafka: Kafka, transactionalId = 'samverkan-relay'): Promise<PositionWatch> {
    // the relay creates the topic when it starts, in the background: until then there is nothing to subscribe to
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(
        async () => (await admin.fetchTopicOffsets(relayTopics().positions).catch(() => [])).some((p) => Number(p.high) > 0) || undefined,
        'the relay writing to its positions topic',
        120_000,
      );
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({ groupId: `broker-outage-watch-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const watch = new PositionWatch(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: relayTopics().positions, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const key = message.key?.toString();
        if (key === transactionalId) {
          watch.latest = JSON.parse(message.value.toString()) as RelayPosition;
          watch.commits.push({ index: watch.latest.index, producedAt: Number(message.timestamp) });
        } else if (key === `${transactionalId}#start`) {
          watch.startMarks.push(Number(message.timestamp));
        }
      },
    });
    return watch;
  }

  until(reached: (latest: RelayPosition | undefined) => boolean, what: string, timeoutMs: number): Promise<RelayPosition | undefined> {
    return eventually(async () => (reached(this.latest) ? (this.latest ?? null) : undefined), what, timeoutMs).then((p) => p ?? undefined);
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/**
 * Once the service's consumer of agency commands (group `samverkan-commands`) is in its group again, an
 * open-case command sent on an agency's command topic is executed and answered on its results topic. Whether it
 * came back as the member it was (it heartbeated before its session ran out) or as a new one is the broker's
 * affair: what counts is that it consumes. Returns when the answer was read.
 */
async function commandsAnsweredAgain(kafka: Kafka): Promise<void> {
  const topics = agencyCommandTopics();
  const agencyId = 'polisen-malmo';
  const commandId = randomUUID();
  const reader = kafka.consumer({ groupId: `broker-outage-results-${randomUUID()}`, maxWaitTimeInMs: 100 });
  let answered = false;
  await reader.connect();
  try {
    await reader.subscribe({ topic: topics.results(agencyId), fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void (message.key?.toString() === commandId && (answered = true)) });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const command = { commandId, type: 'open-case', body: { subject: { category: 'victim', ageGroup: 'adult' } } };
      await producer.send({
        topic: topics.commands(agencyId),
        messages: [{ key: null, value: JSON.stringify(command), headers: { 'samverkan-actor': 'officer-1' } }],
      });
    } finally {
      await producer.disconnect();
    }
    await eventually(async () => answered || undefined, `an answer to a command sent on ${topics.commands(agencyId)} after the outage`, 180_000);
  } finally {
    await reader.disconnect();
  }
}

describeWithPrivateKafka('a broker outage while the relay publishes', () => {
  let broker: PrivateKafkaBroker | undefined;
  let service: RunningService | undefined;
  let traffic: CaseTraffic | undefined;
  const watches: PositionWatch[] = [];

  let serviceStartedAt = 0;

  beforeAll(async () => {
    broker = await PrivateKafkaBroker.start();
    service = await RunningService.start({ env: { KAFKA_BROKERS: broker.brokers.join(',') } });
    serviceStartedAt = Date.now();
  }, 300_000);

  afterAll(async () => {
    try {
      await traffic?.stop();
      for (const watch of watches) await watch.stop().catch(() => undefined);
      await service?.stop();
    } finally {
      await broker?.remove();
    }
  }, 180_000);

  it('leaves commands accepted while the broker is down, and the relay resumes when it is back and loses nothing', async () => {
    const app = service!;
    const kafka = new Kafka({ clientId: 'broker-outage-test', brokers: broker!.brokers, logLevel: logLevel.NOTHING });
    const store = app.app.get<EventStore>(EVENT_STORE);
    const agencyIds = app.app
      .get(AgencyRegistry)
      .all()
      .map((a) => a.id);

    // the relay has started (it commits a start mark first), then agencies start working
    const before = await PositionWatch.start(kafka);
    watches.push(before);
    traffic = await CaseTraffic.start(app);
    // the relay has committed several transactions and the agencies keep adding events: it is publishing
    await before.until((p) => before.commits.length >= 5 && (p?.index ?? -1) >= 100, 'the relay publishing several batches', 120_000);
    await before.stop();
    const publishedBeforeStop = before.latest!;

    const stopping = performance.now();
    const stoppingAt = Date.now();
    await broker!.stopKeepingData();
    const down = performance.now();
    const headWhenDown = await logHead(store);
    // the relay was behind when the broker went: there are events it had not published
    expect(headWhenDown.index).toBeGreaterThan(publishedBeforeStop.index);

    await eventually(
      async () => (performance.now() - down >= OUTAGE_MS && traffic!.sentBetween(down).length >= 20 ? true : undefined),
      `${OUTAGE_MS / 1000} s and at least 20 commands while the broker is down`,
      OUTAGE_MS + 30_000,
    );
    const duringOutage = traffic.sentBetween(stopping, performance.now());
    expect(duringOutage.length).toBeGreaterThanOrEqual(20);
    expect(duringOutage.filter((r) => r.status < 200 || r.status >= 300)).toEqual([]);
    expect(duringOutage.filter((r) => r.ms > PROMPT_MS)).toEqual([]);
    const headBeforeRestart = await logHead(store);
    expect(headBeforeRestart.index).toBeGreaterThan(headWhenDown.index);

    const restarting = performance.now();
    const restartingAt = Date.now();
    await broker!.restart();
    const up = performance.now();
    const upAt = Date.now();
    // agencies go on working a little after the broker is back, then stop, so that the log has a head to reach
    await eventually(async () => (traffic!.sentBetween(up).length >= 30 ? true : undefined), 'commands after the broker is back', 60_000);
    await traffic.stop();
    const head = await logHead(store);

    const after = await PositionWatch.start(kafka);
    watches.push(after);
    await after.until(
      (p) => p?.position === head.position,
      `the relay's committed position reaching the head of the log (ledger index ${head.index})`,
      180_000,
    );
    const caughtUp = performance.now();

    const { deliveries } = await expectExactlyGranted(kafka, store, 'samverkan', agencyIds);
    expect(deliveries).toBeGreaterThan(head.index);
    expect(traffic.replies.filter((r) => r.status < 200 || r.status >= 300)).toEqual([]);

    // The service's other Kafka client, its consumer of agency commands, works again too. (Stopping the service
    // while that consumer is still re-joining would leave it running: kafkajs restarts a consumer whose pending
    // JoinGroup fails after disconnect.)
    await commandsAnsweredAgain(kafka);
    const commandsBack = performance.now();

    // nothing reaches the broker before it is launched again; it may answer before the script's readiness probe does
    const firstMarkAfter = after.startMarks.find((t) => t >= restartingAt);
    const firstCommitAfter = after.commits.find((c) => c.producedAt >= restartingAt);
    // the broker was stopped in the middle of publishing: the relay had been committing right up to then
    const lastCommitBefore = after.commits.filter((c) => c.producedAt < restartingAt).at(-1)!;
    expect(lastCommitBefore.producedAt).toBeGreaterThan(stoppingAt - 5_000);
    const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

    console.log(
      [
        `broker outage: the relay started ${seconds(after.startMarks[0] - serviceStartedAt)} after the service (start marks: ` +
          `${after.startMarks.filter((t) => t < stoppingAt).length}), committed ledger index ${publishedBeforeStop.index} before the stop`,
        `stop took ${seconds(down - stopping)} (the relay's last commit before it: ${lastCommitBefore.producedAt - stoppingAt} ms from its start); ` +
          `down ${seconds(restarting - down)}, restart took ${seconds(up - restarting)}`,
        `while stopping and down: ${duringOutage.length} commands, all 2xx, slowest ${Math.round(Math.max(...duringOutage.map((r) => r.ms)))} ms`,
        `after the broker was ready: the relay took its id back (start mark) after ${seconds(firstMarkAfter && firstMarkAfter - upAt)}, ` +
          `committed again after ${seconds(firstCommitAfter && firstCommitAfter.producedAt - upAt)}, reached the head (index ${head.index}) after ${seconds(caughtUp - up)}`,
        `the consumer of agency commands answered a command ${seconds(commandsBack - up)} after the broker was ready`,
        `${traffic.replies.length} commands in all, ${deliveries} deliveries checked; start marks after the restart: ${after.startMarks.filter((t) => t >= restartingAt).length}`,
      ].join('\n'),
    );
  });
});
