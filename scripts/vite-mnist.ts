import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { packMnist } from '../src/data/mnist.ts';
import { readMnistDigits } from '../src/data/mnist-node.ts';

/** The module whose default export is the URL of the packed, gzipped built-in MNIST. */
export const MNIST_MODULE = 'virtual:kiln-mnist';
const RESOLVED = `\0${MNIST_MODULE}`;
/** Where the dev server serves the digits. */
const DEV_PATH = '/@kiln/mnist-digits.bin.gz';

/**
 * Ships the `mnist` package's digits compact: packed to bytes (src/data/mnist.ts) and gzipped,
 * 1.6 MB instead of 21 MB of JSON, made from the installed package when the app is built or the
 * dev server first serves them, so nothing generated is committed. The build emits them as an
 * asset; the dev server answers them from memory.
 */
export function mnistDigits(): Plugin {
  let serve = false;
  let packed: Buffer | undefined;
  const bytes = () => (packed ??= gzipSync(packMnist(readMnistDigits())));
  return {
    name: 'kiln-mnist-digits',
    configResolved(config) {
      serve = config.command === 'serve';
    },
    resolveId: (id) => (id === MNIST_MODULE ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return;
      if (serve) return `export default ${JSON.stringify(DEV_PATH)};`;
      const ref = this.emitFile({ type: 'asset', name: 'mnist-digits.bin.gz', source: bytes() });
      return `export default import.meta.ROLLUP_FILE_URL_${ref};`;
    },
    configureServer(server) {
      server.middlewares.use(DEV_PATH, (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(bytes());
      });
    },
  };
}
