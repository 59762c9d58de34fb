import { createHash, generateKeyPairSync, KeyObject, verify } from 'node:crypto';
import { ed25519NoteSigner, NoteError, NoteSigner, openNote, parseVerifierKey, signNote, verifierKey } from './note';
import vector from './testing/fixtures/signed-note.json';
import { noteError, rawPublicKey } from './testing/note-errors';

const NAME = 'samverkan.test/ledger';

function newKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

describe('signed notes', () => {
  describe('the published C2SP signed-note example', () => {
    it('has a verifier key that parses to the published name, key id and public key', () => {
      const verifier = parseVerifierKey(vector.vkey);
      expect(verifier.name).toBe(vector.decoded.key_name);
      expect(verifier.keyId.toString('hex')).toBe(vector.decoded.key_id_hex);
      const published = Buffer.from(vector.decoded.ed25519_public_hex, 'hex');
      const expectedId = createHash('sha256')
        .update(Buffer.concat([Buffer.from(`${vector.decoded.key_name}\n`), Buffer.from([0x01]), published]))
        .digest()
        .subarray(0, 4);
      expect(verifier.keyId).toEqual(expectedId);
    });

    it('opens with the published verifier key, giving the published text and signature', () => {
      const opened = openNote(vector.note, [parseVerifierKey(vector.vkey)]);
      expect(opened.text).toBe(vector.decoded.signed_text);
      expect(opened.verifiedBy).toEqual([vector.decoded.key_name]);
      expect(opened.signatures).toHaveLength(1);
      expect(opened.signatures[0].name).toBe(vector.decoded.key_name);
      expect(opened.signatures[0].keyId.toString('hex')).toBe(vector.decoded.key_id_hex);
      expect(opened.signatures[0].signature.toString('hex')).toBe(vector.decoded.signature_hex);
    });

    it('is refused once one byte of its text changes', () => {
      const tampered = vector.note.replace('example message', 'example massage');
      expect(noteError(() => openNote(tampered, [parseVerifierKey(vector.vkey)])).message).toMatch(/signature by example\.com\/foo\+530d903a does not verify/);
    });

    it('is refused by a client that knows only another key of the same name', () => {
      const other = parseVerifierKey(verifierKey('example.com/foo', newKey().publicKey));
      expect(noteError(() => openNote(vector.note, [other])).message).toMatch(
        /example\.com\/foo\+530d903a has the name of known key example\.com\/foo\+[0-9a-f]{8} but another key id/,
      );
    });
  });

  describe('given a note signed by ed25519NoteSigner', () => {
    const { privateKey, publicKey } = newKey();
    const signer = ed25519NoteSigner(NAME, privateKey);
    const vkey = verifierKey(NAME, publicKey);
    const text = 'samverkan.test/ledger\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
    const note = signNote(text, [signer]);

    it('uses key id SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] and publishes it in the verifier key', () => {
      const raw = rawPublicKey(publicKey);
      const expected = createHash('sha256')
        .update(Buffer.concat([Buffer.from(`${NAME}\n`), Buffer.from([0x01]), raw]))
        .digest()
        .subarray(0, 4);
      expect(signer.keyId).toEqual(expected);
      expect(vkey).toBe(`${NAME}+${expected.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`);
      expect(verifierKey(NAME, privateKey)).toBe(vkey);
    });

    it('is the text, a blank line and one em-dash line carrying key id and an Ed25519 signature of the text', () => {
      const match = /^([\s\S]*)\n\u2014 (\S+) ([A-Za-z0-9+/=]+)\n$/.exec(note);
      expect(match?.[1]).toBe(text);
      expect(match?.[2]).toBe(NAME);
      const bytes = Buffer.from(match![3], 'base64');
      expect(bytes.subarray(0, 4)).toEqual(signer.keyId);
      expect(verify(null, Buffer.from(text), publicKey, bytes.subarray(4))).toBe(true);
    });

    it('opens with its verifier key', () => {
      const opened = openNote(note, [parseVerifierKey(vkey)]);
      expect(opened.text).toBe(text);
      expect(opened.verifiedBy).toEqual([NAME]);
    });

    it('opens when the text itself contains blank lines: the last blank line ends the text', () => {
      const spaced = 'first\n\nsecond\n\n';
      expect(openNote(signNote(spaced, [signer]), [parseVerifierKey(vkey)]).text).toBe(spaced);
    });

    it('opens with several signers and reports the unknown ones without trusting them', () => {
      const witness = ed25519NoteSigner('witness.test/w1', newKey().privateKey);
      const opened = openNote(signNote(text, [signer, witness]), [parseVerifierKey(vkey)]);
      expect(opened.verifiedBy).toEqual([NAME]);
      expect(opened.signatures.map((s) => s.name)).toEqual([NAME, 'witness.test/w1']);
    });

    describe('when tampered with', () => {
      const verifiers = [parseVerifierKey(vkey)];

      it('a changed byte of the body is refused', () => {
        const tampered = note.replace('\n42\n', '\n43\n');
        expect(noteError(() => openNote(tampered, verifiers)).message).toMatch(/does not verify/);
      });

      it('a signature by another key under the same name is refused, naming the key id mismatch', () => {
        const forged = signNote(text, [ed25519NoteSigner(NAME, newKey().privateKey)]);
        expect(noteError(() => openNote(forged, verifiers)).message).toMatch(/but another key id/);
      });

      it('another key claiming this key id is refused because its signature does not verify', () => {
        const other = newKey().privateKey;
        const impostor: NoteSigner = { name: NAME, keyId: signer.keyId, sign: ed25519NoteSigner(NAME, other).sign };
        expect(noteError(() => openNote(signNote(text, [impostor]), verifiers)).message).toMatch(/does not verify/);
      });

      it('an altered key id is treated as an unknown key, and the note is refused', () => {
        const [head, signature] = note.split(`\u2014 ${NAME} `);
        const bytes = Buffer.from(signature.trim(), 'base64');
        bytes[0] ^= 0xff;
        const altered = `${head}\u2014 ${NAME} ${bytes.toString('base64')}\n`;
        const error = noteError(() => openNote(altered, verifiers));
        expect(error.message).toMatch(/not signed by any known key/);
        expect(error.rule).toBe('note-unverified');
      });

      it('a note signed only by an unknown key name is refused, listing known and found keys', () => {
        const stranger = signNote(text, [ed25519NoteSigner('stranger.test/log', newKey().privateKey)]);
        expect(noteError(() => openNote(stranger, verifiers)).message).toMatch(
          new RegExp(`stranger\\.test/log\\+[0-9a-f]{8} is unknown \\(known: ${NAME.replace('.', '\\.')}\\+`),
        );
      });

      it('a valid signature does not excuse a known key whose signature fails', () => {
        const second = ed25519NoteSigner('second.test/key', newKey().privateKey);
        const broken: NoteSigner = { ...second, sign: () => Buffer.alloc(64) };
        const both = signNote(text, [signer, broken]);
        const secondVerifier = { name: second.name, keyId: second.keyId, verify: () => false };
        expect(noteError(() => openNote(both, [...verifiers, secondVerifier])).message).toMatch(/second\.test\/key\+[0-9a-f]{8} does not verify/);
      });

      it('no verifiers at all is a refusal, not an acceptance', () => {
        expect(noteError(() => openNote(note, [])).message).toMatch(/known: none/);
      });
    });
  });

  describe('malformed notes are refused before any signature is checked', () => {
    const signer = ed25519NoteSigner(NAME, newKey().privateKey);
    const good = signNote('text\n', [signer]);
    const line = good.slice('text\n\n'.length);
    const unknownLine = '\u2014 someone.test/x AAAAAAAAAAAA\n';

    it.each([
      ['no blank line before the signatures', `text\n${line}`, /no blank line/],
      ['no signature lines', 'text\n\n', /no signature lines/],
      ['a missing final newline', good.slice(0, -1), /does not end in a newline/],
      ['CRLF line endings', good.replace(/\n/g, '\r\n'), /U\+000D.*CRLF/],
      ['a control character in the text', `te\u0007xt\n\n${line}`, /control character U\+0007/],
      ['an unpaired surrogate', `te\uD800xt\n\n${line}`, /not valid UTF-8/],
      ['a hyphen instead of an em dash', `text\n\n${line.replace('\u2014', '-')}`, /em dash/],
      ['a key name with a plus', `text\n\n\u2014 a+b AAAAAAAAAAAA\n`, /contains '\+'/],
      ['a signature that is not base64', `text\n\n\u2014 ${NAME} not*base64\n`, /not standard padded base64/],
      ['unpadded base64', `text\n\n\u2014 ${NAME} AAAAAAAAAAA\n`, /not standard padded base64/],
      ['a signature of only 4 bytes', `text\n\n\u2014 ${NAME} AAAAAA==\n`, /holds 4 bytes/],
      ['101 signature lines', `text\n\n${line}${unknownLine.repeat(100)}`, /101 signature lines; at most 100/],
    ])('%s', (_what, note, message) => {
      const error = noteError(() => openNote(note, [{ name: NAME, keyId: signer.keyId, verify: () => true }]));
      expect(error.message).toMatch(message);
    });

    describe('a known key that signed twice', () => {
      const verifier = { name: NAME, keyId: signer.keyId, verify: () => true };

      it('is malformed even when both lines carry the same valid signature', () => {
        const error = noteError(() => openNote(`${good}${line}`, [verifier]));
        expect(error.rule).toBe('note-format');
        expect(error.message).toBe(
          `malformed signed note: known key ${NAME}+${signer.keyId.toString('hex')} signed it twice (signature lines 1 and 2); a key signs a note at most once`,
        );
      });

      it('is malformed, not merely unverified, when the second signature is another one', () => {
        const other = signNote('text\n', [{ ...signer, sign: () => Buffer.alloc(64, 1) }]).slice('text\n\n'.length);
        const checked: string[] = [];
        const counting = { ...verifier, verify: () => (checked.push('verify'), true) };
        const error = noteError(() => openNote(`${good}${unknownLine}${other}`, [counting]));
        expect(error.message).toMatch(/signed it twice \(signature lines 1 and 3\)/);
        expect(checked).toEqual([]); // refused before any signature was checked
      });

      it('is told apart from two keys of one name with different key ids, each signing once', () => {
        const second = ed25519NoteSigner(NAME, newKey().privateKey);
        const both = signNote('text\n', [signer, second]);
        const opened = openNote(both, [verifier, { name: NAME, keyId: second.keyId, verify: () => true }]);
        expect(opened.verifiedBy).toEqual([NAME]);
        expect(opened.signatures).toHaveLength(2);
      });

      it('while an unknown key may repeat, as the reference implementation allows', () => {
        expect(openNote(`${good}${unknownLine}${unknownLine}`, [verifier]).signatures).toHaveLength(3);
      });
    });

    it('but 100 signature lines, one of them known, are accepted', () => {
      const note = `${good}${unknownLine.repeat(99)}`;
      const opened = openNote(note, [{ name: NAME, keyId: signer.keyId, verify: () => true }]);
      expect(opened.signatures).toHaveLength(100);
    });
  });

  describe('signing', () => {
    const signer = ed25519NoteSigner(NAME, newKey().privateKey);

    it.each([
      ['a text without a final newline', () => signNote('text', [signer]), /must end in a newline/],
      ['no signers', () => signNote('text\n', []), /1 to 100 signers/],
      ['the same key twice', () => signNote('text\n', [signer, signer]), /among the signers twice/],
      ['a tab in the text', () => signNote('a\tb\n', [signer]), /control character U\+0009/],
    ])('refuses %s', (_what, check, message) => {
      expect(noteError(check).message).toMatch(message);
    });

    it.each([
      ['an empty name', ''],
      ['a name with a space', 'a b'],
      ['a name with a no-break space', 'a\u00a0b'],
      ['a name with a plus', 'a+b'],
    ])('refuses a signer with %s', (_what, name) => {
      expect(() => ed25519NoteSigner(name, newKey().privateKey)).toThrow(NoteError);
    });

    it('refuses a key that is not an Ed25519 private key', () => {
      const { publicKey } = newKey();
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      expect(() => ed25519NoteSigner(NAME, publicKey)).toThrow(/Ed25519 private KeyObject/);
      expect(() => ed25519NoteSigner(NAME, ec)).toThrow(/Ed25519 private KeyObject/);
    });
  });

  describe('verifier keys', () => {
    const { publicKey } = newKey();
    const vkey = verifierKey(NAME, publicKey);
    const [name, id, key] = [NAME, vkey.split('+')[1], vkey.slice(vkey.indexOf('+', NAME.length + 1) + 1)];
    const truncated = Buffer.from(key, 'base64').subarray(0, 32).toString('base64');
    const typed = (type: number) => Buffer.concat([Buffer.from([type]), Buffer.from(key, 'base64').subarray(1)]).toString('base64');

    it.each([
      ['a key id that does not match the key', `${name}+00000000+${key}`, /names key id 00000000, but its key has key id/],
      ['a key id of 7 digits', `${name}+${id.slice(1)}+${key}`, /8 hex digits/],
      ['a missing key part', `${name}+${id}`, /not of the form/],
      ['a cosignature (type 0x04) key', `${name}+${id}+${typed(4)}`, /cosignature\/v1 key \(type 0x04\); expected an Ed25519 note/],
      ['an unknown key type', `${name}+${id}+${typed(9)}`, /a key of type 0x09/],
      ['a 31-byte key', `${name}+${id}+${truncated}`, /31-byte public key/],
      ['a key that is not base64', `${name}+${id}+***`, /not standard padded base64/],
      ['a name with a space', `bad name+${id}+${key}`, /contains a space/],
    ])('refuses %s', (_what, text, message) => {
      expect(noteError(() => parseVerifierKey(text)).message).toMatch(message);
    });

    it('refuses two known verifiers with the same name and key id', () => {
      const note = signNote('x\n', [ed25519NoteSigner(NAME, newKey().privateKey)]);
      const verifier = parseVerifierKey(vkey);
      expect(noteError(() => openNote(note, [verifier, verifier])).message).toMatch(/two known verifiers/);
    });
  });
});
