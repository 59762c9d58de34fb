import { AUDIT_BUNDLE_FORMATS, AuditBundle, BundledEvent, eventLeafHash, ProofError, verifyInclusion, WithheldEvent } from '@samverkan/ledger';
import { caseIdOf, caseStream, hashMismatch, SealedEnvelope } from '@samverkan/sealing';
import { Command, describeEvent, EXIT_OK, errorMessage, Findings, parseCommand, UsageError } from './cli';
import { envelopeShapeProblem, StreamHeads, withheldShapeProblem } from './envelope-check';
import { describeCheckpoint, looseHex, OpenedCheckpoint, openCheckpointFile, originMismatch, readInputFile, readVerifierKey } from './inputs';
import { fetchJson, serverToken, serverUrl, ServerUnavailable } from './server';

export const verifyBundleUsage = `usage: samverkan-audit verify-bundle <bundle.json> --key <ledger verifier key, or a file holding it>
                                     [--case <case id>] [--server <url> [--token <jwt>]]

Checks a case's audit bundle (GET /cases/:id/audit-bundle) offline: the case it is for (with --case, it must
be that case), every event's hash recomputed from its stored envelope, the case's chain from revision 0
without gaps, every event in the case's stream case-<case id>, every inclusion proof against the bundle's
checkpoint, and that checkpoint's signature with the given key (never the key the bundle carries) and its
origin (the key's name).

What it proves: revisions 0 to k of the case, as the bundle holds them, are in the signed checkpoint. An event
withheld from the agency the bundle was made for is there by its hash alone: that hash is proven to be the
leaf the bundle names, and the next event shown as stored links to it, so that one is tied to the case's
chain; in a run of withheld events (or withheld events at the end) only the last before an event shown is,
the others are proven leaves in the order given, not proven events of this case. Their content is not shown
and cannot be checked: only an auditor's bundle holds every event as stored. It cannot show that the case has
no later events. With --server and a bearer token (--token, or SAMVERKAN_TOKEN)
it also fetches the case's timeline (GET /cases/:id/timeline) and fails if the server shows events after
revision k (naming the first), or other events than the bundle's at revisions 0 to k.`;

/** The part of GET /cases/:id/timeline read here. */
interface TimelineEntry {
  readonly id?: unknown;
  readonly type?: unknown;
  readonly revision?: unknown;
  readonly hash?: unknown;
}

export const verifyBundle: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: verifyBundleUsage,
    options: { key: { type: 'string' }, case: { type: 'string' }, server: { type: 'string' }, token: { type: 'string' } },
    required: ['key'],
    positionals: [1, 1],
  });
  if (cli.help) {
    io.out(verifyBundleUsage);
    return EXIT_OK;
  }
  const [file] = cli.positionals;
  const { case: givenCase, server } = cli.values;
  if (givenCase !== undefined && givenCase.trim() === '') throw new UsageError('--case needs a case id', verifyBundleUsage);
  const streamGiven = givenCase === undefined ? undefined : caseIdOf(givenCase);
  if (streamGiven !== undefined) {
    throw new UsageError(`--case takes the case id, not the name of its stream: give --case ${streamGiven}`, verifyBundleUsage);
  }
  if (cli.values.token !== undefined && server === undefined) throw new UsageError('--token is only used with --server', verifyBundleUsage);
  const key = readVerifierKey(cli.values.key!, '--key');
  const text = readInputFile(file, 'the bundle');
  const findings = new Findings(io);

  let bundle: AuditBundle;
  try {
    bundle = JSON.parse(text) as AuditBundle;
  } catch (error) {
    findings.fail(`bundle ${file}`, `is not JSON: ${errorMessage(error)}`);
    return findings.finish('');
  }
  const shape = bundleShapeProblem(bundle);
  if (shape) {
    findings.fail(`bundle ${file}`, shape);
    return findings.finish('');
  }

  const checkpointSource = `of bundle ${file}`;
  let checkpoint: OpenedCheckpoint | undefined;
  try {
    checkpoint = openCheckpointFile(checkpointSource, bundle.checkpoint, key.verifier);
  } catch (error) {
    findings.fail(describeCheckpoint(checkpointSource), `is not a checkpoint signed by the given key ${key.text}: ${errorMessage(error)}`);
  }
  const foreign = checkpoint && originMismatch(checkpoint.checkpoint, key.verifier);
  if (checkpoint && foreign) {
    findings.fail(describeCheckpoint(checkpointSource, checkpoint.checkpoint), foreign.problem, foreign);
    checkpoint = undefined; // a checkpoint of another log proves nothing about this one
  }
  if (bundle.verifierKey !== key.text) {
    io.err(`note: the bundle carries verifier key ${bundle.verifierKey}; it was checked against the given key ${key.text}`);
  }

  const caseId = givenCase ?? bundle.caseId;
  const stream = caseStream(caseId);
  if (givenCase !== undefined && bundle.caseId !== givenCase) {
    findings.fail(`bundle ${file}`, `is for case ${bundle.caseId}, not for case ${givenCase} (--case)`, { expected: givenCase, found: bundle.caseId });
  }
  if (bundle.stream !== caseStream(bundle.caseId)) {
    findings.fail(`bundle ${file}`, `is for case ${bundle.caseId}, whose stream is ${caseStream(bundle.caseId)}, but names stream ${bundle.stream}`, {
      expected: caseStream(bundle.caseId),
      found: bundle.stream,
    });
  }
  if (bundle.events.length === 0) findings.fail(`bundle ${file}`, 'holds no events: every case has at least its opening event');

  const chain = new StreamHeads();
  /** The case's events in the bundle by revision (the last one wins where a revision repeats; that already failed). */
  const hashes = new Map<number, string>();
  /** The revisions the bundle holds as stored, which its reader's timeline must show too. */
  const whole = new Map<number, SealedEnvelope>();
  let lastRevision: number | undefined;
  let lastLeaf = -1;
  let withheld = 0;
  bundle.events.forEach((entry, position) => {
    const hidden = typeof entry === 'object' && entry !== null && 'withheld' in entry;
    const bundled = entry as Partial<BundledEvent & WithheldEvent>;
    const event = (hidden ? bundled.withheld : bundled.event) as SealedEnvelope;
    const problem = hidden ? withheldShapeProblem(event) : envelopeShapeProblem(event);
    if (problem) {
      findings.fail(`bundle entry ${position}`, `${problem}; it cannot be checked`);
      return;
    }
    if (hidden) withheld += 1;
    const leafIndex = bundled.leafIndex as number;
    const subject = hidden
      ? `withheld event (stream ${event.stream}, revision ${event.revision}${Number.isSafeInteger(leafIndex) ? `, leaf ${leafIndex}` : ''})`
      : describeEvent(event, Number.isSafeInteger(leafIndex) ? leafIndex : undefined);

    if (event.stream !== stream) {
      const whose = givenCase !== undefined ? `of case ${caseId} (--case)` : `of the bundle's case ${caseId}`;
      findings.fail(subject, `belongs to stream ${event.stream}, not to stream ${stream} ${whose}`, { expected: stream, found: event.stream });
    } else {
      // From revision 0, each the next revision, each linked to the one before.
      const broken = chain.advance(event);
      if (broken) findings.fail(subject, broken.problem, broken);
      hashes.set(event.revision, event.hash);
      if (!hidden) whole.set(event.revision, event);
      lastRevision = event.revision;
    }

    // A withheld event's content is not in the bundle: its hash is what the checkpoint proves.
    const mismatch = hidden ? undefined : hashMismatch(event);
    if (mismatch) findings.fail(subject, 'its content does not hash to its stored hash: the event was changed after it was sealed', mismatch);

    if (!Number.isSafeInteger(leafIndex) || leafIndex < 0) {
      findings.fail(subject, `has no leaf index (found ${JSON.stringify(bundled.leafIndex)})`);
      return;
    }
    if (leafIndex <= lastLeaf) {
      findings.fail(subject, `its leaf index ${leafIndex} does not follow the previous event's ${lastLeaf}: a stream's events enter the log in revision order`);
    }
    lastLeaf = Math.max(lastLeaf, leafIndex);
    if (!checkpoint) return;
    const proof = Array.isArray(bundled.inclusionProof) ? bundled.inclusionProof.map(looseHex) : [undefined];
    if (proof.some((hash) => hash === undefined)) {
      findings.fail(subject, 'its inclusion proof is not a list of hex hashes');
      return;
    }
    const { size, root } = checkpoint.checkpoint;
    try {
      // The leaf of the content as it is now: a proof for the originally logged hash says nothing about an edited event.
      verifyInclusion(eventLeafHash(mismatch ? mismatch.expected : event.hash), leafIndex, size, proof as Buffer[], root);
    } catch (error) {
      const reason = error instanceof ProofError ? `${error.reason}: ` : '';
      findings.fail(subject, `is not proven to be leaf ${leafIndex} of the checkpoint's tree (size ${size}): ${reason}${errorMessage(error)}`);
    }
  });

  let beyond = `events after revision ${lastRevision}, if any, are not covered by this bundle`;
  if (server !== undefined && lastRevision !== undefined) {
    const url = serverUrl(server, `cases/${encodeURIComponent(caseId)}/timeline`);
    try {
      const timeline = await fetchJson<{ events?: unknown; revision?: unknown }>(url, serverToken(cli.values.token, io));
      if (compareTimeline(timeline, url, lastRevision)) beyond = `the server shows no events after revision ${lastRevision} (GET ${url})`;
    } catch (error) {
      if (!(error instanceof ServerUnavailable)) throw error;
      findings.fail(`case ${caseId}`, `cannot be checked for events after revision ${lastRevision}: ${error.message}`);
    }
  }

  const cp = checkpoint?.checkpoint;
  const madeFor = typeof bundle.madeFor === 'string' ? bundle.madeFor : 'the agency it was made for';
  const hiddenNote = withheld === 0 ? '' : `; ${withheld} of them withheld from ${madeFor}: proven by their hash alone, their content not shown`;
  return findings.finish(
    `bundle ${file}: case ${caseId}: revisions 0..${lastRevision} of ${stream} are in checkpoint ${cp?.size} (${cp?.origin}, signed by ${key.text})${hiddenNote}; ${beyond}`,
  );

  /**
   * Compares the server's timeline of the case with the bundle: the same event at each revision the bundle
   * holds, and nothing after its last. Reports what differs; true if nothing did.
   */
  function compareTimeline(timeline: { events?: unknown; revision?: unknown }, url: URL, last: number): boolean {
    const from = `the server's timeline (GET ${url})`;
    const entries = typeof timeline === 'object' && timeline !== null && Array.isArray(timeline.events) ? (timeline.events as TimelineEntry[]) : undefined;
    if (!entries || entries.some((entry) => typeof entry !== 'object' || entry === null || !Number.isSafeInteger(entry.revision))) {
      findings.fail(`case ${caseId}`, `cannot be checked for events after revision ${last}: ${from} is not a list of events with revisions`);
      return false;
    }
    const before = findings.count;
    for (const entry of entries) {
      const revision = entry.revision as number;
      const bundled = hashes.get(revision);
      if (revision <= last && bundled !== undefined && entry.hash !== bundled) {
        findings.fail(
          describeEvent({ id: entry.id, stream, revision }),
          `${from} shows another event at revision ${revision} than the bundle, whose event is in the checkpoint`,
          {
            expected: bundled,
            found: String(entry.hash),
          },
        );
      }
    }
    const shown = new Set(entries.map((entry) => entry.revision as number));
    const head = Number.isSafeInteger(timeline.revision) ? (timeline.revision as number) : -1;
    for (const [revision, event] of whole) {
      if (revision <= head && !shown.has(revision)) {
        findings.fail(describeEvent(event), `${from} does not show revision ${revision}, which the bundle holds as stored for the same reader`);
      }
    }
    // The timeline shows only the events its reader may see; its `revision` is the case's last, seen or not.
    const newest = entries.reduce((max, entry) => Math.max(max, entry.revision as number), head);
    if (newest > last) {
      const first = entries.find((entry) => entry.revision === last + 1);
      const count = newest - last;
      findings.fail(
        `case ${caseId}`,
        `${from} has ${count} event${count === 1 ? '' : 's'} after the bundle's last revision ${last}, which this bundle does not cover; ` +
          `the first missing is revision ${last + 1}${first ? ` (event ${String(first.id)}, ${String(first.type)})` : ''}: fetch a new bundle`,
        { expected: `last revision ${last}`, found: `last revision ${newest}` },
      );
    }
    if (newest < last) {
      findings.fail(
        `case ${caseId}`,
        `${from} ends at revision ${newest}, before the bundle's last revision ${last}: the server no longer shows events the bundle proves were logged`,
        {
          expected: `last revision ${last}`,
          found: `last revision ${newest}`,
        },
      );
    }
    return findings.count === before;
  }
};

function bundleShapeProblem(bundle: AuditBundle): string | undefined {
  if (typeof bundle !== 'object' || bundle === null) return 'is not a JSON object';
  if (!AUDIT_BUNDLE_FORMATS.includes(bundle.format)) return `has format ${JSON.stringify(bundle.format)}, not one of ${AUDIT_BUNDLE_FORMATS.join(', ')}`;
  if (typeof bundle.caseId !== 'string' || bundle.caseId === '') {
    return `names no case (found caseId ${JSON.stringify(bundle.caseId) ?? 'missing'}): a bundle must say which case it is for`;
  }
  if (typeof bundle.stream !== 'string') return 'names no stream';
  if (typeof bundle.checkpoint !== 'string') return 'holds no checkpoint';
  if (!Array.isArray(bundle.events)) return 'holds no list of events';
  return undefined;
}
