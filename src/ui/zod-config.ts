// zod, evaluated ahead of the run form's module so that the page's tasks stay short (main.tsx);
// the bundler keeps it in a chunk of its own. Jitless: zod would otherwise generate and compile a
// parser for each object schema on its first parse (about 60 ms for the run form on first load);
// the form parses a few times a second at most.
import { z } from 'zod';

z.config({ jitless: true });
