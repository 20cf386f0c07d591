export * from './beacon';
export * from './counters';
export * from './live';
export * from './names';
export * from './playlist';
export * from './stats';
export * from './tokens';
export * from './tracker';
