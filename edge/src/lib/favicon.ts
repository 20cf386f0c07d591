/**
 * The pages' icon: a small inline SVG (a play triangle on the swarm's three dots), served at /favicon.svg and at
 * /favicon.ico (where browsers look when a page names none), cacheable for a day. Without it every page logged a 404.
 */
export const favicon = {
  svg: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#123"/><path d="M11 8v16l13-8z" fill="#9cf"/><circle cx="6" cy="7" r="2.5" fill="#6c9"/><circle cx="6" cy="25" r="2.5" fill="#6c9"/><circle cx="27" cy="27" r="2.5" fill="#6c9"/></svg>`,
  paths: ['/favicon.svg', '/favicon.ico'],
  contentType: 'image/svg+xml',
  cacheControl: 'public, max-age=86400',
} as const;

/** For a page's <head>. */
export const faviconLink = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';
