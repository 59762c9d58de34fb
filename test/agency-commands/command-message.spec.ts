import 'reflect-metadata';
import fc from 'fast-check';
import { parseCommandMessage, PoisonMessage } from '../../apps/coordinator/src/agency-commands/command-message';
import { hostileJson } from '../support/hostile-json';

/**
 * Every message of an agency's command topic is either a command or a PoisonMessage (which goes to the
 * dead-letter topic, naming why): never another error, which would stop the consumer.
 */
describe('parseCommandMessage on hostile messages', () => {
  const headerValue = fc.oneof(
    fc.constantFrom('officer-1', '', '\u202eofficer', '19811218-9876', 'x'.repeat(300)),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );

  it('answers with a command or a PoisonMessage, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileJson,
        fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 50 })), { nil: null }),
        fc.option(headerValue, { nil: undefined }),
        fc.option(headerValue, { nil: undefined }),
        async (value, key, actor, correlation) => {
          const headers: Record<string, Buffer> = {};
          if (actor !== undefined) headers['samverkan-actor'] = Buffer.from(actor);
          if (correlation !== undefined) headers['samverkan-correlation-id'] = Buffer.from(correlation);
          try {
            await parseCommandMessage({ key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers });
          } catch (error) {
            expect(error).toBeInstanceOf(PoisonMessage);
          }
        },
      ),
      { numRuns: 1500 },
    );
  }, 60_000);

  it('keeps the body limits of the HTTP API: depth, duplicate keys, forbidden characters', async () => {
    const message = (value: string) => parseCommandMessage({ key: null, value: Buffer.from(value), headers: { 'samverkan-actor': Buffer.from('officer-1') } });
    await expect(message('{"type":"open-case","commandId":"c-1","body":' + '['.repeat(100_000))).rejects.toMatchObject({
      reason: 'invalid-json',
      message: expect.stringMatching(/deeper than 16/),
    });
    await expect(message('{"type":"open-case","type":"close-case"}')).rejects.toMatchObject({
      reason: 'invalid-json',
      message: expect.stringMatching(/twice/),
    });
    const opening = { type: 'open-case', commandId: 'c-1', body: { subject: { category: 'victim', ageGroup: 'adult' }, summary: 'a\u202eb' } };
    await expect(message(JSON.stringify(opening))).rejects.toMatchObject({
      reason: 'invalid-json',
      message: expect.stringMatching(/body.summary holds a control/),
    });
  });
});
