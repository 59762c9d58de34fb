import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ValidationError } from '@samverkan/common';
import { AGENCY_KINDS, AgencyKind, Issuer, SYSTEM_AGENCY_ID } from './agency';

export interface Agency extends Issuer {
  readonly id: string;
  /** The municipality the agency sits in, whose cases it usually serves (a national body: its seat). */
  readonly municipality: string;
  readonly name: Name;
  /** Registered JWT verification keys (JWKs); empty means the development key, if enabled. */
  readonly publicKeys: readonly Record<string, unknown>[];
}

export interface Name {
  readonly sv: string;
  readonly en: string;
}

/** A region (län): its regional coordinator against trafficking. */
export interface Region {
  readonly id: string;
  /** The county code (länskod, SCB): two digits. */
  readonly code: string;
  readonly name: Name;
  readonly coordinator: string;
}

/** A municipality (kommun): its social services, and the region it lies in. */
export interface Municipality {
  readonly id: string;
  /** The municipality code (kommunkod, SCB): four digits, the county's two first. */
  readonly code: string;
  readonly name: Name;
  readonly region: string;
  readonly socialServices: string;
  /** A coordinator of the municipality's own (Malmö's Mika), who then stands in for the region's; null: none. */
  readonly coordinator: string | null;
}

/** The agencies a case in a municipality turns to. */
export interface MunicipalServices {
  /** The social services a child in the municipality is referred to. */
  readonly socialServices: Agency;
  /** The coordinator an unanswered referral on a case of the municipality is escalated to. */
  readonly coordinator: Agency;
}

/** The form of every id in the registry: agencies, regions, municipalities. */
export const REGISTRY_ID = /^[a-z][a-z0-9-]{1,62}$/;
export type RegistryKind = 'agency' | 'municipality' | 'region';

/**
 * The agencies that may use the service, and the regions and municipalities cases belong to, loaded from the
 * registry file: which social services a child's case turns to and which coordinator an unanswered referral
 * is escalated to are data there, not code.
 */
export class AgencyRegistry {
  private readonly byId: ReadonlyMap<string, Agency>;
  private readonly regionsById: ReadonlyMap<string, Region>;
  private readonly municipalitiesById: ReadonlyMap<string, Municipality>;

  constructor(agencies: readonly Agency[], regions: readonly Region[], municipalities: readonly Municipality[]) {
    this.byId = new Map(agencies.map((agency) => [agency.id, agency]));
    this.regionsById = new Map(regions.map((region) => [region.id, region]));
    this.municipalitiesById = new Map(municipalities.map((municipality) => [municipality.id, municipality]));
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
    const root = document as { agencies?: unknown; regions?: unknown; municipalities?: unknown; cities?: unknown };
    if (root?.cities !== undefined) {
      throw new ValidationError(`${source}: cities are now municipalities and regions (see config/agencies.yaml): list them under municipalities and regions`);
    }
    const agencies = list(root?.agencies, `${source} has no list of agencies`).map((entry, i) => parseAgency(entry, `${source}, agency #${i + 1}`));
    const regions = list(root?.regions, `${source} has no list of regions`).map((entry, i) => parseRegion(entry, `${source}, region #${i + 1}`));
    const municipalities = list(root?.municipalities, `${source} has no list of municipalities`).map((entry, i) =>
      parseMunicipality(entry, `${source}, municipality #${i + 1}`),
    );
    for (const [what, items] of [
      ['agency', agencies],
      ['region', regions],
      ['municipality', municipalities],
    ] as const) {
      const ids = items.map((item) => item.id);
      const twice = ids.find((id, i) => ids.indexOf(id) !== i);
      if (twice) throw new ValidationError(`${source} lists the ${what} ${twice} twice`);
    }
    const kindOf = new Map(agencies.map((a) => [a.id, a.kind]));
    const expect = (agencyId: string | null, kind: AgencyKind, what: string) => {
      if (agencyId !== null && kindOf.get(agencyId) !== kind)
        throw new ValidationError(`${source}: ${what} must be a registered ${kind} agency, not ${agencyId}`);
    };
    const regionIds = new Set(regions.map((r) => r.id));
    for (const region of regions) expect(region.coordinator, 'coordinator', `the coordinator of the region ${region.id}`);
    for (const m of municipalities) {
      if (!regionIds.has(m.region)) throw new ValidationError(`${source}: the municipality ${m.id} lies in ${m.region}, which is not a listed region`);
      expect(m.socialServices, 'social-services', `the social services of ${m.id}`);
      expect(m.coordinator, 'coordinator', `the coordinator of ${m.id}`);
    }
    const municipalityIds = new Set(municipalities.map((m) => m.id));
    for (const agency of agencies) {
      if (!municipalityIds.has(agency.municipality)) {
        throw new ValidationError(
          `${source} (${agency.id}): municipality ${agency.municipality} is not a listed municipality (${[...municipalityIds].join(', ')})`,
        );
      }
    }
    return new AgencyRegistry(agencies, regions, municipalities);
  }

  get(id: string): Agency | undefined {
    return this.byId.get(id);
  }

  all(): Agency[] {
    return [...this.byId.values()];
  }

  municipality(id: string): Municipality | undefined {
    return this.municipalitiesById.get(id);
  }

  municipalities(): Municipality[] {
    return [...this.municipalitiesById.values()];
  }

  region(id: string): Region | undefined {
    return this.regionsById.get(id);
  }

  regions(): Region[] {
    return [...this.regionsById.values()];
  }

  /** The ids of one kind of entry, in the order listed. */
  ids(kind: RegistryKind): string[] {
    const entries = kind === 'agency' ? this.all() : kind === 'municipality' ? this.municipalities() : this.regions();
    return entries.map((entry) => entry.id);
  }

  /** The agencies a case in the municipality turns to; the municipality must be a listed one. */
  servicesOf(municipalityId: string): MunicipalServices {
    const municipality = this.municipalitiesById.get(municipalityId);
    if (!municipality)
      throw new ValidationError(`${municipalityId} is not a listed municipality`, { rule: 'unknown-municipality', details: { municipality: municipalityId } });
    const coordinator = municipality.coordinator ?? this.regionsById.get(municipality.region)!.coordinator;
    return { socialServices: this.byId.get(municipality.socialServices)!, coordinator: this.byId.get(coordinator)! };
  }
}

function list(raw: unknown, missing: string): unknown[] {
  if (!Array.isArray(raw)) throw new ValidationError(missing);
  return raw;
}

function idOf(e: Record<string, unknown> | undefined, where: string): string {
  const id = e?.id;
  if (typeof id !== 'string' || !REGISTRY_ID.test(id)) throw new ValidationError(`${where}: id must be lowercase letters, digits and dashes`);
  return id;
}

function nameOf(e: Record<string, unknown>, where: string): Name {
  const name = e.name as { sv?: unknown; en?: unknown } | undefined;
  if (typeof name?.sv !== 'string' || typeof name?.en !== 'string') throw new ValidationError(`${where}: name needs both sv and en`);
  return { sv: name.sv, en: name.en };
}

function codeOf(e: Record<string, unknown>, digits: number, where: string): string {
  const code = e.code;
  if (typeof code !== 'string' || !new RegExp(`^\\d{${digits}}$`).test(code)) throw new ValidationError(`${where}: code must be ${digits} digits, in quotes`);
  return code;
}

function refOf(e: Record<string, unknown>, field: string, where: string, optional = false): string | null {
  const value = e[field];
  if (value === undefined && optional) return null;
  if (typeof value !== 'string' || !REGISTRY_ID.test(value)) throw new ValidationError(`${where}: ${field} must be an id`);
  return value;
}

function parseAgency(entry: unknown, where: string): Agency {
  const e = entry as Record<string, unknown>;
  const id = idOf(e, where);
  const at = `${where} (${id})`;
  if (id === SYSTEM_AGENCY_ID) throw new ValidationError(`${where}: ${id} is the service's own id and cannot be an agency's`);
  if (!AGENCY_KINDS.includes(e.kind as AgencyKind)) throw new ValidationError(`${at}: kind must be one of ${AGENCY_KINDS.join(', ')}`);
  if (e.city !== undefined) throw new ValidationError(`${at}: city is now municipality, one of the listed municipalities`);
  const municipality = refOf(e, 'municipality', at)!;
  const publicKeys = e.publicKeys ?? [];
  if (!Array.isArray(publicKeys) || publicKeys.some((k) => typeof k !== 'object' || k === null)) {
    throw new ValidationError(`${at}: publicKeys must be a list of JWKs`);
  }
  return { id, agencyId: id, kind: e.kind as AgencyKind, municipality, name: nameOf(e, at), publicKeys: publicKeys as Record<string, unknown>[] };
}

function parseRegion(entry: unknown, where: string): Region {
  const e = entry as Record<string, unknown>;
  const id = idOf(e, where);
  const at = `${where} (${id})`;
  return { id, code: codeOf(e, 2, at), name: nameOf(e, at), coordinator: refOf(e, 'coordinator', at)! };
}

function parseMunicipality(entry: unknown, where: string): Municipality {
  const e = entry as Record<string, unknown>;
  const id = idOf(e, where);
  const at = `${where} (${id})`;
  return {
    id,
    code: codeOf(e, 4, at),
    name: nameOf(e, at),
    region: refOf(e, 'region', at)!,
    socialServices: refOf(e, 'socialServices', at)!,
    coordinator: refOf(e, 'coordinator', at, true),
  };
}
