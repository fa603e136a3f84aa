/**
 * Who may talk to the main process over IPC. Pure: `ipc.ts` passes Electron's frame objects in, the tests
 * pass plain ones.
 *
 * A message is accepted only from the top frame of a window this app created, while that frame shows the
 * app's own renderer page. Being in one of our windows is not enough (the page could have navigated
 * somewhere else despite the navigation guard, or an iframe could be talking), and showing the right URL is
 * not enough either (a window we did not create could load our page).
 */
import { isAppUrl, type RendererUrl } from './window-policy';

/** The parts of Electron's `WebFrameMain` the check reads. */
export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
  readonly detached?: boolean;
}

export interface SenderCheckOptions<F extends SenderFrame> {
  /** The app's renderer page (see `window-policy.ts`). */
  rendererUrl: RendererUrl;
  /** Whether the frame belongs to a window this app created (looked up through Electron in `ipc.ts`). */
  isInAppWindow(frame: F): boolean;
}

/** Builds the predicate `registerIpc` asks before routing a message. */
export function createSenderCheck<F extends SenderFrame>(
  options: SenderCheckOptions<F>,
): (frame: F | null | undefined) => boolean {
  return (frame) => {
    // Electron reports no frame when it has navigated away or was destroyed since sending.
    if (frame === null || frame === undefined) return false;
    if (frame.detached === true) return false;
    if (frame.parent !== null) return false;
    if (!isAppUrl(frame.url, options.rendererUrl)) return false;
    return options.isInAppWindow(frame);
  };
}
