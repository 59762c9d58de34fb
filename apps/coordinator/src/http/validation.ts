import { ValidationError as FieldError, ValidationPipe } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { ValidationError } from '@samverkan/common';

/**
 * Body and query validation at the edge: unknown fields are an error, never silently dropped, and every
 * broken constraint is listed by its field path.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validateCustomDecorators: false,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ValidationError(fields.map((f) => `${f.field}: ${f.problems.join('; ')}`).join(' | ') || 'the body is not valid', {
        rule: 'invalid-input',
        details: { errors: fields },
      });
    },
  });
}

function flatten(errors: FieldError[], prefix = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * A field that may be left out, but is never null: a JSON null is refused by name rather than read as
 * absent (or, by a later `new Date(null)`, as 1970). class-validator's IsOptional lets null through.
 */
export function Optional(): PropertyDecorator {
  return (target, key) => {
    ValidateIf((_object, value) => value !== undefined)(target, key);
    ValidateBy({
      name: 'notNull',
      validator: { validate: (value) => value !== null, defaultMessage: (args) => `${args?.property} must not be null; leave it out instead` },
    })(target, key);
  };
}

/**
 * An integer from a query string, in decimal digits and nothing else: not empty, not `0x10`, `1e1`, `1.0`
 * or `+1`, and given once (a repeated parameter arrives as a list and is refused).
 */
export function QueryInteger({ min, max }: { min: number; max?: number }): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ type: 'integer', minimum: min, ...(max === undefined ? {} : { maximum: max }) })(target, key);
    Transform(({ value }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value))(target, key);
    IsInt({ message: ({ property }) => `${property} must be an integer in decimal digits, given once` })(target, key);
    Min(min)(target, key);
    if (max !== undefined) Max(max)(target, key);
  };
}

/** RFC 3339 date-time, or a date: the forms every system and `Date` read alike (no week or ordinal dates). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Nothing this record holds happened before it: no case, support or decision is dated before 1990. */
const EARLIEST = '1990-01-01';
const DAY_MS = 86_400_000;

function existsOnCalendar(value: string): boolean {
  const [y, m, d, hh = 0, mm = 0, ss = 0] = value
    .split(/[-T:.Z+]/)
    .slice(0, 6)
    .map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d && hh < 24 && mm < 60 && ss < 60;
}

function withinBounds(value: string, earliest: string, aheadMs: number): boolean {
  const at = Date.parse(value);
  return at >= Date.parse(earliest) && at <= Date.now() + aheadMs;
}

/**
 * The bounds of a date in the OpenAPI document, which has no keyword for them: as extensions a client can read
 * (`x-earliest` a date, `x-latest` relative to the day the request is sent).
 */
function dayBounds(earliest: string, latest: string): Record<string, string> {
  return { 'x-earliest': earliest, 'x-latest': latest };
}

/**
 * A point in time as RFC 3339 (`2027-01-31T12:00:00Z`) or a date (`2027-01-31`), one that exists, and
 * within the field's bounds: not before `earliest` (default 1990) and at most `yearsAhead` years from now.
 */
export const IsTimestamp =
  ({ yearsAhead, earliest = EARLIEST }: { yearsAhead: number; earliest?: string }): PropertyDecorator =>
  (target, key) => {
    // In the OpenAPI document: either form, so that a form or a client built from it offers a date alone too.
    ApiProperty({
      type: String,
      oneOf: [
        { type: 'string', format: 'date-time' },
        { type: 'string', format: 'date' },
      ],
      ...dayBounds(earliest, `${yearsAhead} years from now`),
    })(target, key);
    ValidateBy({
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          TIMESTAMP.test(value) &&
          existsOnCalendar(value) &&
          !Number.isNaN(Date.parse(value)) &&
          withinBounds(value, earliest, yearsAhead * 366 * DAY_MS),
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 time like 2027-01-31T12:00:00Z, or a date like 2027-01-31, from ${earliest} to ${yearsAhead} years from now`,
      },
    })(target, key);
  };

/** A day as YYYY-MM-DD that exists, not before `earliest` (default 1990) and at most `daysAhead` days from today. */
export const IsDay =
  ({ daysAhead, earliest = EARLIEST }: { daysAhead: number; earliest?: string }): PropertyDecorator =>
  (target, key) => {
    ApiProperty({
      type: String,
      format: 'date',
      ...dayBounds(earliest, daysAhead === 0 ? 'today' : `${daysAhead} day${daysAhead === 1 ? '' : 's'} after today`),
    })(target, key);
    ValidateBy({
      name: 'isDay',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && DAY.test(value) && existsOnCalendar(value) && withinBounds(value, earliest, daysAhead * DAY_MS),
        defaultMessage: (args) =>
          `${args?.property} must be a date as YYYY-MM-DD, from ${earliest} to ${daysAhead === 0 ? 'today' : `${daysAhead} day after today`}`,
      },
    })(target, key);
  };
