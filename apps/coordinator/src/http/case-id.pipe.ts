import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@samverkan/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A case id from the path: a UUID, in the lower case the service mints, so that `A1…` and `a1…` are one case. */
@Injectable()
export class CaseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new ValidationError(`${value.slice(0, 80)} is not a case id: a case id is a UUID`, { rule: 'invalid-case-id' });
    return value.toLowerCase();
  }
}
