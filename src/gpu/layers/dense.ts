import { filterByTap, inputGradientPhases, outputGradientTaps, unfoldedInput } from '../kernels/conv';
import type { ConvPlan, DensePlan } from '../plan';
import type { LayerSteps, StepBuilder } from './base';

/** A stored-matrix GEMM's A and B: A row-major with stride lda, B [k, n] from the packed params. */
function plain(lda: number, transB: boolean, ldb: number, bOffset: number) {
  return { transA: false, transB, lda, ldb, aOffset: 0, bOffset } as const;
}

/** Forward: act(input · W + b) with dropout, the epilogue of one GEMM. */
function epilogue(b: StepBuilder, layer: DensePlan | ConvPlan) {
  return { kind: 'bias-act', biasOffset: layer.biasOffset, activation: layer.activation, dropout: b.dropout(layer) } as const;
}

/** The weight (and bias) gradient GEMM's common part: [inputs (+1 ones row), outputs] = inputᵀ · g, added to the sum held. */
function weightGradient(layer: DensePlan | ConvPlan, lda: number) {
  return {
    label: `${layer.name} weight gradient`,
    transA: true,
    transB: false,
    lda,
    ldb: 0,
    aOffset: 0,
    bOffset: 0,
    cOffset: layer.kernelOffset,
    onesRow: layer.biasOffset !== null,
    epilogue: { kind: 'accumulate' },
  } as const;
}

/** A Dense layer: one GEMM forward; the weight gradient and the input's gradient (g · Wᵀ) backward. */
export const dense: LayerSteps<DensePlan> = {
  forward(b, layer, l) {
    const a = b.input(layer.sources[0]);
    b.gemm(
      {
        label: `${layer.name} forward`,
        m: b.options.rows,
        n: layer.outputs,
        k: layer.inputs,
        ...plain(a.ld, false, layer.outputs, layer.kernelOffset),
        ldc: layer.outputs,
        cOffset: 0,
        epilogue: epilogue(b, layer),
      },
      { a: a.name, b: 'params', dst: `h${l}`, src: 'params' },
    );
  },
  backward(b, layer, l) {
    const rows = b.options.rows;
    const a = b.input(layer.sources[0]);
    const bias = layer.biasOffset !== null ? 1 : 0;
    const g = b.grad(l);
    b.gemm(
      { ...weightGradient(layer, a.ld), m: layer.inputs + bias, n: layer.outputs, k: rows, ldb: layer.outputs, ldc: layer.outputs },
      { a: a.name, b: g, dst: 'grads' },
    );
    const to = b.gradientTo(layer.sources[0], l, layer.inputs);
    if (!to) return;
    b.gemm(
      {
        label: `${layer.name} input gradient`,
        m: rows,
        n: layer.inputs,
        k: layer.outputs,
        transA: false,
        transB: true,
        lda: layer.outputs,
        ldb: layer.outputs,
        ldc: layer.inputs,
        aOffset: 0,
        bOffset: layer.kernelOffset,
        cOffset: 0,
        epilogue: to.epilogue,
      },
      { a: g, b: 'params', dst: to.dst, src: to.src },
    );
  },
};

/**
 * A Conv2D layer as implicit GEMMs: forward over the unfolded input; the weight gradient over the
 * unfolded input transposed; the input's gradient over the output-gradient taps and the filter by tap.
 */
export const conv: LayerSteps<ConvPlan> = {
  forward(b, layer, l) {
    const a = b.input(layer.sources[0]);
    const g = layer.geometry;
    b.gemm(
      {
        label: `${layer.name} forward`,
        m: b.options.rows * g.output.h * g.output.w,
        n: g.output.c,
        k: g.kh * g.kw * g.input.c,
        ...plain(0, false, g.output.c, layer.kernelOffset),
        aLoad: unfoldedInput(g, a.ld, 'row', 'kk'),
        ldc: g.output.c,
        cOffset: 0,
        epilogue: epilogue(b, layer),
      },
      { a: a.name, b: 'params', dst: `h${l}`, src: 'params' },
    );
  },
  backward(b, layer, l) {
    const rows = b.options.rows;
    const a = b.input(layer.sources[0]);
    const g = layer.geometry;
    const taps = g.kh * g.kw;
    const grad = b.grad(l);
    b.gemm(
      {
        ...weightGradient(layer, a.ld),
        m: taps * g.input.c + (layer.biasOffset !== null ? 1 : 0),
        n: g.output.c,
        k: rows * g.output.h * g.output.w,
        aLoad: unfoldedInput(g, a.ld, 'kk', 'row'),
        ldb: g.output.c,
        ldc: g.output.c,
      },
      { a: a.name, b: grad, dst: 'grads' },
    );
    const to = b.gradientTo(layer.sources[0], l, g.input.c);
    if (!to) return;
    const common = {
      n: g.input.c,
      transA: false,
      transB: true,
      lda: 0,
      ldb: 0,
      ldc: g.input.c,
      aOffset: 0,
      bOffset: 0,
      cOffset: 0,
      epilogue: to.epilogue,
    } as const;
    const roles = { a: grad, b: 'params', dst: to.dst, src: to.src } as const;
    // Strided: one dense GEMM per phase of the input pixels (each reached by a quarter of the taps at stride 2).
    const phases = g.sy > 1 || g.sx > 1 ? inputGradientPhases(g, layer.kernelOffset, 'row', 'kk', 'col') : null;
    if (phases) {
      for (const p of phases)
        b.gemm(
          {
            ...common,
            label: `${layer.name} input gradient (${p.label})`,
            m: rows * p.rowsPerItem,
            k: p.taps,
            aLoad: p.aLoad,
            bLoad: p.bLoad,
            rowMap: p.rowMap,
          },
          roles,
        );
      return;
    }
    b.gemm(
      {
        ...common,
        label: `${layer.name} input gradient`,
        m: rows * g.input.h * g.input.w,
        k: taps * g.output.c,
        aLoad: outputGradientTaps(g, 'row', 'kk'),
        bLoad: filterByTap(g, layer.kernelOffset, 'kk', 'col'),
      },
      roles,
    );
  },
};
