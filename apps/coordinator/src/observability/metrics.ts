import { Controller, Get, Header, Inject, Injectable, OnApplicationShutdown, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { ForbiddenError, SamverkanError } from '@samverkan/common';
import { Public } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { fromThisMachine } from '../http/this-machine';

/**
 * The service's figures for Prometheus, at GET /metrics: commands by type and outcome and how long they took,
 * requests by route and status, and the process's own (CPU, memory, event loop); the ledger and the roles add
 * theirs (service-gauges.ts). Counts and times only: no label holds an id, a name or any content.
 */
@Injectable()
export class Metrics implements OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly commands = new Counter({
    name: 'samverkan_commands_total',
    help: 'Case commands by type and outcome: recorded, replayed (a retry answered with the first answer), refused (by a rule), failed',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  private readonly commandSeconds = new Histogram({
    name: 'samverkan_command_duration_seconds',
    help: 'Time from a case command reaching the command path to its answer (recorded: fsynced)',
    labelNames: ['type'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'samverkan_http_request_duration_seconds',
    help: 'HTTP requests by method, route (as declared, without ids) and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'samverkan_' });
  }

  /**
   * Empties the registry. prom-client's garbage-collection figure observes the process's collections for good
   * (its observer is never disconnected) and holds the registry, whose gauges hold the service's parts: a
   * service closed in a process that goes on (the tests, the benchmarks) was kept whole, ~100 MB of case
   * states and caches each.
   */
  onApplicationShutdown(): void {
    this.registry.clear();
  }

  private readonly commandListeners: Array<(observed: CommandObserved) => void> = [];

  /** Runs a case command, counting it by its outcome and timing it. */
  async command<T extends { replayed: boolean }>(type: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome: CommandObserved['outcome'] = 'failed';
    try {
      const answer = await run();
      outcome = answer.replayed ? 'replayed' : 'recorded';
      return answer;
    } catch (error) {
      outcome = error instanceof SamverkanError && error.code !== 'unavailable' ? 'refused' : 'failed';
      throw error;
    } finally {
      this.commandObserved({ type, outcome, seconds: (performance.now() - started) / 1000 });
    }
  }

  /** Counts a command (run here, or on the follower thread, which tells this thread of its own). */
  commandObserved(observed: CommandObserved): void {
    this.commands.inc({ type: observed.type, outcome: observed.outcome });
    this.commandSeconds.observe({ type: observed.type }, observed.seconds);
    for (const listener of this.commandListeners) listener(observed);
  }

  /** Calls `listener` with every command counted here (the follower thread tells the API's thread, whose /metrics is scraped). */
  onCommand(listener: (observed: CommandObserved) => void): void {
    this.commandListeners.push(listener);
  }

  request(method: string, route: string, status: number, milliseconds: number): void {
    this.requestSeconds.observe({ method, route, status: String(status) }, milliseconds / 1000);
  }
}

/** One case command as the metrics count it. */
export interface CommandObserved {
  readonly type: string;
  readonly outcome: 'recorded' | 'replayed' | 'refused' | 'failed';
  readonly seconds: number;
}

/**
 * GET /metrics in Prometheus's text format: for a scraper with the bearer token SAMVERKAN_METRICS_TOKEN, or,
 * where none is set, for one on this machine (not through a proxy).
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Req() request: FastifyRequest): Promise<string> {
    const token = this.config.metricsToken;
    const allowed = token ? request.headers.authorization === `Bearer ${token}` : fromThisMachine(request);
    if (!allowed) {
      throw new ForbiddenError(
        token ? 'the metrics are for the scraper with SAMVERKAN_METRICS_TOKEN' : 'without SAMVERKAN_METRICS_TOKEN, the metrics are only for this machine',
        { rule: 'metrics-refused' },
      );
    }
    return this.metrics.registry.metrics();
  }
}
