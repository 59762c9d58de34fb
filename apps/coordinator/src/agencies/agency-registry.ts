import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ValidationError } from '@samverkan/common';
import { AGENCY_KINDS, AgencyKind, CITIES, City, Issuer, SYSTEM_AGENCY_ID } from './agency';

export interface Agency extends Issuer {
  readonly id: string;
  readonly city: City;
  readonly name: { readonly sv: string; readonly en: string };
  /** Registered JWT verification keys (JWKs); empty means the development key, if enabled. */
  readonly publicKeys: readonly Record<string, unknown>[];
}

export interface CityServices {
  readonly socialServices: string;
  readonly coordinator: string;
}

/**
 * The agencies that may use the service, loaded from the registry file. Which agency a case of a city turns
 * to for social services and escalation is data in the same file.
 */
export class AgencyRegistry {
  private readonly byId: ReadonlyMap<string, Agency>;

  constructor(
    agencies: readonly Agency[],
    private readonly cities: Readonly<Record<City, CityServices>>,
  ) {
    this.byId = new Map(agencies.map((agency) => [agency.id, agency]));
  }

  static fromFile(file: string): AgencyRegistry {
    let document: unknown;
    try {
      document = parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ValidationError(`the agency registry ${file} cannot be read: ${(error as Error).message}`);
    }
    return AgencyRegistry.fromDocument(document, file);
  }

  static fromDocument(document: unknown, source = 'the agency registry'): AgencyRegistry {
    const root = document as { agencies?: unknown; cities?: unknown };
    if (!Array.isArray(root?.agencies)) throw new ValidationError(`${source} has no list of agencies`);
    const agencies = root.agencies.map((entry, i) => parseAgency(entry, `${source}, agency #${i + 1}`));
    const ids = new Set<string>();
    for (const agency of agencies) {
      if (ids.has(agency.id)) throw new ValidationError(`${source} lists agency ${agency.id} twice`);
      ids.add(agency.id);
    }
    const cities = parseCities(root.cities, agencies, source);
    return new AgencyRegistry(agencies, cities);
  }

  get(id: string): Agency | undefined {
    return this.byId.get(id);
  }

  all(): Agency[] {
    return [...this.byId.values()];
  }

  servicesOf(city: City): { socialServices: Agency; coordinator: Agency } {
    const services = this.cities[city];
    return { socialServices: this.byId.get(services.socialServices)!, coordinator: this.byId.get(services.coordinator)! };
  }
}

function parseAgency(entry: unknown, where: string): Agency & { id: string } {
  const e = entry as Record<string, unknown>;
  const id = e?.id;
  if (typeof id !== 'string' || !/^[a-z][a-z0-9-]{1,62}$/.test(id)) {
    throw new ValidationError(`${where}: id must be lowercase letters, digits and dashes`);
  }
  if (id === SYSTEM_AGENCY_ID) throw new ValidationError(`${where}: ${id} is the service's own id and cannot be an agency's`);
  if (!AGENCY_KINDS.includes(e.kind as AgencyKind)) {
    throw new ValidationError(`${where} (${id}): kind must be one of ${AGENCY_KINDS.join(', ')}`);
  }
  if (!CITIES.includes(e.city as City)) throw new ValidationError(`${where} (${id}): city must be one of ${CITIES.join(', ')}`);
  const name = e.name as { sv?: unknown; en?: unknown } | undefined;
  if (typeof name?.sv !== 'string' || typeof name?.en !== 'string') {
    throw new ValidationError(`${where} (${id}): name needs both sv and en`);
  }
  const publicKeys = e.publicKeys ?? [];
  if (!Array.isArray(publicKeys) || publicKeys.some((k) => typeof k !== 'object' || k === null)) {
    throw new ValidationError(`${where} (${id}): publicKeys must be a list of JWKs`);
  }
  return {
    id,
    agencyId: id,
    kind: e.kind as AgencyKind,
    city: e.city as City,
    name: { sv: name.sv, en: name.en },
    publicKeys: publicKeys as Record<string, unknown>[],
  };
}

function parseCities(raw: unknown, agencies: readonly Agency[], source: string): Record<City, CityServices> {
  const kindOf = new Map(agencies.map((a) => [a.agencyId, a.kind]));
  const cities = {} as Record<City, CityServices>;
  for (const city of CITIES) {
    const entry = (raw as Record<string, Partial<CityServices>> | undefined)?.[city];
    if (!entry) throw new ValidationError(`${source} says nothing of the city ${city}`);
    if (kindOf.get(entry.socialServices ?? '') !== 'social-services') {
      throw new ValidationError(`${source}: the social services of ${city} must be a registered social-services agency`);
    }
    if (kindOf.get(entry.coordinator ?? '') !== 'coordinator') {
      throw new ValidationError(`${source}: the coordinator of ${city} must be a registered coordinator agency`);
    }
    cities[city] = { socialServices: entry.socialServices!, coordinator: entry.coordinator! };
  }
  return cities;
}
