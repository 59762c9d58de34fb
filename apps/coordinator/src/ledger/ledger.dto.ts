import { IsUUID } from 'class-validator';
import { Optional, QueryInteger } from '../http/validation';

export class InclusionQuery {
  @IsUUID() eventId!: string;
  /** Size of the tree to prove inclusion in; the latest checkpoint's when absent. */
  @Optional() @QueryInteger({ min: 1 }) treeSize?: number;
}

export class ConsistencyQuery {
  @QueryInteger({ min: 1 }) from!: number;
  @QueryInteger({ min: 1 }) to!: number;
}

export class CheckpointsQuery {
  /** The checkpoint of exactly this size, as its signed note. */
  @Optional() @QueryInteger({ min: 1 }) size?: number;
  /** Without size: list checkpoints smaller than this, newest first. */
  @Optional() @QueryInteger({ min: 1 }) before?: number;
  @Optional() @QueryInteger({ min: 1, max: 1000 }) limit?: number;
}

export class ExportQuery {
  /** Export the first `size` leaves; the latest checkpoint's size when absent (sign one first to include everything). */
  @Optional() @QueryInteger({ min: 1 }) size?: number;
}
