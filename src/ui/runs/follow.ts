import type { RunRecord } from '../../protocol/index';

/**
 * What an opened run's view needs when its stored record changed: `same` (nothing it shows),
 * `record` (take the new record: name, epochs, best, message), `files` (checkpoints came or went:
 * also the file list, which is cheap) or `reload` (the status changed, e.g. a resumed run ended:
 * read its logs again for the summary).
 */
export type FollowAction = 'same' | 'record' | 'files' | 'reload';

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** How the view of `shown` follows the stored record `stored` of the same run. */
export function followRun(shown: RunRecord, stored: RunRecord): FollowAction {
  if (shown.status !== stored.status) return 'reload';
  if (!sameList(shown.checkpoints, stored.checkpoints)) return 'files';
  const best = (r: RunRecord) => (r.best ? `${r.best.metric} ${r.best.value} ${r.best.epoch}` : '');
  const changed =
    shown.name !== stored.name ||
    shown.message !== stored.message ||
    shown.epochsDone !== stored.epochsDone ||
    shown.epochs !== stored.epochs ||
    best(shown) !== best(stored);
  return changed ? 'record' : 'same';
}
