/**
 * Whether the CLI can open a browser on this machine at all: on Linux and the other Unix systems a browser needs
 * a display (X11 or Wayland) unless `$BROWSER` names a program that does without one. Over SSH there is
 * usually none, and `latchkey login` then says to use `--no-browser` (paste the address back) or `--device`
 * (a code entered on another device) instead of waiting for a browser that never opens. Pure.
 */

/** True when no browser can be opened: no $BROWSER, and a Unix system without DISPLAY or WAYLAND_DISPLAY. */
export function noBrowserHere(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): boolean {
  if (env.BROWSER?.trim()) return false;
  if (platform === 'darwin' || platform === 'win32') return false;
  return !env.DISPLAY?.trim() && !env.WAYLAND_DISPLAY?.trim();
}

/** What to do instead, when no browser can be opened here. */
export const NO_BROWSER_ADVICE =
  'No browser can be opened on this machine. Run latchkey login --no-browser to open the link on any machine and paste back the address it ends on, or latchkey login --device to enter a code on another device.';
