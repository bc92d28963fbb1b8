import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/protocol/index';
import { followRun } from '../../src/ui/runs/follow';

const shown: RunRecord = {
  id: 'r',
  name: 'run',
  createdAt: 1,
  updatedAt: 1,
  status: 'running',
  dataset: 'mnist',
  model: 'MLP 128',
  config: {},
  epochs: 5,
  epochsDone: 2,
  checkpoints: [1, 2],
  best: { metric: 'Loss', value: 0.5, epoch: 2 },
};

describe('an opened run following its stored record', () => {
  it('does_nothing_when_only_the_update_time_changed', () => {
    expect(followRun(shown, { ...shown, updatedAt: 99, checkpoints: [1, 2] })).toBe('same');
  });

  it('takes_the_new_record_without_a_request_at_an_epoch_end_or_a_rename', () => {
    expect(followRun(shown, { ...shown, epochsDone: 3, best: { metric: 'Loss', value: 0.4, epoch: 3 } })).toBe('record');
    expect(followRun(shown, { ...shown, name: 'renamed' })).toBe('record');
  });

  it('refreshes_only_the_file_list_when_checkpoints_come_or_go', () => {
    expect(followRun(shown, { ...shown, epochsDone: 3, checkpoints: [2, 3] })).toBe('files');
  });

  it('reads_the_run_again_only_when_its_status_changes', () => {
    expect(followRun(shown, { ...shown, status: 'done', checkpoints: [2, 3] })).toBe('reload');
  });
});
