import { z } from 'zod';
import { int } from './args';

/** The formats `--format` takes. */
export const EXPORT_FORMATS = ['burn'] as const;

/** The export command's flags. */
export const ExportArgsSchema = z.strictObject({
  run: z.string().min(1),
  checkpoint: int(1).optional(),
  format: z.enum(EXPORT_FORMATS, { error: `a format of ${EXPORT_FORMATS.join(', ')}` }),
  out: z.string().min(1),
});

/** Validated flags of `npm run export`. */
export type ExportArgs = z.infer<typeof ExportArgsSchema>;
