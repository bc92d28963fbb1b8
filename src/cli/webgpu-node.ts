import '@tensorflow/tfjs';

type Adapter = { info?: { description?: string; vendor?: string; architecture?: string } };
type Gpu = { requestAdapter(options?: Record<string, unknown>): Promise<Adapter | null> };

/**
 * Registers tfjs's WebGPU backend in Node through Dawn (the `webgpu` package). A real GPU is
 * reached through Vulkan; without one, Mesa's OpenGL ES in WebGPU compatibility mode stands in
 * (slow, but the same code path). Resolves to a description of the adapter, or throws saying why
 * there is none. tfjs-backend-webgpu registers only if `navigator.gpu` exists when it is imported,
 * so it is imported here, last.
 */
export async function registerNodeWebGpu(): Promise<string> {
  const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): Gpu; globals: object };
  Object.assign(globalThis, globals);
  let gpu = create([]);
  let featureLevel: string | undefined;
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    process.env.EGL_PLATFORM ??= 'surfaceless'; // no display here
    gpu = create(['backend=opengles']);
    featureLevel = 'compatibility';
    adapter = await gpu.requestAdapter({ featureLevel });
  }
  if (!adapter) throw new Error('webgpu: no adapter through Vulkan or OpenGL ES (install mesa-vulkan-drivers, libegl1, libgles2)');
  // tfjs asks without a feature level; an OpenGL ES adapter exists only in compatibility mode.
  const requestAdapter = (options?: Record<string, unknown>) => gpu.requestAdapter({ ...options, ...(featureLevel ? { featureLevel } : {}) });
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { ...gpu, requestAdapter } }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  const i = adapter.info ?? {};
  return `${[i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'adapter'}${featureLevel ? ' (OpenGL ES, compatibility mode)' : ' (Vulkan)'}`;
}
