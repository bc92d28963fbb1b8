import * as tf from '@tensorflow/tfjs';

// Quiet tfjs's banner suggesting tfjs-node; tests pick their backend themselves.
tf.env().set('PROD', true);
