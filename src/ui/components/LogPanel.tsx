import { memo, useEffect, useRef } from 'react';

/**
 * The experiment log, streaming; keeps to the bottom unless the reader scrolled up. Re-renders
 * only when lines arrive (`count`), not on every metric update.
 */
export const LogPanel = memo(function LogPanel({ lines, count }: { lines: readonly string[]; count: number }) {
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = ref.current;
    // Reading scrollHeight lays the page out then and there: not for an empty log (the first mount).
    if (el && count > 0 && el.scrollHeight - el.scrollTop - el.clientHeight < 40) el.scrollTop = el.scrollHeight;
  }, [count]);
  return (
    <section className="log" aria-label="Experiment log">
      <h2>experiment.log</h2>
      <pre ref={ref} tabIndex={0}>
        {lines.slice(-500).join('\n') || 'The log appears here when a run starts.'}
      </pre>
    </section>
  );
});
