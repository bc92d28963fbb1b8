import { useRef, type KeyboardEvent, type ReactNode } from 'react';

interface Props<T extends string> {
  readonly tabs: readonly T[];
  readonly selected: T;
  readonly onSelect: (tab: T) => void;
  /** The tab list's accessible name. */
  readonly label: string;
  /** A tab's visible text (defaults to its name). */
  readonly title?: (tab: T) => ReactNode;
  /** The selected tab's panel. */
  readonly children: ReactNode;
}

/** Where each key moves focus from tab `i` of `n` (WAI-ARIA tabs: arrows wrap, Home and End). */
const MOVES: Record<string, (i: number, n: number) => number> = {
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_, n) => n - 1,
};

/**
 * Tabs as the WAI-ARIA tabs pattern has them: one tab stop (roving tabindex), arrow keys, Home
 * and End move between tabs and select them (automatic activation), the panel is labelled by its tab.
 */
export function Tabs<T extends string>({ tabs, selected, onSelect, label, title, children }: Props<T>) {
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent) => {
    const move = MOVES[e.key];
    if (!move) return;
    e.preventDefault();
    const next = move(tabs.indexOf(selected), tabs.length);
    onSelect(tabs[next]);
    buttons.current[next]?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs" onKeyDown={onKeyDown}>
        {tabs.map((t, i) => (
          <button
            key={t}
            ref={(b) => void (buttons.current[i] = b)}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={t === selected}
            aria-controls={`panel-${t}`}
            tabIndex={t === selected ? 0 : -1}
            onClick={() => onSelect(t)}
          >
            {title ? title(t) : t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${selected}`} aria-labelledby={`tab-${selected}`}>
        {children}
      </div>
    </>
  );
}
