/**
 * ipcMain wiring: sender check, then the router. The checking logic is `ipc-sender.ts` and the routing is
 * `ipc-router.ts` (both pure and unit-tested); this file only connects them to Electron.
 */
import { ipcMain, webContents, type BrowserWindow, type WebFrameMain } from 'electron';
import { IPC_CHANNELS, type IpcEvents, type IpcResult } from '../../shared/ipc';
import type { SessionEngine } from '../../shared/session';
import { invalidArgumentEnvelope } from './ipc-errors';
import type { IpcRouter } from './ipc-router';
import { createSenderCheck } from './ipc-sender';
import type { AppWindows } from './window';
import { isAppUrl, type RendererUrl } from './window-policy';

export interface RegisterIpcOptions {
  /** Asked before every message; a false answer refuses it without reaching the router. */
  isTrustedSender(frame: WebFrameMain | null): boolean;
  log?: (line: string) => void;
}

/** What a refused sender is told: nothing about why, and nothing about the app's state. */
const REFUSED: IpcResult<never> = invalidArgumentEnvelope('This message was refused: it did not come from the Latchkey window.');

/**
 * Registers a handler for every channel of the contract. Returns a function that removes them again.
 * Arguments go to the router as they came: validating them is the router's job.
 */
export function registerIpc(router: IpcRouter, options: RegisterIpcOptions): () => void {
  const log = options.log ?? (() => undefined);
  for (const channel of IPC_CHANNELS) {
    ipcMain.handle(channel, async (event, ...args: unknown[]): Promise<IpcResult<unknown>> => {
      if (!options.isTrustedSender(event.senderFrame)) {
        log(`ipc ${channel}: refused a message from a frame that is not the app window`);
        return REFUSED;
      }
      return router.handle(channel, args);
    });
  }
  return () => {
    for (const channel of IPC_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/**
 * The sender check for this app: the top frame of one of `windows`, showing the app's renderer page.
 * (Like Electron Fiddle: the frame's web contents must be ours, and its URL must be our page.)
 */
export function appSenderCheck(windows: AppWindows, rendererUrl: RendererUrl): (frame: WebFrameMain | null) => boolean {
  return createSenderCheck<WebFrameMain>({
    rendererUrl,
    isInAppWindow: (frame) => {
      const contents = webContents.fromFrame(frame);
      return contents !== undefined && windows.owns(contents);
    },
  });
}

/**
 * Pushes every session change to every app window that shows the app's page. The engine has persisted the
 * change before it announces it, so a window that reloads right after sees the same state. Returns the
 * unsubscribe function.
 */
export function broadcastStateChanges(
  engine: SessionEngine,
  windows: () => Iterable<BrowserWindow>,
  rendererUrl?: RendererUrl,
): () => void {
  return engine.onStateChange((state) => {
    const payload: IpcEvents['session:changed'] = state;
    for (const win of windows()) {
      if (win.isDestroyed() || win.webContents.isDestroyed()) continue;
      if (rendererUrl !== undefined && !isAppUrl(win.webContents.getURL(), rendererUrl)) continue;
      win.webContents.send('session:changed', payload);
    }
  });
}
