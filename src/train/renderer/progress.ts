import type { TrainingProgress } from './base';

/** Items per second of the current split's epoch so far. */
export function itemsPerSecond(p: TrainingProgress): number {
  return p.itemsProcessed / Math.max(p.elapsedMs / 1000, 1e-3);
}

/** The share of the fit's training done (0–1; epochs counted from `epochStart`), which the time-left estimate follows. */
export function fitDone(p: TrainingProgress): number {
  return (p.epoch - p.epochStart + p.itemsProcessed / p.itemsTotal) / (p.epochTotal - p.epochStart + 1);
}

/** Seconds as m:ss or h:mm:ss; "--:--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
