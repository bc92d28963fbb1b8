import { f32 } from './common';

/** Activations the epilogues apply, and their derivatives, as tfjs computes them. */

/** An activation without a parameter. */
export type NamedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'tanh' | 'sigmoid' | 'gelu' | 'swish';

/** The activations the compiled step runs: the named ones, and leaky relu with its slope below zero (≥ 0). */
export type Activation = NamedActivation | `leakyRelu:${number}`;

/** The named activations, for checks and messages. */
export const ACTIVATIONS: readonly NamedActivation[] = ['linear', 'relu', 'relu6', 'elu', 'tanh', 'sigmoid', 'gelu', 'swish'];

/** Leaky relu with slope `alpha` below zero. */
export function leakyRelu(alpha: number): Activation {
  return `leakyRelu:${alpha}`;
}

/** The slope of a leaky relu, or null for another activation. */
function leakyAlpha(activation: Activation): number | null {
  return activation.startsWith('leakyRelu:') ? Number(activation.slice('leakyRelu:'.length)) : null;
}

/**
 * Whether the derivative needs the activation's input: gelu and swish are not invertible from
 * their output, so they never fuse into a layer; they run as their own element-wise step, whose
 * input is the layer below's stored output. Every other derivative is written from the output.
 */
export function needsInput(activation: Activation): boolean {
  return activation === 'gelu' || activation === 'swish';
}

/**
 * WGSL: erf as tfjs's cpu kernel computes it (Abramowitz and Stegun 7.1.26, error below 1.5e-7),
 * for gelu; and the sigmoid.
 */
export const ACTIVATION_WGSL = /* wgsl */ `
fn erfAS(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(-y, y, x >= 0.0);
}
fn sigmoidOf(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }`;

/** Whether an activation's WGSL calls the helpers above. */
export function usesHelpers(activation: Activation): boolean {
  return activation === 'gelu' || activation === 'swish' || activation === 'sigmoid';
}

/** WGSL expression for the activation of `x`. */
export function activate(activation: Activation, x: string): string {
  const alpha = leakyAlpha(activation);
  if (alpha !== null) return `select(${f32(alpha)} * (${x}), ${x}, ${x} >= 0.0)`;
  switch (activation as NamedActivation) {
    case 'linear':
      return x;
    case 'relu':
      return `max(${x}, 0.0)`;
    case 'relu6':
      return `clamp(${x}, 0.0, 6.0)`;
    case 'elu':
      return `select(exp(${x}) - 1.0, ${x}, ${x} >= 0.0)`;
    // Some drivers build tanh from exp and return NaN past |x| ≈ 44; f32 tanh is ±1 from |x| = 9.1 on.
    case 'tanh':
      return `tanh(clamp(${x}, -15.0, 15.0))`;
    case 'sigmoid':
      return `sigmoidOf(${x})`;
    case 'gelu':
      return `(0.5 * (${x}) * (1.0 + erfAS((${x}) * 0.70710678118654752)))`;
    case 'swish':
      return `((${x}) * sigmoidOf(${x}))`;
  }
}

/**
 * WGSL expression for the activation's derivative, from its output `y` (or, where `needsInput`,
 * its input): relu's y > 0 is z > 0 (tfjs's step(z)), relu6 inside (0, 6), leaky relu's y > 0
 * (alpha ≥ 0), elu's y + 1 below zero, tanh' = 1 − y², sigmoid' = y(1 − y); gelu' = Φ(x) + x·φ(x),
 * swish' = s + x·s(1 − s).
 */
export function derivative(activation: Activation, v: string): string {
  const alpha = leakyAlpha(activation);
  if (alpha !== null) return `select(${f32(alpha)}, 1.0, ${v} > 0.0)`;
  switch (activation as NamedActivation) {
    case 'linear':
      return '1.0';
    case 'relu':
      return `select(0.0, 1.0, ${v} > 0.0)`;
    case 'relu6':
      return `select(0.0, 1.0, ${v} > 0.0 && ${v} < 6.0)`;
    case 'elu':
      return `select(${v} + 1.0, 1.0, ${v} >= 0.0)`;
    case 'tanh':
      return `(1.0 - ${v} * ${v})`;
    case 'sigmoid':
      return `(${v} * (1.0 - ${v}))`;
    case 'gelu':
      return `(0.5 * (1.0 + erfAS(${v} * 0.70710678118654752)) + ${v} * exp(-0.5 * ${v} * ${v}) * 0.39894228040143268)`;
    case 'swish':
      return `(sigmoidOf(${v}) * (1.0 + ${v} * (1.0 - sigmoidOf(${v}))))`;
  }
}
