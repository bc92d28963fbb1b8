export * from './base';
export * from './record';
export * from './file';
export * from './learner';
export * from './strategy/index';
export * from './payload';
export * from './burn/layout';
export { paramIdOf } from './burn/param-id';
export { BURN_METADATA, burnModelRecord } from './burn/record';
