import { api, apiText, t } from '/ui/app.js';
import { openCheckpoint, parseVerifierKey, verifyExtends } from '/ui/verify.js';

// The ledger as this browser trusts it: the key it first saw, and the largest checkpoint it has seen signed with
// it; every newer checkpoint must extend that one, whatever the server says.

const PINNED_KEY = 'samverkan.ledger-key';
const SEEN_CHECKPOINT = 'samverkan.ledger-checkpoint';

/** The ledger's verifier key, pinned on first use; a different key later is refused, never trusted. */
export async function pinnedVerifier() {
  const keyText = (await apiText('/ledger/key')).trim();
  const pinned = localStorage.getItem(PINNED_KEY);
  if (pinned && pinned !== keyText) throw new Error(t('key-changed', { seen: pinned }));
  const verifier = await parseVerifierKey(keyText);
  localStorage.setItem(PINNED_KEY, keyText);
  return verifier;
}

/** The consistency proof's hashes between two sizes of the log, as the server gives them (checked by the caller). */
export async function proofBetween(size1, size2) {
  return (await api(`/ledger/proofs/consistency?from=${size1}&to=${size2}`)).proof;
}

/** The latest signed checkpoint, proven to extend the largest this browser saw before, which it then becomes. */
export async function latestCheckpoint(verifier) {
  const newest = await openCheckpoint(await apiText('/ledger/checkpoint'), verifier);
  const seen = localStorage.getItem(SEEN_CHECKPOINT);
  if (seen) await verifyExtends(await openCheckpoint(seen, verifier), newest, proofBetween);
  localStorage.setItem(SEEN_CHECKPOINT, newest.note);
  return newest;
}
