// Float64 references for the GPU kernel tests, and deterministic test data.

/** A seeded generator of floats in [-1, 1) (mulberry32), so every run sees the same data. */
export function randoms(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** C = op(A) · op(B) in float64, A stored [m, k] (or [k, m] transposed), B [k, n] (or [n, k]). */
export function refGemm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      c[i * n + j] = s;
    }
  return c;
}

/** ‖got − want‖ / ‖want‖ (Euclidean norms), the relative error used throughout. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let d = 0;
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    d += (got[i] - want[i]) ** 2;
    w += want[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(w), 1e-30);
}

/** Activation in float64. */
export function refActivate(name: string, x: number): number {
  switch (name) {
    case 'relu':
      return Math.max(x, 0);
    case 'tanh':
      return Math.tanh(x);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    default:
      return x;
  }
}

/** The activation's derivative written from its output, in float64. */
export function refDerivative(name: string, y: number): number {
  switch (name) {
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'tanh':
      return 1 - y * y;
    case 'sigmoid':
      return y * (1 - y);
    default:
      return 1;
  }
}

/** What the optimizer reference needs of a config (the fields of src/train/optim's configs). */
export interface RefOptimConfig {
  type: 'sgd' | 'adam' | 'adamw';
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  gradClipping?: { type: 'norm'; maxNorm: number } | { type: 'value'; maxValue: number };
}

/**
 * Kiln's optimizers (src/train/optim: PyTorch semantics, clipping of the mean gradient first) in
 * float64, one step: updates p and the slots in place. `t` is the 1-based step.
 */
export function refOptimStep(c: RefOptimConfig, p: Float64Array, grad: ArrayLike<number>, slots: Float64Array[], lr: number, t: number): void {
  let g = Array.from(grad);
  const clip = c.gradClipping;
  if (clip?.type === 'value') g = g.map((x) => Math.min(clip.maxValue, Math.max(-clip.maxValue, x)));
  if (clip?.type === 'norm') {
    const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    const f = Math.min(1, clip.maxNorm / (norm + 1e-6));
    g = g.map((x) => x * f);
  }
  const wd = c.weightDecay ?? (c.type === 'adamw' ? 0.01 : 0);
  if (c.type === 'sgd') {
    const mu = c.momentum ?? 0;
    for (let i = 0; i < p.length; i++) {
      let gi = g[i] + wd * p[i];
      if (mu > 0) {
        slots[0][i] = t === 1 ? gi : mu * slots[0][i] + (1 - (c.dampening ?? 0)) * gi;
        gi = c.nesterov ? gi + mu * slots[0][i] : slots[0][i];
      }
      p[i] -= lr * gi;
    }
    return;
  }
  const [b1, b2, eps] = [c.beta1 ?? 0.9, c.beta2 ?? 0.999, c.epsilon ?? 1e-8];
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (c.type === 'adamw') p[i] *= 1 - lr * wd;
    else gi += wd * p[i];
    slots[0][i] = b1 * slots[0][i] + (1 - b1) * gi;
    slots[1][i] = b2 * slots[1][i] + (1 - b2) * gi * gi;
    const mHat = slots[0][i] / (1 - b1 ** t);
    const vHat = slots[1][i] / (1 - b2 ** t);
    p[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}
