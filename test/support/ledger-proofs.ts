import { eventLeafHash, fromHex, verifyInclusion } from '@samverkan/ledger';
import { AgencyClient, eventually, Reply } from './running-service';

/**
 * Asks the service, as `client`, for each event's inclusion proof in the tree of the checkpoint's size, and walks
 * each proof here to the checkpoint's signed root. Returns the answers, in the order of the events.
 */
export async function expectIncluded(
  client: AgencyClient,
  events: ReadonlyArray<{ id: string; hash: string }>,
  checkpoint: { size: number; root: Buffer },
): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (const event of events) {
    const reply = await client.get(`/ledger/proofs/inclusion?eventId=${event.id}&treeSize=${checkpoint.size}`);
    expect(reply.status).toBe(200);
    verifyInclusion(
      eventLeafHash(event.hash),
      reply.body.leafIndex,
      checkpoint.size,
      reply.body.proof.map((h: string) => fromHex(h, 'proof')),
      checkpoint.root,
    );
    replies.push(reply);
  }
  return replies;
}

/**
 * Resolves once the ledger has sealed each event as a leaf. The ledger's size does not tell, as reads are sealed
 * too: what a test read since the events were appended counts towards it. A proof in the latest checkpoint's tree
 * does: an event sealed after that checkpoint is a leaf outside its tree, one not yet sealed is not in the ledger.
 */
export async function untilSealed(client: AgencyClient, events: ReadonlyArray<{ id: string }>): Promise<void> {
  for (const event of events) {
    await eventually(async () => {
      const reply = await client.get(`/ledger/proofs/inclusion?eventId=${event.id}`);
      return reply.status === 200 || reply.body.rule === 'leaf-outside-tree' ? true : undefined;
    }, `the ledger to seal event ${event.id}`);
  }
}
