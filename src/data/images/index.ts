// The worker's entry to image folders. The page imports walk-entries.ts and picked.ts directly:
// the walk needs the DOM, which the worker's code does not compile against.
export * from './base';
export * from './browser-decoder';
export * from './budget';
export * from './card';
export * from './dimensions';
export * from './files';
export * from './layout';
export * from './paths';
export * from './picked';
export * from './pixels';
export * from './read';
export * from './sniff';
export * from './zip';
