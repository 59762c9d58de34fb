import { Optional, QueryInteger } from '../http/validation';

export class AccessLogQuery {
  /** Entries after this revision of the access log; from its start when absent. */
  @Optional() @QueryInteger({ min: -1 }) after?: number;
  @Optional() @QueryInteger({ min: 1, max: 1000 }) limit?: number;
}
