/** Activations a Dense layer's epilogue applies, and their derivatives written from the output. */

/** The activations the compiled step runs. */
export type Activation = 'linear' | 'relu' | 'tanh' | 'sigmoid';

/** The activations the compiled step runs, for checks. */
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'tanh', 'sigmoid'];

/** WGSL expression for the activation of `x`. */
export function activate(activation: Activation, x: string): string {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return `max(${x}, 0.0)`;
    // Some drivers build tanh from exp and return NaN past |x| ≈ 44; f32 tanh is ±1 from |x| = 9.1 on.
    case 'tanh':
      return `tanh(clamp(${x}, -15.0, 15.0))`;
    case 'sigmoid':
      return `(1.0 / (1.0 + exp(-(${x}))))`;
  }
}

/**
 * WGSL expression for the activation's derivative given its output `y`, so the backward pass needs
 * only the saved output and no pre-activation buffer: relu's y > 0 is z > 0 (tfjs's step(z)),
 * tanh' = 1 − y², sigmoid' = y(1 − y).
 */
export function derivativeFromOutput(activation: Activation, y: string): string {
  switch (activation) {
    case 'linear':
      return '1.0';
    case 'relu':
      return `select(0.0, 1.0, ${y} > 0.0)`;
    case 'tanh':
      return `(1.0 - ${y} * ${y})`;
    case 'sigmoid':
      return `(${y} * (1.0 - ${y}))`;
  }
}
