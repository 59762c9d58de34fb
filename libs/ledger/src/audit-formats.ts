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

/**
 * An event of an audit bundle that its reader may not see in full: only its place and hash. Its inclusion proof
 * still shows that an event with this hash is in the log at that leaf, and the events around it link to it.
 */
export interface WithheldEvent {
  readonly leafIndex: number;
  readonly withheld: { readonly stream: string; readonly revision: number; readonly hash: string; readonly prev: string };
  readonly inclusionProof: readonly string[];
}

/** Version 2 adds withheld events and `madeFor`; a version 1 bundle is a version 2 bundle without them. */
export const AUDIT_BUNDLE_FORMAT = 'samverkan-audit-bundle/v2';
export const AUDIT_BUNDLE_FORMATS: readonly string[] = ['samverkan-audit-bundle/v1', AUDIT_BUNDLE_FORMAT];

/**
 * Everything needed to check one case offline: every event of the case from revision 0, each with its
 * inclusion proof against one signed checkpoint, and that checkpoint. Each event is as stored, or, where the
 * agency the bundle was made for may not see all of it, withheld: its hash alone.
 */
export interface AuditBundle {
  readonly format: string;
  /** The agency the bundle was made for, which decided what is withheld (absent in version 1). */
  readonly madeFor?: string;
  readonly caseId: string;
  readonly stream: string;
  /** The C2SP signed note of the checkpoint every proof is against. */
  readonly checkpoint: string;
  /** The ledger's verifier key, for convenience only: an auditor must check it against one obtained independently. */
  readonly verifierKey: string;
  readonly events: ReadonlyArray<BundledEvent | WithheldEvent>;
}
