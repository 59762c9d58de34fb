import { ConflictError, InvariantError, NotFoundError } from '@samverkan/common';
import { fromCrossing, toCrossing } from './follower-thread';

/** Errors answered by the follower thread cross by structured clone, as postMessage carries them. */
const across = (error: unknown) => fromCrossing(structuredClone(toCrossing(error)));

describe('errors between the follower thread and the API thread', () => {
  it('keep their kind, rule and details, so that a halt is answered 409 and not 500', () => {
    const halt = new ConflictError('the ledger halted and signs nothing more: event e1 does not hash', { rule: 'ledger-halted', details: { eventId: 'e1' } });
    const crossed = across(halt);
    expect(crossed).toBeInstanceOf(ConflictError);
    expect(crossed).toMatchObject({ message: halt.message, rule: 'ledger-halted', details: { eventId: 'e1' }, code: 'conflict' });
    expect(across(new NotFoundError('no leaf', { rule: 'event-not-in-ledger' }))).toBeInstanceOf(NotFoundError);
  });

  it('are plain errors, with their message, where the kind is not one the thread answers with', () => {
    const crossed = across(new InvariantError('unexpected'));
    expect(crossed).not.toBeInstanceOf(InvariantError);
    expect(crossed.message).toBe('unexpected');
    expect(across(new TypeError('broken')).message).toBe('broken');
    expect(across('a string').message).toBe('a string');
  });
});
