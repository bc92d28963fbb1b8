export * from './load';
export * from './predict';
export * from './evaluate';
export * from './inputs';
export * from './csv';
export * from './table-rows';
