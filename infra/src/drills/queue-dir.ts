/** What a publisher's disk queue (origin/src/live/queue.ts) holds, read as the next run will find it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QueuedOnDisk {
  seq: number;
  put?: string;
  commit?: string;
  end: boolean;
}

export function queuedOnDisk(dir: string): QueuedOnDisk[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{12}\.json$/.test(f))
    .sort()
    .flatMap((f) => {
      try {
        const item = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
          put?: { name: string };
          commit?: { name: string };
          end?: boolean;
        };
        return [
          {
            seq: Number(f.slice(0, 12)),
            ...(item.put ? { put: item.put.name } : {}),
            ...(item.commit ? { commit: item.commit.name } : {}),
            end: item.end === true,
          },
        ];
      } catch {
        return []; // removed while read
      }
    });
}
