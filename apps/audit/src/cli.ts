import { parseArgs, ParseArgsConfig } from 'node:util';

/** Exit codes: everything verified; something did not verify (or could not be checked); the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A command line that cannot be run as given: unknown command or option, missing argument, unreadable input file. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a command writes: results to stdout, diagnostics and progress to stderr. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Raw stderr, for the progress bar; undefined when stderr is not a terminal. */
  readonly terminal?: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  /** POSIX seconds; the witness's cosignature time. */
  now(): number;
}

export type Command = (args: string[], io: Io) => Promise<number>;

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments strictly (unknown options are errors) and checks the required options and the
 * number of positional arguments, throwing UsageError with the command's usage text.
 */
export function parseCommand<O extends Options>(
  args: string[],
  spec: { usage: string; options: O; required?: readonly (keyof O & string)[]; positionals: [min: number, max: number] },
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, spec.usage);
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help) return { help: true as const, values: values as never, positionals: [] as string[] };
  for (const name of spec.required ?? []) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required`, spec.usage);
  }
  const [min, max] = spec.positionals;
  const count = parsed.positionals.length;
  if (count < min || count > max) {
    const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new UsageError(`expected ${wanted} file argument(s), got ${count}${count > 0 ? `: ${parsed.positionals.join(' ')}` : ''}`, spec.usage);
  }
  return {
    help: false as const,
    values: parsed.values as { [K in keyof O]?: O[K] extends { multiple: true } ? string[] : O[K] extends { type: 'boolean' } ? boolean : string },
    positionals: parsed.positionals,
  };
}

/**
 * Collects what failed and prints it as it is found, one line each: `FAIL <what broke>: <why> (expected …,
 * found …)`. After `limit` lines the rest are only counted, so a log broken everywhere does not flood the
 * terminal.
 */
export class Findings {
  private failures = 0;

  constructor(
    private readonly io: Io,
    private readonly limit = 200,
  ) {}

  get count(): number {
    return this.failures;
  }

  fail(subject: string, problem: string, mismatch?: { expected: string | number; found: string | number }): void {
    this.failures += 1;
    if (this.failures > this.limit) return;
    const detail = mismatch ? ` (expected ${mismatch.expected}, found ${mismatch.found})` : '';
    this.io.out(`FAIL ${subject}: ${problem}${detail}`);
    if (this.failures === this.limit) this.io.out(`(only the first ${this.limit} failures are shown; the rest are counted)`);
  }

  /** The closing line and the exit code. */
  finish(okSummary: string): number {
    if (this.failures === 0) {
      this.io.out(`OK ${okSummary}`);
      return EXIT_OK;
    }
    this.io.out(`FAILED: ${this.failures} problem${this.failures === 1 ? '' : 's'} found`);
    return EXIT_FAILED;
  }
}

/** How a failure names an event: its id, stream and revision, and its leaf index where known. */
export function describeEvent(event: { id?: unknown; stream?: unknown; revision?: unknown }, leaf?: number): string {
  const id = typeof event.id === 'string' ? event.id : '(no id)';
  const where = [`stream ${String(event.stream)}`, `revision ${String(event.revision)}`];
  if (leaf !== undefined) where.push(`leaf ${leaf}`);
  return `event ${id} (${where.join(', ')})`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
