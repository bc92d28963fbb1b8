import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Kiln keeps caches in Node (GPU profiles, the packed built-in digits): `$KILN_CACHE_DIR`,
 * else the user's cache folder (`$XDG_CACHE_HOME/kiln`, `%LOCALAPPDATA%\kiln`, or `~/.cache/kiln`).
 */
export function kilnCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KILN_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? env.LOCALAPPDATA ?? join(homedir(), '.cache'), 'kiln');
}
