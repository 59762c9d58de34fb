import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { agencyCommandTopics } from '../../apps/coordinator/src/agency-commands/agency-command-consumer';
import { describeWithKafka, kafkaBroker } from '../kafka/kafka-broker';
import { AgencyClient, eventually, RunningService } from '../support/running-service';

jest.setTimeout(120_000);

const POLICE = 'polisen-malmo';
const SOCIAL = 'socialtjansten-malmo';

/**
 * A command is the same command whichever way it is sent: one sent on the agency's Kafka command topic and
 * sent again over HTTP with its command id as the Idempotency-Key is answered with the first answer, and
 * nothing is written twice; the same id with another body is refused, on either path.
 */
describeWithKafka('one command, sent on Kafka and over HTTP', () => {
  let service: RunningService;
  let police: AgencyClient;
  let social: AgencyClient;
  let producer: Producer;
  let consumer: Consumer;
  const results = new Map<string, Array<Record<string, unknown>>>();
  const topics = agencyCommandTopics(`twoways-${randomUUID().slice(0, 8)}`);
  const prefix = topics.dlq.split('.')[0];

  beforeAll(async () => {
    const { brokers } = await kafkaBroker();
    service = await RunningService.start({
      env: { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '1', SAMVERKAN_RELAY_TRANSACTIONAL_ID: `${prefix}-relay` },
    });
    police = await service.as(POLICE, 'officer-1');
    social = await service.as(SOCIAL, 'handler-1');
    const kafka = new Kafka({ brokers, clientId: 'two-ways-test', logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    consumer = kafka.consumer({ groupId: `${prefix}-reader`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    // The service creates the topics as its consumer starts, in the background.
    await eventually(
      () =>
        consumer.subscribe({ topics: [topics.results(POLICE), topics.results(SOCIAL)], fromBeginning: true }).then(
          () => true,
          () => undefined,
        ),
      'the result topic',
      60_000,
    );
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key!.toString();
        results.set(key, [...(results.get(key) ?? []), JSON.parse(message.value!.toString())]);
      },
    });
  }, 300_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await service?.stop();
  });

  const sendOnKafka = (command: object, caseId: string, agencyId = POLICE) =>
    producer.send({
      topic: topics.commands(agencyId),
      messages: [{ key: caseId, value: JSON.stringify(command), headers: { 'samverkan-actor': 'officer-1' } }],
    });

  const answerOnKafka = (commandId: string, count = 1) =>
    eventually(
      async () => {
        const answers = results.get(commandId) ?? [];
        return answers.length >= count ? answers : undefined;
      },
      `${count} answers to ${commandId}`,
      60_000,
    );

  it('answers the HTTP retry of a command sent on Kafka with the first answer, and writes nothing more', async () => {
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const commandId = randomUUID();
    const body = { kind: 'shelter', providedOn: '2026-11-01' };
    await sendOnKafka({ commandId, type: 'record-support', body }, caseId);
    const [onKafka] = await answerOnKafka(commandId);
    expect(onKafka).toMatchObject({ commandId, status: 'accepted', caseId, events: [expect.objectContaining({ type: 'SupportProvided' })] });

    const overHttp = await police.post(`/cases/${caseId}/support`, body, { 'idempotency-key': commandId });
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toEqual({ caseId, revision: onKafka.revision, events: onKafka.events });
    const timeline = await police.get(`/cases/${caseId}/timeline`);
    expect(timeline.body.events.filter((e: { type: string }) => e.type === 'SupportProvided')).toHaveLength(1);

    // The same id for another command is refused, over HTTP and on Kafka, and writes nothing.
    const other = await police.post(`/cases/${caseId}/support`, { ...body, kind: 'interpreter' }, { 'idempotency-key': commandId });
    expect(other.status).toBe(422);
    expect(other.body.rule).toBe('idempotency-key-reused');
    await sendOnKafka({ commandId, type: 'record-support', body: { ...body, kind: 'interpreter' } }, caseId);
    const [, refused] = await answerOnKafka(commandId, 2);
    expect(refused).toMatchObject({ commandId, status: 'refused', problem: expect.objectContaining({ rule: 'idempotency-key-reused' }) });
    expect((await police.get(`/cases/${caseId}/timeline`)).body.revision).toBe(timeline.body.revision);
  });

  it('answers the Kafka retry of a command sent over HTTP with the first answer', async () => {
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const commandId = randomUUID();
    const body = { status: 'willing' };
    const overHttp = await police.post(`/cases/${caseId}/cooperation`, body, { 'idempotency-key': commandId });
    expect(overHttp.status).toBe(201);
    await sendOnKafka({ commandId, type: 'record-cooperation', body }, caseId);
    const [onKafka] = await answerOnKafka(commandId);
    expect(onKafka).toEqual({ commandId, status: 'replayed', caseId, revision: overHttp.body.revision, events: overHttp.body.events });
  });

  it('takes a command without a body and one with an empty body for the same command', async () => {
    const caseId = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
    const referral = await police.post(`/cases/${caseId}/referrals`, { toAgency: SOCIAL, reason: 'needs shelter', urgency: 'routine' });
    expect(referral.status).toBe(201);
    const { referralId } = referral.body;
    const commandId = randomUUID();
    await sendOnKafka({ commandId, type: 'accept-referral', referralId, body: {} }, caseId, SOCIAL);
    const [onKafka] = await answerOnKafka(commandId);
    expect(onKafka).toMatchObject({ commandId, status: 'accepted', events: expect.arrayContaining([expect.objectContaining({ type: 'ReferralAccepted' })]) });
    const overHttp = await social.postWithoutBody(`/cases/${caseId}/referrals/${referralId}/accept`, { 'idempotency-key': commandId });
    expect({ status: overHttp.status, body: overHttp.body }).toEqual({ status: 200, body: { caseId, revision: onKafka.revision, events: onKafka.events } });
  });
});
