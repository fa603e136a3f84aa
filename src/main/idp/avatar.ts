/** The demo users' pictures: small generated SVGs, so the `picture` claim points at something real and offline. */
import { createHash } from 'node:crypto';
import { escapeHtml } from './html';
import type { DemoUser } from './users';

const COLOURS = ['#1d4ed8', '#047857', '#b45309', '#7c3aed', '#be123c', '#0e7490'] as const;

function colourFor(username: string): string {
  const byte = createHash('sha256').update(username).digest()[0] ?? 0;
  return COLOURS[byte % COLOURS.length] ?? COLOURS[0];
}

function initials(user: DemoUser): string {
  return `${user.givenName.charAt(0)}${user.familyName.charAt(0)}`.toUpperCase();
}

export function avatarSvg(user: DemoUser): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img" aria-label="${escapeHtml(user.name)}">
<circle cx="64" cy="64" r="64" fill="${colourFor(user.username)}"/>
<text x="64" y="64" dy=".35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="52" font-weight="600" fill="#fff">${escapeHtml(initials(user))}</text>
</svg>
`;
}
