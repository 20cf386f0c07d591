export * from './live';
export * from './names';
export * from './playlist';
export * from './tokens';
export * from './beacon';
