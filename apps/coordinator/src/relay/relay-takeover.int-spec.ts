/**
 * Two service processes with the `relay` role on one store: one relays, the other waits as standby. The
 * active one is killed with SIGKILL while commands keep arriving through a third, `api`, process; the
 * standby takes the relay's lease, fences whatever the dead one left open by taking its transactional id,
 * and resumes from the committed position: every agency topic ends up with each granted event once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { SqliteEventStore } from '@samverkan/eventstore/sqlite';
import { AgencyRegistry } from '../agencies/agency-registry';
import { relayTopics } from './relay-messages';
import { describeWithKafka, kafkaBroker, repoRoot } from '../../../../test/kafka/kafka-broker';
import { eventually } from '../../../../test/support/running-service';
import { ServiceProcess } from '../../../../test/support/service-process';
import { expectExactlyGranted } from './testing/relay-expectations';

jest.setTimeout(240_000);

describeWithKafka('the relay role across processes', () => {
  const registry = AgencyRegistry.fromFile(join(repoRoot, 'config/agencies.yaml'));
  const agencyIds = registry.all().map((a) => a.id);
  const prefix = `takeover-${randomUUID().slice(0, 8)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'samverkan-relay-takeover-'));
  const processes: ServiceProcess[] = [];
  let kafka: Kafka;
  let admin: Admin;

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dataDir, { recursive: true, force: true });
    if (!admin) return;
    const topics = relayTopics(prefix);
    await admin.deleteTopics({ topics: [...agencyIds.map(topics.events), topics.positions, topics.checkpoints] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('has a standby relay take over when the active one is killed, and publishes each granted event once', async () => {
    const { brokers } = await kafkaBroker();
    kafka = new Kafka({ clientId: 'relay-takeover-test', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    const env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix, SAMVERKAN_RELAY_TRANSACTIONAL_ID: `${prefix}-relay` };
    const api = await ServiceProcess.start(dataDir, { ...env, SAMVERKAN_ROLES: 'api' });
    const relays = [
      await ServiceProcess.start(dataDir, { ...env, SAMVERKAN_ROLES: 'relay' }),
      await ServiceProcess.start(dataDir, { ...env, SAMVERKAN_ROLES: 'relay' }),
    ];
    processes.push(api, ...relays);
    const activeRelay = async (candidates: ServiceProcess[]) =>
      eventually(
        async () => {
          const states = await Promise.all(candidates.map(async (p) => (await p.health()).roles.relay));
          return states.filter((s) => s === 'active').length === 1 ? candidates[states.indexOf('active')] : undefined;
        },
        'exactly one active relay',
        30_000,
      );
    const first = await activeRelay(relays);

    const police = await api.as('polisen-stockholm');
    const social = await api.as('socialtjansten-stockholm');
    const story = async () => {
      const { caseId } = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body;
      const { referralId } = (await police.post(`/cases/${caseId}/referrals`, { toAgency: 'socialtjansten-stockholm', reason: 'support', urgency: 'routine' }))
        .body;
      await social.post(`/cases/${caseId}/referrals/${referralId}/accept`);
      await social.post(`/cases/${caseId}/support`, { kind: 'psychological', providedOn: '2026-03-02' });
      await police.post(`/cases/${caseId}/evidence`, { description: 'ledger of payments' });
    };
    for (let i = 0; i < 10; i++) await story();
    // killed while it relays: the stories keep coming meanwhile
    const more = (async () => {
      for (let i = 0; i < 20; i++) await story();
    })();
    await first.kill();
    await more;
    await activeRelay(relays.filter((p) => p !== first));

    const store = new SqliteEventStore({ file: join(dataDir, 'events.db') });
    try {
      const { deliveries } = await expectExactlyGranted(kafka, store, prefix, agencyIds);
      expect(deliveries).toBeGreaterThan(150);
    } finally {
      await store.close();
    }
  });
});
