import { Inject, Injectable, Logger } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { EVENT_STORE, EventStore, FollowsTheLog, LogFollower, RecordedEvent } from '@samverkan/eventstore';
import { SYSTEM_AGENCY_ID } from '../agencies/agency';
import { AgencyRegistry } from '../agencies/agency-registry';
import { presumedChild } from '../cases/case.model';
import { CaseService } from '../cases/case.service';
import { caseIdOf } from '@samverkan/sealing';
import { CaseIndex } from '../case-index/case-index';

/**
 * Events after which a case with a child subject may lack social services. After a decline the case is
 * referred again and the new referral escalated to the coordinator at once (the decider does both): a
 * child's need of social services is never dropped because one office said no.
 */
const TRIGGERS = new Set(['CaseOpened', 'AgencyLeftCase', 'CaseReopened', 'ReferralDeclined']);
/** Social services are to answer the service's own referral of a child's case within a day. */
const ANSWER_WITHIN_MS = 24 * 3600_000;
const NAME = 'child-protection';
const NAMESPACE = '0b7f3c9e-58a4-4d1c-8f0e-6a2d9b1c7e44';

/**
 * A child subject obliges social services to be on the case. After every event that could leave a child's
 * case without them, this process manager asks the case (through the ordinary command path) to require
 * social services; the decider refers the case to the social services of its city when none is on the team
 * or already referred. The command id is derived from the triggering event, so handling an event twice
 * (after a restart) never refers twice.
 */
@Injectable()
export class ChildProtectionProcess extends FollowsTheLog {
  private readonly logger = new Logger('ChildProtection');
  protected readonly follower: LogFollower;
  private sinceSaved = 0;
  private actedSinceSaved = false;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    index: CaseIndex,
    private readonly cases: CaseService,
    private readonly registry: AgencyRegistry,
  ) {
    super();
    this.follower = new LogFollower(store, {
      name: NAME,
      loadPosition: () => index.position(NAME),
      handleBatch: async (events) => {
        for (const event of events) await this.handle(event);
        this.sinceSaved += events.length;
      },
      // Handling is idempotent, so the position need not be written for every event it passes over.
      savePosition: async (position) => {
        if (this.sinceSaved >= 256 || this.actedSinceSaved) {
          await index.savePosition(NAME, position);
          this.sinceSaved = 0;
          this.actedSinceSaved = false;
        }
      },
      onError: (error) => this.logger.error(`failed, retrying: ${(error as Error).message}`),
    });
  }

  private async handle({ envelope }: RecordedEvent): Promise<void> {
    const caseId = caseIdOf(envelope.stream);
    if (!TRIGGERS.has(envelope.type) || caseId === undefined) return;
    this.actedSinceSaved = true;
    const state = await this.cases.state(caseId);
    if (!presumedChild(state.subject) || !state.city) return;
    // Social services of the municipality the child stays in (socialtjänstlagen), where recorded; the coordinator
    // is the case's own region's.
    if (!this.registry.municipality(state.city)) {
      // Stopping here would stop every child's referral after it: this one is left to the people reading the log.
      this.logger.error(
        `case ${caseId}: a child's case of ${state.city}, a municipality no longer listed: no social services to refer it to; list the municipality again`,
      );
      return;
    }
    const { coordinator, socialServices: ofCase } = this.registry.servicesOf(state.city);
    const stays = state.subject!.municipality;
    let socialServices = ofCase;
    if (stays !== null && stays !== state.city) {
      // A municipality since taken out of the registry: the case's own social services, rather than none.
      if (this.registry.municipality(stays)) socialServices = this.registry.servicesOf(stays).socialServices;
      else this.logger.warn(`case ${caseId}: the child's municipality ${stays} is no longer listed; referring to the social services of ${state.city}`);
    }
    await this.cases.execute(
      {
        type: 'RequireSocialServices',
        caseId,
        issuer: { agencyId: SYSTEM_AGENCY_ID, kind: 'coordinator' },
        at: this.cases.now().toISOString(),
        referralId: uuidv5(envelope.id, NAMESPACE),
        socialServices: { agencyId: socialServices.id, kind: socialServices.kind },
        coordinator: { agencyId: coordinator.id, kind: coordinator.kind },
        dueBy: new Date(Date.parse(envelope.metadata.recordedAt) + ANSWER_WITHIN_MS).toISOString(),
      },
      {
        agencyId: SYSTEM_AGENCY_ID,
        actorId: NAME,
        commandId: `${NAME}:${envelope.id}`,
        correlationId: envelope.metadata.correlationId,
        causationId: envelope.id,
      },
    );
  }
}
