import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { CITIES, City } from '../agencies/agency';
import {
  AGE_GROUPS,
  AgeGroup,
  COOPERATION_STATUSES,
  CooperationStatus,
  EXPLOITATION_FORMS,
  ExploitationForm,
  GENDERS,
  Gender,
  INVESTIGATION_OUTCOMES,
  InvestigationOutcome,
  Offence,
  OFFENCES,
  ORIGIN_REGIONS,
  OriginRegion,
  SENTENCE_KINDS,
  SentenceKind,
  SUBJECT_CATEGORIES,
  SubjectCategory,
  SUPPORT_KINDS,
  SupportKind,
  URGENCIES,
  Urgency,
  VERDICTS,
  Verdict,
} from './case.model';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const AGENCY_ID = /^[a-z][a-z0-9-]{1,62}$/;

/** Free text kept short: reasons and outcomes, never identifying details of a person. */
const Reason = () => (target: object, key: string) => {
  IsString()(target, key);
  MinLength(1)(target, key);
  MaxLength(1000)(target, key);
};

export class SubjectDto {
  @IsIn(SUBJECT_CATEGORIES) category!: SubjectCategory;
  @IsIn(AGE_GROUPS) ageGroup!: AgeGroup;
  @IsOptional() @IsIn(GENDERS) gender?: Gender;
  @IsOptional() @IsIn(ORIGIN_REGIONS) originRegion?: OriginRegion;
}

export class OpenCaseDto {
  @IsDefined() @ValidateNested() @Type(() => SubjectDto) subject!: SubjectDto;
  @IsOptional() @IsIn(EXPLOITATION_FORMS) exploitation?: ExploitationForm;
  /** Short description of the case; no names or other identifying details. */
  @IsOptional() @IsString() @MaxLength(2000) summary?: string;
  /** City whose agencies serve the case; defaults to the opening agency's city. */
  @IsOptional() @IsIn(CITIES) city?: City;
}

export class AddAgencyDto {
  @Matches(AGENCY_ID) agencyId!: string;
  @Reason() reason!: string;
}

export class RemoveAgencyDto {
  @Reason() reason!: string;
}

export class ReferCaseDto {
  @Matches(AGENCY_ID) toAgency!: string;
  @Reason() reason!: string;
  @IsIn(URGENCIES) urgency!: Urgency;
  @IsOptional() @IsISO8601({ strict: true }) dueBy?: string;
}

export class DeclineReferralDto {
  @Reason() reason!: string;
}

export class RecordSupportDto {
  @IsIn(SUPPORT_KINDS) kind!: SupportKind;
  @Matches(DATE, { message: 'providedOn must be a date as YYYY-MM-DD' }) @IsISO8601({ strict: true }) providedOn!: string;
}

export class RecordConsentDto {
  @IsString() @Matches(/^[a-z][a-z0-9-]{0,63}$/, { message: 'scope must be lowercase letters, digits and dashes' }) scope!: string;
  @IsBoolean() given!: boolean;
}

export class GrantReflectionPeriodDto {
  @IsISO8601({ strict: true }) until!: string;
}

export class DecideResidencePermitDto {
  @IsBoolean() granted!: boolean;
  @IsOptional() @IsISO8601({ strict: true }) until?: string;
}

export class RecordCooperationDto {
  @IsIn(COOPERATION_STATUSES) status!: CooperationStatus;
}

export class OpenInvestigationDto {
  /** The investigating agency's own reference (diary number). */
  @IsString() @MinLength(1) @MaxLength(100) reference!: string;
}

export class CloseInvestigationDto {
  @IsIn(INVESTIGATION_OUTCOMES) outcome!: InvestigationOutcome;
}

export class InitiateProsecutionDto {
  @ArrayMinSize(1) @ArrayMaxSize(OFFENCES.length) @ArrayUnique() @IsIn(OFFENCES, { each: true }) charges!: Offence[];
}

export class SentenceDto {
  @IsIn(SENTENCE_KINDS) kind!: SentenceKind;
  @IsOptional() @IsInt() @Min(1) @Max(240) months?: number;
}

export class RecordSentencingDto {
  @IsString() @MinLength(1) @MaxLength(200) court!: string;
  @IsIn(VERDICTS) verdict!: Verdict;
  @ArrayMinSize(1) @ArrayMaxSize(OFFENCES.length) @ArrayUnique() @IsIn(OFFENCES, { each: true }) offences!: Offence[];
  @IsOptional() @ValidateNested() @Type(() => SentenceDto) sentence?: SentenceDto;
  @IsBoolean() appealed!: boolean;
  @Matches(DATE, { message: 'decidedOn must be a date as YYYY-MM-DD' }) @IsISO8601({ strict: true }) decidedOn!: string;
}

export class RegisterEvidenceDto {
  /** What the evidence is; goes to police and prosecution only. */
  @IsString() @MinLength(1) @MaxLength(2000) description!: string;
  @IsOptional() @Matches(/^[0-9a-f]{64}$/, { message: 'contentSha256 must be 64 lowercase hex digits' }) contentSha256?: string;
}

export class TransferEvidenceDto {
  @Matches(AGENCY_ID) toAgency!: string;
  @Reason() reason!: string;
}

export class CloseCaseDto {
  @Reason() outcome!: string;
}

export class ReopenCaseDto {
  @Reason() reason!: string;
}

export class AsOfQueryDto {
  /** Show the case as it stood at this time (ISO 8601). */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
  /** Show the case as it stood at this revision. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) revision?: number;
}
