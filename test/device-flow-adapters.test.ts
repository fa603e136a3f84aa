/**
 * Sign-in on another device (RFC 8628) where providers differ from the RFC, as each documents it: GitHub's
 * token endpoint answers polls with HTTP 200 and an `error` (form-encoded unless asked for JSON), including a
 * slow_down with a new `interval`; Google names the page `verification_url`. The adapters are pure functions
 * plus a fetch wrapper, tested here against a real local HTTP server. Also: which providers offer the device
 * flow without loading any metadata, and the QR drawing for terminals.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProviderCapabilities } from '../src/main/auth/provider-capabilities';
import { deviceAuthorizationAnswer, deviceAuthorizationFetch, githubTokenAnswer, githubTokenEndpointFetch } from '../src/main/auth/provider-fetch';
import { PRESET_NAMES, PROVIDER_PRESETS } from '../src/main/auth/provider-presets';
import { resolveProvider, type ResolvedProvider } from '../src/main/auth/provider-resolution';
import { encodeQr } from '../src/main/auth/qr/qr-code';
import { qrText } from '../src/main/auth/qr/qr-text';
import { providerSchema } from '../src/main/store/schema';

describe("GitHub's device flow polling answers become RFC 8628 answers", () => {
  it('authorization_pending, slow_down (with its new interval), expired_token and access_denied keep their names with a 400', () => {
    expect(githubTokenAnswer(200, { error: 'authorization_pending', error_description: 'The authorization request is still pending.' })).toEqual({
      status: 400,
      body: { error: 'authorization_pending', error_description: 'The authorization request is still pending.' },
    });
    expect(githubTokenAnswer(200, { error: 'slow_down', interval: 10 })).toEqual({ status: 400, body: { error: 'slow_down', interval: 10 } });
    // Form-encoded, the interval arrives as text.
    expect(githubTokenAnswer(200, { error: 'slow_down', interval: '15' })).toEqual({ status: 400, body: { error: 'slow_down', interval: 15 } });
    expect(githubTokenAnswer(200, { error: 'expired_token' })).toEqual({ status: 400, body: { error: 'expired_token' } });
    expect(githubTokenAnswer(200, { error: 'access_denied' })).toEqual({ status: 400, body: { error: 'access_denied' } });
  });

  it("GitHub's own names become the RFC 6749 ones: incorrect_device_code → invalid_grant, device_flow_disabled → unauthorized_client", () => {
    expect(githubTokenAnswer(200, { error: 'incorrect_device_code' }).body.error).toBe('invalid_grant');
    expect(githubTokenAnswer(200, { error: 'device_flow_disabled' }).body.error).toBe('unauthorized_client');
  });

  it('keeps the token endpoint mapping of the browser flow and passes a token answer through', () => {
    expect(githubTokenAnswer(200, { error: 'bad_verification_code' })).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect(githubTokenAnswer(200, { error: 'incorrect_client_credentials' }).body.error).toBe('invalid_client');
    expect(githubTokenAnswer(200, { access_token: 'gho_x', token_type: 'bearer', scope: 'read:user,user:email', expires_in: '28800' })).toEqual({
      status: 200,
      body: { access_token: 'gho_x', token_type: 'bearer', scope: 'read:user,user:email', expires_in: 28800 },
    });
    // An HTTP error status stays as it is.
    expect(githubTokenAnswer(401, { error: 'incorrect_client_credentials' }).status).toBe(401);
  });
});

describe('device authorization answers', () => {
  it("reads Google's verification_url as verification_uri", () => {
    const google = { device_code: 'AH-1', user_code: 'GQVQ-JKEC', verification_url: 'https://www.google.com/device', expires_in: 1800, interval: 5 };
    expect(deviceAuthorizationAnswer(google)).toEqual({ ...google, verification_uri: 'https://www.google.com/device' });
  });

  it('leaves a standard answer alone, and never overrides verification_uri', () => {
    const standard = { device_code: 'd', user_code: 'ABCD-EFGH', verification_uri: 'https://idp.example/device', verification_uri_complete: 'https://idp.example/device?user_code=ABCD-EFGH', expires_in: 600 };
    expect(deviceAuthorizationAnswer(standard)).toEqual(standard);
    expect(deviceAuthorizationAnswer({ ...standard, verification_url: 'https://other.example/' }).verification_uri).toBe('https://idp.example/device');
  });

  it('makes numbers sent as text numbers (form-encoded answers)', () => {
    expect(deviceAuthorizationAnswer({ device_code: 'd', user_code: 'u', verification_uri: 'https://github.com/login/device', expires_in: '899', interval: '5' })).toMatchObject({ expires_in: 899, interval: 5 });
  });
});

describe('the adapters as fetch wrappers, against a local server answering like GitHub', () => {
  let server: Server;
  let origin: string;
  const seen: { path: string; accept: string | undefined }[] = [];
  let pollAnswer = 'error=authorization_pending&error_description=pending';

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ path: req.url ?? '', accept: req.headers.accept });
      // GitHub answers form-encoded whatever Accept says here: the adapters must cope either way.
      res.setHeader('content-type', 'application/x-www-form-urlencoded; charset=utf-8');
      if (req.url === '/login/device/code') res.end('device_code=dc&user_code=WDJB-MJHT&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=900&interval=5');
      else if (req.url === '/login/oauth/access_token') res.end(pollAnswer);
      else res.end('other=1');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it('the device authorization answer arrives as RFC 8628 JSON, asked for with Accept: application/json', async () => {
    const wrapped = deviceAuthorizationFetch(fetch, `${origin}/login/device/code`);
    const response = await wrapped(`${origin}/login/device/code`, { method: 'POST', body: 'client_id=c' });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ device_code: 'dc', user_code: 'WDJB-MJHT', verification_uri: 'https://github.com/login/device', expires_in: 900, interval: 5 });
    expect(seen.at(-1)).toEqual({ path: '/login/device/code', accept: 'application/json' });
    // Other URLs go through untouched.
    expect(await (await wrapped(`${origin}/elsewhere`)).text()).toBe('other=1');
  });

  it('a poll answered 200 + slow_down becomes a 400 with the new interval as a number', async () => {
    pollAnswer = 'error=slow_down&error_description=Too+many+requests&interval=10';
    const wrapped = githubTokenEndpointFetch(fetch, `${origin}/login/oauth/access_token`);
    const response = await wrapped(`${origin}/login/oauth/access_token`, { method: 'POST', body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'slow_down', error_description: 'Too many requests', interval: 10 });
  });
});

const context = { embeddedClientId: 'latchkey-demo', embeddedIssuer: 'http://127.0.0.1:4600' };
function resolve(entry: Record<string, unknown>, name = 'p'): ResolvedProvider {
  return resolveProvider(name, providerSchema.parse(entry), context);
}

describe('which providers offer sign-in on another device, known without the network', () => {
  it('the demo provider and every preset do, each with its documented endpoint', () => {
    expect(resolve({ embedded: true }, 'demo').deviceFlow).toBe(true);
    expect(resolve({ preset: 'google', client_id: 'c', client_secret: 's' }, 'google')).toMatchObject({ deviceFlow: true, deviceAuthorizationEndpoint: 'https://oauth2.googleapis.com/device/code' });
    expect(resolve({ preset: 'microsoft', client_id: 'c' }, 'ms')).toMatchObject({ deviceFlow: true, deviceAuthorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/devicecode' });
    expect(resolve({ preset: 'microsoft', client_id: 'c', tenant: 'contoso.onmicrosoft.com', authority: 'https://login.microsoftonline.us/' }, 'ms').deviceAuthorizationEndpoint).toBe(
      'https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/devicecode',
    );
    const github = resolve({ preset: 'github', client_id: 'c', client_secret: 's' }, 'github');
    expect(github).toMatchObject({ deviceFlow: true, deviceAuthorizationEndpoint: 'https://github.com/login/device/code' });
    expect(github.metadata).toMatchObject({ type: 'static', endpoints: { device_authorization_endpoint: 'https://github.com/login/device/code' } });
    expect(resolve({ preset: 'github', client_id: 'c', client_secret: 's', host: 'https://ghe.example' }, 'ghe').deviceAuthorizationEndpoint).toBe('https://ghe.example/login/device/code');
    for (const name of PRESET_NAMES) expect(PROVIDER_PRESETS[name].deviceRegistration.length).toBeGreaterThan(0);
    expect(PROVIDER_PRESETS.google.deviceRegistration).toMatch(/TVs and Limited Input devices/);
    expect(PROVIDER_PRESETS.google.deviceRegistration).toMatch(/secret/);
  });

  it('written-out endpoints: only with device_authorization_endpoint; discovery: unknown until its metadata is read', () => {
    const plain = { client_id: 'c', authorization_endpoint: 'https://idp.example/authorize', token_endpoint: 'https://idp.example/token', userinfo_endpoint: 'https://idp.example/me', claims: { subject: 'id' } };
    expect(resolve(plain).deviceFlow).toBe(false);
    const withDevice = resolve({ ...plain, device_authorization_endpoint: 'https://idp.example/device' });
    expect(withDevice.deviceFlow).toBe(true);
    expect(withDevice.metadata).toMatchObject({ endpoints: { device_authorization_endpoint: 'https://idp.example/device' } });
    expect(resolve({ issuer: 'https://idp.example', client_id: 'c' }).deviceFlow).toBeUndefined();
    // With discovery the endpoint comes from the discovery document.
    expect(providerSchema.safeParse({ issuer: 'https://idp.example', client_id: 'c', device_authorization_endpoint: 'https://idp.example/device' }).success).toBe(false);
    expect(describeProviderCapabilities(resolve(plain)).join('\n')).toMatch(/sign-in on another device: no/);
    expect(describeProviderCapabilities(resolve({ preset: 'github', client_id: 'c', client_secret: 's' })).join('\n')).toMatch(/sign-in on another device: yes[\s\S]*Enable Device Flow/);
  });
});

describe('the QR code in a terminal', () => {
  it('draws two rows of modules per line with half blocks, dark modules as spaces, inside a quiet zone', () => {
    const text = 'http://127.0.0.1:4600/device?user_code=ABCD-EFGH';
    const modules = encodeQr(text);
    const lines = qrText(text).trimEnd().split('\n');
    const size = modules.length + 4;
    expect(lines).toHaveLength(Math.ceil(size / 2));
    for (const line of lines) expect([...line]).toHaveLength(size);
    // The first line is quiet zone only; the finder pattern's top-left module is dark.
    expect(lines[0]).toBe('█'.repeat(size));
    const dark = (x: number, y: number): boolean => modules[y - 2]?.[x - 2] === true;
    for (let y = 0; y < size; y += 2) {
      [...(lines[y / 2] as string)].forEach((char, x) => {
        const top = !dark(x, y);
        const bottom = y + 1 < size ? !dark(x, y + 1) : true;
        expect(char).toBe(top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ');
      });
    }
  });
});
