// What the worker can tell about its backends without TensorFlow.js: the probes answer the page's
// hello before the library has loaded.
import type { BackendProbe } from '../protocol/index';
import { CROSS_FIELD_RULES, type RunConfig } from '../protocol/run-config';

interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  isFallbackAdapter?: boolean;
}
type Gpu = { requestAdapter(options?: object): Promise<GpuAdapter | null> };

export const gpu = (): Gpu | undefined => (navigator as unknown as { gpu?: Gpu }).gpu;

/** What each backend can do here, and why not when it cannot. */
export async function probeBackends(): Promise<BackendProbe[]> {
  return [await probeWebGpu(), probeWebGl(), { name: 'wasm', available: typeof WebAssembly === 'object' }, { name: 'cpu', available: true }];
}

async function probeWebGpu(): Promise<BackendProbe> {
  const g = gpu();
  if (!g) return { name: 'webgpu', available: false, note: 'this browser has no WebGPU (navigator.gpu is missing)' };
  const adapter = await g.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { name: 'webgpu', available: false, note: 'no WebGPU adapter' };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  const software = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? /swiftshader/i.test(name);
  return { name: 'webgpu', available: true, note: software ? `software adapter (${name}): slow` : name };
}

function probeWebGl(): BackendProbe {
  if (typeof OffscreenCanvas === 'undefined') return { name: 'webgl', available: false, note: 'no OffscreenCanvas in workers' };
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return { name: 'webgl', available: false, note: 'WebGL 2 is not available' };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = debug ? String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : 'WebGL 2';
  return { name: 'webgl', available: true, note: /swiftshader/i.test(renderer) ? `software renderer (${renderer}): slow` : renderer };
}

/**
 * Backends to try for a run, in order, with the reasons some were left out (unavailable, or one the
 * run's model cannot train on: a rule between fields breaks there). A backend the user picked is
 * the only one tried.
 */
export function backendOrder(config: RunConfig, probes: readonly BackendProbe[]): { order: string[]; skipped: string[] } {
  if (config.backend !== 'auto') return { order: [config.backend], skipped: [] };
  const skipped: string[] = [];
  const order: string[] = [];
  for (const p of probes) {
    const rule = CROSS_FIELD_RULES.find((r) => r.broken({ ...config, backend: p.name }));
    if (!p.available) skipped.push(`${p.name}: ${p.note}`);
    else if (rule) skipped.push(`${p.name}: ${rule.message}`);
    else order.push(p.name);
  }
  return { order, skipped };
}

/**
 * The skipped backends that come before the one the run got, in probe order: the ones it fell back
 * from. A CNN on webgpu has passed over nothing, even though wasm, after it, was left out.
 */
export function fellBackFrom(skipped: readonly string[], probes: readonly BackendProbe[], chosen: string): string[] {
  const before = probes
    .slice(
      0,
      Math.max(
        0,
        probes.findIndex((p) => p.name === chosen),
      ),
    )
    .map((p) => `${p.name}:`);
  return skipped.filter((s) => before.some((prefix) => s.startsWith(prefix)));
}
