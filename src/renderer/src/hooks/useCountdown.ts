/** Milliseconds left until an ISO time, re-rendering about once a second; null when there is no target. */
import { useEffect, useState } from 'react';

function remaining(target: number): number {
  return Math.max(0, target - Date.now());
}

export function useCountdown(targetIso: string | undefined): number | null {
  const target = targetIso ? Date.parse(targetIso) : Number.NaN;
  const valid = !Number.isNaN(target);
  const [left, setLeft] = useState<number | null>(() => (valid ? remaining(target) : null));

  useEffect(() => {
    if (!valid) {
      setLeft(null);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      const now = remaining(target);
      setLeft(now);
      if (now <= 0) return;
      // Wake just after the next whole second of the countdown, so the display never skips a second.
      timer = setTimeout(tick, (now % 1000 || 1000) + 15);
    };
    tick();
    return () => clearTimeout(timer);
  }, [target, valid]);

  return left;
}
