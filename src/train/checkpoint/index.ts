export * from './base';
export * from './record';
export * from './file';
export * from './learner';
export * from './strategy/index';
export * from './payload';
