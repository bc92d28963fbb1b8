import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';

// The page's first tasks stay short: React evaluates with this module, the studio's modules (the
// run form's schemas above all) in a task of their own once they arrive, and the first render is
// a transition, which React slices with breaks for input between the slices.
const root = createRoot(document.getElementById('root')!);
void import('./App').then(({ App }) =>
  startTransition(() =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  ),
);
