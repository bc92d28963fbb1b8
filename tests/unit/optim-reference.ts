// Plain JS references for the optimizer tests, written from the PyTorch documentation's
// pseudo-code one element at a time, in double precision.

/** Initial parameter values. */
export const P0 = [0.5, -1.2, 2.0, 0.3];
/** Gradients for steps 1, 2 and 3. */
export const GRADS = [
  [0.1, -0.2, 0.3, -0.4],
  [0.25, 0.05, -0.15, 0.6],
  [-0.3, 0.4, 0.2, -0.1],
];
/** Learning rate used by every reference run. */
export const LR = 0.1;

/** PyTorch SGD: the parameter after each step. */
export function refSgd(o: { momentum: number; dampening: number; nesterov: boolean; wd: number }): number[][] {
  const p = [...P0];
  const buf = P0.map(() => 0);
  return GRADS.map((grads, step) =>
    p.map((_, i) => {
      let g = grads[i] + o.wd * p[i];
      if (o.momentum > 0) {
        buf[i] = step === 0 ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
      }
      return (p[i] -= LR * g);
    }),
  );
}

/** PyTorch Adam (L2) or AdamW (decoupled): the parameter after each step. */
export function refAdam(o: { b1: number; b2: number; eps: number; wd: number; decoupled: boolean }): number[][] {
  const p = [...P0];
  const m = P0.map(() => 0);
  const v = P0.map(() => 0);
  return GRADS.map((gs, step) => {
    const t = step + 1;
    return p.map((_, i) => {
      let g = gs[i];
      if (o.decoupled) p[i] *= 1 - LR * o.wd;
      else g += o.wd * p[i];
      m[i] = o.b1 * m[i] + (1 - o.b1) * g;
      v[i] = o.b2 * v[i] + (1 - o.b2) * g * g;
      const mHat = m[i] / (1 - o.b1 ** t);
      const vHat = v[i] / (1 - o.b2 ** t);
      return (p[i] -= (LR * mHat) / (Math.sqrt(vHat) + o.eps));
    });
  });
}

/** PyTorch RMSprop: the parameter after each step. */
export function refRmsProp(o: { rho: number; eps: number; momentum: number; centered: boolean; wd: number }): number[][] {
  const p = [...P0];
  const ms = P0.map(() => 0);
  const mg = P0.map(() => 0);
  const buf = P0.map(() => 0);
  return GRADS.map((grads) =>
    p.map((_, i) => {
      const g = grads[i] + o.wd * p[i];
      ms[i] = o.rho * ms[i] + (1 - o.rho) * g * g;
      let variance = ms[i];
      if (o.centered) {
        mg[i] = o.rho * mg[i] + (1 - o.rho) * g;
        variance -= mg[i] * mg[i];
      }
      const scaled = g / (Math.sqrt(variance) + o.eps);
      if (o.momentum > 0) {
        buf[i] = o.momentum * buf[i] + scaled;
        return (p[i] -= LR * buf[i]);
      }
      return (p[i] -= LR * scaled);
    }),
  );
}
