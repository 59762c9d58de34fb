import { ValidationError as FieldError, ValidationPipe } from '@nestjs/common';
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
