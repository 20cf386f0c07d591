/**
 * Finds ffmpeg/ffprobe: an explicit FFMPEG_PATH/FFPROBE_PATH, then PATH, then
 * the static binaries shipped inside npm packages (older, but enough).
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ToolError } from '../errors';

export type Tool = 'ffmpeg' | 'ffprobe';

const npmFallbacks: Record<Tool, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  return pathVariable
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

const found = new Map<Tool, string>();

export function locate(tool: Tool): string {
  const cached = found.get(tool);
  if (cached) return cached;
  const explicit = process.env[`${tool.toUpperCase()}_PATH`];
  let path = explicit || findOnPath(tool);
  if (!path) {
    try {
      const packaged = (createRequire(import.meta.url)(npmFallbacks[tool]) as { path: string }).path;
      if (isExecutable(packaged)) path = packaged;
    } catch {
      // not installed: fall through to the error below
    }
  }
  if (!path) {
    throw new ToolError(
      `${tool} was not found on PATH and ${npmFallbacks[tool]} is not installed. Install ffmpeg (e.g. apt-get install ffmpeg) or set ${tool.toUpperCase()}_PATH.`,
    );
  }
  found.set(tool, path);
  return path;
}
