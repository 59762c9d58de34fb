import { Matches } from 'class-validator';
import { REGISTRY_ID } from '../agencies/agency-registry';
import { Optional, QueryInteger } from '../http/validation';

export class StatisticsQueryDto {
  @QueryInteger({ min: 2000, max: 2100 }) year!: number;
  /** A region of the registry (config/agencies.yaml); left out: the whole country. */
  @Optional() @Matches(REGISTRY_ID, { message: 'region must be the id of a listed region, like skane' }) region?: string;
}
