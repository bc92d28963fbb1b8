import { expect, it } from 'vitest';
import { backendOrder } from '../../src/worker/backends';
it('imports', () => { expect(typeof backendOrder).toBe('function'); });
