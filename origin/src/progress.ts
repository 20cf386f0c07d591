/**
 * Progress for long work. On a TTY, one line redrawn in place; elsewhere
 * (CI, pipes) a plain line at each 25% so logs stay readable.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  finish(detail?: string): void;
}

export function renderBar(fraction: number, width = 24): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(clamped * 100)
    .toString()
    .padStart(3)}%`;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  let lastQuarter = -1;
  return {
    update(done, detail = '') {
      const fraction = total > 0 ? done / total : 0;
      if (tty) {
        stream.write(`\r${label} ${renderBar(fraction)} ${detail}\x1b[K`);
      } else {
        const quarter = Math.floor(Math.min(1, fraction) * 4);
        if (quarter > lastQuarter && quarter < 4) {
          lastQuarter = quarter;
          stream.write(`${label} ${quarter * 25}% ${detail}\n`);
        }
      }
    },
    finish(detail = '') {
      stream.write(`${tty ? '\r' : ''}${label} ${renderBar(1)} ${detail}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}
