export * from './deadlines';
export * from './hash';
export * from './options';
export * from './reciprocity';
export * from './roles';
export * from './windows';
