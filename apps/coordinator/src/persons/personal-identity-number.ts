/**
 * Whether a text holds a Swedish personal identity number (personnummer) or coordination number
 * (samordningsnummer): six or eight digits of a birth date (a coordination number adds 60 to the day), an
 * optional `-` or `+`, and four digits of which the last is the Luhn check digit of the ten (Skatteverket,
 * SKV 704). Used where an identifier must be pseudonymous, to refuse one that is a person's number.
 */
export function holdsPersonalIdentityNumber(text: string): boolean {
  for (const match of text.matchAll(/(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})[-+]?(\d{4})(?!\d)/g)) {
    const [, , yy, mm, dd, tail] = match;
    const month = Number(mm);
    const day = Number(dd) > 60 ? Number(dd) - 60 : Number(dd);
    if (month < 1 || month > 12 || day < 1 || day > 31) continue;
    if (luhnValid(`${yy}${mm}${dd}${tail}`)) return true;
  }
  return false;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}
