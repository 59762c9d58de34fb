import { holdsPersonalIdentityNumber } from '../persons/personal-identity-number';

const ACTOR_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export const ACTOR_ID_RULE = "a pseudonymous officer id: 1 to 64 letters, digits, '.', '_', ':' or '-', with a letter, and no personal identity number";

/**
 * Whether a value may stand for the acting officer (a token's `sub`, a Kafka command's actor header): it is
 * sealed into the record with every command the officer sends, so a name, an e-mail address or a person's
 * number must never be one.
 */
export function isPseudonymousActorId(value: unknown): value is string {
  return typeof value === 'string' && ACTOR_ID.test(value) && /[A-Za-z]/.test(value) && !holdsPersonalIdentityNumber(value);
}
