const ALPHABET = '0123456789abcdefghijklmnopqrstuv';
const MASK_64 = (1n << 64n) - 1n;

/**
 * A ParamId as Burn writes it (`ParamId::serialize`, burn-core `module/param/id.rs`): the id's
 * 8 little-endian bytes in data-encoding's BASE32_DNSSEC (RFC 5155's base32hex alphabet in lower
 * case, most significant bit first, no padding): 13 characters.
 */
export function encodeParamId(id: bigint): string {
  let bits = 0n;
  for (let i = 0n; i < 8n; i++) bits = (bits << 8n) | ((id >> (8n * i)) & 0xffn);
  // 64 bits make 12 groups of 5 and 4 left over, which the 13th character carries, padded with a 0.
  bits <<= 1n;
  let out = '';
  for (let i = 12n; i >= 0n; i--) out += ALPHABET[Number((bits >> (5n * i)) & 31n)];
  return out;
}

/**
 * The id Kiln gives the weight `name` (FNV-1a 64 of its UTF-8 bytes): every checkpoint of a run,
 * and its optimizer record, names a weight by the same id, as Burn keeps a parameter's id for life.
 */
export function paramIdOf(name: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(name)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & MASK_64;
  return encodeParamId(h);
}
