import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { startWorkerEarly } from './client';
import './styles.css';

startWorkerEarly();

/** Resolves in a later task, so that what follows does not add to the current one. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

// The page's first tasks stay short: React evaluates with this module; zod, the run form
// with its schemas, then the rest of the studio, each in a task of their own once they arrive; a
// first parse of the form (zod builds its parsers on first use) in another; and the first render
// is a transition, which React slices with breaks for input between the slices.
const root = createRoot(document.getElementById('root')!);
void (async () => {
  await import('./zod-config');
  await nextTask();
  const { formFromConfig, parseForm } = await import('./config/form');
  const { App } = await import('./App');
  await nextTask();
  parseForm(formFromConfig());
  await nextTask();
  startTransition(() =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
})();
