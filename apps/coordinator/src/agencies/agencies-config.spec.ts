import { join } from 'node:path';
import { CITIES } from './agency';
import { AgencyRegistry } from './agency-registry';

/** The agencies file the service ships with: each city's cases turn to agencies of that city's own region. */
describe('config/agencies.yaml', () => {
  const registry = AgencyRegistry.fromFile(join(__dirname, '../../../../config/agencies.yaml'));

  it.each(CITIES)("escalates a referral in %s to the coordinator of the case's own region", (city) => {
    const { coordinator } = registry.servicesOf(city);
    expect({ coordinator: coordinator.id, kind: coordinator.kind, city: coordinator.city }).toEqual({ coordinator: coordinator.id, kind: 'coordinator', city });
  });

  it.each(CITIES)("refers a child's case in %s to that city's social services", (city) => {
    expect(registry.servicesOf(city).socialServices).toMatchObject({ kind: 'social-services', city });
  });

  it('registers no development centre as an operational prosecution office', () => {
    expect(registry.all().filter((a) => a.kind === 'prosecution').map((a) => a.id)).not.toContain('aklagare-utvecklingscentrum');
  });
});
