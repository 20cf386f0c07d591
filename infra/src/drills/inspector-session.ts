/**
 * One DevTools-protocol session over a WebSocket (a V8 inspector target: our isolate through wrangler's proxy, one
 * of workerd's isolates, a Chromium tab): commands answered by id, events passed to listeners, every wait bounded.
 */
import WebSocket from 'ws';

export interface InspectorSession {
  /** Sends `method` and resolves with its result; rejects after the session's timeout. */
  call(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Calls `listener` with every event (a message without an id) from now on. */
  onEvent(listener: (method: string, params: Record<string, unknown>) => void): void;
  close(): void;
}

interface InspectorMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

/** Opens a session with the target at `url`; opening and each call give up after `timeoutMs`. */
export async function openInspector(
  url: string,
  timeoutMs: number,
  options: { maxPayload?: number } = {},
): Promise<InspectorSession> {
  const ws = new WebSocket(url, options.maxPayload ? { maxPayload: options.maxPayload } : {});
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      setTimeout(() => reject(new Error('inspector socket timed out')), timeoutMs).unref();
    });
  } catch (error) {
    ws.close();
    throw error;
  }
  let next = 1;
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  const listeners: ((method: string, params: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as InspectorMessage;
    if (message.id === undefined) {
      if (message.method) for (const listener of listeners) listener(message.method, message.params ?? {});
      return;
    }
    pending.get(message.id)?.(message.result ?? {});
    pending.delete(message.id);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} timed out`));
        }, timeoutMs);
        pending.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    onEvent: (listener) => {
      listeners.push(listener);
    },
    close: () => ws.close(),
  };
}
