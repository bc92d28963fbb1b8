export * from './base';
export * from './format';
export * from './file';
export * from './in-memory';
