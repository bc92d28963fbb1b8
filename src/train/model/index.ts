export * from './base';
export * from './layers';
export * from './presets';
