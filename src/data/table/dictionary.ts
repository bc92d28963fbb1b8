/**
 * Codes for a column's distinct texts, keyed by their bytes: a repeated category costs one hash
 * and one byte comparison, never a string. Open addressing over a power-of-two table; the keys
 * live in one growing byte arena, so an identifier column with a million values is not a million arrays.
 */
export class ByteDictionary {
  /** The distinct values in first-seen order; a value's code is its index here. */
  readonly values: string[] = [];
  private arena = new Uint8Array(256);
  private used = 0;
  /** Key `code` is arena[bounds[2 code], bounds[2 code + 1]). */
  private bounds = new Int32Array(32);
  private hashes = new Int32Array(16);
  private slots = new Int32Array(16).fill(-1);

  /** The code of bytes [start, end), or -1 when they have not been seen. */
  find(b: Uint8Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    const h = hashBytes(b, start, end);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const code = this.slots[s];
      if (code < 0) return -1;
      if (this.hashes[code] === h && this.sameKey(code, b, start, end)) return code;
    }
  }

  /** Adds bytes [start, end), decoded as `text`, which must not be present yet; returns its code. */
  add(b: Uint8Array, start: number, end: number, text: string): number {
    const code = this.values.length;
    const n = end - start;
    if (this.used + n > this.arena.length) this.arena = grow(this.arena, this.used + n);
    if (2 * code + 2 > this.bounds.length) this.bounds = grow(this.bounds, 2 * code + 2);
    if (code + 1 > this.hashes.length) this.hashes = grow(this.hashes, code + 1);
    this.arena.set(b.subarray(start, end), this.used);
    this.bounds[2 * code] = this.used;
    this.bounds[2 * code + 1] = this.used += n;
    this.hashes[code] = hashBytes(b, start, end);
    this.values.push(text);
    if (2 * this.values.length > this.slots.length) this.rehash(2 * this.slots.length);
    else this.place(code);
    return code;
  }

  private sameKey(code: number, b: Uint8Array, start: number, end: number): boolean {
    const from = this.bounds[2 * code];
    if (this.bounds[2 * code + 1] - from !== end - start) return false;
    for (let k = start; k < end; k++) if (this.arena[from + k - start] !== b[k]) return false;
    return true;
  }

  private place(code: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[code] & mask;
    while (this.slots[s] >= 0) s = (s + 1) & mask;
    this.slots[s] = code;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    for (let code = 0; code < this.values.length; code++) this.place(code);
  }
}

/** A copy of `a` with room for at least `min` elements (doubling, so appends stay amortized O(1)). */
export function grow<T extends Uint8Array | Int32Array | Float32Array | Float64Array>(a: T, min: number): T {
  const next = new (a.constructor as new (n: number) => T)(Math.max(min, 2 * a.length));
  next.set(a);
  return next;
}

/** FNV-1a over the bytes (as int32, to fit the Int32Array of hashes). */
function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}
