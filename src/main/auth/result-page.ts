/**
 * The small HTML pages the loopback redirect server shows in the person's browser at the end of a sign-in.
 *
 * Everything placed into a page goes through `escapeHtml`, because parts of it (a provider's
 * `error_description`, an error message) come from the redirect URL, which anyone can craft. The pages
 * carry no script and load nothing, so they work under the server's `default-src 'none'` policy.
 */

/** The words and marks of one result page. */
export interface ResultPageInput {
  /**
   * `true`: the sign-in worked. `false`: it failed (shown with `code`). `'neutral'`: the outcome is not
   * known to the page (the app is still finishing), so the page neither celebrates nor alarms.
   */
  ok: boolean | 'neutral';
  /** A short heading, e.g. "Signed in". */
  title: string;
  /** One sentence saying what happened or what to do. */
  detail: string;
  /** An error code the person can mention when asking for help. */
  code?: string;
  /** The app the person returns to; defaults to Latchkey. */
  appName?: string;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in HTML element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

// Inline only: the page's CSP allows inline styles and nothing else. `color-scheme` plus the media query
// give the page the person's light or dark appearance.
const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --fg: #1d2330; --muted: #5a6374; --card: #ffffff;
  --ok: #1a7f37; --fail: #c62828; --neutral: #3a5ccc; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15181e; --fg: #e6e8ec; --muted: #a0a8b6; --card: #1f232b;
    --ok: #4ac26b; --fail: #ff6b6b; --neutral: #7d9bff; }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif; }
main { max-width: 32rem; margin: 1.5rem; padding: 2rem; background: var(--card); border-radius: 12px;
  box-shadow: 0 2px 12px rgba(0, 0, 0, 0.12); border-top: 4px solid var(--accent); }
main.ok { --accent: var(--ok); }
main.fail { --accent: var(--fail); }
main.neutral { --accent: var(--neutral); }
h1 { margin: 0 0 0.75rem; font-size: 1.4rem; color: var(--accent); }
p { margin: 0.5rem 0; }
.code, .close { color: var(--muted); font-size: 0.9rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
`;

/** Renders a complete, self-contained HTML page. */
export function renderResultPage(input: ResultPageInput): string {
  const appName = escapeHtml(input.appName ?? 'Latchkey');
  const tone = input.ok === 'neutral' ? 'neutral' : input.ok ? 'ok' : 'fail';
  const title = escapeHtml(input.title);
  const codeLine =
    input.code === undefined ? '' : `\n<p class="code">Error code: <code>${escapeHtml(input.code)}</code></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${title} · ${appName}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="${tone}">
<h1>${title}</h1>
<p>${escapeHtml(input.detail)}</p>${codeLine}
<p class="close">You can close this tab and return to ${appName}.</p>
</main>
</body>
</html>
`;
}
