export * from './base';
export * from './last-n';
export * from './metric';
export * from './composed';
