import { z } from 'zod';

/** Validates plain-data config once; throws an Error that lists every problem, headed by `what`. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(`invalid ${what}:\n${z.prettifyError(r.error)}`);
  return r.data;
}
