/** The formats `npm run export --format` takes; each is one writer in export-run.ts. */
export const EXPORT_FORMATS = ['burn', 'onnx'] as const;
