import { SealedEnvelope } from '@samverkan/sealing';

/**
 * One line of a full ledger export (`GET /ledger/export`, NDJSON): the leaf index and the envelope exactly
 * as it was hashed, hash included. Lines come in leaf order, from index 0.
 */
export interface ExportLine {
  readonly index: number;
  readonly event: SealedEnvelope;
}

/** One event of an audit bundle, with its inclusion proof against the bundle's checkpoint. */
export interface BundledEvent {
  readonly leafIndex: number;
  readonly event: SealedEnvelope;
  /** Hex hashes, RFC 9162 inclusion proof of the event's leaf in the checkpoint's tree. */
  readonly inclusionProof: readonly string[];
}

export const AUDIT_BUNDLE_FORMAT = 'samverkan-audit-bundle/v1';

/**
 * Everything an auditor needs to check one case offline: every event of the case as stored, from revision 0,
 * each with its inclusion proof against one signed checkpoint, and that checkpoint.
 */
export interface AuditBundle {
  readonly format: typeof AUDIT_BUNDLE_FORMAT;
  readonly caseId: string;
  readonly stream: string;
  /** The C2SP signed note of the checkpoint every proof is against. */
  readonly checkpoint: string;
  /** The ledger's verifier key, for convenience only: an auditor must check it against one obtained independently. */
  readonly verifierKey: string;
  readonly events: readonly BundledEvent[];
}
