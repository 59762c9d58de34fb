// Checking the record in the browser, trusting nothing the server says about it: event hashes recomputed from the
// events as stored (RFC 8785 canonical JSON, SHA-256), Merkle proofs walked to the root (RFC 9162 §2.1.3.2 and
// §2.1.4.2, with RFC 6962 leaf and node hashes), and checkpoints opened as C2SP signed notes with Ed25519, all
// with WebCrypto. The same checks as the ledger library and samverkan-audit make on the server side of the desk.

import canonicalize from '/ui/vendor/canonicalize.js';

const HASH_SIZE = 32;
const EM_DASH_SPACE = '\u2014 ';

/** A check that failed; the message says what was expected and what was found. */
export class VerificationError extends Error {}

const fail = (message) => {
  throw new VerificationError(message);
};

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text, what) {
  if (typeof text !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(text)) fail(`${what} is not hex`);
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

function fromBase64(text, what) {
  if (typeof text !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) fail(`${what} is not standard padded base64`);
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

const leafHash = (data) => sha256(concat([0x00], data));
const nodeHash = (left, right) => sha256(concat([0x01], left, right));

/** The hash a sealed event must carry: SHA-256 of the RFC 8785 canonical JSON of everything but `hash`, as hex. */
export async function envelopeHash(envelope) {
  const { hash: _ignored, ...unsealed } = envelope;
  return toHex(await sha256(new TextEncoder().encode(canonicalize(unsealed))));
}

/** The Merkle leaf of a sealed event: the leaf hash of the 32 bytes its hash encodes. */
export function eventLeafHash(eventHashHex) {
  if (!/^[0-9a-f]{64}$/.test(eventHashHex ?? '')) fail(`an event hash is 64 lowercase hex digits; got ${JSON.stringify(eventHashHex)}`);
  return leafHash(fromHex(eventHashHex, 'the event hash'));
}

function requireHash(what, hash) {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) fail(`${what} is not ${HASH_SIZE} bytes`);
}

const isOdd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

/** The root an inclusion proof leads to from `leaf` at `index` in a tree of `size` leaves (RFC 9162 §2.1.3.2). */
export async function rootFromInclusionProof(leaf, index, size, proof) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) fail(`leaf index ${index} is not in a tree of size ${size}`);
  requireHash('the leaf hash', leaf);
  proof.forEach((hash, i) => requireHash(`proof[${i}]`, hash));
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) fail('the inclusion proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('the inclusion proof is too short');
  return r;
}

/** Checks that `proof` puts `leaf` at `index` in the tree of `size` leaves whose root is `root`. */
export async function verifyInclusion(leaf, index, size, proof, root) {
  requireHash('the root', root);
  const computed = await rootFromInclusionProof(leaf, index, size, proof);
  if (!equal(computed, root)) fail(`the proof for leaf ${index} leads to root ${toHex(computed)}, not to the checkpoint's ${toHex(root)}`);
}

/** Checks that the tree of `size1` leaves with `root1` is a prefix of the tree of `size2` leaves with `root2` (RFC 9162 §2.1.4.2). */
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < 0) fail('tree sizes are whole numbers');
  if (size1 > size2) fail(`size ${size1} is larger than size ${size2}: a log never shrinks`);
  // RFC 9162 §2.1.4 defines the proof for 0 < size1 < size2; from size 0 it proves nothing, to any size.
  if (size1 === 0) fail('a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (proof.length !== 0) fail(`trees of equal size ${size1} need an empty proof; got ${proof.length} hashes`);
    if (!equal(root1, root2)) fail(`two trees of size ${size1} have different roots: the log forked`);
    return;
  }
  if (proof.length === 0) fail(`a proof from size ${size1} to ${size2} cannot be empty`);
  requireHash('root1', root1);
  requireHash('root2', root2);
  proof.forEach((hash, i) => requireHash(`proof[${i}]`, hash));
  // The old tree is itself a node of the new one when its size is a power of two.
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) fail('the consistency proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) fail('the consistency proof is too short');
  if (!equal(fr, root1)) fail(`the proof rebuilds the old root as ${toHex(fr)}, not ${toHex(root1)}`);
  if (!equal(sr, root2)) fail(`the proof rebuilds the new root as ${toHex(sr)}, not ${toHex(root2)}`);
}

/** A verifier key `<name>+<8 hex key id>+<base64(0x01 ‖ Ed25519 public key)>`, its key id checked against the key. */
export async function parseVerifierKey(vkey) {
  // A name holds no '+'; the base64 key may.
  const parts = typeof vkey === 'string' ? /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey.trim()) : null;
  if (!parts) fail('a verifier key reads <name>+<8 hex digits>+<base64 key>');
  const [, name, idHex, keyText] = parts;
  const bytes = fromBase64(keyText, 'the verifier key');
  if (bytes.length !== 33 || bytes[0] !== 0x01) fail('the verifier key is not an Ed25519 note key');
  const publicKey = bytes.slice(1);
  const keyId = (await sha256(concat(new TextEncoder().encode(name), [0x0a, 0x01], publicKey))).slice(0, 4);
  if (toHex(keyId) !== idHex) fail(`the verifier key's id ${idHex} does not match its key`);
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return { name, keyId, key, text: vkey.trim() };
}

/**
 * Opens a C2SP signed note with one verifier key: its text, if the key signed it and the signature verifies. A
 * signature by the key that fails means the text was changed: refused, whatever else the note carries.
 */
export async function openNote(note, verifier) {
  const split = typeof note === 'string' ? note.lastIndexOf('\n\n') : -1;
  if (split < 0) fail('the note has no blank line between its text and its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) fail('the note has no complete signature lines');
  let signed = false;
  for (const line of block.slice(0, -1).split('\n')) {
    if (!line.startsWith(EM_DASH_SPACE)) fail('a signature line does not start with an em dash and a space');
    const [name, signatureText, extra] = line.slice(EM_DASH_SPACE.length).split(' ');
    if (extra !== undefined || signatureText === undefined) fail('a signature line is not "— <name> <signature>"');
    const bytes = fromBase64(signatureText, `the signature by ${name}`);
    if (name !== verifier.name || !equal(bytes.slice(0, 4), verifier.keyId)) continue;
    if (signed) fail(`the key ${name} signed the note twice`);
    const ok = bytes.length === 68 && (await crypto.subtle.verify({ name: 'Ed25519' }, verifier.key, bytes.slice(4), new TextEncoder().encode(text)));
    if (!ok) fail(`the signature by ${name} does not verify: the note was changed after it was signed`);
    signed = true;
  }
  if (!signed) fail(`the note is not signed by the key ${verifier.text}`);
  return text;
}

/** A checkpoint (C2SP tlog-checkpoint) signed by `verifier`, whose origin is the key's name: its size and root. */
export async function openCheckpoint(note, verifier) {
  const text = await openNote(note, verifier);
  const [origin, sizeText, rootText] = text.slice(0, -1).split('\n');
  if (origin !== verifier.name) fail(`the checkpoint is of the log ${origin}, not ${verifier.name}`);
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText ?? '')) fail('the checkpoint size is not a decimal number');
  const root = fromBase64(rootText, 'the checkpoint root');
  if (root.length !== HASH_SIZE) fail(`the checkpoint root is not ${HASH_SIZE} bytes`);
  return { origin, size: Number(sizeText), root, note };
}

/**
 * Every event of a case's audit bundle checked against the bundle's checkpoint, which `verifier` must have
 * signed. An event shown as stored is `verified` when its hash recomputes, it links to the event before it and
 * its inclusion proof leads to the checkpoint's root; an event withheld from the reader is `proven-by-hash`
 * when the hash it is given by is so included (its content cannot be checked here); anything else `failed`,
 * with the problem. Returns the checkpoint and the verdict of each revision.
 */
export async function verifyBundle(bundle, verifier) {
  const checkpoint = await openCheckpoint(bundle.checkpoint, verifier);
  const verdicts = new Map();
  let previous;
  for (const entry of bundle.events) {
    const shown = entry.event !== undefined;
    const event = shown ? entry.event : entry.withheld;
    let problem;
    try {
      if (event.stream !== bundle.stream) fail(`it is in stream ${event.stream}, not ${bundle.stream}`);
      if (shown) {
        const recomputed = await envelopeHash(event);
        if (recomputed !== event.hash) fail(`its content hashes to ${recomputed}, not to the ${event.hash} it was sealed with: it was changed`);
      }
      if (previous !== undefined && previous.revision + 1 === event.revision && event.prev !== previous.hash)
        fail(`it does not link to revision ${previous.revision}`);
      await verifyInclusion(
        await eventLeafHash(event.hash),
        entry.leafIndex,
        checkpoint.size,
        entry.inclusionProof.map((h, i) => fromHex(h, `proof[${i}]`)),
        checkpoint.root,
      );
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      problem = error.message;
    }
    verdicts.set(event.revision, { status: problem ? 'failed' : shown ? 'verified' : 'proven-by-hash', problem, leafIndex: entry.leafIndex, hash: event.hash });
    previous = event;
  }
  return { checkpoint, verdicts };
}

/**
 * Checks that the opened checkpoint `newer` extends `older` (the log only grew), asking `proofBetween(size1,
 * size2)` for the consistency proof's hex hashes; the roots are the signed ones, never the server's word.
 */
export async function verifyExtends(older, newer, proofBetween) {
  if (older.size === 0) return; // every log extends the empty one
  const proof = older.size < newer.size ? await proofBetween(older.size, newer.size) : [];
  await verifyConsistency(
    older.size,
    newer.size,
    older.root,
    newer.root,
    proof.map((h, i) => fromHex(h, `proof[${i}]`)),
  );
}
