import { inverseStd } from '../data/table/encode';
import type { TablePreprocessing } from '../data/table/types';
import type { LoadedModel } from '../infer/load';
import { outputsProbabilities } from '../train/model/layers';
import type { ExportFile } from './base';
import { type ModelMetadata, modelMetadata, USAGE } from './metadata';
import { Graph } from './onnx-graph';
import { addLayers } from './onnx-layers';
import { encodeModel, type ValueInfo } from './onnx-proto';

/** The operator set the export binds to (every operator used has been in ONNX since it, 1.8). */
const OPSET = 13;
/** The IR version that goes with opset 13 (ONNX's versioning table). */
const IR_VERSION = 7;

/** A graph input and the value that the model's first layer reads (images NCHW, table rows as model inputs). */
interface Input {
  readonly info: ValueInfo;
  readonly value: string;
}

/** Images as `predict` takes them, NHWC float32 in [0, 1], turned channels-first for ONNX's Conv. */
function imageInput(g: Graph, shape: readonly number[]): Input {
  const name = g.reserve('pixels');
  const doc = `images [batch, height, width, channels], float32 in [0, 1] (see metadata kiln.metadata: preprocessing)`;
  return { info: { name, dims: ['batch', ...shape], doc }, value: g.op('Transpose', [name], 'pixels/nchw', { perm: { ints: [0, 3, 1, 2] } }) };
}

/**
 * A table's raw columns (one value each, in the order of `preprocessing.features`) made into the
 * model's inputs as `tableInputs` makes them: a missing value (NaN) takes the training fill, numeric
 * columns are standardized, and a categorical column, given as its category's index, becomes one
 * input per category (1 for its index; none for an index it does not have: an unseen category).
 */
function tableInput(g: Graph, pre: TablePreprocessing): Input {
  const columns = pre.features;
  const n = columns.length;
  const name = g.reserve('columns');
  const doc = `one row per input, one float32 per column of ${JSON.stringify(columns.map((c) => c.name))} (numbers, or a category's index; NaN when missing)`;
  const fill = columns.map((c) => (c.kind === 'numeric' ? c.fill : c.categories.indexOf(c.fill)));
  const mean = columns.map((c) => (c.kind === 'numeric' ? c.mean : 0));
  const scale = columns.map((c) => (c.kind === 'numeric' ? inverseStd(c.std) : 1));
  const filled = g.op('Where', [g.op('IsNaN', [name], 'columns/missing'), g.floats('columns/fill', [1, n], fill), name], 'columns/filled');
  const centred = g.op('Sub', [filled, g.floats('columns/mean', [1, n], mean)], 'columns/centred');
  const standardized = g.op('Mul', [centred, g.floats('columns/scale', [1, n], scale)], 'columns/standardized');
  const info = { name, dims: ['batch', n], doc };
  if (columns.every((c) => c.kind === 'numeric')) return { info, value: standardized };
  // Each model input reads its column; a category's input is 1 where the column holds that category's index.
  const source: number[] = [];
  const code: number[] = [];
  const isCategory: boolean[] = [];
  columns.forEach((c, i) => {
    const codes = c.kind === 'numeric' ? [0] : c.categories.map((_, k) => k);
    for (const k of codes) {
      source.push(i);
      code.push(k);
      isCategory.push(c.kind === 'categorical');
    }
  });
  const width = source.length;
  const gathered = g.op('Gather', [standardized, g.ints('features/column', [width], source)], 'features/gathered', { axis: { int: 1 } });
  const hit = g.op('Equal', [gathered, g.floats('features/category', [1, width], code)], 'features/hit');
  const oneHot = g.op('Cast', [hit], 'features/one_hot', { to: { int: 1 } });
  return { info, value: g.op('Where', [g.bools('features/is_category', [1, width], isCategory), oneHot, gathered], 'features') };
}

/** The head that makes the output what `predict` gives: probabilities per class, or values in the label's units. */
function head(g: Graph, loaded: LoadedModel, out: string): ValueInfo {
  const { output, model } = loaded;
  const width = model.outputs[0]!.shape.at(-1)!;
  if (output.task === 'regression') {
    const scaled = g.op('Mul', [out, g.floats('values/scale', [], [output.scale])], 'values/scaled');
    const name = g.op('Add', [scaled, g.floats('values/mean', [], [output.mean])], 'values');
    return { name, dims: ['batch', width], doc: `${output.label ?? 'the targets'} in the label's units` };
  }
  const given = outputsProbabilities(model);
  let name: string;
  if (width === 1) {
    // A binary classifier's one unit is the second class's probability (a sigmoid of its logit).
    const p = given ? out : g.op('Sigmoid', [out], 'probability');
    const complement = g.op('Sub', [g.floats('one', [], [1]), p], 'probability/complement');
    name = g.op('Concat', [complement, p], 'probabilities', { axis: { int: 1 } });
  } else name = given ? g.op('Identity', [out], 'probabilities') : g.op('Softmax', [out], 'probabilities', { axis: { int: 1 } });
  return { name, dims: ['batch', output.classNames.length], doc: `probability of each class, in the order of ${JSON.stringify(output.classNames)}` };
}

/** The metadata every export carries, with the ONNX model's input and how to run it. */
function onnxMetadata(loaded: LoadedModel, run: string, input: ValueInfo, output: ValueInfo): ModelMetadata {
  const base = modelMetadata(loaded, run, new Date().toISOString());
  const table = loaded.input.kind === 'table';
  const steps = table
    ? `one row per input, one float32 per column of preprocessing.columns, in that order: a numeric column's value as it is, a categorical column's category as its index in that column's categories (any other index: a category the model never saw); NaN where a value is missing (the model takes the training fill). The model fills, standardizes and one-hot encodes them itself.`
    : USAGE.image;
  const usage = [
    `session = onnxruntime.InferenceSession('model.onnx')  # Python; onnxruntime-web and onnxruntime-node take the same feeds`,
    `out = session.run(['${output.name}'], {'${input.name}': x})[0]  # x: float32 [n, ${input.dims.slice(1).join(', ')}]`,
    `Inputs (${input.name}): ${steps}`,
    `Output (${output.name}): ${output.doc}.`,
  ].join('\n');
  const shape = [null, ...(input.dims.slice(1) as number[])];
  return { ...base, input: { name: input.name, shape, dtype: 'float32', ...(table ? { rawColumns: true as const } : {}) }, usage };
}

/**
 * The model of a loaded checkpoint as an ONNX file (opset 13): it takes images as `predict` does
 * (NHWC float32 in [0, 1]) or a table's raw columns, and outputs what `predict` gives (softmax
 * probabilities, or values in the label's units). The metadata every export carries is in its
 * `metadata_props` (`kiln.metadata`), its usage in `doc_string`. `file` names it. Throws an
 * OnnxExportError naming a layer it cannot express.
 */
export async function exportOnnx(loaded: LoadedModel, run: string, file = 'model.onnx'): Promise<ExportFile[]> {
  const { model } = loaded;
  const weights = new Map(await Promise.all(model.weights.map(async (w) => [w.originalName, (await w.read().data()) as Float32Array] as const)));
  const g = new Graph();
  const input = loaded.input.kind === 'image' ? imageInput(g, loaded.inputShape) : tableInput(g, loaded.input.preprocessing);
  const out = addLayers(g, model, input.value, weights);
  const output = head(g, loaded, out);
  const metadata = onnxMetadata(loaded, run, input.info, output);
  const data = encodeModel({
    irVersion: IR_VERSION,
    opset: OPSET,
    producer: 'Kiln',
    doc: `${run}, checkpoint ${loaded.epoch}: a model trained with Kiln.\n${metadata.usage}`,
    graph: { name: run, nodes: g.nodes, initializers: g.initializers, inputs: [input.info], outputs: [output] },
    metadata: [['kiln.metadata', JSON.stringify(metadata)], ...(metadata.classNames ? [['class_names', JSON.stringify(metadata.classNames)] as const] : [])],
  });
  return [{ path: file, data }];
}
