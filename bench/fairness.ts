/** What the three runners share and where they differ: printed with every run and kept in the JSON. */
export const FAIRNESS: readonly string[] = [
  'model: the same preset and seeded initial weights (createModel, seed 1) in (a), (b) and (c); each runner builds its own copy',
  'data: the same MNIST-shaped items (seeded synthetic, 28x28x1, 10 classes); (b) and (c) upload them once and gather each batch on the device; (a) does the same on GPU backends and copies the batch rows on the host on cpu and wasm (src/data/batcher.ts)',
  "optimizer: Adam, lr 1e-3, betas 0.9/0.999, eps 1e-8: Kiln's Adam in (a) (one fused kernel per param on cpu and wasm, elementwise ops elsewhere), tf.train.adam in (b) and (c)",
  'loss: softmax cross-entropy on logits in all three; (a) and (c) also compute accuracy every batch',
  'batch order: (a) and (b) the same seeded order per epoch; (c) model.fit shuffles with its own (unseeded) order',
  "first step: one batch from a fresh model, end to end, timed apart and left out of samples/s (median over rounds; the first round's includes compiling that runner's own kernels); before the three, one untimed hand-loop step warms the backend",
  "(a) has the file logger (Loss and Accuracy per iteration) and the file checkpointer on; its samples/s count each training epoch from its start to its end, so a checkpoint's read between epochs is left out and what of its writing overlaps the next epoch is in; the time from an epoch's end until its checkpoint landed is reported apart (ckpt)",
  'no validation in any runner; (c) runs with verbose 0; (b) reads the loss every 10 steps and after the last',
  'kernel speed-ups (Conv2D gradient on cpu and wasm, wasm transposed matMul: src/train/step/kernels.ts) are installed before any runner, so all three use them',
  'rounds: each round runs the three once in rotated order with a garbage collection before each; samples/s are medians over rounds, ratios medians of the per-round ratios',
];
