import { Matches } from 'class-validator';
import { Optional, QueryInteger } from '../http/validation';

export class FeedQuery {
  /** The `next` cursor of the previous page; from the start when absent. */
  @Optional() @Matches(/^\d{1,15}$/, { message: 'after must be a cursor from a previous page' }) after?: string;
  @Optional() @QueryInteger({ min: 1, max: 1000 }) limit?: number;
}
