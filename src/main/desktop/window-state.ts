/**
 * Where the window opens: the size and position it had when it was last closed, kept only while they still
 * make sense. Pure (no electron, no electron-store) so the rules are unit-tested; `index.ts` keeps the saved
 * value with electron-store in the window profile folder — an app preference, not part of config.yaml, and
 * nothing the engine knows about.
 *
 * A saved place is not trusted blindly: the file may be old, hand-edited or from a machine with another
 * monitor layout. A window whose title bar would be off every screen is moved back (the OS centres it),
 * and a size larger than the biggest screen or smaller than the minimum is clamped.
 */
import { z } from 'zod';

export const DEFAULT_WINDOW_SIZE = { width: 980, height: 720 } as const;
export const MIN_WINDOW_SIZE = { width: 720, height: 540 } as const;

/** How much of the window's top strip must lie on a screen for the saved position to be kept. */
const VISIBLE_TITLE_BAR = { width: 120, height: 32 } as const;

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The window's normal (not maximized, not full-screen) bounds. */
  bounds: Rectangle;
  maximized: boolean;
}

/** Where and how to open the window: no x/y means "let the OS centre it". */
export interface WindowPlacement {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

const finite = z.number().finite();
const windowStateSchema = z.object({
  bounds: z.object({ x: finite, y: finite, width: finite.positive(), height: finite.positive() }),
  maximized: z.boolean(),
});

/** The saved value if it has the right shape, else null (an unreadable preference is simply forgotten). */
export function parseWindowState(value: unknown): WindowState | null {
  const parsed = windowStateSchema.safeParse(value);
  if (!parsed.success) return null;
  const { bounds, maximized } = parsed.data;
  return { bounds: { x: Math.round(bounds.x), y: Math.round(bounds.y), width: Math.round(bounds.width), height: Math.round(bounds.height) }, maximized };
}

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * The placement for a new window from the saved state and the screens' work areas (`screen.getAllDisplays()`
 * → `workArea`). With no saved state, or no screens reported, the default size centred by the OS.
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rectangle[]): WindowPlacement {
  if (saved === null) return { ...DEFAULT_WINDOW_SIZE, maximized: false };
  const largest = workAreas.reduce(
    (max, area) => ({ width: Math.max(max.width, area.width), height: Math.max(max.height, area.height) }),
    { width: 0, height: 0 },
  );
  const clamp = (value: number, min: number, max: number): number => (max > 0 ? Math.max(min, Math.min(value, Math.max(min, max))) : Math.max(min, value));
  const width = clamp(saved.bounds.width, MIN_WINDOW_SIZE.width, largest.width);
  const height = clamp(saved.bounds.height, MIN_WINDOW_SIZE.height, largest.height);
  const titleBar: Rectangle = { x: saved.bounds.x, y: saved.bounds.y, width, height: VISIBLE_TITLE_BAR.height };
  const reachable = workAreas.some((area) => {
    const shared = overlap(titleBar, area);
    return shared.width >= Math.min(VISIBLE_TITLE_BAR.width, width) && shared.height >= VISIBLE_TITLE_BAR.height;
  });
  return reachable
    ? { x: saved.bounds.x, y: saved.bounds.y, width, height, maximized: saved.maximized }
    : { width, height, maximized: saved.maximized };
}
