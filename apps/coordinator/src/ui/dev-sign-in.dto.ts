import { IsString, Matches, MaxLength } from 'class-validator';
import { REGISTRY_ID } from '../agencies/agency-registry';

export class DevSignInDto {
  @IsString() @Matches(REGISTRY_ID, { message: 'agencyId must be the id of a listed agency' }) agencyId!: string;
  @IsString()
  @MaxLength(64)
  @Matches(/^[\p{L}\p{N}._@-]{1,64}$/u, { message: 'actorId must be 1 to 64 letters, digits, dots, dashes, underscores or @' })
  actorId!: string;
}
