export * from './dataset';
export * from './split';
export * from './batcher';
export * from './dataloader';
export * from './mnist';
