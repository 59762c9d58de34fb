import { SamverkanError } from '@samverkan/common';
import type { Decider, DomainEvent } from '@samverkan/eventstore';
import { caseDecider } from '../case.decider';
import { CaseCommand, CaseEvent, CaseState } from '../case.model';

type ErrorClass = abstract new (...args: never[]) => SamverkanError;

export interface Scenario<Command, Event, State> {
  when(command: Command): Outcome<Event, State>;
  /** The state the given events fold into. */
  state(): State;
}

export interface Outcome<Event, State> {
  /** The command decides exactly these events (in order); returns the state they lead to. */
  then(expected: Event[]): State;
  /** The command is refused with this error class and a message matching `message`; returns the error. */
  thenThrows(errorClass: ErrorClass, message: RegExp | string): SamverkanError;
}

/**
 * Given/when/then over a decider: `given(history).when(command).then(events)`. Events and every state are
 * frozen on the way, so an evolve or decide that mutates its input fails the test instead of passing by luck.
 */
export function scenarios<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
  const fold = (events: readonly Event[]): State =>
    events.reduce((state, event) => deepFreeze(decider.evolve(state, deepFreeze(event))), deepFreeze(decider.initialState()));

  return function given(history: readonly Event[]): Scenario<Command, Event, State> {
    return {
      state: () => fold(history),
      when(command) {
        const decide = () => decider.decide(deepFreeze(command), fold(history));
        return {
          then(expected) {
            const events = decide();
            expect(events).toEqual(expected);
            return fold([...history, ...events]);
          },
          thenThrows(errorClass, message) {
            let thrown: unknown;
            try {
              decide();
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(errorClass);
            expect((thrown as Error).message).toMatch(message);
            return thrown as SamverkanError;
          },
        };
      },
    };
  };
}

export const given = scenarios<CaseCommand, CaseEvent, CaseState>(caseDecider);

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
