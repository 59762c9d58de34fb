import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { openCheckpoint, parseVerifierKey } from '@samverkan/ledger';
import { eventually, RunningService } from './running-service';

/** The launcher npm links as `samverkan-audit`; run as a child process, exactly as an auditor runs it. */
export const AUDIT_BIN = resolve(__dirname, '..', '..', 'apps', 'audit', 'bin', 'samverkan-audit.js');

export interface AuditRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in a child process, as a person at a terminal would, and collects its exit code and output. */
export function runProcess(command: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<AuditRun> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Runs `samverkan-audit <args>` in a child process and collects its exit code and output. */
export function runAudit(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<AuditRun> {
  const env = { ...process.env, ...options.env };
  if (!options.env || !('SAMVERKAN_TOKEN' in options.env)) delete env.SAMVERKAN_TOKEN;
  return runProcess(process.execPath, [AUDIT_BIN, ...args], { env });
}

/** A fresh temporary folder for the files an auditor downloads. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `samverkan-${prefix}-`));
}

export function saveFile(dir: string, name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** GET or POST a route and read the answer as text (checkpoints, keys and exports are not JSON). */
export async function fetchText(service: RunningService, path: string, options: { token?: string; method?: string } = {}) {
  const response = await fetch(`${service.baseUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  return { status: response.status, text: await response.text() };
}

/** Number of events in the service's store file, read directly from `events.db`. */
export function storedEventCount(dataDir: string): number {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()!.n;
  } finally {
    db.close();
  }
}

/**
 * Has the ledger sign a checkpoint covering every event now in the store (the ledger follows the store
 * asynchronously, so it asks until the signed size reaches the store's count). Returns the signed note and
 * its size.
 */
export async function checkpointOfWholeStore(service: RunningService, token: string): Promise<{ note: string; size: number }> {
  const key = parseVerifierKey((await fetchText(service, '/ledger/key')).text.trim());
  const count = storedEventCount(service.config.dataDir);
  return eventually(async () => {
    const signed = await fetchText(service, '/ledger/checkpoint', { token, method: 'POST' });
    if (signed.status !== 200) return undefined;
    const { size } = openCheckpoint(signed.text, key).checkpoint;
    return size === count ? { note: signed.text, size } : undefined;
  }, `a checkpoint of all ${count} stored events`);
}
