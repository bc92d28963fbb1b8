/** Where a benchmarked backend runs. */
export interface BenchBackend {
  readonly name: string;
  /** 'node': a child process per backend; 'chromium': a page in headless Debian chromium. */
  readonly where: 'node' | 'chromium';
  /** The tfjs backend it selects. */
  readonly tfBackend: string;
}

/**
 * Every backend the bench knows, in run order. webgpu in Node goes through Dawn (the `webgpu`
 * package, src/cli/webgpu-node.ts); where no adapter exists the run says so instead of results.
 */
export const BACKENDS: readonly BenchBackend[] = [
  { name: 'cpu', where: 'node', tfBackend: 'cpu' },
  { name: 'wasm', where: 'node', tfBackend: 'wasm' },
  { name: 'webgpu', where: 'node', tfBackend: 'webgpu' },
  { name: 'chromium-webgpu', where: 'chromium', tfBackend: 'webgpu' },
  { name: 'chromium-webgl', where: 'chromium', tfBackend: 'webgl' },
];

/** How the table names a backend that did not run ("webgpu (Node)"). */
export function displayName(b: BenchBackend): string {
  return b.where === 'node' && b.name === 'webgpu' ? 'webgpu (Node)' : b.name;
}
