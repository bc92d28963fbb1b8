export * from './base';
export * from './memory';
