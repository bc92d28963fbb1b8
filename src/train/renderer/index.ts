export * from './base';
export * from './console';
