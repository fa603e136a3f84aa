/** The account's picture, or its initials when there is none or it fails to load (offline, blocked, 404). */
import { useState } from 'react';
import { initials } from '../lib/format';

interface Props {
  name: string;
  picture?: string;
  size?: 'small' | 'large';
}

export function Avatar({ name, picture, size = 'large' }: Props) {
  const [failedSrc, setFailedSrc] = useState<string | null>(null);
  const className = `avatar avatar-${size}`;
  if (!picture || failedSrc === picture) {
    return (
      <span className={`${className} avatar-initials`} data-testid="avatar-initials" aria-hidden="true">
        {initials(name)}
      </span>
    );
  }
  // Decorative: the name is always shown next to it.
  return (
    <img
      className={className}
      src={picture}
      alt=""
      referrerPolicy="no-referrer"
      data-testid="avatar-image"
      onError={() => setFailedSrc(picture)}
    />
  );
}
