import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { RegistryId } from '../agencies/registry-id';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  IsObject,
  ValidateNested,
} from 'class-validator';
import {
  CONTACT_TYPES,
  ContactType,
  AGE_GROUPS,
  AgeGroup,
  CHILD_REPRESENTATIVE_ROLES,
  PROSECUTOR_DECISIONS,
  ProsecutorDecision,
  ChildRepresentativeRole,
  CONSENT_GIVERS,
  CONSENT_SCOPES,
  ConsentGiver,
  ConsentScope,
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
import { IsDay, IsTimestamp, Optional, QueryInteger } from '../http/validation';

/** Whether the date and time named exist: no 30 February, no hour 24. (`Date` would roll them over.) */
/** Free text kept short: reasons and outcomes, never identifying details of a person. */
const Reason = () => (target: object, key: string) => {
  ApiProperty({ type: String, minLength: 1, maxLength: 1000 })(target, key);
  IsString()(target, key);
  MinLength(1)(target, key);
  MaxLength(1000)(target, key);
};

export class SubjectDto {
  /** The person record the case is about (POST /persons); without it, the subject is known to this case only. */
  @Optional() @IsUUID() personId?: string;
  @IsIn(SUBJECT_CATEGORIES) category!: SubjectCategory;
  @IsIn(AGE_GROUPS) ageGroup!: AgeGroup;
  @Optional() @IsIn(GENDERS) gender?: Gender;
  /** Only where the country is not known: given the country, the region is derived from it. */
  @Optional() @IsIn(ORIGIN_REGIONS) originRegion?: OriginRegion;
  /** Country of origin, ISO 3166-1 alpha-2 (NG, EE, RO). */
  @Optional() @Matches(/^[A-Z]{2}$/, { message: 'originCountry must be an ISO 3166-1 alpha-2 country code, like NG' }) originCountry?: string;
  /** The municipality the subject lives or stays in, where it is not the case's (a child is referred to its social services). */
  @Optional() @RegistryId('municipality', 'lund') municipality?: string;
}

export class OpenCaseDto {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => SubjectDto) subject!: SubjectDto;
  @Optional() @IsIn(EXPLOITATION_FORMS) exploitation?: ExploitationForm;
  /** How the person came into contact: met by outreach work, or came or was referred to an agency. */
  @Optional() @IsIn(CONTACT_TYPES) contact?: ContactType;
  /** Short description of the case; no names or other identifying details. */
  @Optional() @IsString() @MaxLength(2000) summary?: string;
  /** The municipality (kommun) the case belongs to, by its id in the registry (GET /agencies/municipalities); defaults to the opening agency's. */
  @Optional() @RegistryId('municipality', 'malmo') city?: string;
}

export class AddAgencyDto {
  @RegistryId('agency', 'polisen-malmo') agencyId!: string;
  @Reason() reason!: string;
}

export class RemoveAgencyDto {
  @Reason() reason!: string;
}

export class ReferCaseDto {
  @RegistryId('agency', 'aklagare-internationella') toAgency!: string;
  @Reason() reason!: string;
  @IsIn(URGENCIES) urgency!: Urgency;
  @Optional() @IsTimestamp({ yearsAhead: 2 }) dueBy?: string;
}

export class DeclineReferralDto {
  @Reason() reason!: string;
}

export class RecordSupportDto {
  @IsIn(SUPPORT_KINDS) kind!: SupportKind;
  @IsDay({ daysAhead: 1 }) providedOn!: string;
}

export class RecordConsentDto {
  @IsIn(CONSENT_SCOPES) scope!: ConsentScope;
  /** true: consent given; false: withdrawn. */
  @IsBoolean() given!: boolean;
  /** Who gave or withdrew it: the person, or a child's guardian. */
  @IsIn(CONSENT_GIVERS) by!: ConsentGiver;
  /** The day it was given or withdrawn. */
  @IsDay({ daysAhead: 1 }) on!: string;
}

export class DecideReflectionPeriodDto {
  /** Granted: 30 days from the decision (utlänningslagen 5 kap. 15 §); refused. */
  @IsBoolean() granted!: boolean;
}

export class ExtendReflectionPeriodDto {
  /** The new last day of the period. */
  @IsDay({ daysAhead: 366, earliest: '2000-01-01' }) until!: string;
  /** The special reasons for the extension. */
  @Reason() reason!: string;
}

export class RecordChildRepresentativeDto {
  @IsIn(CHILD_REPRESENTATIVE_ROLES) role!: ChildRepresentativeRole;
  /** The representative's person record, where one is kept (POST /persons). */
  @Optional() @IsUUID() personId?: string;
  @IsDay({ daysAhead: 1 }) appointedOn!: string;
}

export class RecordUnaccompaniedDto {
  @IsBoolean() unaccompanied!: boolean;
}

export class IdentifyVictimDto {
  /** The day the victim was identified. */
  @IsDay({ daysAhead: 1 }) on!: string;
}

export class RecordCitizenshipDto {
  /** ISO 3166-1 alpha-2 (EE, NG, SE), or `stateless`. */
  @Matches(/^([A-Z]{2}|stateless)$/, { message: 'citizenship must be an ISO 3166-1 alpha-2 country code, like EE, or stateless' }) citizenship!: string;
}

export class ApplyForResidencePermitDto {
  /** The preliminary investigation or the trial needs the person in Sweden. */
  @IsBoolean() presenceNeeded!: boolean;
  /** The person has clearly shown the will to cooperate with the investigating authorities. */
  @IsBoolean() willToCooperate!: boolean;
  /** The person has broken off contact with those suspected of the crime. */
  @IsBoolean() tiesBroken!: boolean;
}

export class DecideResidencePermitDto {
  @IsBoolean() granted!: boolean;
  @Optional() @IsTimestamp({ yearsAhead: 10 }) until?: string;
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

export class DefendantDto {
  /** The defendant's person record (POST /persons). */
  @IsUUID() personId!: string;
  @ArrayMinSize(1) @ArrayMaxSize(OFFENCES.length) @ArrayUnique() @IsIn(OFFENCES, { each: true }) charges!: Offence[];
}

export class InitiateProsecutionDto {
  /** Each person prosecuted, with their own charges. */
  @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => DefendantDto) defendants!: DefendantDto[];
}

export class SentenceDto {
  @IsIn(SENTENCE_KINDS) kind!: SentenceKind;
  @Optional() @IsInt() @Min(1) @Max(240) months?: number;
}

export class RecordProsecutorDecisionDto {
  @IsIn(PROSECUTOR_DECISIONS) decision!: ProsecutorDecision;
  /** The suspect's person record (POST /persons). */
  @IsUUID() suspectId!: string;
  @ArrayMinSize(1) @ArrayMaxSize(OFFENCES.length) @ArrayUnique() @IsIn(OFFENCES, { each: true }) offences!: Offence[];
  /** For a summary penalty order: a fine or a suspended sentence. */
  @Optional() @IsObject() @ValidateNested() @Type(() => SentenceDto) sentence?: SentenceDto;
  @IsDay({ daysAhead: 1 }) decidedOn!: string;
}

export class RecordSentencingDto {
  /** The defendant judged, by their person record; may be left out when the prosecution has only one. */
  @Optional() @IsUUID() defendantId?: string;
  @IsString() @MinLength(1) @MaxLength(200) court!: string;
  @IsIn(VERDICTS) verdict!: Verdict;
  @ArrayMinSize(1) @ArrayMaxSize(OFFENCES.length) @ArrayUnique() @IsIn(OFFENCES, { each: true }) offences!: Offence[];
  @Optional() @IsObject() @ValidateNested() @Type(() => SentenceDto) sentence?: SentenceDto;
  /** Expelled on account of the crime (utlänningslagen 8 a kap.); false when left out. */
  @Optional() @IsBoolean() expulsion?: boolean;
  /** Damages awarded to the victim, in kronor. */
  @Optional() @IsInt() @Min(0) @Max(100_000_000) damagesToVictimSek?: number;
  @IsBoolean() appealed!: boolean;
  @IsDay({ daysAhead: 1 }) decidedOn!: string;
}

export class RegisterEvidenceDto {
  /** What the evidence is; no identifying details of a person. */
  @IsString() @MinLength(1) @MaxLength(2000) description!: string;
  @Optional() @Matches(/^[0-9a-f]{64}$/, { message: 'contentSha256 must be 64 lowercase hex digits' }) contentSha256?: string;
}

export class TransferEvidenceDto {
  @RegistryId('agency', 'aklagare-internationella') toAgency!: string;
  @Reason() reason!: string;
}

export class CloseCaseDto {
  @Reason() outcome!: string;
  /** Close the whole case, not only your agency's part: coordinators only. */
  @Optional() @IsBoolean() wholeCase?: boolean;
}

export class ReopenCaseDto {
  @Reason() reason!: string;
}

export class AsOfQueryDto {
  /** Show the case as it stood at this time (ISO 8601). */
  @Optional() @IsTimestamp({ yearsAhead: 10 }) asOf?: string;
  /** Show the case as it stood at this revision. */
  @Optional() @QueryInteger({ min: 0 }) revision?: number;
  /** Free text in clear (the default), or encrypted as it is stored and as the feed and Kafka carry it. */
  @Optional() @IsIn(['clear', 'encrypted']) text?: 'clear' | 'encrypted';
}

/** A command with nothing to say: any field sent is an error, not silently dropped. */
export class EmptyDto {}
