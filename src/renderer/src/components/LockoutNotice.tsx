/** An account locked after too many wrong passwords: when it opens again, counting down live. */
import { useCountdown } from '../hooks/useCountdown';
import { formatClock } from '../lib/format';

export function LockoutNotice({ retryAt }: { retryAt: string }) {
  const left = useCountdown(retryAt);
  return (
    <div className="notice notice-warning" role="status" data-testid="lockout" data-retry-at={retryAt}>
      <h2 className="notice-title">This account is locked for now</h2>
      <p>There were too many wrong passwords for it.</p>
      <p className="countdown" data-testid="lockout-countdown">
        {left !== null && left > 0 ? `Try again in ${formatClock(left)}` : 'You can try again now.'}
      </p>
    </div>
  );
}
