import { mkdtempSync, rmSync } from 'node:fs';
import { apiDocument } from '../../apps/coordinator/src/http/openapi';
import { holdToContract } from './api-contract';
import { Logger as PinoLogger } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerService } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Clock, systemClock } from '@samverkan/common';
import { signDevToken } from '../../apps/coordinator/src/auth/dev-keys';
import { createApp } from '../../apps/coordinator/src/bootstrap';
import { AppConfig, loadConfig } from '../../apps/coordinator/src/config/app-config';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer, read by the shape each test expects
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The real service, as `npm start` builds it, listening on a free loopback port with its own data directory;
 * and a small HTTP client that calls it as an agency system would.
 */
export class RunningService {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly config: AppConfig,
  ) {}

  /**
   * `logger`: where the service's log goes (none by default), e.g. a LogCapture to search what it wrote;
   * `requestLog`: where its line for each request goes (none by default).
   */
  static async start(
    options: { clock?: Clock; env?: NodeJS.ProcessEnv; dataDir?: string; logger?: LoggerService; requestLog?: PinoLogger } = {},
  ): Promise<RunningService> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'samverkan-e2e-'));
    const config = {
      // Development keys on every store here: the tests sign their tokens with them.
      ...loadConfig({ SAMVERKAN_ESCALATION_INTERVAL_MS: '0', SAMVERKAN_DEV_KEYS: 'true', ...options.env }),
      dataDir,
      port: 0,
      host: '127.0.0.1',
    };
    const app = await createApp({ config, clock: options.clock ?? systemClock }, { logger: options.logger ?? false, requestLog: options.requestLog });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const baseUrl = `http://127.0.0.1:${address.port}`;
    holdToContract(baseUrl, await apiDocument(app));
    return new RunningService(app, baseUrl, config);
  }

  async stop({ keepData = false } = {}): Promise<void> {
    await this.app.close();
    if (!keepData) rmSync(this.config.dataDir, { recursive: true, force: true });
  }

  token(agencyId: string, actorId = 'officer-1'): Promise<string> {
    return signDevToken(this.config.dataDir, agencyId, actorId);
  }

  /** GET /health as an agency: with the ledger's figures, which a caller without a token is not told. */
  async health(): Promise<Reply> {
    return this.request('GET', '/health', { token: await this.token('polisen-malmo') });
  }

  /** A client acting as one agency. */
  async as(agencyId: string, actorId = 'officer-1'): Promise<AgencyClient> {
    return new AgencyClient(this.baseUrl, await this.token(agencyId, actorId));
  }

  async request(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    return answerOf(response);
  }
}

export class AgencyClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('GET', path, undefined, headers);
  }

  post(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('POST', path, body, headers);
  }

  /** A POST with no body at all (a command whose body is empty may be sent so). */
  postWithoutBody(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('POST', path, undefined, headers);
  }

  private async send(method: string, path: string, body: unknown, extra: Record<string, string>): Promise<Reply> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return answerOf(response);
  }
}

/** The answer as the tests read it (fetch has checked it against the service's own OpenAPI document: api-contract.ts). */
async function answerOf(response: Response): Promise<Reply> {
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  // NDJSON (the ledger export) is lines of JSON, read as the text it is.
  const ndjson = contentType?.includes('ndjson') ?? false;
  const body = !text ? undefined : ndjson ? text : contentType?.includes('json') ? JSON.parse(text) : tryJson(text);
  return { status: response.status, headers: response.headers, body };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Polls until `probe` returns a value (not undefined); fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A logger that keeps every line the service writes, at every level, to be searched afterwards. */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];
  private keep =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) =>
      void this.lines.push(`${level} ${String(message)} ${rest.map(String).join(' ')}`);
  log = this.keep('log');
  error = this.keep('error');
  warn = this.keep('warn');
  debug = this.keep('debug');
  verbose = this.keep('verbose');
  fatal = this.keep('fatal');
}
