import { it } from 'vitest';
import { parseLines } from '../../src/train/logger';
const t = (s: string) => { try { return JSON.stringify(parseLines(s, 'f.log')); } catch (e) { return 'ERR ' + (e as Error).message; } };
it('probe', () => {
  for (const s of [',5\n', '0.5,\n', '0.5,3\n0.4', ' ,4\n', '0x10,4\n', '1,-3\n', 'Infinity,2\n', '1e3,2\n', '0.5,3\r\n', '1, 2\n', 'nan,2\n', '-NaN,2\n','1,2.0\n', '1,1e1\n']) console.log(JSON.stringify(s), '→', t(s));
});
