import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AgencyRegistry, RegistryKind } from '../agencies/agency-registry';
import { REGISTRY_EXTENSION } from '../agencies/registry-id';
import { PUBLIC_EXTENSION } from '../auth/auth.guard';
import openApiMetadata from './openapi-metadata';
import { withAnswers } from './openapi-responses';

type Models = Array<[Promise<unknown>, Record<string, Record<string, unknown>>]>;

/**
 * The OpenAPI document of the service: the routes as Nest declares them, each DTO as the swagger plugin read it
 * (openapi-metadata.ts), and each DTO's fields in the order the class declares them. (Fields whose validator
 * also describes them, such as a date, would otherwise come first; forms built from the document, like the
 * case page's, ask in the order the DTO reads.)
 */
export async function apiDocument(app: INestApplication): Promise<OpenAPIObject> {
  const metadata = await openApiMetadata();
  await SwaggerModule.loadPluginMetadata(async () => metadata);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('samverkan')
      .setDescription('The shared, tamper-evident case record of agencies working together against trafficking in human beings.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  const { models } = metadata['@nestjs/swagger'] as unknown as { models: Models };
  for (const [, classes] of models) {
    for (const [name, fields] of Object.entries(classes)) {
      const schema = document.components?.schemas?.[name];
      if (!schema || !('properties' in schema) || !schema.properties) continue;
      const properties = schema.properties;
      const declared = Object.keys(fields).filter((key) => key in properties);
      schema.properties = Object.fromEntries(
        [...declared, ...Object.keys(properties).filter((key) => !declared.includes(key))].map((key) => [key, properties[key]]),
      );
      if (schema.required) schema.required = [...schema.required].sort((a, b) => declared.indexOf(a) - declared.indexOf(b));
    }
  }
  listRegisteredIds(document, app.get(AgencyRegistry));
  // A public route needs no token, whatever its controller's other routes need.
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as Array<{ security?: unknown; [PUBLIC_EXTENSION]?: boolean }>) {
      if (typeof operation !== 'object' || !operation?.[PUBLIC_EXTENSION]) continue;
      delete operation[PUBLIC_EXTENSION];
      operation.security = [];
    }
  }
  return withAnswers(document);
}

/**
 * A field or path parameter that names an agency, a municipality or a region takes the ids this deployment
 * registers, and no other: the document lists them (a request built from it then names a real one).
 */
function listRegisteredIds(document: OpenAPIObject, registry: AgencyRegistry): void {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    for (const property of Object.values(('properties' in schema && schema.properties) || {}) as Array<Record<string, unknown>>) {
      const kind = property[REGISTRY_EXTENSION] as RegistryKind | undefined;
      if (!kind) continue;
      delete property[REGISTRY_EXTENSION];
      property.enum = registry.ids(kind);
    }
  }
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as Array<{
      parameters?: Array<{ name: string; in: string; schema?: Record<string, unknown> } & Record<string, unknown>>;
    }>) {
      for (const parameter of operation?.parameters ?? []) {
        if (parameter.in === 'path' && parameter.name === 'agencyId') parameter.schema = { type: 'string', enum: registry.ids('agency') };
        // A query parameter of a registry id (a region of the statistics): its extension on the parameter or its schema.
        const kind = (parameter[REGISTRY_EXTENSION] ?? parameter.schema?.[REGISTRY_EXTENSION]) as RegistryKind | undefined;
        if (!kind) continue;
        delete parameter[REGISTRY_EXTENSION];
        parameter.schema = { type: 'string', enum: registry.ids(kind) };
      }
    }
  }
}
