/// <reference types="vite/client" />
import type { LatchkeyApi } from '../../shared/ipc';

declare global {
  interface Window {
    /** Exposed by the preload script: the renderer's only way to reach the session, which main owns. */
    readonly latchkey: LatchkeyApi;
  }
}

export {};
