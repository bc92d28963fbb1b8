export * from './base';
export * from './layers';
export * from './config';
export * from './presets';
export * from './params';
export * from './burn-layout';
