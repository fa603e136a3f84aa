/** The payload of a JWT, decoded without verification: what a restore with no network can do with an ID token. */
import { Buffer } from 'node:buffer';

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
