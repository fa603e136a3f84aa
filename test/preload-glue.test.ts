/**
 * The preload script (src/preload/index.ts) against the fake `electron` module: it must hand the page
 * exactly one thing, `window.latchkey`, built by api.ts over ipcRenderer — never ipcRenderer itself, no
 * other global, no channel outside the contract.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, type IpcTransport, type LatchkeyApi } from '../src/shared/ipc';
import type { SessionState } from '../src/shared/session';
import { resetFakeElectron, type FakeElectron } from './helpers/fake-electron';

vi.mock('electron', async () => (await import('./helpers/fake-electron')).fakeElectronModule());

const STATE: SessionState = { phase: 'ready', accounts: [], activeAccountKey: null, signIn: null, configPath: '/home/person/.config/Latchkey/config.yaml' };

let fake: FakeElectron;

/** The API's shape: every key path, with `function` or `object` at the leaves. */
function shape(value: unknown, path = ''): string[] {
  if (typeof value === 'function') return [`${path}: function`];
  if (typeof value !== 'object' || value === null) return [`${path}: ${typeof value}`];
  return Object.keys(value)
    .sort()
    .flatMap((key) => shape((value as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`));
}

/** Every value reachable from `root` (functions and objects), to look for leaked Electron objects. */
function reachable(root: unknown, seen = new Set<unknown>()): Set<unknown> {
  if ((typeof root !== 'object' && typeof root !== 'function') || root === null || seen.has(root)) return seen;
  seen.add(root);
  for (const key of Object.keys(root)) reachable((root as Record<string, unknown>)[key], seen);
  return seen;
}

async function loadPreload(): Promise<LatchkeyApi> {
  vi.resetModules();
  await import('../src/preload/index');
  expect(fake.exposed).toHaveLength(1);
  const [only] = fake.exposed;
  if (only === undefined) throw new Error('nothing exposed');
  return only.api as LatchkeyApi;
}

beforeEach(() => {
  fake = resetFakeElectron();
});

describe('preload', () => {
  it('exposes exactly window.latchkey, shaped as api.ts builds it', async () => {
    const api = await loadPreload();
    expect(fake.exposed.map((entry) => entry.key)).toEqual(['latchkey']);
    const { createLatchkeyApi, withBridgeSafeErrors } = await import('../src/preload/api');
    const idle: IpcTransport = { invoke: () => new Promise(() => undefined), on: () => () => undefined };
    expect(shape(api)).toEqual(shape(withBridgeSafeErrors(createLatchkeyApi(idle))));
  });

  it('hands the page no Electron object: not ipcRenderer, not its methods', async () => {
    const api = await loadPreload();
    const electron = (await import('electron')) as unknown as { ipcRenderer: Record<string, unknown>; contextBridge: Record<string, unknown> };
    const values = reachable(api);
    for (const leaked of [electron.ipcRenderer, electron.contextBridge, ...Object.values(electron.ipcRenderer)]) {
      expect(values.has(leaked)).toBe(false);
    }
  });

  it('calls go out as ipcRenderer.invoke on contract channels; answers are unwrapped; refusals reject with their code', async () => {
    const api = await loadPreload();
    fake.ipcRenderer.answer = (channel) =>
      channel === 'session:get'
        ? { ok: true, value: STATE }
        : { ok: false, error: { code: 'invalid_argument', message: 'no such provider' } };
    await expect(api.session.get()).resolves.toEqual(STATE);
    await expect(api.session.signIn('demo')).rejects.toMatchObject({ name: 'AuthError', code: 'invalid_argument', message: 'no such provider' });
    expect(fake.ipcRenderer.invoked).toEqual([
      { channel: 'session:get', args: [] },
      { channel: 'session:sign-in', args: ['demo'] },
    ]);
    for (const { channel } of fake.ipcRenderer.invoked) expect(IPC_CHANNELS as readonly string[]).toContain(channel);
  });

  it('state events reach the page as the payload alone, and unsubscribing removes the ipcRenderer listener', async () => {
    const api = await loadPreload();
    const received: unknown[][] = [];
    const unsubscribe = api.session.onChange((...args: unknown[]) => received.push(args));
    expect(fake.ipcRenderer.listenerCount('session:changed')).toBe(1);
    const sender = { sender: 'the ipcRenderer event, which must not reach the page' };
    fake.ipcRenderer.emit('session:changed', sender, STATE);
    expect(received).toEqual([[STATE]]);
    unsubscribe();
    expect(fake.ipcRenderer.listenerCount('session:changed')).toBe(0);
    fake.ipcRenderer.emit('session:changed', sender, STATE);
    expect(received).toHaveLength(1);
  });
});
