export * from './base';
export * from './console';
export * from './progress';
