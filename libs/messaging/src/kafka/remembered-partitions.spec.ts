import fc from 'fast-check';
import { PartitionerArgs, Partitioners } from 'kafkajs';
import { rememberedPartitions } from './kafka-message-bus';

const metadata = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));

describe('the message bus partitioner', () => {
  it("puts every keyed message where kafkajs's default partitioner does, asked once or again, whatever the topic's partitions", () => {
    const remembered = rememberedPartitions();
    const original = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 7 }), (key, topic, partitions) => {
        const args = { topic, partitionMetadata: metadata(partitions), message: { key, value: null } } as PartitionerArgs;
        const expected = original(args);
        return remembered(args) === expected && remembered(args) === expected;
      }),
      { numRuns: 3_000 },
    );
  });

  it('leaves a message that names its partition, or has no key, to the default', () => {
    const remembered = rememberedPartitions();
    const partitionMetadata = metadata(3);
    expect(remembered({ topic: 't', partitionMetadata, message: { key: 'k', value: null, partition: 2 } })).toBe(2);
    const spread = new Set(Array.from({ length: 30 }, () => remembered({ topic: 't', partitionMetadata, message: { key: null, value: null } })));
    expect(spread.size).toBeGreaterThan(1);
  });
});
