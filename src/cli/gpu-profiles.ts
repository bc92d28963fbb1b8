import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GpuProfile, GpuProfileStore } from '../gpu/profile';
import { kilnCacheDir } from '../util/cache-dir-node';

/** The file's format and version (docs/FORMATS.md, "GPU profiles"). */
const FORMAT = 'kiln.gpu-profiles';
const VERSION = 1;

interface ProfilesFile {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly adapters: Readonly<Record<string, GpuProfile>>;
}

/** Where Node keeps GPU profiles: `gpu-profiles.json` in Kiln's cache folder (`kilnCacheDir`). */
export function gpuProfilesPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(kilnCacheDir(env), 'gpu-profiles.json');
}

/**
 * GPU profiles in one JSON file, by adapter. It is a cache: a missing, unreadable or foreign file
 * reads as no profile (and is replaced by the next save); saves write beside it and rename.
 */
export class GpuProfileFile implements GpuProfileStore {
  constructor(readonly path: string = gpuProfilesPath()) {}

  private async read(): Promise<ProfilesFile['adapters']> {
    try {
      const file = JSON.parse(await fs.readFile(this.path, 'utf8')) as Partial<ProfilesFile> | null;
      return file?.format === FORMAT && file.version === VERSION && file.adapters && typeof file.adapters === 'object' ? file.adapters : {};
    } catch {
      return {};
    }
  }

  async load(adapter: string): Promise<GpuProfile | null> {
    return (await this.read())[adapter] ?? null;
  }

  async save(adapter: string, profile: GpuProfile): Promise<void> {
    const file: ProfilesFile = { format: FORMAT, version: VERSION, adapters: { ...(await this.read()), [adapter]: profile } };
    await fs.mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`);
    await fs.rename(tmp, this.path);
  }
}
