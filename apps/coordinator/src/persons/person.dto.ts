import { Type } from 'class-transformer';
import { IsIn, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { IsDay, Optional } from '../http/validation';
import { ERASURE_BASES, ErasureBasis, PERSON_CATEGORIES, PersonCategory, RELATIONS, Relation } from './person.model';

const Name = () => (target: object, key: string) => {
  Optional()(target, key);
  IsString()(target, key);
  MinLength(1)(target, key);
  MaxLength(100)(target, key);
};

/** What identifies a person, as an agency sends it: every part optional (a victim may not say her name), not all absent. */
export class IdentityDto {
  @Name() givenName?: string;
  @Name() familyName?: string;
  /** Personnummer or samordningsnummer: YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN or YYMMDD+NNNN (100 or older). */
  @Optional()
  @Matches(/^(\d{6}|\d{8})[-+]?\d{4}$/, { message: 'personalIdentityNumber must be like 19900101-1234 or 900101-1234' })
  personalIdentityNumber?: string;
  @Optional() @IsDay({ daysAhead: 0, earliest: '1900-01-01' }) dateOfBirth?: string;
  /** ISO 3166-1 alpha-2, e.g. EE, NG, SE. */
  @Optional() @Matches(/^[A-Z]{2}$/, { message: 'citizenship must be an ISO 3166-1 alpha-2 country code, like EE' }) citizenship?: string;
  @Optional() @IsString() @MinLength(1) @MaxLength(500) contact?: string;
}

export class RegisterPersonDto {
  @IsIn(PERSON_CATEGORIES) category!: PersonCategory;
  @ValidateNested() @Type(() => IdentityDto) identity!: IdentityDto;
}

export class FindPersonDto {
  @Optional()
  @Matches(/^(\d{6}|\d{8})[-+]?\d{4}$/, { message: 'personalIdentityNumber must be like 19900101-1234 or 900101-1234' })
  personalIdentityNumber?: string;
  @Optional() @IsDay({ daysAhead: 0, earliest: '1900-01-01' }) dateOfBirth?: string;
  @Name() familyName?: string;
  @Name() givenName?: string;
}

export class LinkRelativeDto {
  @Matches(/^[0-9a-f-]{36}$/, { message: 'relativeId must be the id of a person record' }) relativeId!: string;
  @IsIn(RELATIONS) relation!: Relation;
}

export class ProtectIdentityDto {
  @IsIn([true, false], { message: 'protect must be true or false' }) protect!: boolean;
}

export class ErasePersonDto {
  @IsIn(ERASURE_BASES) basis!: ErasureBasis;
}
