import { describe, expect, it } from 'vitest';
import { parseUploadSetting, uploadPermission } from './upload-permission';

describe('uploadPermission', () => {
  it.each([
    ['on, nothing known of the link', 'on', false, undefined, true, null],
    ['on, wifi', 'on', false, { type: 'wifi' }, true, null],
    ['off', 'off', true, { type: 'wifi' }, false, 'off'],
    ['consent not given yet', 'consent', false, undefined, false, 'no-consent'],
    ['consent given', 'consent', true, undefined, true, null],
    ['on, but cellular', 'on', false, { type: 'cellular' }, false, 'cellular'],
    ['consent given, but cellular', 'consent', true, { type: 'cellular' }, false, 'cellular'],
    ['on, but Save-Data', 'on', false, { type: 'ethernet', saveData: true }, false, 'save-data'],
  ] as const)('%s', (_name, setting, consented, connection, allowed, reason) => {
    expect(uploadPermission(setting, consented, connection)).toEqual({ allowed, reason });
  });
});

describe('parseUploadSetting', () => {
  it('reads on, off and consent; anything else is off, with a warning', () => {
    expect(parseUploadSetting(null)).toEqual({ setting: 'on' });
    expect(parseUploadSetting('consent')).toEqual({ setting: 'consent' });
    expect(parseUploadSetting('off')).toEqual({ setting: 'off' });
    expect(parseUploadSetting('of')).toMatchObject({ setting: 'off', warning: expect.stringContaining('"of"') });
  });
});
