import { gunzipSync as fflateGunzip } from 'fflate';
import { crc32 as zlibCrc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32InTurns, gzipStored } from '../../src/util/gzip';

/** Deterministic bytes that are not all alike. */
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 255);

/** Where two byte arrays first differ (the shorter one's length if one is a prefix of the other), or -1: toEqual takes tens of seconds over megabytes. */
const firstDifference = (a: Uint8Array, b: Uint8Array) => {
  const at =
    Buffer.from(a.buffer, a.byteOffset, a.length).compare(Buffer.from(b.buffer, b.byteOffset, b.length)) === 0 ? -1 : a.findIndex((x, i) => x !== b[i]);
  return at === -1 && a.length !== b.length ? Math.min(a.length, b.length) : at;
};

describe('stored gzip', () => {
  it('computes_the_crc32_zlib_computes_for_every_length_around_the_eight_byte_rounds', () => {
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 1000, 65537]) expect(crc32(bytes(n)), `${n} bytes`).toBe(zlibCrc32(bytes(n)));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });

  it('continues_a_crc_across_pieces_and_takes_a_large_one_in_turns', async () => {
    const data = bytes(9 * 2 ** 20 + 5);
    expect(crc32(data.subarray(1003), crc32(data.subarray(0, 1003)))).toBe(zlibCrc32(data));
    let turns = 0;
    const crc = await crc32InTurns(data, async () => void turns++);
    expect(crc).toBe(zlibCrc32(data));
    expect(turns).toBe(2); // three pieces of at most 4 MiB
    expect(firstDifference(gunzipSync(gzipStored(data, crc)), data)).toBe(-1);
  });

  it('writes_parts_as_the_gzip_of_their_concatenation_whatever_their_boundaries', async () => {
    const data = bytes(300_000);
    for (const cuts of [[0], [65535], [1, 65534, 65535, 200_000], [0, 0, 131_070, 131_071], [299_999]]) {
      const parts = [...cuts, data.length].map((end, i, all) => data.subarray(i ? all[i - 1] : 0, end));
      expect(firstDifference(gzipStored(parts), gzipStored(data)), `cut at ${cuts}`).toBe(-1);
      expect(await crc32InTurns(parts, async () => {}), `cut at ${cuts}`).toBe(zlibCrc32(data));
    }
    expect(gzipStored([])).toEqual(gzipStored(new Uint8Array(0)));
  });

  it('writes_gzip_that_zlib_and_fflate_read_back_across_block_boundaries', () => {
    for (const n of [0, 1, 65535, 65536, 200_001]) {
      const data = bytes(n);
      const gz = gzipStored(data);
      expect(gz.length, `${n} bytes`).toBe(18 + 5 * Math.max(1, Math.ceil(n / 65535)) + n);
      expect(firstDifference(gunzipSync(gz), data), `${n} bytes through zlib`).toBe(-1); // zlib checks the CRC and size
      expect(firstDifference(fflateGunzip(gz), data), `${n} bytes through fflate`).toBe(-1);
    }
  });
});
