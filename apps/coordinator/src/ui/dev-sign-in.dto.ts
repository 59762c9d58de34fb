import { IsString, Matches, MaxLength } from 'class-validator';
import { RegistryId } from '../agencies/registry-id';

export class DevSignInDto {
  @IsString() @RegistryId('agency', 'polisen-malmo') agencyId!: string;
  @IsString()
  @MaxLength(64)
  @Matches(/^[\p{L}\p{N}._@-]{1,64}$/u, { message: 'actorId must be 1 to 64 letters, digits, dots, dashes, underscores or @' })
  actorId!: string;
}
