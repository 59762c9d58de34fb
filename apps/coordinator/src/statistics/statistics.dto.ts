import { RegistryId } from '../agencies/registry-id';
import { Optional, QueryInteger } from '../http/validation';

export class StatisticsQueryDto {
  @QueryInteger({ min: 2000, max: 2100 }) year!: number;
  /** A region of the registry (config/agencies.yaml); left out: the whole country. */
  @Optional() @RegistryId('region', 'skane') region?: string;
}
