/**
 * The preload script: runs sandboxed, with context isolation, before the renderer. It gives the page
 * exactly one thing, `window.latchkey`, built by `api.ts` over `ipcRenderer` — never `ipcRenderer` itself,
 * so the page can reach only the channels of the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENTS, type IpcEventName, type IpcEvents, type IpcResult, type IpcTransport } from '../shared/ipc';
import { checkIpcAnswer, checkIpcEvent } from '../shared/ipc-answers';
import { createLatchkeyApi, withBridgeSafeErrors, type LatchkeyApiOptions } from './api';

const transport: IpcTransport = {
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args) as Promise<IpcResult<never>>,
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEvents[E]) => void): () => void {
    if (!(IPC_EVENTS as readonly string[]).includes(event)) return () => undefined;
    // The renderer gets the payload only: the IpcRendererEvent would hand it `sender` (ipcRenderer).
    const wrapped = (_event: IpcRendererEvent, payload: IpcEvents[E]): void => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  },
};

/**
 * Development builds check every answer and event against the contract, so a main process that sends a
 * wrong shape is caught by name where it happens. Production builds leave the checks (and zod) out of the
 * preload: the renderer's error boundaries keep a bad answer from blanking the window there.
 */
const options: LatchkeyApiOptions = import.meta.env.DEV ? { checks: { answer: checkIpcAnswer, event: checkIpcEvent } } : {};

contextBridge.exposeInMainWorld('latchkey', withBridgeSafeErrors(createLatchkeyApi(transport, options)));
