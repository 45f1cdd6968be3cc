/**
 * Phone numbers as E.164 digits without the plus (what Meta's `to` and the gateway accept):
 * spaces, dashes, dots, parentheses and a leading `+` or `00` are stripped; the result must be
 * 8–15 digits and not start with 0 (E.164: country code first, at most 15 digits).
 */
export function normalisePhone(input: string): string | null {
  let s = input.trim().replace(/[\s().-]/g, '');
  if (s.startsWith('+')) s = s.slice(1);
  else if (s.startsWith('00')) s = s.slice(2);
  if (!/^[1-9]\d{7,14}$/.test(s)) return null;
  return s;
}
