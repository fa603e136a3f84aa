/**
 * The window's background before the page has painted, per OS theme. These are the renderer's `--bg`
 * colours (src/renderer/src/styles/app.css, light and `prefers-color-scheme: dark`); a test reads the
 * stylesheet and fails if the two ever differ, because a mismatch is exactly the flash this prevents.
 */
export const WINDOW_BACKGROUND = { light: '#f4f5f8', dark: '#0f1218' } as const;

export function windowBackground(dark: boolean): string {
  return dark ? WINDOW_BACKGROUND.dark : WINDOW_BACKGROUND.light;
}
