import { SealedEnvelope } from '@samverkan/sealing';
import { AppendResult, ExpectedRevision } from './event-store.port';

/** An append waiting for the batch its store writes it in (group commit), answered once that batch is written. */
export interface PendingAppend {
  readonly stream: string;
  readonly events: readonly SealedEnvelope[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}
