import { join } from 'node:path';
import { AgencyRegistry } from './agency-registry';

/** The agencies file the service ships with: each municipality's cases turn to agencies of its own region. */
describe('config/agencies.yaml', () => {
  const registry = AgencyRegistry.fromFile(join(__dirname, '../../../../config/agencies.yaml'));
  const municipalities = registry.municipalities().map((m) => m.id);
  const regionOf = (municipalityId: string) => registry.municipality(municipalityId)!.region;

  it('lists the municipalities and regions as data, with their SCB codes', () => {
    expect(municipalities).toEqual(expect.arrayContaining(['stockholm', 'goteborg', 'malmo', 'lund', 'solna']));
    for (const m of registry.municipalities()) expect(m.code.slice(0, 2)).toBe(registry.region(m.region)!.code);
  });

  it.each(municipalities)("escalates a referral on a case in %s to a coordinator of the case's own region", (municipality) => {
    const { coordinator } = registry.servicesOf(municipality);
    expect({ kind: coordinator.kind, region: regionOf(coordinator.municipality) }).toEqual({ kind: 'coordinator', region: regionOf(municipality) });
  });

  it.each(municipalities)("refers a child in %s to that municipality's own social services", (municipality) => {
    expect(registry.servicesOf(municipality).socialServices).toMatchObject({ kind: 'social-services', municipality });
  });

  it("lets a municipality's own coordinator stand in for its region's: Malmö's Mika, Lund the county board of Skåne", () => {
    expect(registry.servicesOf('malmo').coordinator.id).toBe('mika-malmo');
    expect(registry.servicesOf('lund').coordinator.id).toBe('lansstyrelsen-skane');
  });

  it('registers health care, civil society, a chief guardian, counsel for the injured party and the national method support', () => {
    const kinds = new Set(registry.all().map((a) => a.kind));
    for (const kind of ['health-care', 'ngo', 'chief-guardian', 'injured-party-counsel', 'method-support']) expect(kinds).toContain(kind);
  });

  it('registers no development centre as an operational prosecution office', () => {
    expect(
      registry
        .all()
        .filter((a) => a.kind === 'prosecution')
        .map((a) => a.id),
    ).not.toContain('aklagare-utvecklingscentrum');
  });
});

describe('the agency registry refuses a file that does not hold together', () => {
  const agency = (id: string, kind: string, municipality = 'malmo') => ({ id, kind, municipality, name: { sv: id, en: id } });
  const valid = () => ({
    regions: [{ id: 'skane', code: '12', name: { sv: 'Skåne län', en: 'Skåne County' }, coordinator: 'lansstyrelsen-skane' }],
    municipalities: [{ id: 'malmo', code: '1280', name: { sv: 'Malmö', en: 'Malmö' }, region: 'skane', socialServices: 'socialtjansten-malmo' }],
    agencies: [agency('lansstyrelsen-skane', 'coordinator'), agency('socialtjansten-malmo', 'social-services')],
  });

  it('reads a valid one', () => {
    expect(AgencyRegistry.fromDocument(valid()).servicesOf('malmo').coordinator.id).toBe('lansstyrelsen-skane');
  });

  it.each([
    ['the old cities block', (d: Record<string, unknown>) => ({ ...d, cities: {} }), /cities are now municipalities and regions/],
    [
      'an agency with a city',
      (d: ReturnType<typeof valid>) => ({ ...d, agencies: [...d.agencies, { ...agency('polisen-malmo', 'police'), city: 'malmo' }] }),
      /city is now municipality/,
    ],
    [
      'an agency in an unlisted municipality',
      (d: ReturnType<typeof valid>) => ({ ...d, agencies: [...d.agencies, agency('polisen-lund', 'police', 'lund')] }),
      /municipality lund is not a listed municipality/,
    ],
    [
      'a municipality in an unlisted region',
      (d: ReturnType<typeof valid>) => ({ ...d, municipalities: [{ ...d.municipalities[0], region: 'gotland' }] }),
      /lies in gotland, which is not a listed region/,
    ],
    [
      'social services that are not of that kind',
      (d: ReturnType<typeof valid>) => ({ ...d, municipalities: [{ ...d.municipalities[0], socialServices: 'lansstyrelsen-skane' }] }),
      /social services of malmo must be a registered social-services agency/,
    ],
    [
      'a region whose coordinator is not registered',
      (d: ReturnType<typeof valid>) => ({ ...d, regions: [{ ...d.regions[0], coordinator: 'nobody' }] }),
      /coordinator of the region skane must be a registered coordinator agency/,
    ],
    [
      'a municipality code that is not four digits',
      (d: ReturnType<typeof valid>) => ({ ...d, municipalities: [{ ...d.municipalities[0], code: 1280 }] }),
      /code must be 4 digits/,
    ],
    [
      'a municipality listed twice',
      (d: ReturnType<typeof valid>) => ({ ...d, municipalities: [d.municipalities[0], d.municipalities[0]] }),
      /lists the municipality malmo twice/,
    ],
  ])('refuses %s', (_, change, message) => {
    expect(() => AgencyRegistry.fromDocument(change(valid() as never))).toThrow(message);
  });
});
