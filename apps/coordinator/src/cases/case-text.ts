import { DataKey, decryptField, EncryptedField, encryptField, isEncryptedField, KeyVault } from '@samverkan/vault';
import { CaseCommand, CaseCommandType, Text } from './case.model';

/** The free-text fields of each command: encrypted under the subject's key before the command is decided. */
export const FREE_TEXT_FIELDS: Readonly<Partial<Record<CaseCommandType, readonly string[]>>> = {
  OpenCase: ['summary'],
  AddAgencyToCase: ['reason'],
  RemoveAgencyFromCase: ['reason'],
  ReferCase: ['reason'],
  DeclineReferral: ['reason'],
  RegisterEvidence: ['description'],
  TransferEvidence: ['reason'],
  ExtendReflectionPeriod: ['reason'],
  CloseCase: ['outcome'],
  ReopenCase: ['reason'],
};

/**
 * What a case's texts are encrypted for: the case. A text copied within the case (a referral's reason, which
 * the joining it leads to repeats) still decrypts; one moved to another case about the same person does not.
 */
export const caseTextContext = (caseId: string) => `case-text:${caseId}`;

/** What a reader is shown where the subject's key was destroyed: the text is gone, and it says so. */
export const ERASED_TEXT = { erased: true } as const;

/** Whether the command carries free text still in clear. */
export function carriesClearText(command: CaseCommand): boolean {
  return (FREE_TEXT_FIELDS[command.type] ?? []).some((field) => typeof (command as unknown as Record<string, unknown>)[field] === 'string');
}

/** The command with its free text encrypted under the subject's key. */
export function withEncryptedText<C extends CaseCommand>(command: C, key: DataKey): C {
  const fields: Record<string, Text> = {};
  for (const field of FREE_TEXT_FIELDS[command.type] ?? []) {
    const value = (command as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string') fields[field] = encryptField(key, value, caseTextContext(command.caseId));
  }
  return { ...command, ...fields };
}

/**
 * `value` with every encrypted text of the case in clear, or marked erased where its key is gone: what an HTTP
 * reader the access table lets see the text gets. Feeds and Kafka carry the texts encrypted, as stored.
 */
export async function revealed<T>(value: T, caseId: string, vault: KeyVault): Promise<T> {
  const keys = new Map<string, DataKey | undefined>();
  const open = async (field: EncryptedField) => {
    if (!keys.has(field.kid)) keys.set(field.kid, await vault.find(field.kid));
    const key = keys.get(field.kid);
    return key ? decryptField(key, field, caseTextContext(caseId)) : ERASED_TEXT;
  };
  const walk = async (node: unknown): Promise<unknown> => {
    if (isEncryptedField(node)) return open(node);
    if (Array.isArray(node)) return Promise.all(node.map(walk));
    if (typeof node === 'object' && node !== null) {
      const entries = await Promise.all(Object.entries(node).map(async ([k, v]) => [k, await walk(v)] as const));
      return Object.fromEntries(entries);
    }
    return node;
  };
  return (await walk(value)) as T;
}
