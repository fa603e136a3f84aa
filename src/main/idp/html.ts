/**
 * HTML building blocks of the demo provider's pages. Every value that is not a literal of this file goes
 * through escapeHtml: usernames, error descriptions and uids all come from the request one way or another.
 */

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Which page this is, written as `data-latchkey-idp` on <body>: lets tests (and people debugging) tell
 * the provider's pages apart without reading prose.
 */
export type PageKind = 'home' | 'login' | 'consent' | 'error' | 'logout' | 'signed-out' | 'device-code' | 'device-confirm' | 'device-done';

/** No scripts, no outside resources: styles inline, images from the provider itself. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
  :root { color-scheme: light; }
  body { margin: 0; background: #f3f4f6; color: #111827; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
  main { max-width: 26rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 12px;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  p.brand { margin: 0 0 1.5rem; font-size: .85rem; color: #4b5563; letter-spacing: .02em; }
  label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .55rem .7rem; border: 1px solid #9ca3af; border-radius: 6px; font: inherit; }
  .buttons { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { flex: 1; padding: .6rem 1rem; border: 0; border-radius: 6px; font: inherit; font-weight: 600; cursor: pointer;
           background: #1d4ed8; color: #fff; }
  button.secondary { background: #e5e7eb; color: #111827; }
  .error { padding: .6rem .8rem; border-radius: 6px; background: #fee2e2; color: #991b1b; }
  .hint { margin-top: 1.5rem; padding: .6rem .8rem; border-radius: 6px; background: #eff6ff; color: #1e3a8a; font-size: .9rem; }
  ul.scopes { padding-left: 1.2rem; }
  code { font-family: ui-monospace, monospace; }
  .user-code { margin: 1rem 0; padding: .8rem; border-radius: 8px; background: #f3f4f6; text-align: center;
               font: 700 2rem/1.2 ui-monospace, monospace; letter-spacing: .12em; }
  input[name="user_code"] { text-transform: uppercase; text-align: center; font: 600 1.4rem ui-monospace, monospace; letter-spacing: .1em; }
`;

/** A whole page. `bodyHtml` must already be escaped (it is built from the helpers in this folder). */
export function page(kind: PageKind, title: string, bodyHtml: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Latchkey demo provider</title>
<style>${STYLE}</style>
</head>
<body data-latchkey-idp="${kind}">
<main>
<p class="brand">Latchkey demo provider</p>
${bodyHtml}
</main>
</body>
</html>
`;
}
