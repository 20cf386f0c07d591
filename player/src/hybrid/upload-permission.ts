/**
 * Whether this viewer may upload to peers at all: privacy and cost, decided
 * before any of the policy's bandwidth reasons. A peer that uploads shows its
 * IP address to the peers it serves, and an upload on a metered link costs the
 * viewer money. Pure: the page's choice, the consent given so far and
 * `navigator.connection` as plain data in, the answer and its reason out.
 */

/** `p2p-upload`: on (default), off (download from peers only), consent (off until `allowUpload()`). */
export type UploadSetting = 'on' | 'off' | 'consent';

export const uploadSettings: readonly UploadSetting[] = ['on', 'off', 'consent'];

/** What the Network Information API tells (Chromium, Android); absent elsewhere. */
export interface ConnectionInfo {
  type?: string;
  saveData?: boolean;
}

export interface UploadPermission {
  allowed: boolean;
  /** Why not, for the snapshot and the overlay; null when allowed. */
  reason: 'off' | 'no-consent' | 'cellular' | 'save-data' | null;
}

/**
 * Pure: an attribute's value as a setting. Absent is the default, `on`; a value that is none of the three is `off`
 * with a warning (a mistyped opt-out must not upload).
 */
export function parseUploadSetting(value: string | null | undefined): { setting: UploadSetting; warning?: string } {
  if (value === null || value === undefined || value === '') return { setting: 'on' };
  if ((uploadSettings as readonly string[]).includes(value)) return { setting: value as UploadSetting };
  return { setting: 'off', warning: `p2p-upload="${value}" is not one of on, off, consent: upload stays off` };
}

/** Pure: may this viewer upload now? */
export function uploadPermission(
  setting: UploadSetting,
  consented: boolean,
  connection: ConnectionInfo | undefined,
): UploadPermission {
  if (setting === 'off') return { allowed: false, reason: 'off' };
  if (setting === 'consent' && !consented) return { allowed: false, reason: 'no-consent' };
  if (connection?.type === 'cellular') return { allowed: false, reason: 'cellular' };
  if (connection?.saveData === true) return { allowed: false, reason: 'save-data' };
  return { allowed: true, reason: null };
}
