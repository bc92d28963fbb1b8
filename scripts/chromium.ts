/** Debian's chromium, which the browser tests and the browser benchmarks drive. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium's flags here: no network chatter (this machine's network is closed), WebGPU on
 * (SwiftShader on CPU-only machines) unless `webgpu` is false, plus any extra flags.
 */
export function chromiumFlags(webgpu: boolean, ...extra: string[]): string[] {
  return [
    '--no-sandbox',
    ...(webgpu ? ['--enable-unsafe-webgpu'] : []),
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    ...extra,
  ];
}
