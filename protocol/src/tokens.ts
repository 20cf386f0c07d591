/**
 * Per-stream publish keys, derived rather than stored: key = HMAC-SHA256(secret,
 * "publish:" + streamId), base64url. The edge holds only PUBLISH_SECRET; anyone
 * holding the secret (the operator's `npm run key`) can mint the key for a stream,
 * and a key for one stream is useless for another. Web Crypto only, so the same
 * code runs in workerd, Node and the browser.
 */

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function derivePublishKey(secret: string, streamId: string): Promise<string> {
  if (secret.length < 16) throw new Error('PUBLISH_SECRET must be at least 16 characters');
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return base64url(await crypto.subtle.sign('HMAC', key, encoder.encode(`publish:${streamId}`)));
}

/** Compares in time independent of where the strings first differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return difference === 0;
}

export async function verifyPublishKey(secret: string, streamId: string, presented: string): Promise<boolean> {
  return timingSafeEqual(await derivePublishKey(secret, streamId), presented);
}

export async function sha256Hex(data: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
