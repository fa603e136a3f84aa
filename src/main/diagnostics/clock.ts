/**
 * Clock skew: this machine's clock against a provider's, from the HTTP `Date` header of its answer (one-second
 * resolution; the request's own duration is split evenly). ID tokens carry issue and expiry times that are
 * checked against this machine's clock with a few seconds of tolerance, and token lifetimes are counted from
 * it: a clock that is minutes off makes sign-ins fail with confusing errors and refreshes come too early or too
 * late. Pure.
 */
import type { Check } from './context';

/** Above this, the report warns. */
export const CLOCK_SKEW_WARNING_SECONDS = 60;

/** The offset in seconds (positive: the provider's clock is ahead of ours), or undefined without a usable header. */
export function clockSkewSeconds(dateHeader: string | null, sentAt: number, receivedAt: number): number | undefined {
  if (!dateHeader) return undefined;
  const providerTime = Date.parse(dateHeader);
  if (Number.isNaN(providerTime)) return undefined;
  return Math.round((providerTime - (sentAt + receivedAt) / 2) / 1000);
}

export function clockCheck(provider: string, skew: number | undefined): Check {
  const base = { group: 'clock' as const, id: `skew:${provider}`, title: `Clock against "${provider}"` };
  if (skew === undefined) return { ...base, status: 'skipped', detail: 'the provider sent no usable Date header' };
  const size = Math.abs(skew);
  if (size <= CLOCK_SKEW_WARNING_SECONDS) return { ...base, status: 'ok', detail: size <= 1 ? 'in step (within a second)' : `${size} s apart (within ${CLOCK_SKEW_WARNING_SECONDS} s)` };
  const minutes = size >= 120 ? ` (about ${Math.round(size / 60)} minutes)` : '';
  return {
    ...base,
    status: 'warning',
    detail: `this computer's clock is ${size} s${minutes} ${skew > 0 ? 'behind' : 'ahead of'} the provider's; ID token times are checked with a tolerance of a few seconds, so sign-ins and refreshes can fail`,
    fix: "Set this computer's clock automatically (NTP: timedatectl set-ntp true on Linux, \"Set time automatically\" on macOS and Windows), or ask the provider's operators to fix theirs.",
  };
}
