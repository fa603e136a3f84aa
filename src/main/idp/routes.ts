/**
 * The demo provider's request handler: its own pages (home, avatars, login/consent), the ownership challenge
 * and the demo API (`/api`) first, everything else (discovery, authorization, token, userinfo, revocation,
 * end-session...) to oidc-provider.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { avatarSvg } from './avatar';
import { handleDemoApi, isDemoApiPath } from './demo-api';
import type { DpopNonces } from './dpop-nonce';
import { ReplayCache } from './dpop-proof';
import { sendHtml } from './http-util';
import { handleInteraction, type InteractionAction } from './interactions';
import { answerOwnershipChallenge, OWNERSHIP_PATH } from './ownership';
import { errorPage, homePage } from './pages';
import { findDemoUser } from './users';

const AVATAR_PATH = /^\/avatars\/([a-z0-9_-]+)\.svg$/;
const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|consent))?$/;

export interface RouteDeps {
  provider: Provider;
  issuer: string;
  /** Answers the ownership challenge (see ownership.ts). */
  ownershipKey: Buffer;
  /** DPoP nonces shared with oidc-provider's token endpoint (one origin, one nonce). */
  dpopNonces: DpopNonces;
  log: (line: string) => void;
}

function isRead(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

function sendAvatar(res: ServerResponse, svg: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
  // An SVG opened directly is a document: forbid it everything.
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'public, max-age=86400');
  res.end(svg);
}

export function createRequestHandler(deps: RouteDeps): RequestListener {
  const providerCallback = deps.provider.callback();
  const apiDeps = { provider: deps.provider, issuer: deps.issuer, nonces: deps.dpopNonces, replays: new ReplayCache() };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', deps.issuer);
    if (pathname === '/' && isRead(req)) {
      sendHtml(res, 200, homePage(deps.issuer));
      return;
    }
    if (pathname === OWNERSHIP_PATH) {
      await answerOwnershipChallenge(req, res, deps.ownershipKey, deps.issuer);
      return;
    }
    if (isDemoApiPath(pathname)) {
      await handleDemoApi(req, res, apiDeps);
      return;
    }
    const avatar = AVATAR_PATH.exec(pathname);
    const avatarUser = avatar?.[1] === undefined ? undefined : findDemoUser(avatar[1]);
    if (avatarUser !== undefined && isRead(req)) {
      sendAvatar(res, avatarSvg(avatarUser));
      return;
    }
    const interaction = INTERACTION_PATH.exec(pathname);
    if (interaction?.[1] !== undefined) {
      const action: InteractionAction = interaction[2] === 'login' || interaction[2] === 'consent' ? interaction[2] : 'show';
      await handleInteraction(deps, req, res, interaction[1], action);
      return;
    }
    await providerCallback(req, res);
  }

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      deps.log(`demo provider: request failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendHtml(res, 500, errorPage({ error: 'server_error', description: 'The demo provider failed to handle this request.' }));
    });
  };
}
