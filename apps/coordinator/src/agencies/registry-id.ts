import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { REGISTRY_ID, RegistryKind } from './agency-registry';

/** The mark by which the OpenAPI document (http/openapi.ts) lists the registered ids a field takes. */
export const REGISTRY_EXTENSION = 'x-samverkan-registry';

/**
 * A field naming an entry of the registry (an agency, a municipality, a region): an id in form here, checked
 * against the registry when the command is made; the OpenAPI document lists the ids this deployment registers.
 */
export const RegistryId =
  (kind: RegistryKind, example: string): PropertyDecorator =>
  (target, key) => {
    Matches(REGISTRY_ID, { message: `${String(key)} must be the id of a listed ${kind}, like ${example}` })(target, key);
    ApiProperty({ type: String, [REGISTRY_EXTENSION]: kind } as never)(target, key);
  };
