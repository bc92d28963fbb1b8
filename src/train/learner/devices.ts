import * as tf from '@tensorflow/tfjs';

/** The backend a fit runs on and why the ones before it were passed over. */
export interface DeviceChoice {
  readonly backend: string;
  readonly skipped: readonly string[];
}

/**
 * Activates the first backend in preference order that initializes (Burn's devices, as tfjs
 * backends). `tf.setBackend` resolves false instead of throwing, so the result is checked
 * against `tf.getBackend()` too.
 */
export async function selectBackend(preferences: readonly string[]): Promise<DeviceChoice> {
  const skipped: string[] = [];
  for (const name of preferences) {
    if (!tf.findBackendFactory(name)) {
      skipped.push(`${name}: not registered in this environment`);
      continue;
    }
    try {
      const ok = await tf.setBackend(name);
      await tf.ready();
      if (ok && tf.getBackend() === name) return { backend: name, skipped };
      skipped.push(`${name}: failed to initialize`);
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no usable backend among [${preferences.join(', ')}]: ${skipped.join('; ')}`);
}
