import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { CASE_COMMAND_NAMES } from '../cases/case-commands';
import { agencyCommandTopics } from './agency-command-consumer';
import { ACTOR_HEADER, CORRELATION_HEADER, parseCommandMessage, POISON_REASONS } from './command-message';

jest.setTimeout(60_000);

const FILE = resolve(__dirname, '../../../../docs/asyncapi.yaml');

interface Example {
  name: string;
  headers?: Record<string, string>;
  payload: unknown;
}

/**
 * docs/asyncapi.yaml, as the AsyncAPI parser reads it (with its rules, examples against their schemas), and
 * as the code has it: the command topics' names, the command types, the dead-letter reasons, and each example
 * command accepted by the consumer's own parsing.
 */
describe('the AsyncAPI document', () => {
  const text = readFileSync(FILE, 'utf8');
  let document: NonNullable<Awaited<ReturnType<Parser['parse']>>['document']>;

  beforeAll(async () => {
    const parsed = await new Parser().parse(text);
    const errors = parsed.diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    document = parsed.document!;
  });

  it('names the command topics as the consumer does', () => {
    const topics = agencyCommandTopics('samverkan');
    const addresses = document
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses).toEqual(expect.arrayContaining([topics.commands('{agencyId}'), topics.results('{agencyId}'), topics.dlq]));
  });

  it('lists every command type and every dead-letter reason the code has', () => {
    const json = document.json() as {
      components: {
        schemas: Record<string, { properties: Record<string, { enum: string[] }> }>;
        messages: Record<string, { headers: { properties: Record<string, { enum: string[] }> } }>;
      };
    };
    expect(json.components.schemas.caseCommandPayload.properties.type.enum).toEqual(CASE_COMMAND_NAMES);
    expect(json.components.messages.deadLetter.headers.properties['dlq-reason'].enum).toEqual([...POISON_REASONS]);
    expect(Object.keys(json.components.messages.caseCommand.headers.properties)).toEqual([ACTOR_HEADER, CORRELATION_HEADER]);
  });

  it("gives examples that fit their messages' schemas (the parser does not check them)", () => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const messages = (document.json() as { components: { messages: Record<string, { headers?: object; payload?: object; examples?: Example[] }> } }).components
      .messages;
    const problems: string[] = [];
    for (const [name, message] of Object.entries(messages)) {
      for (const example of message.examples ?? []) {
        for (const [part, schema, value] of [
          ['headers', message.headers, example.headers],
          ['payload', message.payload, example.payload],
        ] as const) {
          if (!schema || value === undefined) continue;
          const validate = ajv.compile(schema);
          if (!validate(value)) problems.push(`${name} "${example.name}" ${part}: ${ajv.errorsText(validate.errors)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(Object.values(messages).flatMap((m) => m.examples ?? []).length).toBeGreaterThanOrEqual(8);
  });

  it('gives example commands the consumer executes as they are', async () => {
    const examples = (document.json() as { components: { messages: { caseCommand: { examples: Example[] } } } }).components.messages.caseCommand.examples;
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const headers = Object.fromEntries(Object.entries(example.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
      const parsed = await parseCommandMessage({ key: null, value: Buffer.from(JSON.stringify(example.payload)), headers });
      expect({ example: example.name, type: parsed.name }).toEqual({ example: example.name, type: (example.payload as { type: string }).type });
    }
  });
});
