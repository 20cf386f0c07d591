import type { BuildOptions } from 'esbuild';

export declare const pagesDir: string;
export declare const pageBuildOptions: BuildOptions;
