/**
 * The one HTML escaper, for every page and report the project writes: the
 * edge's pages, the compare report and the simulator's report. Safe in text
 * and in quoted attribute values (single or double).
 */
const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => entities[ch] ?? ch);
}
