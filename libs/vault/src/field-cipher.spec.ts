import { randomBytes } from 'node:crypto';
import { InvariantError } from '@samverkan/common';
import { decryptField, encryptField, gcmOpen, gcmSeal, isEncryptedField } from './field-cipher';
import { MasterKey } from './master-key';
import vectors from './testing/fixtures/aes-256-gcm.json';

const hex = (text: string) => Buffer.from(text, 'hex');

describe('AES-256-GCM, the primitive', () => {
  it.each(vectors.cases)('matches the published test case $name', ({ key, iv, pt, aad, ct, tag }) => {
    expect(gcmSeal(hex(key), hex(iv), hex(pt), hex(aad)).toString('hex')).toBe(ct + tag);
    expect(gcmOpen(hex(key), hex(iv), hex(ct + tag), hex(aad)).toString('hex')).toBe(pt);
  });

  it('refuses a ciphertext with one bit changed', () => {
    const { key, iv, pt, aad, ct, tag } = vectors.cases[3];
    const changed = hex(ct + tag);
    changed[0] ^= 1;
    expect(() => gcmOpen(hex(key), hex(iv), changed, hex(aad))).toThrow();
    expect(pt).not.toBe('');
  });
});

describe('an encrypted field', () => {
  const key = { kid: 'person-1', key: randomBytes(32) };

  it('decrypts to its clear text with its key and context, and shows none of it', () => {
    const field = encryptField(key, 'Anna Svensson, 19, från Tallinn', 'CaseOpened.summary');
    expect(isEncryptedField(field)).toBe(true);
    expect(JSON.stringify(field)).not.toMatch(/Anna|Svensson|Tallinn/);
    expect(decryptField(key, field, 'CaseOpened.summary')).toBe('Anna Svensson, 19, från Tallinn');
  });

  it('is different each time, for the same clear text', () => {
    expect(encryptField(key, 'x', 'c').ct).not.toBe(encryptField(key, 'x', 'c').ct);
  });

  it('does not decrypt in another field, under another key, or changed', () => {
    const field = encryptField(key, 'secret', 'CaseOpened.summary');
    expect(() => decryptField(key, field, 'CaseReferred.reason')).toThrow(InvariantError);
    expect(() => decryptField({ kid: 'person-1', key: randomBytes(32) }, field, 'CaseOpened.summary')).toThrow(/does not decrypt/);
    expect(() => decryptField({ kid: 'person-2', key: key.key }, field, 'CaseOpened.summary')).toThrow(/encrypted under key person-1, not person-2/);
    const ct = Buffer.from(field.ct, 'base64url');
    ct[0] ^= 1;
    expect(() => decryptField(key, { ...field, ct: ct.toString('base64url') }, 'CaseOpened.summary')).toThrow(/was changed, or moved/);
  });
});

describe('the master key', () => {
  it('wraps a data key so that only it, and only for that id, unwraps it', async () => {
    const master = MasterKey.generate();
    const dataKey = randomBytes(32);
    const wrapped = await master.wrap('person-1', dataKey);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect((await master.unwrap('person-1', wrapped)).equals(dataKey)).toBe(true);
    await expect(master.unwrap('person-2', wrapped)).rejects.toThrow(/does not unwrap/);
    await expect(MasterKey.generate().unwrap('person-1', wrapped)).rejects.toThrow(/does not unwrap/);
  });

  it('makes lookup terms that only it can make again', async () => {
    const master = MasterKey.generate();
    const term = await master.lookupTerm('pin:199001011234');
    expect(await master.lookupTerm('pin:199001011234')).toBe(term);
    expect(await master.lookupTerm('pin:199001011235')).not.toBe(term);
    expect(await MasterKey.generate().lookupTerm('pin:199001011234')).not.toBe(term);
    expect(term).not.toContain('1990');
  });

  it('is 32 bytes', () => {
    expect(() => new MasterKey(randomBytes(16))).toThrow('a master key is 32 bytes, not 16');
  });
});
