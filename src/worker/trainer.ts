// The worker's part that needs TensorFlow.js (training, model export, archive import, inference), loaded
// after its first answers: the page's hello and the built-in dataset's card do not wait for it.
export { exportArtifacts, importArchive, importFolder } from './artifacts';
export { InferenceHost } from './inference';
export { runTraining } from './run';
export { startTfjs } from './tfjs-backends';
