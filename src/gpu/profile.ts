import { checkTiling, type GemmTiling } from './kernels/gemm-tiling';
import { rememberedTilings, rememberTilings } from './autotune';
import type { KernelLimits } from './device';

/**
 * What Kiln keeps about one GPU between runs (docs/FORMATS.md, "GPU profiles"): how many large
 * workgroups it runs at once, and the GEMM tilings the autotuner settled on, by GEMM key (a default
 * it kept is stored too, so that GEMM is not searched again). Stored per adapter and driver: a file in the user's cache folder in Node,
 * IndexedDB in the studio.
 */
export interface GpuProfile {
  readonly tilings: Readonly<Record<string, GemmTiling>>;
  /** Large workgroups the GPU runs at once (`probeWorkgroups`), which sizes the tiling policy. */
  readonly workgroups?: number;
}

/** Where profiles are kept, by adapter (`adapterKey`). */
export interface GpuProfileStore {
  /** The adapter's profile, or null when none is stored (or it cannot be read: a profile is only a cache). */
  load(adapter: string): Promise<GpuProfile | null>;
  save(adapter: string, profile: GpuProfile): Promise<void>;
}

type Info = Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>>;

/**
 * The adapter and driver a device runs on, as one string (vendor, architecture, device and
 * description, which names the driver where the platform tells it); null when the device does not say.
 */
export function adapterKey(device: GPUDevice): string | null {
  const info = (device as GPUDevice & { adapterInfo?: Info }).adapterInfo;
  const parts = info ? [info.vendor, info.architecture, info.device, info.description] : [];
  return parts.some(Boolean) ? parts.map((p) => p ?? '').join(' | ') : null;
}

const TILING_FIELDS = ['tm', 'tn', 'tk', 'rm', 'rn', 'splitK'] as const;

/**
 * Loads the adapter's stored profile: its tilings into what the device knows (those that do not
 * fit its limits are left out); returns its workgroup count, or null where it holds none.
 */
export async function applyProfile(device: GPUDevice, limits: KernelLimits, store: GpuProfileStore, adapter: string): Promise<number | null> {
  const profile = await store.load(adapter);
  rememberTilings(device, usableTilings(profile, limits));
  const workgroups = (profile as { workgroups?: unknown } | null)?.workgroups;
  return typeof workgroups === 'number' && Number.isInteger(workgroups) && workgroups >= 1 ? workgroups : null;
}

/** Stores what the device knows (every tiling tuned or loaded) and its workgroup count as the adapter's profile. */
export function saveProfile(device: GPUDevice, store: GpuProfileStore, adapter: string, workgroups: number | null): Promise<void> {
  return store.save(adapter, { tilings: Object.fromEntries(rememberedTilings(device)), ...(workgroups ? { workgroups } : {}) });
}

/**
 * A stored profile's tilings that are tilings and fit this device (a profile written by another
 * version of Kiln, or edited by hand, loses only the entries that do not).
 */
function usableTilings(profile: unknown, limits: KernelLimits): [string, GemmTiling][] {
  const tilings = (profile as { tilings?: unknown } | null)?.tilings;
  if (!tilings || typeof tilings !== 'object') return [];
  return Object.entries(tilings as Record<string, unknown>).flatMap(([key, t]) => {
    const x = t as Record<string, unknown> | null;
    if (!/^[0-9a-f]{14}$/.test(key) || !x || !TILING_FIELDS.every((f) => typeof x[f] === 'number')) return [];
    const tiling: GemmTiling = {
      ...Object.fromEntries(TILING_FIELDS.map((f) => [f, x[f]])),
      ...(x.prefetch === true ? { prefetch: true } : {}),
      ...(x.vec4 === true ? { vec4: true } : {}),
      ...(x.doubleBuffer === true ? { doubleBuffer: true } : {}),
    } as GemmTiling;
    try {
      checkTiling(tiling, limits);
      return [[key, tiling]];
    } catch {
      return [];
    }
  });
}
