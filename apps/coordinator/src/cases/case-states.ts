import { Injectable } from '@nestjs/common';
import { StreamStates } from '@samverkan/eventstore';
import { CaseState } from './case.model';

/**
 * The recent states of cases, one set for the process: the command path keeps the state after each event it
 * writes, and the relay finds there the state before each event it shares (stream-fold.ts).
 */
@Injectable()
export class CaseStates extends StreamStates<CaseState> {}
