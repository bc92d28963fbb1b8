import { describe, expect, it } from 'vitest';
import { mirrorFolder } from '../../src/worker/mirror';

/** A folder of the File System Access API, in memory: subfolders and file names. */
class FakeFolder {
  readonly folders = new Map<string, FakeFolder>();
  readonly files = new Set<string>();
  constructor(readonly name: string) {}

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeFolder> {
    let folder = this.folders.get(name);
    if (!folder && !options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
    if (!folder) this.folders.set(name, (folder = new FakeFolder(name)));
    return folder;
  }

  async getFileHandle(name: string): Promise<{ name: string }> {
    if (!this.files.has(name)) throw new DOMException(`${name} not found`, 'NotFoundError');
    return { name };
  }
}

const mirror = (root: FakeFolder, runId: string, fresh: boolean) => mirrorFolder(root as unknown as FileSystemDirectoryHandle, runId, fresh);

describe('mirrorFolder', () => {
  it('refuses_to_mirror_a_fresh_run_into_a_folder_that_holds_a_run', async () => {
    const root = new FakeFolder('backup');
    const held = await root.getDirectoryHandle('run-a', { create: true });
    held.files.add('experiment.log');
    await expect(mirror(root, 'run-a', true)).rejects.toThrow(
      'the folder backup/run-a already holds a run: this run is not mirrored there, nothing in it was changed',
    );
    const checkpointsOnly = await root.getDirectoryHandle('run-b', { create: true });
    await checkpointsOnly.getDirectoryHandle('checkpoint', { create: true });
    await expect(mirror(root, 'run-b', true)).rejects.toThrow('backup/run-b already holds a run');
  });

  it('mirrors_into_a_new_or_unrelated_folder_and_a_resume_into_its_own', async () => {
    const root = new FakeFolder('backup');
    expect((await mirror(root, 'run-new', true)).name).toBe('run-new');
    (await root.getDirectoryHandle('run-notes', { create: true })).files.add('notes.txt');
    expect((await mirror(root, 'run-notes', true)).name).toBe('run-notes');
    (await root.getDirectoryHandle('run-old', { create: true })).files.add('experiment.log');
    expect((await mirror(root, 'run-old', false)).name).toBe('run-old'); // a resume continues its own run
  });
});
