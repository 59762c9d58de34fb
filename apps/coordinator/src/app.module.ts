import { DevSignInController } from './ui/dev-sign-in.controller';
import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Clock, CLOCK, systemClock } from '@samverkan/common';
import { EVENT_STORE, EventStore } from '@samverkan/eventstore';
import { KEY_VAULT, KeyVault } from '@samverkan/vault';
import { AccessLog } from './access-log/access-log';
import { AccessLogController } from './access-log/access-log.controller';
import { loadMasterKey } from './persons/master-key.loader';
import { openKeyVault } from './persons/open-key-vault';
import { PersonController } from './persons/person.controller';
import { MASTER_KEY, PersonService } from './persons/person.service';
import { AgencyRegistry } from './agencies/agency-registry';
import { AgencyAuthenticator } from './auth/agency-authenticator';
import { AuthGuard } from './auth/auth.guard';
import { CaseController } from './cases/case.controller';
import { CaseService } from './cases/case.service';
import { CaseStates } from './cases/case-states';
import { RunCaseCommandHandler } from './cases/run-case-command';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { eventStoreProvider } from './config/event-store.provider';
import { leadershipProvider } from './leases/leadership.provider';
import { ProjectorRole } from './leases/projector.role';
import { Metrics, MetricsController } from './observability/metrics';
import { ServiceGauges } from './observability/service-gauges';
import { HealthController } from './health/health.controller';
import { LedgerController } from './ledger/ledger.controller';
import { LedgerReader } from './ledger/ledger-reader';
import { LedgerService } from './ledger/ledger.service';
import { LEDGER_STORE, openLedgerStore } from './ledger/open-ledger-store';
import { KnownRoutes } from './http/http-edge';
import { ProblemFilter } from './http/problem.filter';
import { ChildProtectionProcess } from './process-managers/child-protection.process';
import { ReferralEscalationProcess } from './process-managers/referral-escalation.process';
import { RelayProvider } from './relay/relay.provider';
import { AgencyCommandsProvider } from './agency-commands/agency-commands.provider';
import { StatisticsController } from './statistics/statistics.controller';
import { CaseIndex } from './case-index/case-index';
import { openCaseIndex } from './case-index/open-case-index';
import { CaseIndexProjector } from './case-index/case-index.projector';
import { WorklistController } from './case-index/worklist.controller';
import { Followers } from './followers/follower-status';
import { FollowerThread } from './followers/follower-thread';

export interface AppOptions {
  readonly config: AppConfig;
  /** Defaults to the system clock; tests pass a ManualClock. */
  readonly clock?: Clock;
  /** The routes the HTTP server registers, filled in as it registers them (createApp passes them). */
  readonly routes?: KnownRoutes;
  /** Where this process's followers of the log run on a thread of their own (bootstrap.ts startService). */
  readonly followerThread?: FollowerThread;
}

class StoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly index: CaseIndex,
    @Inject(KEY_VAULT) private readonly vault: KeyVault,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    await this.index.close();
    await this.vault.close();
  }
}

/** Where the follower thread seals, this thread's ledger asks it to sign and learns its halt; its commands are counted here. */
@Injectable()
class FollowerThreadSealing {
  constructor(ledger: LedgerService, thread: FollowerThread, metrics: Metrics) {
    ledger.sealedBy(thread);
    thread.onCommand((observed) => metrics.commandObserved(observed));
  }
}

/** The coordinator: API, ledger, case index and process managers over the store `EVENT_STORE` names (SQLite by default). */
@Module({})
export class AppModule {
  static forRoot({ config, clock = systemClock, routes = new KnownRoutes(), followerThread }: AppOptions): DynamicModule {
    const { roles } = config;
    const kafka = config.kafkaBrokers !== undefined;
    return {
      module: AppModule,
      // The command bus: HTTP's command routes and the Kafka command consumer send each command on a case to one handler.
      imports: [CqrsModule.forRoot()],
      // Every process answers /health; the API is served by the `api` role.
      controllers: [
        HealthController,
        MetricsController,
        ...(roles.has('api')
          ? [CaseController, AccessLogController, PersonController, WorklistController, LedgerController, StatisticsController, DevSignInController]
          : []),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: KnownRoutes, useValue: routes },
        { provide: AgencyRegistry, useFactory: () => AgencyRegistry.fromFile(config.agenciesFile) },
        {
          provide: AgencyAuthenticator,
          useFactory: async (registry: AgencyRegistry) => {
            const authenticator = new AgencyAuthenticator(registry, config);
            const dev = await authenticator.loadAll();
            // Said by the process (or thread) that answers requests, where the keys are used.
            if (dev.length > 0 && roles.has('api')) {
              const why = config.devKeysExplicit ? 'SAMVERKAN_DEV_KEYS=true' : 'the embedded default store turns them on';
              new Logger('Auth').warn(
                `DEVELOPMENT KEYS ARE ON (${why}): anyone who can read ${config.dataDir}/dev-keys can act as any of ${dev.length} agencies, ` +
                  "the auditor included. Never with real cases: set SAMVERKAN_DEV_KEYS=false and register every agency's keys.",
              );
            }
            return authenticator;
          },
          inject: [AgencyRegistry],
        },
        eventStoreProvider(config),
        { provide: CaseIndex, useFactory: () => openCaseIndex(config) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        leadershipProvider(config),
        AccessLog,
        Metrics,
        ServiceGauges,
        { provide: MASTER_KEY, useFactory: () => loadMasterKey(config) },
        { provide: KEY_VAULT, useFactory: () => openKeyVault(config) },
        PersonService,
        CaseService,
        CaseStates,
        RunCaseCommandHandler,
        // The ledger is read by every role; it seals only with the `ledger` role and its lease (it closes its store).
        { provide: LEDGER_STORE, useFactory: () => openLedgerStore(config) },
        LedgerService,
        // Controllers and the relay read the ledger through its reader; only the writer changes it.
        { provide: LedgerReader, useFactory: (ledger: LedgerService) => ledger.reader, inject: [LedgerService] },
        StoreLifecycle,
        Followers,
        ...(followerThread ? [{ provide: FollowerThread, useValue: followerThread }, FollowerThreadSealing] : []),
        // The read models and the process managers that follow the log.
        ...(roles.has('projector') ? [CaseIndexProjector, ChildProtectionProcess, ReferralEscalationProcess, ProjectorRole] : []),
        // Sharing with agencies over Kafka, only when a broker is configured; without it nothing changes.
        ...(kafka && roles.has('relay') ? [RelayProvider] : []),
        ...(kafka && roles.has('api') ? [AgencyCommandsProvider] : []),
      ],
    };
  }
}
