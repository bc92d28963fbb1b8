export * from './base';
export * from './layers';
export * from './config';
export * from './layer-spec';
export * from './infer';
export * from './presets';
export * from './build';
export * from './params';
