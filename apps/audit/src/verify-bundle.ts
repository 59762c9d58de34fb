import { AUDIT_BUNDLE_FORMAT, AuditBundle, eventLeafHash, ProofError, verifyInclusion } from '@samverkan/ledger';
import { SealedEnvelope } from '@samverkan/sealing';
import { Command, describeEvent, EXIT_OK, errorMessage, Findings, parseCommand } from './cli';
import { envelopeShapeProblem, hashMismatch, StreamHeads } from './envelope-check';
import { describeCheckpoint, looseHex, OpenedCheckpoint, openCheckpointFile, readInputFile, readVerifierKey } from './inputs';

export const verifyBundleUsage = `usage: samverkan-audit verify-bundle <bundle.json> --key <ledger verifier key, or a file holding it>

Checks a case's audit bundle (GET /cases/:id/audit-bundle) offline: every event's hash recomputed from its
stored envelope, the case's chain from revision 0 without gaps, every event in the bundle's stream, every
inclusion proof against the bundle's checkpoint, and the checkpoint's signature with the given key (never the
key the bundle carries).`;

export const verifyBundle: Command = async (args, io) => {
  const cli = parseCommand(args, { usage: verifyBundleUsage, options: { key: { type: 'string' } }, required: ['key'], positionals: [1, 1] });
  if (cli.help) {
    io.out(verifyBundleUsage);
    return EXIT_OK;
  }
  const [file] = cli.positionals;
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

  let checkpoint: OpenedCheckpoint | undefined;
  try {
    checkpoint = openCheckpointFile(`of bundle ${file}`, bundle.checkpoint, key.verifier);
  } catch (error) {
    findings.fail(describeCheckpoint(`of bundle ${file}`), `is not a checkpoint signed by the given key ${key.text}: ${errorMessage(error)}`);
  }
  if (bundle.verifierKey !== key.text) {
    io.err(`note: the bundle carries verifier key ${bundle.verifierKey}; it was checked against the given key ${key.text}`);
  }
  if (bundle.caseId !== undefined && bundle.stream !== `case-${bundle.caseId}`) {
    findings.fail(`bundle ${file}`, `is for case ${bundle.caseId}, whose stream is case-${bundle.caseId}, but names stream ${bundle.stream}`);
  }
  if (bundle.events.length === 0) findings.fail(`bundle ${file}`, 'holds no events: every case has at least its opening event');

  const chain = new StreamHeads();
  let lastLeaf = -1;
  bundle.events.forEach((bundled, position) => {
    const event = bundled?.event as SealedEnvelope;
    const problem = envelopeShapeProblem(event);
    if (problem) {
      findings.fail(`bundle entry ${position}`, `${problem}; it cannot be checked`);
      return;
    }
    const subject = describeEvent(event, Number.isSafeInteger(bundled.leafIndex) ? bundled.leafIndex : undefined);

    if (event.stream !== bundle.stream) {
      findings.fail(subject, `belongs to stream ${event.stream}, not to the bundle's stream ${bundle.stream}`, { expected: bundle.stream, found: event.stream });
    } else {
      // From revision 0, each the next revision, each linked to the one before.
      const broken = chain.advance(event);
      if (broken) findings.fail(subject, broken.problem, broken);
    }

    const mismatch = hashMismatch(event);
    if (mismatch) findings.fail(subject, 'its content does not hash to its stored hash: the event was changed after it was sealed', mismatch);

    if (!Number.isSafeInteger(bundled.leafIndex) || bundled.leafIndex < 0) {
      findings.fail(subject, `has no leaf index (found ${JSON.stringify(bundled.leafIndex)})`);
      return;
    }
    if (bundled.leafIndex <= lastLeaf) {
      findings.fail(subject, `its leaf index ${bundled.leafIndex} does not follow the previous event's ${lastLeaf}: a stream's events enter the log in revision order`);
    }
    lastLeaf = Math.max(lastLeaf, bundled.leafIndex);
    if (!checkpoint) return;
    const proof = Array.isArray(bundled.inclusionProof) ? bundled.inclusionProof.map(looseHex) : [undefined];
    if (proof.some((hash) => hash === undefined)) {
      findings.fail(subject, 'its inclusion proof is not a list of hex hashes');
      return;
    }
    const { size, root } = checkpoint.checkpoint;
    try {
      // The leaf of the content as it is now: a proof for the originally logged hash says nothing about an edited event.
      verifyInclusion(eventLeafHash(mismatch ? mismatch.expected : event.hash), bundled.leafIndex, size, proof as Buffer[], root);
    } catch (error) {
      const reason = error instanceof ProofError ? `${error.reason}: ` : '';
      findings.fail(subject, `is not proven to be leaf ${bundled.leafIndex} of the checkpoint's tree (size ${size}): ${reason}${errorMessage(error)}`);
    }
  });

  const cp = checkpoint?.checkpoint;
  return findings.finish(
    `bundle ${file}: case ${bundle.caseId} (stream ${bundle.stream}), ${bundle.events.length} events, revisions 0 to ${bundle.events.length - 1}, ` +
      `each included in checkpoint ${cp?.origin} size ${cp?.size}, signed by ${key.text}`,
  );
};

function bundleShapeProblem(bundle: AuditBundle): string | undefined {
  if (typeof bundle !== 'object' || bundle === null) return 'is not a JSON object';
  if (bundle.format !== AUDIT_BUNDLE_FORMAT) return `has format ${JSON.stringify(bundle.format)}, not ${AUDIT_BUNDLE_FORMAT}`;
  if (typeof bundle.stream !== 'string') return 'names no stream';
  if (typeof bundle.checkpoint !== 'string') return 'holds no checkpoint';
  if (!Array.isArray(bundle.events)) return 'holds no list of events';
  return undefined;
}
