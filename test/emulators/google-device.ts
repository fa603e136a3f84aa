/**
 * Google's device flow, as "OAuth 2.0 for TV and Limited-Input Device Applications" documents it:
 * - only a client of type "TVs and Limited Input devices" may use it (others: 401 `invalid_client`,
 *   "Invalid client type."), and only with the sign-in scopes (`openid email profile`);
 * - POST /device/code answers JSON with device_code, user_code, `verification_url` (Google's name, not the
 *   RFC's verification_uri), expires_in (1800) and interval (5); no verification_uri_complete;
 * - the person enters the code at the verification page and allows (or denies);
 * - polls of the token endpoint need the client secret and are answered `authorization_pending` with HTTP
 *   428, `slow_down` and `access_denied` with 403, `expired_token` with 400; success carries an ID token and a
 *   refresh token.
 */
import type { ServerResponse } from 'node:http';
import { escapeHtml, formParams, randomToken, sendHtml, type Clock, type EmulatorRequest } from './common';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface GoogleDeviceFlowOptions {
  /** Default 5, as Google. */
  intervalSeconds?: number;
  /** Default 1800, as Google. */
  expiresInSeconds?: number;
}

interface DeviceGrant {
  deviceCode: string;
  userCode: string;
  scope: string[];
  expiresAt: number;
  interval: number;
  lastPoll?: number;
  user?: string;
  denied?: boolean;
  redeemed?: boolean;
}

export type GoogleDevicePoll =
  | { kind: 'error'; status: number; error: string; description: string }
  | { kind: 'approved'; user: string; scope: string[] };

export class GoogleDeviceFlow {
  readonly #options: GoogleDeviceFlowOptions;
  readonly #clock: Clock;
  readonly #grants = new Map<string, DeviceGrant>();
  /** Every poll's answer, in order (error name or `tokens`). */
  readonly polls: string[] = [];

  constructor(options: GoogleDeviceFlowOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  start(issuer: string, scope: string[]): Record<string, string | number> {
    const interval = this.#options.intervalSeconds ?? 5;
    const expiresIn = this.#options.expiresInSeconds ?? 1800;
    const letters = randomToken('', 12).replace(/[^A-Za-z]/g, '').toUpperCase().padEnd(8, 'X').slice(0, 8);
    const grant: DeviceGrant = {
      deviceCode: randomToken('AH-1Ng', 48),
      userCode: `${letters.slice(0, 4)}-${letters.slice(4)}`,
      scope,
      expiresAt: this.#clock.now() + expiresIn,
      interval,
    };
    this.#grants.set(grant.deviceCode, grant);
    return { device_code: grant.deviceCode, user_code: grant.userCode, expires_in: expiresIn, interval, verification_url: `${issuer}/device` };
  }

  poll(deviceCode: string | null): GoogleDevicePoll {
    const answer = (result: GoogleDevicePoll): GoogleDevicePoll => {
      this.polls.push(result.kind === 'error' ? result.error : 'tokens');
      return result;
    };
    const grant = deviceCode ? this.#grants.get(deviceCode) : undefined;
    if (!grant || grant.redeemed) return answer({ kind: 'error', status: 400, error: 'invalid_grant', description: 'Malformed auth code.' });
    if (this.#clock.now() >= grant.expiresAt) return answer({ kind: 'error', status: 400, error: 'expired_token', description: 'Expired token.' });
    if (grant.denied) return answer({ kind: 'error', status: 403, error: 'access_denied', description: 'Forbidden' });
    const now = Date.now();
    const previous = grant.lastPoll;
    grant.lastPoll = now;
    if (previous !== undefined && now - previous < grant.interval * 1000 - 250) return answer({ kind: 'error', status: 403, error: 'slow_down', description: 'Forbidden' });
    if (!grant.user) return answer({ kind: 'error', status: 428, error: 'authorization_pending', description: 'Precondition Required' });
    grant.redeemed = true;
    return answer({ kind: 'approved', user: grant.user, scope: grant.scope });
  }

  /** GET and POST /device: enter the code, then Allow as a user or Deny. */
  page(req: EmulatorRequest, res: ServerResponse, users: Array<{ login: string; label: string }>): void {
    if (req.method !== 'POST') return sendHtml(res, 200, devicePage(users));
    const params = formParams(req);
    const typed = (params.get('user_code') ?? '').trim().toUpperCase();
    const grant = [...this.#grants.values()].find((g) => g.userCode === typed && !g.redeemed && this.#clock.now() < g.expiresAt);
    if (!grant || grant.user || grant.denied) return sendHtml(res, 200, devicePage(users, 'Invalid code. Check the code and try again.'));
    if (params.get('deny') === '1') {
      grant.denied = true;
      return sendHtml(res, 200, donePage('Access denied', 'You denied access to the app.'));
    }
    const user = users.find((u) => u.login === params.get('user'));
    if (!user) return sendHtml(res, 400, devicePage(users, 'Choose an account.'));
    grant.user = user.login;
    sendHtml(res, 200, donePage('Success!', 'You can return to your device.'));
  }
}

function devicePage(users: Array<{ login: string; label: string }>, error?: string): string {
  const buttons = users.map((u) => `<p><button type="submit" name="user" value="${escapeHtml(u.login)}">Allow as ${escapeHtml(u.label)}</button></p>`).join('\n    ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Connect a device - Google Accounts</title></head>
<body data-emulator="device">
  <h1>Connect a device</h1>
  ${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
  <form method="post">
    <label>Enter the code displayed on your device <input name="user_code" autocomplete="off"></label>
    ${buttons}
    <p><button type="submit" name="deny" value="1">Deny</button></p>
  </form>
</body>
</html>`;
}

function donePage(title: string, detail: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} - Google Accounts</title></head>
<body data-emulator="device-done">
  <h1>${escapeHtml(title)}</h1>
  <p>${escapeHtml(detail)}</p>
</body>
</html>`;
}
