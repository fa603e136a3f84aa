/**
 * The answer checks of development builds (src/shared/ipc-answers.ts through the preload API): answers that
 * fit the contract pass unchanged, anything else becomes an `internal` AuthError naming the channel and the
 * first mismatch, and a malformed state event is dropped instead of reaching the renderer.
 */
import { describe, expect, it, vi } from 'vitest';
import { isAuthError } from '../src/shared/errors';
import { checkIpcAnswer, checkIpcEvent } from '../src/shared/ipc-answers';
import type { IpcChannel, IpcEvents, IpcTransport } from '../src/shared/ipc';
import type { AccountSummary, AuthEvent, SessionState } from '../src/shared/session';
import { createLatchkeyApi } from '../src/preload/api';

const ADA: AccountSummary = {
  key: 'demo-ada',
  provider: 'demo',
  providerLabel: 'Demo',
  subject: 'ada',
  name: 'Ada Lovelace',
  roles: ['admin'],
  signedIn: true,
  connectivity: 'online',
  stale: false,
};

const STATE: SessionState = { phase: 'ready', accounts: [ADA], activeAccountKey: ADA.key, signIn: null, configPath: '/tmp/config.yaml' };
const EVENT: AuthEvent = { at: '2026-11-26T18:00:00.000Z', kind: 'refresh', outcome: 'error', code: 'network' };

/** A transport that answers every channel with the value the test chose (as a success envelope). */
function answering(values: Partial<Record<IpcChannel, unknown>>): IpcTransport & { emit(state: unknown): void } {
  const listeners = new Set<(state: IpcEvents['session:changed']) => void>();
  return {
    invoke: (async (channel: IpcChannel) => ({ ok: true, value: values[channel] ?? null })) as IpcTransport['invoke'],
    on: (_event, listener) => {
      listeners.add(listener as (state: IpcEvents['session:changed']) => void);
      return () => listeners.delete(listener as (state: IpcEvents['session:changed']) => void);
    },
    emit: (state) => {
      for (const listener of listeners) listener(state as SessionState);
    },
  };
}

const checks = { answer: checkIpcAnswer, event: checkIpcEvent };

describe('IPC answer checks', () => {
  it('accept answers that fit the contract, with unknown extra fields passed through', () => {
    expect(checkIpcAnswer('session:get', STATE)).toBeNull();
    expect(checkIpcAnswer('session:get', { ...STATE, lastSignInError: { code: 'timeout', message: 'x' }, later: 1 })).toBeNull();
    expect(checkIpcAnswer('events:recent', [EVENT, { ...EVENT, kind: 'sign_in', outcome: 'ok', detail: 'd' }])).toBeNull();
    expect(checkIpcAnswer('events:recent', [])).toBeNull();
    expect(checkIpcAnswer('session:refresh', ADA)).toBeNull();
    expect(checkIpcAnswer('session:cancel-sign-in', null)).toBeNull();
    expect(checkIpcEvent('session:changed', STATE)).toBeNull();
  });

  it('name the first mismatch of anything else', () => {
    expect(checkIpcAnswer('events:recent', [null])).toMatch(/^\[0\]: /);
    expect(checkIpcAnswer('events:recent', [{ ...EVENT, kind: 'explode' }])).toMatch(/^\[0\]\.kind: /);
    expect(checkIpcAnswer('events:recent', null)).toMatch(/^the answer: /);
    expect(checkIpcAnswer('session:get', { ...STATE, accounts: [{ ...ADA, roles: null }] })).toMatch(/^accounts\[0\]\.roles: /);
    expect(checkIpcAnswer('session:get', { ...STATE, lastSignInError: { code: 'made_up', message: 'x' } })).toMatch(/lastSignInError\.code/);
    expect(checkIpcAnswer('session:cancel-sign-in', { ok: true })).not.toBeNull();
    expect(checkIpcEvent('session:changed', { phase: 'ready' })).not.toBeNull();
  });
});

describe('the preload API with answer checks', () => {
  it('rejects a malformed answer with an internal AuthError naming the channel', async () => {
    const api = createLatchkeyApi(answering({ 'events:recent': [null] }), { checks });
    const rejection = await api.events.recent().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isAuthError(rejection, 'internal')).toBe(true);
    expect((rejection as Error).message).toContain('events:recent');
    expect((rejection as Error).message).toContain('[0]');
  });

  it('passes a valid answer through unchanged (the same object)', async () => {
    const events = [EVENT];
    const api = createLatchkeyApi(answering({ 'events:recent': events, 'session:get': STATE }), { checks });
    expect(await api.events.recent()).toBe(events);
    expect(await api.session.get()).toBe(STATE);
  });

  it('without checks (production builds) hands the value on as it came', async () => {
    const api = createLatchkeyApi(answering({ 'events:recent': [null] }));
    expect(await api.events.recent()).toEqual([null]);
  });

  it('drops a malformed state event, and delivers valid ones', () => {
    const transport = answering({});
    const api = createLatchkeyApi(transport, { checks });
    const heard: unknown[] = [];
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      api.session.onChange((state) => heard.push(state));
      transport.emit({ phase: 'ready', accounts: [null] });
      transport.emit(STATE);
      expect(heard).toEqual([STATE]);
      expect(quiet).toHaveBeenCalledTimes(1);
    } finally {
      quiet.mockRestore();
    }
  });
});
