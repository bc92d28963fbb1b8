/** Byte values the table reader looks for. */
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const SEMICOLON = 0x3b;
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;

export const DOT = 0x2e;
export const MINUS = 0x2d;
export const ZERO = 0x30;
export const NINE = 0x39;
const PLUS = 0x2b;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

// Powers of ten that are exact doubles: a mantissa below 2^53 times or over one of them rounds once,
// so the fast path below gives the same double as Number().
export const EXACT_POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Digits a mantissa may have and stay below 2^53, exact. */
export const MAX_FAST_DIGITS = 15;
const MAX_FAST_EXP = 22;

/**
 * The number spelled by bytes [start, end), or NaN when they are not a plain decimal number
 * (sign, digits, one decimal point, exponent). Most cells take the fast path, which creates no string.
 * `decimalComma` also accepts ',' as the decimal point (semicolon-separated files from European locales).
 */
export function parseNumber(b: Uint8Array, start: number, end: number, decimalComma: boolean): number {
  let i = start;
  let negative = false;
  if (i < end && (b[i] === MINUS || b[i] === PLUS)) negative = b[i++] === MINUS;
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let exponent = 0;
  for (; i < end; i++) {
    const d = b[i] - ZERO;
    if (d < 0 || d > 9) break;
    digits++;
    if (significant > 0 || d > 0) {
      significant++;
      mantissa = mantissa * 10 + d;
    }
  }
  if (i < end && (b[i] === DOT || (decimalComma && b[i] === COMMA))) {
    for (i++; i < end; i++) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      digits++;
      exponent--;
      if (significant > 0 || d > 0) {
        significant++;
        mantissa = mantissa * 10 + d;
      }
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    i++;
    let expNegative = false;
    if (i < end && (b[i] === MINUS || b[i] === PLUS)) expNegative = b[i++] === MINUS;
    let e = 0;
    const expStart = i;
    for (; i < end; i++) {
      const d = b[i] - ZERO;
      if (d < 0 || d > 9) break;
      if (e < 100_000) e = e * 10 + d;
    }
    if (i === expStart) return NaN;
    exponent += expNegative ? -e : e;
  }
  if (i !== end) return NaN;
  if (significant > MAX_FAST_DIGITS || exponent > MAX_FAST_EXP || exponent < -MAX_FAST_EXP) {
    return slowNumber(b, start, end, decimalComma);
  }
  const value = exponent < 0 ? mantissa / EXACT_POW10[-exponent] : mantissa * EXACT_POW10[exponent];
  return negative ? -value : value;
}

// The bytes of a number are ASCII, which the native decoder turns into a string in one call.
const ascii = new TextDecoder();

/** Long mantissas and large exponents: rare, so a string and Number() are fine; overflow is not a number. */
function slowNumber(b: Uint8Array, start: number, end: number, decimalComma: boolean): number {
  const s = ascii.decode(b.subarray(start, end));
  const value = Number(decimalComma ? s.replace(',', '.') : s);
  return Number.isFinite(value) ? value : NaN;
}

// Missing-value spellings, lower case: NA, N/A, NaN, null, ?.
const MISSING = ['na', 'n/a', 'nan', 'null', '?'].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));

/** True when bytes [start, end) spell a missing value (empty, NA, N/A, NaN, null or ?, any case). */
export function isMissing(b: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0) return true;
  if (n > 4) return false;
  outer: for (const m of MISSING) {
    if (m.length !== n) continue;
    for (let k = 0; k < n; k++) {
      const c = b[start + k];
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== m[k]) continue outer;
    }
    return true;
  }
  return false;
}
