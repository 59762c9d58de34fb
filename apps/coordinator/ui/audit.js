import { api, apiResponse, apiText, applyWords, header, paragraph, showError, t, tableOf, when } from '/ui/app.js';
import { latestCheckpoint, pinnedVerifier, proofBetween } from '/ui/ledger.js';
import { eventLeafHash, fromHex, openCheckpoint, verifyExtends, verifyInclusion } from '/ui/verify.js';

// The auditors' page: the ledger's signed checkpoints, consistency between any two and inclusion of any event
// checked here, the export to download for samverkan-audit, and who read a case.

applyWords();

let verifier;

async function start() {
  await header();
  verifier = await pinnedVerifier();
  await latestCheckpoint(verifier);
  const { checkpoints } = await api('/ledger/checkpoints?limit=1000');
  const place = document.querySelector('#checkpoints');
  place.replaceChildren(
    checkpoints.length === 0
      ? paragraph(t('none'))
      : tableOf(
          [t('size'), t('root'), t('signed-at')],
          checkpoints.map((c) => [String(c.size), c.root, when(c.createdAt)]),
        ),
  );
  for (const [select, index] of [
    ['#older', Math.min(1, checkpoints.length - 1)],
    ['#newer', 0],
  ]) {
    const element = document.querySelector(select);
    element.replaceChildren(...checkpoints.map((c) => new Option(String(c.size), String(c.size))));
    if (index >= 0) element.selectedIndex = index;
  }
  on('#consistency-form', '#consistency', checkConsistency);
  on('#inclusion-form', '#inclusion', checkInclusion);
  on('#access-form', '#access', showAccessLog);
  document.querySelector('#export-button').addEventListener('click', () => download().catch(showError));
}

/** Runs `check` on the form's submit and puts what it says, or why it failed, in `output`. */
function on(form, output, check) {
  document.querySelector(form).addEventListener('submit', async (event) => {
    event.preventDefault();
    const place = document.querySelector(output);
    try {
      const result = await check();
      if (typeof result === 'string') {
        place.textContent = `✓ ${result}`;
        place.className = 'verified';
      } else place.replaceChildren(result);
    } catch (error) {
      place.textContent = `✗ ${error.message}`;
      place.className = 'failed';
    }
  });
}

/** A signed checkpoint of the given size, opened with the pinned key. */
async function checkpointOf(size) {
  return openCheckpoint(await apiText(`/ledger/checkpoints?size=${size}`), verifier);
}

async function checkConsistency() {
  const [a, b] = ['#older', '#newer'].map((s) => Number(document.querySelector(s).value)).sort((x, y) => x - y);
  const [older, newer] = await Promise.all([checkpointOf(a), checkpointOf(b)]);
  await verifyExtends(older, newer, proofBetween);
  return t('consistent', { older: a, newer: b });
}

async function checkInclusion() {
  const eventId = document.querySelector('#event-id').value.trim();
  const checkpoint = await latestCheckpoint(verifier);
  const proof = await api(`/ledger/proofs/inclusion?eventId=${encodeURIComponent(eventId)}&treeSize=${checkpoint.size}`);
  const leaf = await eventLeafHash(proof.eventHash);
  await verifyInclusion(
    leaf,
    proof.leafIndex,
    checkpoint.size,
    proof.proof.map((h, i) => fromHex(h, `proof[${i}]`)),
    checkpoint.root,
  );
  return t('included', { eventId, hash: proof.eventHash, leafIndex: proof.leafIndex, size: checkpoint.size });
}

/** The export, fetched with the auditor's token and offered as a file (a plain link could not carry the token). */
async function download() {
  const checkpoint = await latestCheckpoint(verifier);
  const response = await apiResponse(`/ledger/export?size=${checkpoint.size}`);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = `samverkan-ledger-${checkpoint.size}.ndjson`;
  link.textContent = link.download;
  const status = document.querySelector('#export');
  const [before, after] = t('export-ready', { size: checkpoint.size, link: '\u0000' }).split('\u0000');
  status.replaceChildren(before, link, after);
  link.click();
}

async function showAccessLog() {
  const caseId = document.querySelector('#access-case').value.trim();
  const { entries } = await api(`/cases/${encodeURIComponent(caseId)}/access-log?limit=1000`);
  if (entries.length === 0) return paragraph(t('none'));
  return tableOf(
    [t('when'), t('agency'), t('officer'), t('view'), t('outcome')],
    entries.map((e) => [when(e.at), e.agency, e.actor, e.view, e.outcome]),
  );
}

start().catch(showError);
