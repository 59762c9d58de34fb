import { ValidationError } from '@samverkan/common';
import { DataKey, decryptField, EncryptedField, encryptField, KeyWrapping } from '@samverkan/vault';
import { Identity } from './person.model';
import { FindPersonDto, IdentityDto } from './person.dto';

/** The identity a request gives, checked and normalised; `today` (YYYY-MM-DD) dates a 10-digit number's century. */
export function identityOf(dto: IdentityDto, today: string): Identity {
  const identity: Identity = {
    givenName: dto.givenName?.trim() ?? null,
    familyName: dto.familyName?.trim() ?? null,
    personalIdentityNumber: dto.personalIdentityNumber === undefined ? null : personalIdentityNumber(dto.personalIdentityNumber, today),
    dateOfBirth: dto.dateOfBirth ?? null,
    citizenship: dto.citizenship ?? null,
    contact: dto.contact ?? null,
  };
  if (Object.values(identity).every((part) => part === null)) {
    throw new ValidationError('identity needs at least one part: a name, a personal identity number, a date of birth, citizenship or contact', {
      rule: 'empty-identity',
    });
  }
  return identity;
}

/**
 * A personnummer or samordningsnummer as 12 digits, once its check digit holds (Luhn over the last 10). A
 * 10-digit number is of this century unless that would put the birth after `today`; `+` adds a century.
 */
export function personalIdentityNumber(text: string, today: string): string {
  const digits = text.replace(/[-+]/g, '');
  let full = digits;
  if (digits.length === 10) {
    const yy = Number(digits.slice(0, 2));
    const thisYear = Number(today.slice(0, 4));
    let year = Math.floor(thisYear / 100) * 100 + yy;
    if (year > thisYear) year -= 100;
    if (text.includes('+')) year -= 100;
    full = `${year}${digits.slice(2)}`;
  }
  const ten = full.slice(2);
  const sum = [...ten].reduce((total, ch, i) => {
    const d = Number(ch) * (i % 2 === 0 ? 2 : 1);
    return total + (d > 9 ? d - 9 : d);
  }, 0);
  if (sum % 10 !== 0)
    throw new ValidationError(`personalIdentityNumber ${text} does not hold: its check digit is wrong`, { rule: 'invalid-personal-identity-number' });
  return full;
}

/** The lookup terms another agency can find the person by: the number, and the date of birth with the names. */
export async function lookupTermsOf(
  identity: Pick<Identity, 'personalIdentityNumber' | 'dateOfBirth' | 'familyName' | 'givenName'>,
  master: KeyWrapping,
): Promise<string[]> {
  const terms: string[] = [];
  if (identity.personalIdentityNumber) terms.push(await master.lookupTerm(`pin:${identity.personalIdentityNumber}`));
  if (identity.dateOfBirth && identity.familyName) terms.push(await master.lookupTerm(`dob-name:${identity.dateOfBirth}:${folded(identity.familyName)}`));
  return terms;
}

/** What `FindPersonDto` asks: the terms to look for. */
export async function searchTermsOf(dto: FindPersonDto, today: string, master: KeyWrapping): Promise<string[]> {
  const identity = {
    personalIdentityNumber: dto.personalIdentityNumber === undefined ? null : personalIdentityNumber(dto.personalIdentityNumber, today),
    dateOfBirth: dto.dateOfBirth ?? null,
    familyName: dto.familyName ?? null,
    givenName: dto.givenName ?? null,
  };
  const terms = await lookupTermsOf(identity, master);
  if (terms.length === 0) {
    throw new ValidationError('find a person by personalIdentityNumber, or by dateOfBirth and familyName', { rule: 'nothing-to-find-by' });
  }
  return terms;
}

function folded(name: string): string {
  return name.normalize('NFC').trim().toLocaleLowerCase('sv-SE').replace(/\s+/g, ' ');
}

/** The context an identity is encrypted for: another field's ciphertext does not decrypt as an identity. */
const IDENTITY_CONTEXT = 'PersonRegistered.identity';

export function encryptIdentity(key: DataKey, identity: Identity): EncryptedField {
  return encryptField(key, JSON.stringify(identity), IDENTITY_CONTEXT);
}

export function decryptIdentity(key: DataKey, field: EncryptedField): Identity {
  return JSON.parse(decryptField(key, field, IDENTITY_CONTEXT)) as Identity;
}
