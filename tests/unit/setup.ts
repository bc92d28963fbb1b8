import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

// Quiet tfjs's banner suggesting tfjs-node; tests pick their backend themselves.
tf.env().set('PROD', true);

// Kiln's caches (GPU profiles, the packed digits) go to a folder of the tests', not the user's.
process.env.KILN_CACHE_DIR ??= join(tmpdir(), 'kiln-test-cache');
