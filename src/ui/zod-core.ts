// zod's core schemas, evaluated ahead of the run form's module so that the page's tasks stay short
// (main.tsx). Importing them names the module; the bundler keeps zod's core in a chunk of its own.
export { $ZodObject } from 'zod/v4/core';
