/** The formats `npm run export --format` takes; each is one writer in export-run.ts. */
export const EXPORT_FORMATS = ['burn', 'safetensors', 'lightning'] as const;

/** Formats whose `--out` names the model's file (the files that go with it are written beside it); the others' names a folder. */
export const FILE_FORMATS: ReadonlySet<(typeof EXPORT_FORMATS)[number]> = new Set(['safetensors']);
